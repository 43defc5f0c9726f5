"""The report of a BER study, read back from its HDF5 file (``semlink run`` and ``semlink show``).

* the verdicts in words, then a **verdict table** (per run: points, consistent, gap, insufficient,
  worst gap, run time);
* for coded runs the measured SNR **gap** to the normal approximation, the meta-converse and the RCUs
  bound at the study's target BLER (:func:`~scenarios.ber.verdicts.coded_gaps`);
* per figure: the figure (:mod:`scenarios.ber.figures`) and a **point table**: Eb/N0, errors / trials,
  BER and BLER with their intervals on the independent unit, status, the analytic value and the
  verdict.

A file written by ``semlink ber`` (no study stamp) is reported run by run from what is stored: every
run's points with their intervals, the analytic values and verdicts stored beside them.
The typed summary is :class:`BerSummary`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from linklevel.engine.overlay import CURVE_LABELS, MIN_INDEPENDENT_ERRORS, MIN_INDEPENDENT_TRIALS, no_model_reason
from linklevel.store.points import PointResult
from linklevel.store.results import ResultStore, RunRecord

from ..study.report import Report
from ..study.stats import MIN_UNITS, Interval
from ..study.summary import Summary
from .figures import study_figure
from .labels import link_title, verdict_word
from .schema import BerStudy
from .verdicts import (CodedGap, RunView, VerdictCounts, coded_gaps, collect, count_verdicts, stored_status)

__all__ = ["BerSummary", "report"]


@dataclass
class BerSummary(Summary):
    """What a BER study concludes: runs and points reported, verdict counts, coded gaps.

    .. code-block:: python

        >>> s = BerSummary(runs=1, points=3, verdicts=VerdictCounts(consistent=2, gap=1, uncoded_consistent=2))
        >>> s.lines()[0]
        'verdicts: uncoded vs exact formulas: 2 consistent, 0 gap, 0 insufficient; all points: 2 consistent, 1 gap, 0 insufficient, 0 no model'
        >>> s.to_json()["verdicts"]["gap"]
        1
    """

    runs: int = 0
    points: int = 0
    verdicts: VerdictCounts = field(default_factory=VerdictCounts)
    coded_gaps: list[CodedGap] = field(default_factory=list)

    def lines(self) -> list[str]:
        v = self.verdicts
        lines = [f"verdicts: uncoded vs exact formulas: {v.uncoded_consistent} consistent, {v.uncoded_gap} gap, "
                 f"{v.uncoded_insufficient} insufficient; all points: {v.consistent} consistent, {v.gap} gap, "
                 f"{v.insufficient} insufficient, {v.none} no model"]
        for g in self.coded_gaps:
            gaps = ", ".join(f"{c.curve} {c.gap_db:+.2f} dB" + (f" [{c.gap_range_db[0]:+.2f}, {c.gap_range_db[1]:+.2f}]"
                                                                 if c.gap_range_db else "")
                             for c in g.curves if c.gap_db is not None)
            lines.append(f"coded gap at BLER {g.target_bler:g}: {g.label}: {gaps or 'target not bracketed'}")
        return lines


def report(study: Optional[BerStudy], file: str, rep: Report) -> BerSummary:
    """The BER report of ``file`` into ``rep`` (``study`` ``None``: a ``semlink ber`` file, every run)."""
    if study is None:
        return _report_file(file, rep)
    views = collect(study, file)
    counts = count_verdicts(("none" if d is None else d["status"], v.metric == "ber")
                            for v in views for d in v.verdicts)
    gaps = [g for g in (coded_gaps(v, study.target_bler) for v in views) if g is not None]
    _intro(study, views, counts, file, rep)
    _verdict_table(views, rep)
    _gap_table(study, views, gaps, rep)
    for fig in study.figures:
        rows = [v for v in views if v.figure == fig.name]
        if rows:
            rep.section(fig.title)
            study_figure(rep, study, fig, rows)
            _figure_points(rows, rep)
    return BerSummary(runs=len({v.run_id for v in views}), points=sum(len(v.points) for v in views),
                      verdicts=counts, coded_gaps=gaps)


def _intro(study: BerStudy, views: list[RunView], s: VerdictCounts, file: str, rep: Report) -> None:
    """Only what applies to the study is said: the clustered-interval note when a run's errors are not
    independent, the uncoded and coded paragraphs when there are such runs."""
    if study.description:
        rep.paragraph(study.description.strip())
    clustered = any(d is not None and "frames" in d.get("ci_method", "") for v in views for d in v.verdicts)
    rep.paragraph(f"Result file: `{os.path.basename(file)}` · study file: `{os.path.basename(study.source)}` · "
                  f"{study.confidence:.0%} Clopper–Pearson intervals.",
                  "Where bit or block errors are not independent (coded links, block fading, OFDM) the interval is "
                  "on frames: Clopper–Pearson on effective counts with the empirical design effect D."
                  if clustered else "")
    rep.paragraph(f"**Verdicts:** {s.consistent} consistent, {s.gap} with a gap, {s.insufficient} with too little "
                  f"information for a verdict, {s.none} without an analytic model or trials, over {len(views)} runs.")
    if any(v.metric == "ber" for v in views):
        decided = s.uncoded_consistent + s.uncoded_gap
        rep.paragraph(f"**Uncoded links vs exact formulas:** {s.uncoded_consistent} consistent, {s.uncoded_gap} "
                      f"with a gap, {s.uncoded_insufficient} insufficient; with correct formulas at most about "
                      f"{1 - study.confidence:.0%} of the decided points fall outside their interval by chance "
                      f"(≈ {(1 - study.confidence) * decided:.1f} expected here).")
    if any(v.metric == "bler" for v in views):
        rep.paragraph("**Coded links** are compared with references for *random* codes (finite-blocklength "
                      "bounds, outage), so a gap is expected there and measured below.")
    rep.paragraph("A point is *consistent* when the analytic value lies inside the simulated interval; otherwise the "
                  "gap is the horizontal distance Eb/N0(sim) − Eb/N0(analytic) at the simulated rate (positive: the "
                  "simulation needs more SNR). A point is *insufficient* (neither) with fewer than "
                  f"{MIN_INDEPENDENT_TRIALS} independent trials (frames where errors are clustered) or fewer than "
                  f"{MIN_INDEPENDENT_ERRORS} errors of the independent unit (effective errors e/D on frames).")


def _verdict_table(views: list[RunView], rep: Report) -> None:
    rep.section("Verdict table")
    rows = []
    for v in views:
        vd = [d for d in v.verdicts if d is not None]
        worst = max((abs(d["gap_db"]) for d in vd if d["status"] == "gap" and d.get("gap_db") is not None),
                    default=None)
        against = v.model.reference if v.model is not None else no_model_reason(v.link)
        n = {s: sum(d["status"] == s for d in vd) for s in ("consistent", "gap", "insufficient")}
        rows.append([v.figure, v.label, link_title(v.link), v.metric.upper(), against, len(v.points),
                     f"{n['consistent']}/{len(vd)}", n["gap"], n["insufficient"], worst, round(v.runtime_s, 1)])
    rep.table(["figure", "run", "link", "metric", "against", "points", "consistent", "gap", "insufficient",
               "worst gap [dB]", "runtime [s]"], rows, caption="verdicts per run")


def _db(x: Optional[float], rng: Optional[tuple[float, float]] = None, sign: str = "") -> Optional[str]:
    """``x`` in dB with two decimals and its range in brackets (``None``: not available)."""
    if x is None:
        return None
    return f"{x:{sign}.2f}" + (f" [{rng[0]:{sign}.2f}, {rng[1]:{sign}.2f}]" if rng else "")


def _gap_table(study: BerStudy, views: list[RunView], gaps: list[CodedGap], rep: Report) -> None:
    if not gaps:
        return
    names = list(dict.fromkeys(c.curve for g in gaps for c in g.curves))
    rep.section(f"Coded links: measured gaps at BLER {study.target_bler:g}")
    rep.paragraph("Eb/N0 the simulated code needs at the target BLER (in brackets: where the interval bounds of the "
                  "simulated BLER cross the target), the Eb/N0 each reference needs at the same (n, k), and the gap "
                  "= simulated − reference, with the same uncertainty. Meta-converse: no code does better; RCUs: a "
                  "random code achieves it; normal approximation and outage: Gaussian-input or random-coding "
                  "estimates.")
    rows = []
    for g in gaps:
        by = {c.curve: c for c in g.curves}
        cells: list[Any] = []
        for n in names:
            c = by.get(n)
            cells += [None, None] if c is None else [_db(c.ebno_db), _db(c.gap_db, c.gap_range_db, "+")]
        rows.append([g.label, _db(g.ebno_sim_db, g.ebno_sim_range_db)] + cells)
    headers = ["run", "Eb/N0 sim [dB]"] + [h for n in names for h in (f"{CURVE_LABELS[n]} [dB]", "gap [dB]")]
    rep.table(headers, rows, caption=f"Eb/N0 at BLER {study.target_bler:g} and gaps to the references")


def _interval(rep: Report, p: PointResult, metric: str, confidence: float, what: str) -> Optional[Interval]:
    """The point's ``metric`` rate with its interval on the independent unit (``None`` without trials); as
    everywhere in the kit, fewer than :data:`~scenarios.study.stats.MIN_UNITS` independent units give the
    rate without an interval (and a report warning)."""
    trials = p.bits if metric == "ber" else p.blocks
    if not trials:
        return None
    unit = p.ber_unit if metric == "ber" else p.bler_unit
    n = int(p.frames if unit == "frames" else trials)
    lo, hi = (p.ber_ci(confidence) if metric == "ber" else p.bler_ci(confidence)) if n >= MIN_UNITS else (math.nan,) * 2
    iv = Interval(float(getattr(p, metric)), float(lo), float(hi), n, unit.rstrip("s"), confidence)
    return rep.interval(iv, f"{what} at {p.ebno_db:g} dB, {metric.upper()}")


def _point_cells(rep: Report, p: PointResult, confidence: float, what: str) -> list[Any]:
    """Eb/N0, bit errors / bits, BER with its interval, block errors / blocks, BLER with its interval, status."""
    return [p.ebno_db, f"{p.bit_errors:,} / {p.bits:,}", _interval(rep, p, "ber", confidence, what),
            f"{p.block_errors:,} / {p.blocks:,}", _interval(rep, p, "bler", confidence, what), p.status]


def _point_headers(confidence: float) -> list[str]:
    return ["Eb/N0 [dB]", "bit errors / bits", f"BER [{confidence:.0%} CI]", "block errors / blocks",
            f"BLER [{confidence:.0%} CI]", "status"]


def _figure_points(rows: list[RunView], rep: Report) -> None:
    """Per point of a figure's runs: counts, BER and BLER with intervals, analytic value, D, verdict."""
    conf = rows[0].confidence
    show_d = any(d is not None and d.get("design_effect", 1.0) != 1.0 for v in rows for d in v.verdicts)
    table = []
    for v in rows:
        for p, d in zip(v.points, v.verdicts):
            ref = v.model.curves[v.model.reference](p.ebno_db) if v.model is not None else None
            deff = [d.get("design_effect", 1.0) if d else None] if show_d else []
            table.append([v.label] + _point_cells(rep, p, conf, v.label) + [ref] + deff + [verdict_word(d)])
    rep.table(["run"] + _point_headers(conf) + ["analytic"] + (["D"] if show_d else []) + ["verdict"], table,
              caption=f"{rows[0].figure}: points (analytic: the reference the verdict uses)")


