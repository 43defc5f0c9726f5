"""The report of the Qiao latency study (:mod:`scenarios.qiao.parts`), read back from the study's file.

Sections: verdicts, the quality constraint Φj(BER1), the Fig. 4 analogues per rate model, the Table II
analogue, eq. (2) and eq. (4) on the link, and the designs end to end on real links; figures in
:mod:`scenarios.qiao.figures`, the typed summary in :mod:`scenarios.qiao.summary`. The same function
serves ``semlink run`` (figures and ``report.md`` written) and ``semlink show`` (nothing written).
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

from ..study.report import Report
from . import figures
from .measure import ber_targets, stream_lengths
from .schema import QiaoStudy
from .summary import (BerStar, QiaoSummary, design_summary, e2e_summary, eq2_summary, eq4_summary, stored_interval,
                      table2_rows)
from .sweep import PAPER_TABLE_II
from .verdicts import add_verdicts

__all__ = ["qiao_report", "summarize", "read_parts", "PART_GROUPS"]

#: The groups the report reads (``designs/*`` per rate model).
PART_GROUPS = ("quality", "designs/continuous", "designs/discrete", "table2", "eq2", "eq4", "end_to_end")
Stored = dict[str, tuple[dict[str, Any], dict[str, Any]]]


def read_parts(file: str) -> Stored:
    """The stored parts' groups as :func:`~scenarios.study.parts.read_group` gives them (checksums verified)."""
    from linklevel.store.h5io import open_result

    from ..study.parts import read_group

    with open_result(file) as f:
        present = [k for k in PART_GROUPS if k in f]
    return {k: read_group(file, k) for k in present}


def _num(x: Optional[float], spec: str = ".3g") -> Optional[str]:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def summarize(study: QiaoStudy, file: str, parts: Stored) -> QiaoSummary:
    """The typed summary of what the file holds (cheap: reads and statistics only)."""
    known = study.prompt_bits is not None and study.edge_bits is not None
    v = stream_lengths(study, file) if known or "quality" in parts else (study.prompt_bits, study.edge_bits)
    s = QiaoSummary(prompt_bits=v[0], edge_bits=v[1])  # None: measured, and the streams are not cached yet
    if "quality" in parts:
        s.quality_source = str(parts["quality"][1]["source"])
        s.ber_star = [BerStar(t["targets"]["clip"], t["targets"]["ms_ssim"], t["ber_star"], t["ber_per_metric"],
                              t["missing"]) for t in ber_targets(study, file)]
    for rm in ("continuous", "discrete"):
        if f"designs/{rm}" in parts:
            s.designs[rm] = design_summary(rm, parts[f"designs/{rm}"][0])
    if "table2" in parts:
        s.table2 = table2_rows(parts["table2"][0])
    if "eq2" in parts:
        s.eq2 = eq2_summary(*parts["eq2"], (study.system.k, study.system.b))
    if "eq4" in parts:
        s.eq4 = eq4_summary(parts["eq4"][0])
    if "end_to_end" in parts:
        data, attrs = parts["end_to_end"]
        s.end_to_end = e2e_summary(data["draws"], float(json.loads(attrs["ber_target"])), study.seed)
    return s


def qiao_report(study: QiaoStudy, file: str, rep: Report) -> QiaoSummary:
    """Add the study's sections, tables, figures and verdicts to ``rep``; return its summary."""
    parts = read_parts(file)
    s = summarize(study, file, parts)
    sy = study.system
    rep.paragraph(f"Latency-aware multi-stream design (Qiao et al.). |v0| = {s.prompt_bits} prompt bits, |v1| = "
                  f"{s.edge_bits} edge bits; Table I system ({sy.power_mw:g} mW, {sy.b0_hz / 1e6:g}+{sy.b1_hz / 1e6:g} "
                  f"MHz, N0 {sy.n0_dbm_hz:g} dBm/Hz, {{k, b}} = {{{sy.k}, {sy.b}}}, {{α, β}} = {{{sy.alpha}, "
                  f"{sy.beta}}}). Seed {study.seed}.")
    add_verdicts(s, rep)
    if "quality" in parts:
        _quality_section(s, parts, rep)
    for rm, d in s.designs.items():
        _design_section(rm, d, parts[f"designs/{rm}"][0], rep)
    if s.table2:
        _table2_section(s, rep)
    if s.eq2 is not None:
        _eq2_section(study, s, parts["eq2"][0], rep)
    if s.eq4 is not None:
        _eq4_section(study, parts["eq4"][0], rep)
    if s.end_to_end is not None:
        _e2e_section(s, parts["end_to_end"][0]["draws"], rep)
    return s


