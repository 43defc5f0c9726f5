"""Process-parallel execution of independent tasks, results in order: N processes, one torch thread each.

Monte Carlo work is embarrassingly parallel (SNR points, runs, study parts), and semlink's kernels
are many small tensor ops, so the way to use N cores is N processes with one intra-op thread each
(what AFF3CT, MATLAB ``parfor`` and clusters do), not N threads on small tensors.

:func:`ordered_parallel` computes ``tasks[i](device)`` for every ``i`` on ``workers`` processes, the
calling process being one of them: it starts ``workers - 1`` spawned workers and computes tasks
itself while they start, so a short job is never slower than the serial loop by the workers' start-up
(a few seconds of imports). Results are yielded **in task order** as soon as the next one is
available; the caller may stop early (``break`` or ``close()``): unstarted tasks are dropped and the
workers are killed. Each task must depend only on its own arguments (SNR points carry their own seed:
:func:`~linklevel.runtime.point_seed`), so the results equal the serial ones.

Workers ignore SIGINT (the parent alone answers Ctrl-C and kills them) and, on Linux, die with the
parent (``PR_SET_PDEATHSIG``), so neither Ctrl-C nor ``kill -9`` of the parent leaves one running.
A worker that fails raises its exception in the parent.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, Optional, Sequence

__all__ = ["ordered_parallel", "worker_init"]

Task = Callable[[str], Any]


def worker_init(threads: int = 1) -> None:
    """Start-up of a spawned worker: SIGINT ignored, death with the parent, ``threads`` torch threads."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux / glibc: workers end when their queue closes
        pass
    from .runtime import set_threads

    set_threads(threads)


def _ready() -> bool:
    return True


class _Dispatch:
    """The shared state of one :func:`ordered_parallel` call (guarded by ``cond``)."""

    def __init__(self, n: int) -> None:
        self.cond = threading.Condition()
        self.n = n
        self.next_task = 0
        self.results: dict[int, tuple[bool, Any]] = {}  # index -> (ok, value or exception)
        self.stopped = False

    def claim(self) -> Optional[int]:
        with self.cond:
            if self.stopped or self.next_task >= self.n:
                return None
            self.next_task += 1
            return self.next_task - 1

    def put(self, i: int, ok: bool, value: Any) -> None:
        with self.cond:
            self.results[i] = (ok, value)
            self.cond.notify_all()


def _dispatcher(state: _Dispatch, pools: list, devices: list[str], tasks: Sequence[Task]) -> None:
    """Keep every started worker busy: assign the next unclaimed task when one becomes idle."""
    from concurrent.futures import FIRST_COMPLETED, wait

    outstanding = {pool.submit(_ready): (w, None) for w, pool in enumerate(pools)}
    while outstanding:
        done, _ = wait(list(outstanding), return_when=FIRST_COMPLETED)
        for fut in done:
            w, i = outstanding.pop(fut)
            err = fut.exception()
            if err is not None:  # a task failed or a worker could not start: the caller raises it
                state.put(-1 if i is None else i, False, err)
                continue
            if i is not None:
                state.put(i, True, fut.result())
            j = state.claim()
            if j is not None:
                outstanding[pools[w].submit(tasks[j], devices[w])] = (w, j)


def ordered_parallel(
    tasks: Sequence[Task],
    workers: int,
    device: str = "cpu",
    local: Optional[Callable[[int], Any]] = None,
    devices: Optional[Sequence[str]] = None,
    threads: int = 1,
    ordered: bool = True,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(i, tasks[i](device))`` for every task, computed on ``workers`` processes.

    :param tasks: Picklable callables ``device -> result`` (e.g. :func:`functools.partial` of a
        module-level function).
    :param workers: Processes in all, the caller included (``1``: the serial loop, nothing spawned).
    :param device: The caller's device, and the workers' unless ``devices`` is given.
    :param local: ``i -> result`` computing task ``i`` in the caller (e.g. with objects it already
        built); default ``tasks[i](device)``.
    :param devices: One device per spawned worker (``workers - 1`` entries), e.g. one GPU each.
    :param threads: torch threads of each spawned worker.
    :param ordered: Yield in index order (else as results arrive, e.g. to store each at once).
    :output: An iterator of ``(index, result)``. Closing it early kills the workers.

    .. code-block:: python

        >>> list(ordered_parallel([lambda dev, k=k: k * k for k in range(4)], workers=1))
        [(0, 0), (1, 1), (2, 4), (3, 9)]
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    n = len(tasks)
    spawn = min(workers - 1, max(n - 1, 0))
    devs = list(devices) if devices is not None else [device] * spawn
    if len(devs) < spawn:
        raise ValueError(f"{spawn} workers need {spawn} devices, got {len(devs)}")
    compute = local if local is not None else (lambda i: tasks[i](device))
    if spawn == 0:
        for i in range(n):
            yield i, compute(i)
        return
    yield from _parallel(tasks, compute, devs[:spawn], threads, ordered)


def _parallel(tasks: Sequence[Task], compute: Callable[[int], Any], devices: list[str],
              threads: int, ordered: bool) -> Iterator[tuple[int, Any]]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")
    state = _Dispatch(len(tasks))
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=worker_init, initargs=(threads,))
             for _ in devices]
    thread = threading.Thread(target=_dispatcher, args=(state, pools, devices, tasks), daemon=True,
                              name="semlink-dispatch")
    thread.start()
    try:
        for k in range(len(tasks)):
            while True:
                with state.cond:
                    failed = None if state.stopped else state.results.get(-1)
                    i = k if ordered else min((j for j in state.results if j >= 0), default=k)
                    got = state.results.pop(i, None)
                    mine = None if got is not None or failed is not None else state.claim()
                    if failed is not None:
                        raise failed[1]
                    if got is None and mine is None:
                        state.cond.wait(0.5)
                        continue
                if got is not None:
                    ok, value = got
                    if not ok:
                        raise value
                    yield i, value
                    break
                state.put(mine, True, compute(mine))
    finally:
        # every result is in (or the caller stopped): what runs or starts up is killed
        with state.cond:
            state.stopped = True
        for pool in pools:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        thread.join(timeout=10)
