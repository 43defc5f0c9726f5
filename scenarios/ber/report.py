"""Figures and a Markdown report of a study, read back from its HDF5 file.

Everything is rebuilt from the file (points, attributes, the link config), so the
report of a resumed or partly finished study is as complete as the file.

* one PNG per figure: simulated BER (uncoded) or BLER (coded) with their intervals
  and the analytic curves of each run in the same colour;
* ``report.md``: a verdict table (per run: points, consistent, worst gap), a
  per-point table, and for coded runs the measured SNR gap to the normal
  approximation, the meta-converse and the RCUs bound at the study's target BLER
  (the simulated Eb/N0 at the target is interpolated linearly in log10 BLER between
  the two points that bracket it).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from linklevel import LinkConfig
from linklevel.points import PointResult
from linklevel.overlay import AnalyticModel, analytic_model, point_verdict
from linklevel.results import ResultStore

from .study import BerStudy

__all__ = ["RunView", "collect", "ebno_at", "coded_gaps", "write_figures", "write_report", "plot_run", "table_lines",
           "show_runs", "show_lines", "CURVE_LABELS", "link_title"]

CURVE_LABELS = {"ber": "exact BER", "bler_na": "normal approx.", "bler_converse": "meta-converse",
                 "bler_rcus": "RCUs"}


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

    @property
    def metric(self) -> str:
        return "ber" if self.link.code == "none" else "bler"


def collect(study: BerStudy) -> list[RunView]:
    """Read every run of ``study`` back from its file (runs not yet in the file are left out)."""
    store = ResultStore(study.result_file)
    have = set(store.runs())
    views = []
    for fig in study.figures:
        for sr in fig.runs:
            rid = sr.run.run_id
            if rid not in have:
                continue
            rec = store.read_run(rid)
            grid = {round(v, 9) for v in sr.run.ebno_db}
            pts = [p for p in rec.points if round(p.ebno_db, 9) in grid]
            model = analytic_model(sr.run.link, float(rec.attrs.get("info_bits_per_symbol", 1.0)),
                                   int(rec.attrs.get("bits_per_fade", 1)))
            metric = "ber" if sr.run.link.code == "none" else "bler"
            ivs, vds = [], []
            for p in pts:
                if model is not None:
                    iv, v = point_verdict(model, p, sr.run.confidence)
                else:
                    iv, v = getattr(p, f"{metric}_ci")(sr.run.confidence), None
                ivs.append(iv)
                vds.append(v)
            views.append(RunView(fig.name, sr.label, rid, sr.run.link, pts, model, ivs, vds,
                                 float(rec.attrs.get("runtime_s", 0.0)), sr.run.seed))
    return views


def ebno_at(points: list[PointResult], target: float, metric: str = "bler") -> Optional[float]:
    """Eb/N0 where the simulated rate crosses ``target`` (log-linear interpolation; None if not bracketed).

    .. code-block:: python

        >>> from linklevel.points import PointResult
        >>> pts = [PointResult(1.0, blocks=100, block_errors=50), PointResult(2.0, blocks=1000, block_errors=5)]
        >>> round(ebno_at(pts, 0.05), 3)
        1.5
    """
    xs = [(p.ebno_db, getattr(p, metric)) for p in sorted(points, key=lambda p: p.ebno_db)
          if (p.blocks if metric == "bler" else p.bits) > 0]
    for (x0, y0), (x1, y1) in zip(xs, xs[1:]):
        if y0 >= target >= y1 and y0 > 0:
            if y1 <= 0:
                return None  # no error observed at the far point: the crossing is not located
            l0, l1, lt = math.log10(y0), math.log10(y1), math.log10(target)
            return x0 if l0 == l1 else x0 + (x1 - x0) * (l0 - lt) / (l0 - l1)
    return None


def coded_gaps(view: RunView, target: float) -> Optional[dict[str, Any]]:
    """Simulated Eb/N0 at ``target`` BLER and its gap to each analytic curve (coded runs)."""
    if view.metric != "bler" or view.model is None:
        return None
    sim = ebno_at(view.points, target, "bler")
    out: dict[str, Any] = {"target_bler": target, "ebno_sim_db": sim}
    for name in view.model.curves:
        x = view.model.ebno_for(name, target)
        out[f"ebno_{name}_db"] = x
        out[f"gap_{name}_db"] = None if (x is None or sim is None) else sim - x
    return out


def write_figures(study: BerStudy, views: list[RunView]) -> list[str]:
    """One PNG per figure into the study folder; returns the paths."""
    from linklevel.overlay import curve
    from linklevel.plotting import plot_series

    paths = []
    for fig in study.figures:
        rows = [v for v in views if v.figure == fig.name]
        if not rows:
            continue
        series = []
        for v in rows:
            analytic = None
            if v.model is not None and v.points:
                lo, hi = min(p.ebno_db for p in v.points), max(p.ebno_db for p in v.points)
                xs = np.linspace(lo, hi, 25 if v.metric == "ber" else 13)
                analytic = {CURVE_LABELS[k]: (xs, y) for k, y in curve(v.model, xs).items()}
            series.append({"label": v.label, "points": v.points, "metric": v.metric,
                           "intervals": v.intervals, "analytic": analytic})
        path = os.path.join(study.out, f"{fig.name}.png")
        plot_series(series, path, study.confidence, title=fig.title)
        paths.append(path)
    return paths


def _fmt(x: Optional[float], spec: str = ".3e") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def summary(views: list[RunView]) -> dict[str, int]:
    """Counts of point verdicts over all runs: consistent, gap, none (no model or no trials)."""
    c = {"consistent": 0, "gap": 0, "none": 0, "uncoded_consistent": 0, "uncoded_gap": 0}
    for v in views:
        for d in v.verdicts:
            key = "none" if d is None else d["status"]
            c[key] += 1
            if d is not None and v.metric == "ber":
                c[f"uncoded_{key}"] += 1
    return c


def write_report(study: BerStudy, views: list[RunView], figures: list[str]) -> str:
    """Write ``report.md`` into the study folder; return its path."""
    lines = [f"# {study.name}" + (" (quick)" if study.quick else ""), ""]
    if study.description:
        lines += [study.description.strip(), ""]
    s = summary(views)
    lines += [
        f"Result file: `{os.path.basename(study.result_file)}` · study file: `{os.path.basename(study.source)}` · "
        f"{study.confidence:.0%} Clopper–Pearson intervals (block fading: on effective counts, design effect D).",
        "",
        f"**Verdicts:** {s['consistent']} consistent, {s['gap']} with a gap, {s['none']} without an analytic model "
        f"or trials, over {len(views)} runs.",
        "",
        f"**Uncoded links vs exact formulas:** {s['uncoded_consistent']} consistent, {s['uncoded_gap']} with a gap; "
        f"with correct formulas about {1 - study.confidence:.0%} of the points fall outside their interval by "
        f"chance (≈ {(1 - study.confidence) * (s['uncoded_consistent'] + s['uncoded_gap']):.1f} expected here). "
        "Coded links are compared with finite-blocklength bounds for *random* codes, so a gap is expected there "
        "and measured below.",
        "",
        "A point is *consistent* when the analytic value lies inside the simulated interval; otherwise the gap "
        "is the horizontal distance Eb/N0(sim) − Eb/N0(analytic) at the simulated rate (positive: the simulation "
        "needs more SNR).",
        "",
        "## Verdict table",
        "",
        "| figure | run | metric | against | points | consistent | worst gap [dB] | runtime [s] |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for v in views:
        vd = [d for d in v.verdicts if d is not None]
        worst = max((abs(d["gap_db"]) for d in vd if d["status"] == "gap" and d.get("gap_db") is not None),
                    default=None)
        against = v.model.reference if v.model is not None else "–"
        lines.append(f"| {v.figure} | {v.label} | {v.metric.upper()} | {against} | {len(v.points)} | "
                     f"{sum(d['status'] == 'consistent' for d in vd)}/{len(vd)} | {_fmt(worst, '.2f')} | "
                     f"{v.runtime_s:.1f} |")
    coded = [(v, coded_gaps(v, study.target_bler)) for v in views]
    coded = [(v, g) for v, g in coded if g is not None]
    if coded:
        lines += [
            "",
            f"## Coded links: measured gaps at BLER {study.target_bler:g}",
            "",
            "Eb/N0 the simulated code needs at the target BLER, and the Eb/N0 the BI-AWGN normal approximation, "
            "the meta-converse (no code can do better) and the RCUs bound (a random code achieves it) need at the "
            "same (n, k). Gap = simulated − bound.",
            "",
            "| run | Eb/N0 sim | NA | gap NA | meta-converse | gap MC | RCUs | gap RCUs |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for v, g in coded:
            lines.append(
                f"| {v.label} | {_fmt(g['ebno_sim_db'], '.2f')} | {_fmt(g.get('ebno_bler_na_db'), '.2f')} | "
                f"{_fmt(g.get('gap_bler_na_db'), '+.2f')} | {_fmt(g.get('ebno_bler_converse_db'), '.2f')} | "
                f"{_fmt(g.get('gap_bler_converse_db'), '+.2f')} | {_fmt(g.get('ebno_bler_rcus_db'), '.2f')} | "
                f"{_fmt(g.get('gap_bler_rcus_db'), '+.2f')} |")
    for fig in study.figures:
        rows = [v for v in views if v.figure == fig.name]
        if not rows:
            continue
        lines += ["", f"## {fig.title}", ""]
        png = f"{fig.name}.png"
        if any(os.path.basename(p) == png for p in figures):
            lines += [f"![{fig.name}]({png})", ""]
        lines += ["| run | Eb/N0 | errors / trials | sim | interval | analytic | D | verdict |",
                  "|---|---:|---:|---:|---|---:|---:|---|"]
        for v in rows:
            for p, (lo, hi), d in zip(v.points, v.intervals, v.verdicts):
                errors, trials = (p.bit_errors, p.bits) if v.metric == "ber" else (p.block_errors, p.blocks)
                rate = getattr(p, v.metric) if trials else None
                ref = v.model.curves[v.model.reference](p.ebno_db) if v.model is not None else None
                if d is None:
                    word = "–"
                elif d["status"] == "consistent":
                    word = "consistent"
                else:
                    word = f"gap {_fmt(d.get('gap_db'), '+.2f')} dB"
                deff = _fmt(d.get("design_effect", 1.0) if d else None, ".1f")
                lines.append(f"| {v.label} | {p.ebno_db:g} | {errors} / {trials} | {_fmt(rate)} | "
                             f"[{_fmt(lo)}, {_fmt(hi)}] | {_fmt(ref)} | {deff} | {word} |")
    path = os.path.join(study.out, "report.md")
    os.makedirs(study.out, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def link_title(link: Any) -> str:
    """One line describing a link (a :class:`~linklevel.LinkConfig` or its dict) for titles and tables.

    .. code-block:: python

        >>> link_title({"modulation": "qpsk", "channel": "awgn", "code": "ldpc", "k": 400, "n": 500, "crc": None})
        'QPSK, awgn, LDPC(400,500)'
    """
    d = link.to_dict() if hasattr(link, "to_dict") else dict(link)
    parts = [str(d.get("modulation", "?")).upper(), str(d.get("channel", "?")) + (" OFDM" if d.get("ofdm") else "")]
    if d.get("channel") not in (None, "awgn"):
        csi = d.get("csi", "perfect")
        parts.append(f"{csi} CSI" + (f" ({d.get('pilots_per_block', 1)} pilots)" if csi == "ls" else ""))
        if d.get("channel") == "rayleigh-block" and not d.get("ofdm"):
            parts.append(f"coherence {d.get('coherence', 'codeword')}")
    parts.append(f"LDPC({d.get('k')},{d.get('n')})" if d.get("code") == "ldpc" else "uncoded")
    if d.get("crc"):
        parts.append(f"+ {d['crc']}")
    return ", ".join(parts)


def plot_run(result: Any, path: str) -> Optional[str]:
    """Plot one :class:`~scenarios.ber.run.BerRunResult` with its analytic curves (PNG/PDF/SVG by suffix)."""
    from linklevel.overlay import curve
    from linklevel.plotting import plot_error_rates

    if not any(p.bits for p in result.points):
        return None
    curves = None
    grid = result.run.ebno_db
    if result.model is not None:
        xs = np.linspace(min(grid), max(grid), 25 if result.model.metric == "ber" else 9)
        curves = {CURVE_LABELS[k]: (xs, v) for k, v in curve(result.model, xs).items()}
    plot_error_rates(result.points, path, result.run.confidence, title=link_title(result.run.link), analytic=curves)
    return path


def table_lines(result: Any) -> list[str]:
    """The terminal table of ``semlink ber``."""
    conf = result.run.confidence
    lines = [f"run {result.run_id}  device {result.device}  batch {result.batch_size}  {link_title(result.run.link)}",
             f"{'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} "
             f"{'blocks':>8} {'blk err':>8} {'BLER':>9} {'status':>18}"]
    for p in result.points:
        lo, hi = p.ber_ci(conf)
        ber = f"{p.ber:.3e}" if p.bits else "-"
        bler = f"{p.bler:.3e}" if p.blocks else "-"
        tag = p.status + (" (resumed)" if p.resumed else "")
        values, v = result.point_analytic(p)
        extra = ""
        if v is not None:
            ref = values[v["against"]]
            gap = v.get("gap_db")
            extra = (f"  {v['against']}={ref:.3e} " + ("consistent" if v["status"] == "consistent" else
                                                       f"gap {gap:+.2f} dB" if gap is not None else "inconsistent"))
        lines.append(f"{p.ebno_db:7.2f} {p.bits:11d} {p.bit_errors:9d} {ber:>10} [{lo:.3e}, {hi:.3e}] "
                     f"{p.blocks:8d} {p.block_errors:8d} {bler:>9} {tag:>18}{extra}")
    return lines


def show_runs(path: str) -> dict[str, Any]:
    """The runs and points of a result file (``semlink show --json``)."""
    import json

    store = ResultStore(path)
    runs = []
    for run_id in store.runs():
        rec = store.read_run(run_id)
        conf = float(rec.attrs.get("confidence", 0.95))
        pts = []
        for i, p in enumerate(rec.points):
            d = p.to_dict(conf)
            d.pop("resumed", None)
            for name, col in rec.extras.items():
                d[name] = None if not math.isfinite(float(col[i])) else float(col[i])
            pts.append(d)
        cfg = json.loads(rec.attrs.get("config", "{}") or "{}")
        desc = link_title(cfg["link"]) if isinstance(cfg.get("link"), dict) else None
        runs.append({"run_id": run_id, "link": desc, "attrs": rec.attrs, "points": pts})
    return {"file": path, "runs": runs}


def show_lines(data: dict[str, Any]) -> list[str]:
    """The terminal table of ``semlink show`` (intervals included)."""
    lines = []
    for r in data["runs"]:
        a = r["attrs"]
        lines.append(f"run {r['run_id']}  {r['link'] or ''}  seed={a.get('seed')}  git={a.get('git_sha') or '-'}  "
                     f"device={a.get('device')}  confidence={a.get('confidence', 0.95)}")
        lines.append(f"  {'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} {'blocks':>8} "
                     f"{'blk err':>8} {'BLER':>10} {'BLER CI':>23}  status")
        for p in r["points"]:
            ber = f"{p['ber']:.3e}" if p["ber"] is not None else "-"
            bler = f"{p['bler']:.3e}" if p["bler"] is not None else "-"
            verdict = ""
            if p.get("verdict_consistent") is not None:
                verdict = "  consistent" if p["verdict_consistent"] else (
                    f"  gap {p['verdict_gap_db']:+.2f} dB" if p.get("verdict_gap_db") is not None else "  gap")
            bci, lci = p["ber_ci"], p["bler_ci"]
            lines.append(f"  {p['ebno_db']:7.2f} {p['bits']:11d} {p['bit_errors']:9d} {ber:>10} "
                         f"[{bci[0]:.3e}, {bci[1]:.3e}] {p['blocks']:8d} {p['block_errors']:8d} {bler:>10} "
                         f"[{lci[0]:.3e}, {lci[1]:.3e}]  {p['status']}{verdict}")
    if not data["runs"]:
        lines.append(f"{data['file']}: no runs")
    return lines
