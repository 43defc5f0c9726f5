"""Run a study of any kind: skip finished parts, execute the rest, then figures and report.

:func:`run_study` asks the study's kind for its parts (:mod:`scenarios.study.parts`), skips
those stamped done in the study's HDF5 file, runs the others (locally, or on several
GPUs / a Ray cluster for parts that can run remotely) and stamps each as it finishes,
so a killed study loses at most the part in flight (and less where a part resumes at
a finer grain). Then the kind writes its figures and report from the file.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .executors import EXECUTORS, cuda_count, execute_parallel
from .kinds import get_kind
from .parts import Part, PartStore, RunContext
from .report import Report
from .summary import Summary

__all__ = ["StudyResult", "run_study", "prepare_result_file", "aside_name", "stamp_study"]


@dataclass
class StudyResult:
    """What :func:`run_study` did: per-part status, outputs and the kind's summary."""

    study: Any
    parts: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    summary: Optional[Summary] = None
    figures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
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
            "warnings": self.warnings,
            **(self.summary.to_json() if self.summary is not None else {}),
        }


def run_study(
    study: Any,
    executor: str = "local",
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    progress: bool = True,
    fresh: bool = False,
    log: Optional[Callable[[str], None]] = None,
    resume: bool = False,
    workers: int = 1,
) -> StudyResult:
    """Execute every part of ``study`` not yet done in its file, then report.

    :param study: From :func:`~scenarios.study.kinds.load_study`.
    :param executor: ``local`` (serial, or ``workers`` processes; one worker per GPU when several GPUs
        are visible and ``device`` is automatic) or ``ray``; the kind lists which it supports.
    :param device: ``auto``/``None``, ``cpu``, ``cuda[:N]``.
    :param batch_size: Frames per batch (default: automatic).
    :param progress: Progress bars on stderr.
    :param fresh: Move an existing semlink result file aside (:func:`aside_name`) and start over.
    :param resume: Insist on an earlier result file.
    :param workers: ``local`` executor: parts that can run away from the file (``Part.remote``) run in
        this many spawned processes, one torch thread each, on ``device``; the parent alone writes.
        Parts without ``remote`` (their kind's parts depend on each other) run serially.
    :param log: One-line progress messages.

    Before any work (the kind's preflight included) the result file is checked
    (:func:`prepare_result_file`): a foreign or damaged file stops the study with one line.
    """
    from linklevel.engine.runtime import resolve_device

    kind = get_kind(study.kind)
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise ValueError(f"workers must be an integer in [1, 1024], got {workers!r}")
    if executor not in kind.executors:
        raise ValueError(f"the {kind.name} study runs with the {' or '.join(kind.executors)} executor")
    if executor == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("--executor ray needs Ray: pip install 'semlink[ray]'") from None
    path = study.result_file
    moved = prepare_result_file(path, fresh=fresh, resume=resume)
    if moved and log is not None:
        log(f"earlier results moved aside to {moved}")
    if kind.preflight is not None:
        kind.preflight(study)
    t0 = time.perf_counter()
    os.makedirs(study.out, exist_ok=True)
    mode, devices = executor, []
    ctx = RunContext(file=path, out=study.out, device=resolve_device(device), batch_size=batch_size,
                     progress=progress, log=log, workers=workers if executor == "local" else 1)
    if executor == "local" and workers > 1:
        mode, devices = "pool", [ctx.device] * workers
    elif executor == "local" and device in (None, "auto") and cuda_count() > 1:
        mode, devices = "pool", [f"cuda:{g}" for g in range(cuda_count())]
    stamp_study(path, study)
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
            execute_parallel(waiting, ctx, mode, lambda p, dt: (store.stamp(p), record(p, "finished", dt)),
                             devices=devices)
            waiting.clear()

    try:
        for part in kind.parts(study, ctx):
            if store.done(part):
                record(part, "skipped")
            elif mode != "local" and part.remote is not None:
                waiting.append(part)
            else:
                flush()  # a local part may read what the parallel ones wrote
                if mode == "pool" and part.remote is None:
                    ctx.say(f"{part.label or part.key}: runs in this process, in order (the kind does not run "
                            "it as a parallel part)")
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
        rep = Report(os.path.join(study.out, "report.md"), kind.title(study))
        result.summary = kind.report(study, path, rep)
        result.report, result.figures, result.warnings = rep.write(), rep.figures, rep.warnings
    result.runtime_s = time.perf_counter() - t0
    return result


def aside_name(path: str) -> str:
    """A new name beside ``path`` for moving it aside: ``<file>.<UTC time>.bak``, with ``.N`` added
    until no file of that name exists (nothing moved aside earlier is ever overwritten)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = f"{path}.{stamp}"
    cand, n = f"{base}.bak", 1
    while os.path.lexists(cand) or os.path.lexists(f"{cand}.journal"):
        cand, n = f"{base}.{n}.bak", n + 1
    return cand


def prepare_result_file(path: str, fresh: bool = False, resume: bool = False) -> Optional[str]:
    """Check a study's result file before any work; with ``fresh`` move a semlink file aside.

    * missing: fine (an error with ``resume``);
    * not a semlink result file (foreign HDF5, any other file, a folder, or an HDF5 file too damaged
      to tell whose it is): refused, never moved or modified, ``fresh`` or not;
    * a semlink file: verified (:func:`~linklevel.store.h5io.verify_file`; damage is one line naming the
      part), or with ``fresh`` moved aside, its BER journal beside it, under :func:`aside_name`.

    :output: The moved-aside path, or ``None``.
    """
    from linklevel.store.h5io import ResultFileError, file_lock, file_state, verify_file

    p = Path(path)
    if p.is_dir():
        raise ResultFileError(f"{path} is a folder, not a result file; choose another --out")
    if not p.exists():
        if resume:
            raise ValueError(f"--resume: no earlier results at {path!r}")
        return None
    state = file_state(p)
    if state == "damaged":
        raise ResultFileError(f"{path} is damaged (not a readable HDF5 file; whose it is cannot be told), so "
                              "semlink never moves or modifies it: delete it or choose another --out")
    if state != "semlink":
        raise ResultFileError(f"{path} is not a semlink result file; semlink never moves or modifies it: "
                              "choose another --out, or move it yourself")
    if not fresh:
        verify_file(p)
        return None
    with file_lock(p):
        dest = aside_name(path)
        os.replace(p, dest)
        journal = Path(f"{path}.journal")
        if journal.exists():
            os.replace(journal, f"{dest}.journal")
    return dest


def stamp_study(path: str, study: Any) -> None:
    """Record in the file's root which study it holds (its TOML text, source, variant and output folder),
    so ``semlink show`` can report any file without the study file at hand."""
    from linklevel.store.h5io import atomic_h5, open_result

    stamp = {"study_kind": study.kind, "study_name": study.name, "study_source": str(study.source),
             "study_toml": Path(study.source).read_text(encoding="utf-8"), "study_quick": bool(study.quick),
             "study_out": str(study.out), "study_decoder": study.decoder or ""}
    if os.path.exists(path):
        with open_result(path) as f:
            if all(_same(f.attrs.get(k), v) for k, v in stamp.items()):
                return
    with atomic_h5(path) as f:
        for k, v in stamp.items():
            f.attrs[k] = v


def _same(have: Any, want: Any) -> bool:
    return (have.decode() if isinstance(have, bytes) else have) == want