def _quality_section(s: QiaoSummary, parts: Stored, rep: Report) -> None:
    data, attrs = parts["quality"]
    rep.section("Quality constraint Φj(BER1)")
    rep.paragraph(f"Source: {s.quality_source}.")
    rep.figure("quality", lambda: figures.quality(data, json.loads(attrs["labels"]), s.ber_star),
               "normalized quality vs edge BER (prompt intact), 95 % bootstrap band over images")
    rep.table(["targets (CLIP, MS-SSIM)", "BER1*", "per metric", "not in the source"],
              [[f"({b.clip}, {b.ms_ssim})", b.ber_star,
                ", ".join(f"{k}: {_num(x) or '-'}" for k, x in b.per_metric.items()) or "-",
                ", ".join(b.missing) or "-"] for b in s.ber_star], caption="BER1* = min_j Φj⁻¹(εj)")


def _design_section(rm: str, d: Any, data: dict[str, Any], rep: Report) -> None:
    rep.section(f"Fig. 4 analogue, {rm} rate")
    rep.figure(f"fig4_{rm}", lambda: figures.fig4(data, rm),
               f"{rm} rate; solid: mean channel, dashed: {d.realizations} Rayleigh draws (mean / median)")
    rep.paragraph(f"Solver vs brute-force grid ({d.gap_points} points, mean channel): largest gap "
                  f"{_num(d.max_solver_gap, '+.2e') or '-'} (negative = the solver beats the grid).")

    def snrs(xs: list[float]) -> str:
        return ", ".join(f"{x:g}" for x in xs) or "-"

    def span(r: Optional[tuple[float, float]]) -> str:
        return "-" if not r else f"{r[0]:.2f} … {r[1]:.2f}"

    rep.table(["BER target", "γ̄ < 12 dB where proposed is faster", "ratio below 12 dB", "ratio at ≥ 12 dB",
               "only proposed sends (unaware in outage)", "proposed in outage"],
              [[f"{c.ber:.2g}", f"{snrs(c.faster_below) if c.faster_below else 'none'} ({len(c.faster_below)} of "
                f"{c.snrs_below})", span(c.ratio_below), span(c.ratio_above), snrs(c.unaware_outage_only),
                snrs(c.infeasible_snrs)] for c in d.unaware],
              caption=f"Proposed (mean channel) / semantic-unaware latency, {rm} rate")


def _table2_section(s: QiaoSummary, rep: Report) -> None:
    rep.section("Table II analogue (mean channel, discrete MQAM)")
    rows = []
    for r in s.table2:
        paper = PAPER_TABLE_II.get((r.clip, r.ms_ssim), {})
        used = "BER1* implied by the paper's 64-QAM γ̄1 (eq. (4) inverted)" if r.paper_implied else \
            ", ".join(r.used) + (f" (no {', '.join(r.missing)} in the source)" if r.missing else "")
        if not r.ranges:
            rows.append([f"({r.clip}, {r.ms_ssim})", used, "infeasible", None, None, None, None, None])
        for x in r.ranges:
            o, p = x.modulation_order, paper.get(x.modulation_order)
            rng = None if x.avg_snr_min_db is None else f"{x.avg_snr_min_db:.1f} … {x.avg_snr_max_db:.1f}"
            rows.append([f"({r.clip}, {r.ms_ssim})", used, _num(r.ber_star), o, rng, _num(x.min_edge_snr_db, ".2f"),
                         _num(x.latency_ms, ".3f"), None if p is None else (f"≤ {p}" if o == 0 else f"{p[0]} ({p[1]})")])
    rep.table(["targets (CLIP, MS-SSIM)", "metrics used", "BER1*", "M1", "γ̄ range (dB)", "γ̄1 min (dB)", "T (ms)",
               "paper γ̄ ≥ (γ̄1)"], rows, caption="Table II analogue")


def _eq2_section(study: QiaoStudy, s: QiaoSummary, data: dict[str, Any], rep: Report) -> None:
    e2, sy = s.eq2, study.system
    kb = e2.fit_kb
    rep.section("Eq. (2) on the real prompt link")
    rep.figure("eq2_per", lambda: figures.eq2(data["points"], kb, sy.k, sy.b),
               "prompt PER on the link (95 % Clopper–Pearson) vs eq. (2) as printed and refitted (dotted)")
    rep.paragraph(f"Fitted {{k, b}} = {_num(kb[0] if kb else None, '.4g') or '-'}, "
                  f"{_num(kb[1] if kb else None, '.4g') or '-'} (paper {{{sy.k}, {sy.b}}}); eq. (2) inside the 95 % "
                  f"interval at {e2.consistent} of {e2.points} points, refitted at {e2.consistent_refit}. Eq. (2) falls "
                  "like 1/γ0 in the exponent; the real PER has a waterfall, so no {k, b} fits it across SNRs (the fit "
                  "is a least-squares compromise).")
    from .reallink import model_per

    rows = []
    for p in data["points"].rows():
        per = rep.interval(stored_interval(p["per"], p["per_lo"], p["per_hi"], int(p["packets"]), "packet"),
                           f"PER, L = {p['length']}, {p['channel']}, {p['snr_db']:g} dB")
        refit = model_per(10 ** (p["snr_db"] / 10), p["length"], p["channel"], kb[0], kb[1]) if kb else None
        rows.append([p["length"], p["channel"], p["snr_db"], p["packets"], p["errors"], per, p["eq2"], p["verdict"],
                     refit])
    rep.table(["L", "channel", "Es/N0 (dB)", "packets", "errors", "PER [95 % CI]", "eq. (2)", "verdict",
               "eq. (2) refitted"], rows, caption="Prompt PER on the link vs eq. (2)")
    rep.table(["L", "Es/N0 (dB)", "prompts", "mean transmissions [95 % CI]",
               "1/(1−PER) [95 % CI], PER on separate packets", "eq. (3) 1/(1−PER eq. 2)", "χ² p (geometric)",
               "undetected"],
              [[r.length, r.snr_db, r.prompts, rep.interval(r.mean, f"transmissions at {r.snr_db:g} dB"),
                rep.interval(r.geometric, f"1/(1-PER) at {r.snr_db:g} dB"), r.eq3_mean, r.chi2_p, r.undetected]
               for r in e2.retransmissions],
              caption="Transmissions per prompt (CRC retransmission on AWGN) vs the geometric law")


