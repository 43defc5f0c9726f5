"""The runs of a BER study read back from its file, their verdicts against the analytic models and the
coded gaps.

Everything is rebuilt from the file (points, attributes, the link config), so the report of a resumed
or partly finished study is as complete as the file.

* :func:`collect`: every run of a study's figures as stored (:class:`RunView`), with each point's
  interval on its independent unit and its verdict (:func:`~linklevel.engine.overlay.point_verdict`);
* :func:`count_verdicts`: consistent / gap / insufficient / no model, over all points and over the
  uncoded ones (:class:`VerdictCounts`);
* :func:`coded_gaps`: for a coded run, the Eb/N0 the simulated code needs at the target BLER (interpolated
  linearly in log10 BLER between the two points that bracket it) and the gap to each analytic curve
  (:class:`CodedGap`);
* :func:`stored_status`: the verdict stored beside a point by ``semlink ber`` (files without a study).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import numpy as np

from linklevel import LinkConfig
from linklevel.engine.overlay import AnalyticModel, analytic_model, point_verdict
from linklevel.store.points import PointResult
from linklevel.store.results import ResultStore, RunRecord, canonical_json

from .schema import BerStudy
from .sweep import BerRun

__all__ = ["RunView", "VerdictCounts", "CurveGap", "CodedGap", "collect", "count_verdicts", "ebno_at", "coded_gaps",
           "stored_status", "STATUSES"]

#: Verdict statuses of a point (``none``: no analytic model, or no trials).
STATUSES = ("consistent", "gap", "insufficient", "none")


@dataclass
class RunView:
    """A run of a figure as stored: its points on the figure's grid, model and verdicts."""

    figure: str
    label: str
    run_id: str
    link: LinkConfig
    points: list[PointResult]
    model: Optional[AnalyticModel]
    intervals: list[tuple[float, float]]
    verdicts: list[Optional[dict]]
    runtime_s: float
    seed: int
    confidence: float = 0.95

    @property
    def metric(self) -> str:
        return "ber" if self.link.code == "none" else "bler"


@dataclass
class VerdictCounts:
    """Point verdicts over all runs (``none``: no model or no trials) and over the uncoded runs, whose
    references are exact formulas."""

    consistent: int = 0
    gap: int = 0
    insufficient: int = 0
    none: int = 0
    uncoded_consistent: int = 0
    uncoded_gap: int = 0
    uncoded_insufficient: int = 0

    def add(self, status: str, uncoded: bool) -> None:
        """Count one point of ``status`` (one of :data:`STATUSES`)."""
        setattr(self, status, getattr(self, status) + 1)
        if uncoded and status != "none":
            name = f"uncoded_{status}"
            setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class CurveGap:
    """A coded run against one analytic curve at the target BLER: the Eb/N0 the curve needs there and the
    gap = simulated − curve (``gap_range_db``: the simulated range minus the curve's Eb/N0)."""

    curve: str
    ebno_db: Optional[float]
    gap_db: Optional[float]
    gap_range_db: Optional[tuple[float, float]]


@dataclass(frozen=True)
class CodedGap:
    """Where a coded run reaches the target BLER (``None``: not bracketed by its points) and its gaps."""

    run_id: str
    label: str
    target_bler: float
    ebno_sim_db: Optional[float]
    ebno_sim_range_db: Optional[tuple[float, float]]
    curves: tuple[CurveGap, ...]


def _free_identity(config: dict[str, Any]) -> str:
    """A run's identity without what only says where it ran (device kind, batch size)."""
    return canonical_json({k: v for k, v in config.items() if k not in ("device", "batch_size")})


def _records(file: str) -> dict[str, list[RunRecord]]:
    """The file's runs grouped by identity without device and batch size, latest update first."""
    store = ResultStore(file)
    out: dict[str, list[RunRecord]] = {}
    for rid in store.runs():
        rec = store.read_run(rid)
        out.setdefault(_free_identity(rec.config), []).append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: str(r.attrs.get("updated", "")), reverse=True)
    return out


def _view(figure: str, label: str, run: BerRun, rec: RunRecord) -> RunView:
    grid = {round(v, 9) for v in run.ebno_db}
    pts = [p for p in rec.points if round(p.ebno_db, 9) in grid]
    model = analytic_model(run.link, float(rec.attrs.get("info_bits_per_symbol", 1.0)))
    metric = "ber" if run.link.code == "none" else "bler"
    ivs, vds = [], []
    for p in pts:
        if model is not None:
            iv, v = point_verdict(model, p, run.confidence)
        else:
            iv, v = getattr(p, f"{metric}_ci")(run.confidence), None
        ivs.append(iv)
        vds.append(v)
    return RunView(figure, label, rec.run_id, run.link, pts, model, ivs, vds, float(rec.attrs.get("runtime_s", 0.0)),
                   run.seed, run.confidence)


