"""Figures and a Markdown report of a study, read back from its HDF5 file.

Everything is rebuilt from the file (points, attributes, the link config), so the
report of a resumed or partly finished study is as complete as the file.

* one PNG per figure: simulated BER (uncoded) or BLER (coded) with their intervals
  and the analytic curves of each run in the same colour;
* ``report.md``: a verdict table (per run: points, consistent, gap, insufficient, worst gap), a
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
from linklevel.plotting import FORMATS, plot_panels
from linklevel.store.points import PointResult
from linklevel.engine.overlay import (CURVE_LABELS, MIN_INDEPENDENT_ERRORS, MIN_INDEPENDENT_TRIALS, AnalyticModel,
                               analytic_model, point_verdict)
from linklevel.store.results import ResultStore

from .study import BerStudy

__all__ = ["RunView", "collect", "ebno_at", "coded_gaps", "write_figures", "write_report", "plot_run", "table_lines",
           "show_runs", "show_lines", "link_title"]


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


def collect(study: BerStudy, device: Optional[str] = "cpu", batch_size: Optional[int] = None) -> list[RunView]:
    """Read every run of ``study`` back from its file (runs not yet in the file are left out).

    :param device, batch_size: What the runs ran with (part of their identity, :meth:`BerRun.on`).
    """
    store = ResultStore(study.result_file)
    have = set(store.runs())
    views = []
    for fig in study.figures:
        for sr in fig.runs:
            rid = sr.run.on(device, batch_size).run_id
            if rid not in have:
                continue
            rec = store.read_run(rid)
            grid = {round(v, 9) for v in sr.run.ebno_db}
            pts = [p for p in rec.points if round(p.ebno_db, 9) in grid]
            model = analytic_model(sr.run.link, float(rec.attrs.get("info_bits_per_symbol", 1.0)))
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


def coded_gaps(view: RunView, target: float) -> Optional[dict[str, Any]]:
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
    rng = None if sim is None or lo_x is None or hi_x is None else [min(lo_x, hi_x), max(lo_x, hi_x)]
    out: dict[str, Any] = {"target_bler": target, "ebno_sim_db": sim, "ebno_sim_range_db": rng}
    for name in view.model.curves:
        x = view.model.ebno_for(name, target)
        out[f"ebno_{name}_db"] = x
        out[f"gap_{name}_db"] = None if (x is None or sim is None) else sim - x
        out[f"gap_{name}_range_db"] = None if (x is None or rng is None) else [rng[0] - x, rng[1] - x]
    return out


def _common_link(views: list[RunView]) -> str:
    """What every run of a figure shares (channel, CSI, coherence, pilots, code), for the subtitle."""
    from linklevel.engine.overlay import no_model_reason  # noqa: F401  (same layer)

    d0 = [v.link.to_dict() for v in views]
    keep = {k for k in d0[0] if all(d.get(k) == d0[0].get(k) for d in d0)}
    ref = d0[0]
    words = []
    if "channel" in keep:
        words.append(ref["channel"] + (" + OFDM" if ref.get("ofdm") else ""))
    if ref.get("channel") != "awgn":
        if "csi" in keep:
            words.append(f"{ref['csi']} CSI" + (f", {ref['pilots_per_block']} pilots per fade"
                                                if ref["csi"] == "ls" and "pilots_per_block" in keep else ""))
        if "coherence" in keep and ref.get("channel") == "rayleigh-block" and not ref.get("ofdm"):
            c = ref["coherence"]
            words.append("i.i.d. fading" if c == "iid" else "one fade per codeword" if c == "codeword"
                         else f"{c}-symbol fades")
        if ref.get("ofdm") and "fft_size" in keep:
            words.append(f"{ref['fft_size']}x{ref['num_ofdm_symbols']} grid, one fade per grid")
    if "modulation" in keep:
        words.append(ref["modulation"].upper())
    if ref.get("code") == "ldpc" and {"k", "n"} <= keep:
        words.append(f"5G LDPC({ref['k']},{ref['n']})")
    elif ref.get("code") == "ldpc":
        words.append("5G LDPC, " + str(ref.get("bp_iterations")) + " BP iterations")
    else:
        words.append("uncoded")
    return ", ".join(words)


def write_figures(study: BerStudy, views: list[RunView], formats: tuple[str, ...] = FORMATS) -> list[str]:
    """One figure per study figure (PNG, plus PDF and SVG beside it); returns the PNG paths.

    Coded figures get a BER and a BLER panel; each analytic curve is drawn on its metric's
    panel; a run without any analytic model is named in a note on the figure.
    """
    from linklevel.engine.overlay import curve, curve_metric, no_model_reason

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
                analytic = {CURVE_LABELS[k]: (xs, y, curve_metric(k)) for k, y in curve(v.model, xs).items()}
            series.append({"label": v.label, "points": v.points, "intervals": {v.metric: v.intervals},
                           "analytic": analytic})
        panels = ("ber", "bler") if any(v.metric == "bler" for v in rows) else ("ber",)
        missing = sorted({no_model_reason(v.link) for v in rows if v.model is None})
        path = os.path.join(study.out, f"{fig.name}.png")
        plot_panels(series, path, panels, study.confidence, title=fig.title, subtitle=_common_link(rows) +
                    f"; {study.confidence:.0%} intervals", formats=formats, note="; ".join(missing))
        paths.append(path)
    return paths


def _fmt(x: Optional[float], spec: str = ".3e") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def summary(views: list[RunView]) -> dict[str, int]:
    """Counts of point verdicts over all runs: consistent, gap, insufficient (too little information
    for a verdict, :data:`~linklevel.engine.overlay.MIN_INDEPENDENT_ERRORS`), none (no model or no trials)."""
    c = {"consistent": 0, "gap": 0, "insufficient": 0, "none": 0, "uncoded_consistent": 0, "uncoded_gap": 0,
         "uncoded_insufficient": 0}
    for v in views:
        for d in v.verdicts:
            key = "none" if d is None else d["status"]
            c[key] += 1
            if d is not None and v.metric == "ber":
                c[f"uncoded_{key}"] += 1
    return c


def _verdict_word(d: Optional[dict], short: bool = False) -> str:
    """A verdict in words: ``consistent``, ``gap +x.xx dB`` or ``insufficient (reason)`` (``–``: none)."""
    if d is None:
        return "–"
    if d["status"] == "consistent":
        return "consistent"
    if d["status"] == "insufficient":
        return "insufficient" if short else f"insufficient ({d.get('reason', '')})"
    return "gap" if d.get("gap_db") is None else f"gap {d['gap_db']:+.2f} dB"


def _gap(g: dict, name: str) -> str:
    v, r = g.get(f"gap_{name}_db"), g.get(f"gap_{name}_range_db")
    if v is None:
        return "–"
    return f"{v:+.2f}" + (f" [{r[0]:+.2f}, {r[1]:+.2f}]" if r else "")


def write_report(study: BerStudy, views: list[RunView], figures: list[str]) -> str:
    """Write ``report.md`` into the study folder; return its path.

    Only what applies to the study is said: the clustered-interval note when a run's errors are not
    independent, the coded-gap section when there are coded runs with a bound.
    """
    from linklevel.engine.overlay import no_model_reason

    clustered = any(d is not None and "frames" in d.get("ci_method", "") for v in views for d in v.verdicts)
    uncoded = [v for v in views if v.metric == "ber"]
    coded = [v for v in views if v.metric == "bler"]
    lines = [f"# {study.name}" + (" (quick)" if study.quick else ""), ""]
    if study.description:
        lines += [study.description.strip(), ""]
    s = summary(views)
    note = (" Where bit or block errors are not independent (coded links, block fading, OFDM) the interval is on "
            "frames: Clopper–Pearson on effective counts with the empirical design effect D." if clustered else "")
    lines += [f"Result file: `{os.path.basename(study.result_file)}` · study file: "
              f"`{os.path.basename(study.source)}` · {study.confidence:.0%} Clopper–Pearson intervals.{note}", "",
              f"**Verdicts:** {s['consistent']} consistent, {s['gap']} with a gap, {s['insufficient']} with too "
              f"little information for a verdict, {s['none']} without an analytic model or trials, over "
              f"{len(views)} runs.", ""]
    if uncoded:
        decided = s['uncoded_consistent'] + s['uncoded_gap']
        lines += [f"**Uncoded links vs exact formulas:** {s['uncoded_consistent']} consistent, {s['uncoded_gap']} "
                  f"with a gap, {s['uncoded_insufficient']} insufficient; with correct formulas at most about "
                  f"{1 - study.confidence:.0%} of the decided points fall outside their interval by chance "
                  f"(≈ {(1 - study.confidence) * decided:.1f} expected here).", ""]
    if coded:
        lines += ["**Coded links** are compared with references for *random* codes (finite-blocklength bounds, "
                  "outage), so a gap is expected there and measured below.", ""]
    lines += ["A point is *consistent* when the analytic value lies inside the simulated interval; otherwise the "
              "gap is the horizontal distance Eb/N0(sim) − Eb/N0(analytic) at the simulated rate (positive: the "
              "simulation needs more SNR). A point is *insufficient* (neither) with fewer than "
              f"{MIN_INDEPENDENT_TRIALS} independent trials (frames where errors are clustered) or fewer than "
              f"{MIN_INDEPENDENT_ERRORS} errors of the independent unit (effective errors e/D on frames).", "",
              "## Verdict table", "",
              "| figure | run | link | metric | against | points | consistent | gap | insufficient | worst gap [dB] "
              "| runtime [s] |",
              "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for v in views:
        vd = [d for d in v.verdicts if d is not None]
        worst = max((abs(d["gap_db"]) for d in vd if d["status"] == "gap" and d.get("gap_db") is not None),
                    default=None)
        against = v.model.reference if v.model is not None else no_model_reason(v.link)
        lines.append(f"| {v.figure} | {v.label} | {link_title(v.link)} | {v.metric.upper()} | {against} | "
                     f"{len(v.points)} | {sum(d['status'] == 'consistent' for d in vd)}/{len(vd)} | "
                     f"{sum(d['status'] == 'gap' for d in vd)} | {sum(d['status'] == 'insufficient' for d in vd)} | "
                     f"{_fmt(worst, '.2f')} | {v.runtime_s:.1f} |")
    gaps = [(v, coded_gaps(v, study.target_bler)) for v in coded]
    gaps = [(v, g) for v, g in gaps if g is not None]
    if gaps:
        names = list(dict.fromkeys(n for v, _ in gaps for n in v.model.curves))
        lines += ["", f"## Coded links: measured gaps at BLER {study.target_bler:g}", "",
                  "Eb/N0 the simulated code needs at the target BLER (in brackets: where the interval bounds of the "
                  "simulated BLER cross the target), the Eb/N0 each reference needs at the same (n, k), and the gap "
                  "= simulated − reference, with the same uncertainty. Meta-converse: no code does better; RCUs: a "
                  "random code achieves it; normal approximation and outage: Gaussian-input or random-coding "
                  "estimates.", "",
                  "| run | Eb/N0 sim [dB] | " + " | ".join(f"{CURVE_LABELS[n]} [dB] | gap [dB]" for n in names) + " |",
                  "|---|---:|" + "---:|---:|" * len(names)]
        for v, g in gaps:
            rng = g["ebno_sim_range_db"]
            sim = _fmt(g["ebno_sim_db"], ".2f") + (f" [{rng[0]:.2f}, {rng[1]:.2f}]" if rng else "")
            cells = " | ".join(f"{_fmt(g.get(f'ebno_{n}_db'), '.2f')} | {_gap(g, n)}" for n in names)
            lines.append(f"| {v.label} | {sim} | {cells} |")
    for fig in study.figures:
        rows = [v for v in views if v.figure == fig.name]
        if not rows:
            continue
        lines += ["", f"## {fig.title}", ""]
        png = f"{fig.name}.png"
        if any(os.path.basename(p) == png for p in figures):
            lines += [f"![{fig.name}]({png}) (also `{fig.name}.pdf`, `{fig.name}.svg`)", ""]
        show_d = any(d is not None and d.get("design_effect", 1.0) != 1.0 for v in rows for d in v.verdicts)
        lines += ["| run | Eb/N0 [dB] | errors / trials | sim | interval | analytic |" + (" D |" if show_d else "")
                  + " verdict |", "|---|---:|---:|---:|---|---:|" + ("---:|" if show_d else "") + "---|"]
        for v in rows:
            unit = "bits" if v.metric == "ber" else "blocks"
            for p, (lo, hi), d in zip(v.points, v.intervals, v.verdicts):
                errors, trials = (p.bit_errors, p.bits) if v.metric == "ber" else (p.block_errors, p.blocks)
                rate = getattr(p, v.metric) if trials else None
                ref = v.model.curves[v.model.reference](p.ebno_db) if v.model is not None else None
                word = _verdict_word(d)
                deff = f" {_fmt(d.get('design_effect', 1.0) if d else None, '.1f')} |" if show_d else ""
                lines.append(f"| {v.label} | {p.ebno_db:g} | {errors:,} / {trials:,} {unit} | {_fmt(rate)} | "
                             f"[{_fmt(lo)}, {_fmt(hi)}] | {_fmt(ref)} |{deff} {word} |")
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
    if d.get("code") == "conv":
        parts.append(f"conv. code K={d.get('constraint_length', 7)} ({d.get('k')},{d.get('n')})")
    else:
        parts.append(f"LDPC({d.get('k')},{d.get('n')})" if d.get("code") == "ldpc" else "uncoded")
    if d.get("code") == "ldpc":
        dec = [w for w, default in ((d.get("decoder"), "semlink"), (d.get("schedule"), "flooding"),
                                    (d.get("cn_update"), "boxplus-phi")) if w is not None and w != default]
        if d.get("decoder", "semlink") == "semlink" and d.get("early_stop") is False:
            dec.append("no early stop")
        if dec:
            parts.append(" ".join(str(w) for w in dec) + " decoder")
    if d.get("crc"):
        parts.append(f"+ {d['crc']}")
    return ", ".join(parts)


def plot_run(result: Any, path: str) -> list[str]:
    """Plot one :class:`~scenarios.ber.run.BerRunResult` with its analytic curves (format by suffix)."""
    from linklevel.engine.overlay import curve, curve_metric, no_model_reason

    grid = result.run.ebno_db
    analytic = None
    if result.model is not None:
        xs = np.linspace(min(grid), max(grid), 25 if result.model.metric == "ber" else 9)
        analytic = {CURVE_LABELS[k]: (xs, v, curve_metric(k)) for k, v in curve(result.model, xs).items()}
    link = result.run.link
    panels = ("ber",) if link.code == "none" else ("ber", "bler")
    return plot_panels([{"label": link.modulation.upper(), "points": result.points, "analytic": analytic}], path,
                       panels, result.run.confidence, title=link_title(link),
                       subtitle=f"{result.run.confidence:.0%} Clopper–Pearson intervals",
                       note="" if result.model is not None else no_model_reason(link))


def table_lines(result: Any) -> list[str]:
    """The terminal table of ``semlink ber``."""
    conf = result.run.confidence
    lines = [f"run {result.run_id}  device {result.device}  batch {result.batch_size}  {link_title(result.run.link)}",
             f"{'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} "
             f"{'blocks':>8} {'blk err':>8} {'BLER':>9} {'iter':>5} {'status':>18}"]
    for p in result.points:
        lo, hi = p.ber_ci(conf)
        ber = f"{p.ber:.3e}" if p.bits else "-"
        bler = f"{p.bler:.3e}" if p.blocks else "-"
        tag = p.status + (" (resumed)" if p.resumed else "")
        values, v = result.point_analytic(p)
        extra = ""
        if v is not None:
            ref = values[v["against"]]
            extra = f"  {v['against']}={ref:.3e} " + _verdict_word(v, short=True)
        it = f"{p.avg_iterations:5.2f}" if p.avg_iterations is not None else "    -"
        lines.append(f"{p.ebno_db:7.2f} {p.bits:11d} {p.bit_errors:9d} {ber:>10} [{lo:.3e}, {hi:.3e}] "
                     f"{p.blocks:8d} {p.block_errors:8d} {bler:>9} {it} {tag:>18}{extra}")
    return lines


def show_runs(path: str) -> dict[str, Any]:
    """The runs and points of a result file (``semlink show --json``); read-only."""
    import json

    from linklevel.store.h5io import check_owned

    check_owned(path)
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
        runs.append({"run_id": run_id, "link": desc, "label": rec.attrs.get("label") or None, "attrs": rec.attrs,
                     "points": pts})
    return {"file": path, "runs": runs}


def show_lines(data: dict[str, Any]) -> list[str]:
    """The terminal table of ``semlink show`` (intervals included)."""
    lines = []
    for r in data["runs"]:
        a = r["attrs"]
        lines.append(f"run {r['run_id']}  {r['link'] or ''}" + (f"  [{r['label']}]" if r.get("label") else "")
                     + f"  seed={a.get('seed')}  git={a.get('git_sha') or '-'}  "
                     f"device={a.get('device')}  confidence={a.get('confidence', 0.95)}")
        lines.append(f"  {'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} {'blocks':>8} "
                     f"{'blk err':>8} {'BLER':>10} {'BLER CI':>23}  status")
        for p in r["points"]:
            ber = f"{p['ber']:.3e}" if p["ber"] is not None else "-"
            bler = f"{p['bler']:.3e}" if p["bler"] is not None else "-"
            verdict = ""
            if p.get("verdict_insufficient"):
                verdict = "  insufficient"
            elif p.get("verdict_consistent") is not None:
                verdict = "  consistent" if p["verdict_consistent"] else (
                    f"  gap {p['verdict_gap_db']:+.2f} dB" if p.get("verdict_gap_db") is not None else "  gap")
            bci, lci = p["ber_ci"], p["bler_ci"]
            lines.append(f"  {p['ebno_db']:7.2f} {p['bits']:11d} {p['bit_errors']:9d} {ber:>10} "
                         f"[{bci[0]:.3e}, {bci[1]:.3e}] {p['blocks']:8d} {p['block_errors']:8d} {bler:>10} "
                         f"[{lci[0]:.3e}, {lci[1]:.3e}]  {p['status']}{verdict}")
    if not data["runs"]:
        lines.append(f"{data['file']}: no runs")
    return lines
