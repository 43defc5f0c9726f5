"""The parts of a ``ber`` study: one part per distinct run, and what each part runs.

A part is one :class:`~scenarios.ber.sweep.BerRun` (``runs/<run_id>``; its extent is the run's SNR grid).
In this process a part is :func:`~scenarios.ber.sweep.run_ber`, which computes the run's SNR points (in
``ctx.workers`` processes when the study has a single run) and appends each to the file as it finishes.
With several runs the parallel executors get the finer work too: every SNR point still to do is a
task (:func:`point_task`), :func:`combine_points` turns the values done so far into a
:class:`~scenarios.ber.sweep.BerRunResult` that :func:`store_result` writes (the parent is the only
writer), and :func:`point_stops_run` ends a run's sweep after an error-free point when its stopping
rule says so; on Ray a part is one task per run (:func:`worker_run`).
"""

from __future__ import annotations

import functools
import os
from typing import Iterator, Optional

from linklevel.store.points import PointResult
from linklevel.store.results import ResultStore

from ..study.parts import Part, RunContext
from .schema import BerStudy
from .sweep import BerRun, BerRunResult, run_ber

__all__ = ["parts", "store_result", "worker_run", "point_task", "point_stops_run", "points_to_do", "combine_points"]


def _run_local(run: BerRun, ctx: RunContext) -> None:
    res = run_ber(run, out=ctx.file, device=ctx.device, batch_size=ctx.batch_size, progress=ctx.progress,
                  workers=ctx.workers)
    if res.interrupted:
        raise KeyboardInterrupt


def _run_labels(study: BerStudy) -> dict[str, str]:
    """Run id -> where the run is drawn (``figure: label``, joined by ``; `` when several figures share it)."""
    labels: dict[str, list[str]] = {}
    for fig in study.figures:
        for sr in fig.runs:
            labels.setdefault(sr.run.run_id, []).append(f"{fig.name}: {sr.label}")
    return {rid: "; ".join(v) for rid, v in labels.items()}


def parts(study: BerStudy, ctx: RunContext) -> Iterator[Part]:
    """One part per distinct run of ``study`` (:meth:`~scenarios.ber.schema.BerStudy.unique_runs`), named
    ``runs/<run_id>`` with the run's identity on ``ctx.device`` as its config and its SNR grid as extent."""
    labels = _run_labels(study)
    runs = study.unique_runs()
    stored = ResultStore(ctx.file) if len(runs) > 1 and os.path.exists(ctx.file) else None
    for run in runs:
        label = labels[run.run_id]
        run = run.on(ctx.device, ctx.batch_size)
        # several runs: parallel over every run's SNR points still to do (tasks; Ray: one task per run);
        # a single run: its SNR points in parallel inside the run's local part (_run_local)
        remote = functools.partial(worker_run, run, ctx.batch_size) if len(runs) > 1 else None
        finished = stored.finished_points(run.run_id) if stored is not None else {}
        todo = points_to_do(run, finished) if remote else ()
        yield Part(key=f"runs/{run.run_id}", config=run.identity(), run=functools.partial(_run_local, run),
                   label=label, extent=run.ebno_db, seed=run.seed, remote=remote, store=store_result,
                   tasks=tuple(functools.partial(point_task, run, v) for v in todo),
                   combine=functools.partial(combine_points, run, ctx.device, todo, finished) if todo else None,
                   stop=functools.partial(point_stops_run, run) if run.stop.stop_after_zero_errors else None)


def store_result(out: str, result: BerRunResult) -> None:
    """Write a run computed elsewhere (another process, a Ray worker) into ``out``.

    Points already in the file are kept; new ones are added with their analytic
    extras. Used by the parallel executors, where only the parent writes the file; an
    ``interrupted`` result (some points still running) is a partial store.
    """
    store = ResultStore(out)
    if result.model is None:
        result.attach_model()
    stored = store.finished_points(result.run_id)
    # a partial result (``interrupted``: points still in flight) only appends its new points (one
    # journal line each); the run's attributes (a rewrite of the file) are written when the run is
    # new and once it is complete
    if not store.has_run(result.run_id):
        store.ensure_run(result.run_id, result.attrs())
    have = {round(k, 9) for k in stored}
    for p in result.points:
        if p.status in ("skipped", "interrupted") or round(p.ebno_db, 9) in have:
            continue  # not finished, or already in the file
        store.append_point(result.run_id, p, result.run.confidence, extras=result.point_extras(p))
        stored[p.ebno_db] = p
    if not result.interrupted:
        total = float(sum(p.runtime_s for p in stored.values()))
        store.ensure_run(result.run_id, {**result.attrs(), "runtime_s": total})


