"""linklevel.engine.workers: ordered results equal to the serial loop, the caller computing too, early stop,
failures raised in the caller, workers that cannot outlive the caller."""

from __future__ import annotations

import functools
import os
import time

import pytest

from linklevel.engine.workers import ordered_parallel


def _slow_square(k: int, device: str) -> tuple[int, int, str]:
    time.sleep(0.3)
    import torch

    return k * k, os.getpid(), f"{device}:{torch.get_num_threads()}"


def _fail(k: int, device: str) -> int:
    if k == 3:
        raise RuntimeError(f"task {k} failed")
    time.sleep(0.2)
    return k


def test_results_in_order_from_several_processes():
    tasks = [functools.partial(_slow_square, k) for k in range(12)]
    got = list(ordered_parallel(tasks, workers=2))
    assert [i for i, _ in got] == list(range(12))
    assert [r[0] for _, r in got] == [k * k for k in range(12)]
    pids = {r[1] for _, r in got}
    assert os.getpid() in pids, "the caller computes while the worker starts"
    assert len(pids) == 2, "the spawned worker computed some tasks"
    assert {r[2] for _, r in got if r[1] != os.getpid()} == {"cpu:1"}  # one torch thread per worker


def test_serial_is_the_plain_loop():
    tasks = [functools.partial(_slow_square, k) for k in range(3)]
    got = list(ordered_parallel(tasks, workers=1))
    assert {r[1] for _, r in got} == {os.getpid()}


def test_early_stop_kills_the_workers():
    import multiprocessing as mp

    tasks = [functools.partial(_slow_square, k) for k in range(40)]
    t0 = time.perf_counter()
    for i, _ in ordered_parallel(tasks, workers=2):
        if i == 2:
            break
    assert time.perf_counter() - t0 < 8
    deadline = time.time() + 10
    while mp.active_children() and time.time() < deadline:
        time.sleep(0.1)
    assert not mp.active_children()


def test_a_failing_task_raises_in_the_caller():
    tasks = [functools.partial(_fail, k) for k in range(8)]
    with pytest.raises(RuntimeError, match="task 3 failed"):
        list(ordered_parallel(tasks, workers=2))
    with pytest.raises(ValueError, match="workers"):
        list(ordered_parallel(tasks, workers=0))


def _timed(k: int, marks: str, device: str) -> tuple[float, float]:
    t = time.time()
    time.sleep(0.25)
    open(os.path.join(marks, str(k)), "w").close()  # which tasks ran at all
    return t, time.time()


def test_chained_tasks_wait_for_their_predecessor_and_dropped_ones_never_run(tmp_path):
    """Tasks 0-5 form a chain (each after the previous), 6-11 are free; the result of task 2 drops
    3-5. Every chained task started after its predecessor ended, the free ones filled the other
    process, and the dropped tasks never ran anywhere."""
    tasks = [functools.partial(_timed, k, str(tmp_path)) for k in range(12)]
    after = [None] + [k - 1 for k in range(1, 6)] + [None] * 6
    got = dict(ordered_parallel(tasks, workers=2, ordered=False, after=after,
                                drop=lambda i, v: range(3, 6) if i == 2 else ()))
    assert sorted(got) == [0, 1, 2] + list(range(6, 12))
    for k in (1, 2):
        assert got[k][0] >= got[k - 1][1] - 0.01
    assert sorted(int(p.name) for p in tmp_path.iterdir()) == sorted(got)