def _report_file(file: str, rep: Report) -> BerSummary:
    """Every run of a file written by ``semlink ber``: its points, intervals and stored verdicts."""
    store = ResultStore(file)
    records = [store.read_run(rid) for rid in store.runs()]
    rep.paragraph(f"Result file: `{os.path.basename(file)}` (`semlink ber` runs, no study): {len(records)} runs; "
                  "intervals are Clopper–Pearson on the independent unit of each point.")
    rep.table(["run", "link", "seed", "device", "batch", "confidence", "points", "runtime [s]", "git"],
              [[r.run_id, _link(r), r.attrs.get("seed"), r.attrs.get("device"), r.attrs.get("batch_size"),
                r.attrs.get("confidence", 0.95), len(r.points), r.attrs.get("runtime_s"), r.attrs.get("git_sha")]
               for r in records], caption="runs")
    statuses = []
    for r in records:
        statuses += _run_points(r, rep)
    return BerSummary(runs=len(records), points=sum(len(r.points) for r in records),
                      verdicts=count_verdicts(statuses))


def _link(r: RunRecord) -> Optional[str]:
    link = r.config.get("link")
    return link_title(link) if isinstance(link, dict) else None


def _run_points(r: RunRecord, rep: Report) -> list[tuple[str, bool]]:
    """The point table of one stored run; returns each point's ``(verdict status, uncoded)``."""
    conf = float(r.attrs.get("confidence", 0.95))
    link = r.config.get("link") if isinstance(r.config.get("link"), dict) else {}
    uncoded = link.get("code", "none") == "none"
    curves = sorted(k for k in r.extras if k.startswith("analytic_"))
    rows, statuses = [], []
    for i, p in enumerate(r.points):
        status = stored_status(r.extras, i)
        gap = float(r.extras["verdict_gap_db"][i]) if "verdict_gap_db" in r.extras else math.nan
        word = verdict_word(None if status == "none" else {"status": status, "gap_db": None if math.isnan(gap) else gap},
                            short=True)
        rows.append(_point_cells(rep, p, conf, f"run {r.run_id}") + [float(r.extras[c][i]) for c in curves] + [word])
        statuses.append((status, uncoded))
    rep.section(f"Run {r.run_id}: {_link(r) or 'link not stored'}", 3)
    rep.table(_point_headers(conf) + [CURVE_LABELS.get(c[9:], c[9:]) for c in curves] + ["verdict"], rows,
              caption=f"points of run {r.run_id}")
    return statuses
