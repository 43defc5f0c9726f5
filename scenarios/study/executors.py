"""Parallel executors for parts that can run away from the result file.

* ``pool``: one process per entry of ``devices``, this one included (:mod:`linklevel.engine.workers`:
  spawned workers with one torch thread each): ``semlink run --workers N`` gives N entries of the
  run's device; with several CUDA devices and an automatic device, one per GPU;
* ``ray``: one Ray task per part on a cluster (``RAY_ADDRESS``, or a local Ray instance
  when unset), one GPU per task when the cluster has GPUs (optional extra ``semlink[ray]``).

A remote part computes ``part.remote(device)`` in the worker; the parent alone writes it
(``part.store(file, result)``), then the runner stamps it: the file never has two writers.
The serial local executor is the runner itself (:mod:`scenarios.study.runner`).
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Sequence

from .parts import Part, RunContext

__all__ = ["EXECUTORS", "cuda_count", "execute_parallel"]

EXECUTORS = ("local", "ray")

OnDone = Callable[[Part, float], None]


def cuda_count() -> int:
    """Visible CUDA devices (0 without a usable CUDA)."""
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - no usable CUDA
        return 0


def execute_parallel(parts: Sequence[Part], ctx: RunContext, mode: str, on_done: OnDone,
                     devices: Sequence[str] = ()) -> None:
    """Run remote-capable ``parts`` on workers; write and report each as it completes.

    :param mode: ``pool`` (one process per entry of ``devices``, this one included; default one per
        visible GPU) or ``ray``.
    :param on_done: ``(part, seconds)`` after the parent stored the part's result.
    :raises KeyboardInterrupt: When interrupted (finished parts stay stored).
    """
    if mode == "ray":
        _execute_ray(parts, ctx, on_done)
    elif mode == "pool":
        devs = list(devices) or [f"cuda:{g}" for g in range(cuda_count())]
        _execute_pool(parts, ctx, devs, on_done)
    else:
        raise ValueError(f"unknown parallel executor {mode!r}")


def _plan(parts: Sequence[Part]) -> tuple[list, list[tuple[int, int]], list, list[float]]:
    """The pool's tasks (a part's ``tasks``, else the part), their owners ``(part, position)``, the
    chains (a part that may stop early runs its tasks one after another, so nothing is computed that
    would be dropped) and the priorities: longest processing time first, so that no long task is
    left for the end: chains (the critical path), then every part's last tasks (a BER run's highest
    SNR points, the ones that run to the trial budget), then the earlier ones."""
    tasks: list = []
    owner: list[tuple[int, int]] = []
    after: list = []
    priority: list[float] = []
    for k, part in enumerate(parts):
        units = part.tasks if _split(part) else (part.remote,)
        chained = _split(part) and part.stop is not None
        for j, unit in enumerate(units):
            after.append(len(tasks) - 1 if chained and j > 0 else None)
            priority.append(float("inf") if chained else float(j - len(units)))
            owner.append((k, j))
            tasks.append(unit)
    return tasks, owner, after, priority


def _execute_pool(parts: Sequence[Part], ctx: RunContext, devices: list[str], on_done: OnDone) -> None:
    """``len(devices)`` processes in all: this one (on ``ctx.device``) computes while the spawned
    workers (``devices[1:]``) start, then beside them. The unit of work is a part's ``tasks`` where
    it has them (combined in order when all are in), else the part; each part is stored as soon
    as it is complete, in whatever order parts complete."""
    from tqdm.auto import tqdm

    from linklevel.engine.workers import ordered_parallel

    tasks, owner, after, priority = _plan(parts)
    got: dict[int, dict[int, Any]] = {k: {} for k in range(len(parts))}
    need = {k: len(part.tasks) if _split(part) else 1 for k, part in enumerate(parts)}
    t0 = time.perf_counter()

    def stops(i: int, value: Any) -> bool:
        part = parts[owner[i][0]]
        return _split(part) and part.stop is not None and bool(part.stop(value))

    def drop(i: int, value: Any) -> range:  # a part's tasks after one that stops it never start
        k, j = owner[i]
        return range(i + 1, i - j + len(parts[k].tasks)) if stops(i, value) else range(0)

    bar = tqdm(total=len(tasks), disable=not ctx.progress, unit="task", leave=False,
               desc=f"{len(parts)} parts on {len(devices)} processes")
    try:
        for i, value in ordered_parallel(tasks, len(devices), device=devices[0], devices=devices[1:], ordered=False,
                                         drop=drop, after=after, priority=priority):
            bar.update(1)  # every process's results, as they arrive
            k, j = owner[i]
            got[k][j] = value
            if stops(i, value):
                need[k] = min(need[k], j + 1)
            if need[k] < 0:
                continue  # a task of a part already stored (computed before it was dropped)
            part = parts[k]
            complete = all(q in got[k] for q in range(need[k]))
            if _split(part):  # what is done is stored on every arrival: a kill loses only what is in flight
                part.store(ctx.file, part.combine([got[k].get(q) if q < need[k] else None
                                                   for q in range(len(part.tasks))]))
            elif complete:
                part.store(ctx.file, value)
            if complete:
                on_done(part, time.perf_counter() - t0)
                ctx.say(f"finished {part.label or part.key}")
                need[k] = -1  # stored
    finally:
        bar.close()


def _split(part: Part) -> bool:
    return bool(part.tasks) and part.combine is not None


def _execute_ray(parts: Sequence[Part], ctx: RunContext, on_done: OnDone) -> None:
    try:
        import ray
    except ImportError:
        raise ValueError("the ray executor needs Ray: pip install 'semlink[ray]'") from None
    started = False
    refs: dict = {}
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS") or None, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True, configure_logging=False)
        started = True
    try:
        # the device kind is part of a run's identity: tasks run on the kind the parts were named for
        use_gpu = ctx.device.startswith("cuda")
        if use_gpu and not ray.cluster_resources().get("GPU", 0):
            raise ValueError("the runs were named for CUDA but the Ray cluster has no GPU; use --device cpu")
        task = ray.remote(num_gpus=1 if use_gpu else 0, num_cpus=1, max_retries=1)(lambda fn, dev: fn(dev))
        refs = {task.remote(part.remote, "cuda" if use_gpu else "cpu"): (part, time.perf_counter()) for part in parts}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                part, t = refs.pop(ref)
                part.store(ctx.file, ray.get(ref))
                on_done(part, time.perf_counter() - t)
    except KeyboardInterrupt:
        for ref in list(refs):
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()
