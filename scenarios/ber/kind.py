"""The ``ber`` study kind: one part per distinct run, figures and a verdict report."""

from __future__ import annotations

import functools
import os
from typing import Any, Iterator, Optional

from linklevel.store.results import ResultStore

from ..study.kinds import StudyKind
from ..study.parts import Part, RunContext
from .run import (BerRun, combine_points, point_stops_run, point_task, points_to_do, run_ber, store_result,
                  worker_run)
from .study import STUDY_KEYS, TABLES, BerStudy, load_ber

__all__ = ["KIND"]


def _run_local(run: BerRun, ctx: RunContext) -> None:
    res = run_ber(run, out=ctx.file, device=ctx.device, batch_size=ctx.batch_size, progress=ctx.progress,
                  workers=ctx.workers)
    if res.interrupted:
        raise KeyboardInterrupt


def _parts(study: BerStudy, ctx: RunContext) -> Iterator[Part]:
    labels: dict[str, list[str]] = {}
    for fig in study.figures:
        for sr in fig.runs:
            labels.setdefault(sr.run.run_id, []).append(f"{fig.name}: {sr.label}")
    runs = study.unique_runs()
    stored = ResultStore(ctx.file) if len(runs) > 1 and os.path.exists(ctx.file) else None
    for run in runs:
        label = "; ".join(labels[run.run_id])
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


def _report(study: BerStudy, ctx: RunContext) -> tuple[dict[str, Any], list[str], Optional[str]]:
    from .report import coded_gaps, collect, summary, write_figures, write_report

    views = collect(study, ctx.device, ctx.batch_size)
    figures = write_figures(study, views)
    report = write_report(study, views, figures)
    gaps = []
    for v in views:
        g = coded_gaps(v, study.target_bler)
        if g is not None:
            gaps.append({"run_id": v.run_id, "label": v.label, **g})
    return {"verdicts": summary(views), "coded_gaps": gaps}, figures, report


def _summary_lines(s: dict[str, Any]) -> list[str]:
    v = s.get("verdicts", {})
    lines = [f"verdicts: uncoded vs exact formulas: {v.get('uncoded_consistent', 0)} consistent, "
             f"{v.get('uncoded_gap', 0)} gap, {v.get('uncoded_insufficient', 0)} insufficient; all points: "
             f"{v.get('consistent', 0)} consistent, {v.get('gap', 0)} gap, {v.get('insufficient', 0)} insufficient, "
             f"{v.get('none', 0)} no model"]
    for g in s.get("coded_gaps", []):
        gaps = ", ".join(f"{k[4:-3]} {g[k]:+.2f} dB" + (f" [{g[k[:-3] + '_range_db'][0]:+.2f}, "
                                                         f"{g[k[:-3] + '_range_db'][1]:+.2f}]"
                                                         if g.get(k[:-3] + "_range_db") else "")
                         for k in g if k.startswith("gap_") and k.endswith("_db") and not k.endswith("_range_db")
                         and g[k] is not None)
        lines.append(f"coded gap at BLER {g['target_bler']:g}: {g['label']}: {gaps or 'target not bracketed'}")
    return lines


KIND = StudyKind(name="ber", load=load_ber, parts=_parts, report=_report, summary_lines=_summary_lines,
                 tables=TABLES, study_keys=STUDY_KEYS, executors=("local", "ray"))