def collect(study: BerStudy, file: str) -> list[RunView]:
    """Read every run of ``study``'s figures back from ``file`` (runs not yet in the file are left out).

    A run is found by its identity less the device kind and batch size it ran with (which name it in the
    file, :meth:`~scenarios.ber.sweep.BerRun.on`); where the file holds it from several devices or batch
    sizes, the latest updated one is reported.
    """
    records = _records(file)
    views = []
    for fig in study.figures:
        for sr in fig.runs:
            found = records.get(_free_identity(sr.run.identity()))
            if found:
                views.append(_view(fig.name, sr.label, sr.run, found[0]))
    return views


def count_verdicts(statuses: Iterable[tuple[str, bool]]) -> VerdictCounts:
    """:class:`VerdictCounts` of ``(status, uncoded)`` pairs."""
    counts = VerdictCounts()
    for status, uncoded in statuses:
        counts.add(status, uncoded)
    return counts


def stored_status(extras: dict[str, np.ndarray], i: int) -> str:
    """The verdict status of point ``i`` as ``semlink ber`` stored it beside the points
    (:meth:`~scenarios.ber.sweep.BerRunResult.point_extras`; ``none`` where no verdict was stored)."""
    def value(name: str) -> float:
        return float(extras[name][i]) if name in extras else math.nan

    if value("verdict_insufficient") == 1.0:
        return "insufficient"
    consistent = value("verdict_consistent")
    return "none" if math.isnan(consistent) else "consistent" if consistent == 1.0 else "gap"


def ebno_at(points: list[PointResult], target: float, metric: str = "bler") -> Optional[float]:
    """Eb/N0 where the simulated rate crosses ``target`` (log-linear interpolation; None if not bracketed).

    .. code-block:: python

        >>> from linklevel.store.points import PointResult
        >>> pts = [PointResult(1.0, blocks=100, block_errors=50), PointResult(2.0, blocks=1000, block_errors=5)]
        >>> round(ebno_at(pts, 0.05), 3)
        1.5
    """
    xs = [(p.ebno_db, getattr(p, metric)) for p in sorted(points, key=lambda p: p.ebno_db)
          if (p.blocks if metric == "bler" else p.bits) > 0]
    return _crossing([x for x, _ in xs], [y for _, y in xs], target)


def _crossing(xs: list[float], ys: list[float], target: float) -> Optional[float]:
    """First x where the decreasing sequence ys crosses target (log-linear; None if not bracketed)."""
    for x0, y0, x1, y1 in zip(xs, ys, xs[1:], ys[1:]):
        if y0 >= target >= y1 and y0 > 0:
            if y1 <= 0:
                return None  # no error observed at the far point: the crossing is not located
            l0, l1, lt = math.log10(y0), math.log10(y1), math.log10(target)
            return x0 if l0 == l1 else x0 + (x1 - x0) * (l0 - lt) / (l0 - l1)
    return None


def coded_gaps(view: RunView, target: float) -> Optional[CodedGap]:
    """Simulated Eb/N0 at ``target`` BLER, its uncertainty, and the gap to each analytic curve (coded runs).

    The uncertainty ``ebno_sim_range_db`` is where the interval bounds of the simulated BLER
    cross the target (log-linear interpolation, as for the estimate): the upper bound curve
    crosses later, the lower earlier. A gap's range is that range minus the bound's Eb/N0.
    """
    if view.metric != "bler" or view.model is None:
        return None
    sim = ebno_at(view.points, target, "bler")
    xs = [p.ebno_db for p in view.points]
    lo_x = _crossing(xs, [iv[0] for iv in view.intervals], target)
    hi_x = _crossing(xs, [iv[1] for iv in view.intervals], target)
    rng = None if sim is None or lo_x is None or hi_x is None else (min(lo_x, hi_x), max(lo_x, hi_x))
    curves = []
    for name in view.model.curves:
        x = view.model.ebno_for(name, target)
        curves.append(CurveGap(name, x, None if (x is None or sim is None) else sim - x,
                               None if (x is None or rng is None) else (rng[0] - x, rng[1] - x)))
    return CodedGap(view.run_id, view.label, target, sim, rng, tuple(curves))