def _eq4_section(study: QiaoStudy, data: dict[str, Any], rep: Report) -> None:
    sy = study.system
    rep.section("Eq. (4)'s M-QAM bound")
    rep.figure("eq4_mqam", lambda: figures.eq4(data["simulated"], sy.alpha, sy.beta),
               "eq. (4)'s bound vs exact Gray M-QAM (dots: simulated at the bound's thresholds)")
    region = data["upper_bound_region"].rows()
    rep.paragraph(f"Where {1 / sy.beta:g}·exp(−{sy.alpha:g}γ/(M−1)) is an upper bound of the exact Gray BER (Es/N0 "
                  "grid −5…45 dB, 0.05 dB): " + "; ".join(
                      f"{r['modulation_order']}-QAM from {_num(r['upper_bound_from_db'], '.2f') or '-'} dB"
                      + (" (also at some lower SNRs)" if r["holds_below"] else "") for r in region) + ".")
    rep.table(["M", "BER target", "bound SNR (dB)", "exact SNR (dB)", "looseness (dB)", "exact BER at the bound SNR"],
              [[r["modulation_order"], f"{r['ber_target']:.0e}", r["bound_snr_db"], r["exact_snr_db"],
                f"{r['looseness_db']:+.2f}", r["exact_ber_at_bound"]] for r in data["rows"].rows()],
              caption="Eq. (4)'s threshold vs the exact SNR")
    rows = []
    for p in data["simulated"].rows():
        ber = rep.interval(stored_interval(p["ber"], p["ber_lo"], p["ber_hi"], int(p["frames"]), "frame"),
                           f"BER of {p['modulation_order']}-QAM at {p['snr_db']:.2f} dB")
        rows.append([p["modulation_order"], f"{p['ber_target']:.0e}", p["snr_db"], p["bits"], p["bit_errors"], ber,
                     p["exact_ber"], bool(p["bound_holds"]), bool(p["exact_in_ci"])])
    rep.table(["M", "BER target", "Es/N0 (dB)", "bits", "errors", "BER [95 % CI over frames]", "exact", "bound holds",
               "exact in CI"], rows, caption="Simulated uncoded M-QAM at the bound's threshold")


def _e2e_section(s: QiaoSummary, draws: Any, rep: Report) -> None:
    ee = s.end_to_end
    rep.section("End to end on real links (discrete design per Rayleigh draw)")
    rep.figure("end_to_end", lambda: figures.end_to_end(draws), "achieved / designed latency over Rayleigh draws")
    rep.paragraph(f"Edge BER target BER1* = {ee.ber_target:.3g}; prompt = one CRC24A packet of |v0| bits on the conv "
                  "code (real duration includes CRC and tail); edge = uncoded M-QAM through the bridge.")
    rows = []
    for r in ee.rows:
        a = r.achieved_over_designed
        edge = None if r.edge_ber is None else rep.interval(r.edge_ber, f"edge BER at {r.avg_snr_db:g} dB")
        q = None if r.quality is None else rep.interval(r.quality, f"quality at {r.avg_snr_db:g} dB")
        rows.append([r.avg_snr_db, r.draws, r.outage, r.not_delivered, r.designed_latency_ms, r.achieved_latency_ms,
                     None if a is None else f"{a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f}", r.designed_t0_ms,
                     r.achieved_t0_ms, r.transmissions_mean, edge, r.draws_above_target, q])
    rep.table(["γ̄ (dB)", "draws", "outage", "prompt not delivered", "designed T (ms)", "achieved T (ms)",
               "achieved/designed p10/p50/p90", "designed T0 (ms)", "achieved T0 (ms)", "transmissions",
               "edge BER [95 % CI over draws]", "draws > BER1*", "quality [95 % CI over draws]"], rows,
              caption="Designs on real links")
