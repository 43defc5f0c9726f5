"""Run a study of any kind: skip finished parts, execute the rest, then figures and report.

:func:`run_study` asks the study's kind for its parts (:mod:`scenarios.parts`), skips
those stamped done in the study's HDF5 file, runs the others (locally, or on several
GPUs / a Ray cluster for parts that can run remotely) and stamps each as it finishes,
so a killed study loses at most the part in flight (and less where a part resumes at
a finer grain). Then the kind writes its figures and report from the file.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .executors import EXECUTORS, cuda_count, execute_parallel
from .kinds import get_kind
from .parts import Part, PartStore, RunContext

__all__ = ["StudyResult", "run_study"]


@dataclass
class StudyResult:
    """What :func:`run_study` did: per-part status, outputs and the kind's summary."""

    study: Any
    parts: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    report: Optional[str] = None
    runtime_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The ``semlink run --json`` object."""
        return {
            "study": self.study.name,
            "kind": self.study.kind,
            "quick": self.study.quick,
            "out": self.study.out,
            "file": self.study.result_file,
            "report": self.report,
            "figures": self.figures,
            "parts": self.parts,
            "interrupted": self.interrupted,
            "runtime_s": self.runtime_s,
            **self.summary,
        }


def run_study(
    study: Any,
    executor: str = "local",
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    progress: bool = True,
    fresh: bool = False,
    log: Optional[Callable[[str], None]] = None,
) -> StudyResult:
    """Execute every part of ``study`` not yet done in its file, then report.

    :param study: From :func:`~scenarios.kinds.load_study`.
    :param executor: ``local`` (serial; one worker per GPU when several GPUs are visible
        and ``device`` is automatic) or ``ray``; the kind lists which it supports.
    :param device: ``auto``/``None``, ``cpu``, ``cuda[:N]``.
    :param batch_size: Frames per batch (default: automatic).
    :param progress: Progress bars on stderr.
    :param fresh: Move an existing result file aside (``<file>.bak``) and start over.
    :param log: One-line progress messages.
    """
    from linklevel.runtime import resolve_device

    kind = get_kind(study.kind)
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    if executor not in kind.executors:
        raise ValueError(f"the {kind.name} study runs with the {' or '.join(kind.executors)} executor")
    if kind.preflight is not None:
        kind.preflight(study)
    t0 = time.perf_counter()
    path = study.result_file
    os.makedirs(study.out, exist_ok=True)
    if fresh and os.path.exists(path):
        os.replace(path, path + ".bak")
    mode = executor
    if executor == "local" and device in (None, "auto") and cuda_count() > 1:
        mode = "multi-gpu"
    ctx = RunContext(file=path, out=study.out, device=resolve_device(device), batch_size=batch_size,
                     progress=progress, log=log)
    store = PartStore(path)
    result = StudyResult(study=study)
    waiting: list[Part] = []

    def record(part: Part, status: str, runtime_s: Optional[float] = None) -> None:
        row = {"key": part.key, "label": part.label or part.key, "status": status}
        if runtime_s is not None:
            row["runtime_s"] = runtime_s
        result.parts.append(row)

    def flush() -> None:
        if waiting:
            execute_parallel(waiting, ctx, mode, lambda p, dt: (store.stamp(p), record(p, "finished", dt)))
            waiting.clear()

    try:
        for part in kind.parts(study, ctx):
            if store.done(part):
                record(part, "skipped")
            elif mode != "local" and part.remote is not None:
                waiting.append(part)
            else:
                flush()  # a local part may read what the parallel ones wrote
                t = time.perf_counter()
                part.run(ctx)
                store.stamp(part)
                record(part, "finished", time.perf_counter() - t)
        flush()
    except KeyboardInterrupt:
        result.interrupted = True
        done = {r["key"] for r in result.parts}
        for part in waiting:
            if part.key not in done:
                record(part, "interrupted")
    if os.path.exists(path):
        result.summary, result.figures, result.report = kind.report(study, ctx)
    result.runtime_s = time.perf_counter() - t0
    return result