def worker_run(run: BerRun, batch_size: Optional[int], device: str) -> BerRunResult:
    """Simulate ``run`` without touching any file (a parallel worker, one torch thread); the parent
    stores it with :func:`store_result`."""
    from linklevel.engine.runtime import set_threads

    set_threads(1)
    res = run_ber(run, out=None, device=device, batch_size=batch_size, progress=False, analytic=False)
    res.model = None  # closures do not pickle; the parent rebuilds the model
    return res


def point_task(run: BerRun, ebno_db: float, device: str) -> tuple[PointResult, int, float]:
    """One SNR point of ``run`` in any process (the parallel executor's unit for BER studies):
    ``(point, batch size, information bits per symbol)``; the same counts as in :func:`run_ber`."""
    from linklevel.engine.montecarlo import auto_batch_size, cached_link, simulate_point

    link = cached_link((run.link, run.precision, run.compile), device)
    batch = run.batch_size if run.batch_size is not None else auto_batch_size(link, run.stop)
    return simulate_point(link, ebno_db, run.stop, batch, run.seed), batch, link.info_rate


def point_stops_run(run: BerRun, result: tuple[PointResult, int, float]) -> bool:
    """Whether a :func:`point_task` result ends ``run``'s sweep (an error-free point with
    ``stop_after_zero_errors``): the later points are skipped."""
    return _stops(run, result[0])


def _stops(run: BerRun, p: PointResult) -> bool:
    return bool(run.stop.stop_after_zero_errors) and p.status not in ("interrupted", "skipped") and p.bit_errors == 0


def points_to_do(run: BerRun, finished: dict[float, PointResult]) -> tuple[float, ...]:
    """The SNR points of ``run`` the serial sweep would still compute, given the ``finished`` ones
    (keyed by SNR, as :meth:`~linklevel.store.results.ResultStore.finished_points`): none past a finished
    point that stops the run."""
    done = {round(k, 9): p for k, p in finished.items()}
    todo = []
    for v in sorted(run.ebno_db):
        p = done.get(round(v, 9))
        if p is None:
            todo.append(v)
        elif _stops(run, p):
            break
    return tuple(todo)


def combine_points(run: BerRun, device: str, todo: tuple[float, ...], finished: dict[float, PointResult],
                   results: list) -> BerRunResult:
    """The :class:`BerRunResult` of the stored ``finished`` points and the :func:`point_task`
    ``results`` of the ``todo`` points (for :func:`store_result`). A result may be ``None``: a point
    not computed yet (``interrupted``, not stored: the executor stores what is done on every
    arrival, so a kill loses only the points in flight) or not needed. Points after an error-free
    one are ``skipped`` when the run stops after zero errors, exactly as the serial sweep skips them."""
    got = {round(v, 9): r for v, r in zip(todo, results)}
    done = {round(k, 9): p for k, p in finished.items()}
    points: list[PointResult] = []
    skip = False
    for v in sorted(run.ebno_db):
        key = round(v, 9)
        if skip:
            p = PointResult(ebno_db=v, status="skipped")
        elif key in done:
            p = done[key]
        else:
            r = got.get(key)
            p = r[0] if r is not None else PointResult(ebno_db=v, status="interrupted")
        points.append(p)
        skip = skip or _stops(run, p)
    _, batch, rate = next(r for r in results if r is not None)
    partial = any(p.status == "interrupted" for p in points)
    return BerRunResult(run=run, run_id=run.run_id, points=points, interrupted=partial, device=device,
                        batch_size=batch, info_rate=rate, runtime_s=float(sum(p.runtime_s for p in points)))
