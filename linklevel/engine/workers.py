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
:func:`~linklevel.engine.runtime.point_seed`), so the results equal the serial ones.

Workers ignore SIGINT (the parent alone answers Ctrl-C and kills them) and, on Linux, die with the
parent (``PR_SET_PDEATHSIG``), so neither Ctrl-C nor ``kill -9`` of the parent leaves one running.
A worker that fails raises its exception in the parent.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

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
    from linklevel.engine.runtime import set_threads

    set_threads(threads)


def _ready() -> bool:
    return True


class _Dispatch:
    """The shared state of one :func:`ordered_parallel` call (guarded by ``cond``)."""

    def __init__(self, n: int, after: Optional[Sequence[Optional[int]]] = None,
                 priority: Optional[Sequence[float]] = None) -> None:
        self.cond = threading.Condition()
        self.n = n
        self.after = list(after) if after is not None else [None] * n
        self.order = sorted(range(n), key=lambda j: (-priority[j], j)) if priority is not None else list(range(n))
        self.claimed: set[int] = set()
        self.finished: set[int] = set()
        self.results: dict[int, tuple[bool, Any]] = {}  # index -> (ok, value or exception)
        self.dropped: set[int] = set()  # tasks no longer needed (never started if not yet claimed)
        self.stopped = False

    def open_tasks(self) -> bool:
        """Whether some task may still be claimed (now or once its predecessor finished)."""
        with self.cond:
            return not self.stopped and len(self.claimed | self.dropped) < self.n

    def claim(self) -> Optional[int]:
        """The first task (by priority, then index) not claimed, not dropped and whose predecessor
        (``after``) has finished."""
        with self.cond:
            if self.stopped:
                return None
            for j in self.order:
                if j not in self.claimed and j not in self.dropped and \
                        (self.after[j] is None or self.after[j] in self.finished or self.after[j] in self.dropped):
                    self.claimed.add(j)
                    return j
            return None

    def put(self, i: int, ok: bool, value: Any) -> None:
        with self.cond:
            self.results[i] = (ok, value)
            self.finished.add(i)
            self.cond.notify_all()


def _dispatcher(state: _Dispatch, pools: list, devices: list[str], tasks: Sequence[Task]) -> None:
    """Keep every started worker busy: give an idle one the next claimable task (a task waiting for
    its predecessor is looked at again as results come in, from any process)."""
    from concurrent.futures import FIRST_COMPLETED, wait

    outstanding = {pool.submit(_ready): (w, None) for w, pool in enumerate(pools)}
    idle: list[int] = []
    while outstanding or (idle and state.open_tasks()):
        done, _ = wait(list(outstanding), timeout=0.2, return_when=FIRST_COMPLETED) if outstanding else \
            (set(), None)
        if not outstanding:
            with state.cond:
                state.cond.wait(0.2)
        for fut in done:
            w, i = outstanding.pop(fut)
            err = fut.exception()
            if err is not None:  # a task failed or a worker could not start: the caller raises it
                state.put(-1 if i is None else i, False, err)
                continue
            if i is not None:
                state.put(i, True, fut.result())
            idle.append(w)
        while idle:
            j = state.claim()
            if j is None:
                break
            w = idle.pop(0)
            outstanding[pools[w].submit(tasks[j], devices[w])] = (w, j)


def ordered_parallel(
    tasks: Sequence[Task],
    workers: int,
    device: str = "cpu",
    local: Optional[Callable[[int], Any]] = None,
    devices: Optional[Sequence[str]] = None,
    threads: int = 1,
    ordered: bool = True,
    drop: Optional[Callable[[int, Any], Iterable[int]]] = None,
    after: Optional[Sequence[Optional[int]]] = None,
    priority: Optional[Sequence[float]] = None,
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
    :param drop: ``(i, result) -> indices`` of tasks that result makes unnecessary (e.g. the SNR
        points after an error-free one): those not started never start, and none of them is yielded.
    :param after: Per task, the index of an earlier task that must have finished before it starts (or
        ``None``): e.g. a chain over the SNR points of a run that stops after an error-free point,
        so that no point the serial sweep would skip is computed; other tasks fill the processes.
    :param priority: Per task, higher starts first among those that may start (default: index
        order); e.g. the expensive tasks first, so that no long task is left for the end.
    :output: An iterator of ``(index, result)``. Closing it early kills the workers.

    .. code-block:: python

        >>> list(ordered_parallel([lambda dev, k=k: k * k for k in range(4)], workers=1))
        [(0, 0), (1, 1), (2, 4), (3, 9)]
        >>> list(ordered_parallel([lambda dev, k=k: k for k in range(5)], workers=1,
        ...                       drop=lambda i, v: range(i + 1, 5) if v == 2 else ()))
        [(0, 0), (1, 1), (2, 2)]
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    n = len(tasks)
    spawn = min(workers - 1, max(n - 1, 0))
    devs = list(devices) if devices is not None else [device] * spawn
    if len(devs) < spawn:
        raise ValueError(f"{spawn} workers need {spawn} devices, got {len(devs)}")
    compute = local if local is not None else (lambda i: tasks[i](device))
    drop = drop or (lambda i, v: ())
    if spawn == 0:
        dropped: set[int] = set()
        for i in range(n):
            if i not in dropped:
                value = compute(i)
                yield i, value
                dropped.update(drop(i, value))
        return
    yield from _parallel(tasks, compute, devs[:spawn], threads, ordered, drop, after, priority)


def _parallel(tasks: Sequence[Task], compute: Callable[[int], Any], devices: list[str], threads: int,
              ordered: bool, drop: Callable[[int, Any], Iterable[int]],
              after: Optional[Sequence[Optional[int]]], priority: Optional[Sequence[float]]
              ) -> Iterator[tuple[int, Any]]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")
    state = _Dispatch(len(tasks), after, priority)
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=worker_init, initargs=(threads,))
             for _ in devices]
    thread = threading.Thread(target=_dispatcher, args=(state, pools, devices, tasks), daemon=True,
                              name="semlink-dispatch")
    thread.start()
    yielded: set[int] = set()
    try:
        while True:
            with state.cond:
                wanted = [j for j in range(len(tasks)) if j not in yielded and j not in state.dropped]
                if not wanted:
                    break
                failed = state.results.get(-1)
                if failed is not None:
                    raise failed[1]
                for j in [j for j in state.results if j in state.dropped]:
                    del state.results[j]  # computed before it was dropped: not wanted
                ready = [wanted[0]] if ordered else wanted
                got = next((j for j in ready if j in state.results), None)
                item = state.results.pop(got) if got is not None else None
                mine = state.claim() if got is None else None
                if got is None and mine is None:
                    state.cond.wait(0.5)
                    continue
            if got is None:
                state.put(mine, True, compute(mine))
                continue
            ok, value = item
            if not ok:
                raise value
            yielded.add(got)
            yield got, value
            extra = set(drop(got, value)) - yielded
            with state.cond:
                state.dropped.update(extra)
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
