"""Run a study: skip completed runs, execute the rest, then write figures and the report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from .ber import BerRun, BerRunResult
from .executors import execute_runs, is_complete
from .study import Study

__all__ = ["StudyResult", "run_study"]


@dataclass
class StudyResult:
    """What :func:`run_study` did: per-run status, output paths and verdict counts."""

    study: Study
    runs: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    figures: list[str] = field(default_factory=list)
    report: Optional[str] = None
    verdicts: dict[str, int] = field(default_factory=dict)
    coded_gaps: list[dict[str, Any]] = field(default_factory=list)
    runtime_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The ``semlink run --json`` object."""
        return {
            "study": self.study.name,
            "quick": self.study.quick,
            "file": self.study.result_file,
            "report": self.report,
            "figures": self.figures,
            "runs": self.runs,
            "verdicts": self.verdicts,
            "coded_gaps": self.coded_gaps,
            "interrupted": self.interrupted,
            "runtime_s": self.runtime_s,
        }


def run_study(
    study: Study,
    executor: str = "local",
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    progress: bool = True,
    fresh: bool = False,
) -> StudyResult:
    """Execute every run of ``study`` that is not complete in its file, then report.

    :param study: From :func:`~scenarios.study.load_study`.
    :param executor: ``local`` or ``ray`` (:mod:`scenarios.executors`).
    :param device: Device for the local serial executor.
    :param batch_size: Frames per batch (default: automatic).
    :param progress: Progress bars on stderr.
    :param fresh: Move an existing result file aside (``<file>.bak``) and start over.
    """
    from .report import coded_gaps, collect, summary, write_figures, write_report

    t0 = time.perf_counter()
    out = study.result_file
    os.makedirs(study.out, exist_ok=True)
    if fresh and os.path.exists(out):
        os.replace(out, out + ".bak")
    runs = study.unique_runs()
    labels = {}
    for fig in study.figures:
        for sr in fig.runs:
            labels.setdefault(sr.run.run_id, []).append(f"{fig.name}: {sr.label}")
    result = StudyResult(study=study)
    pending: list[BerRun] = []
    status: dict[str, dict[str, Any]] = {}
    for run in runs:
        done = os.path.exists(out) and is_complete(out, run)
        status[run.run_id] = {"run_id": run.run_id, "labels": labels[run.run_id],
                              "status": "skipped" if done else "pending", "points": len(run.ebno_db)}
        if not done:
            pending.append(run)

    def on_done(run: BerRun, res: BerRunResult) -> None:
        status[run.run_id]["status"] = "finished"
        status[run.run_id]["runtime_s"] = res.runtime_s

    ok = execute_runs(pending, out, executor=executor, device=device, batch_size=batch_size,
                      progress=progress, on_done=on_done)
    result.interrupted = not ok
    for st in status.values():
        if st["status"] == "pending":
            st["status"] = "interrupted" if result.interrupted else "pending"
    result.runs = list(status.values())
    if os.path.exists(out):
        views = collect(study)
        result.figures = write_figures(study, views)
        result.report = write_report(study, views, result.figures)
        result.verdicts = summary(views)
        for v in views:
            g = coded_gaps(v, study.target_bler)
            if g is not None:
                result.coded_gaps.append({"run_id": v.run_id, "label": v.label, **g})
    result.runtime_s = time.perf_counter() - t0
    return result
