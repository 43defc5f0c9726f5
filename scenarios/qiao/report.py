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
from ..study.stats import MIN_UNITS
from . import figures
from .measure import ber_targets, stream_lengths
from .schema import QiaoStudy
from . import report_links as rl
from .breakdown import PAPER_BPP
from .breakdown import summary as stream_summary
from .report_fig4 import design_section
from .report_table2 import table2_section
from .summary import BerStar, QiaoSummary, eq4_summary
from .summary_designs import design_summary
from .summary_links import e2e_summary, eq2_summary, harq_summary, stored_interval
from .table2 import PAPER_TABLE_II, paper_consistent_bers, table2_rows
from .verdicts import add_verdicts

__all__ = ["qiao_report", "summarize", "read_parts", "PART_GROUPS"]

#: The groups the report reads (``designs/*`` per rate model).
PART_GROUPS = ("quality", "breakdown", "designs/continuous", "designs/discrete", "table2", "eq2", "harq", "eq4",
               "end_to_end")
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
        s.prompt_only = {k[len("prompt_only/"):]: float(v[0]) for k, v in parts["quality"][0].items()
                         if k.startswith("prompt_only/")}
        s.ber_star = [BerStar(t["targets"]["clip"], t["targets"]["ms_ssim"], t["ber_star"], t["ber_per_metric"],
                              t["missing"]) for t in ber_targets(study, file)]
    for rm in ("continuous", "discrete"):
        if f"designs/{rm}" in parts:
            s.designs[rm] = design_summary(rm, parts[f"designs/{rm}"][0], study.seed)
    if "table2" in parts:
        s.table2 = table2_rows(parts["table2"][0])
    if "eq2" in parts:
        s.eq2 = eq2_summary(*parts["eq2"], (study.system.k, study.system.b))
    if "harq" in parts:
        s.harq = harq_summary(parts["harq"][0]["rows"])
    if "breakdown" in parts:
        s.streams = stream_summary(parts["breakdown"][0]["rows"].rows())
    if "eq4" in parts:
        s.eq4 = eq4_summary(parts["eq4"][0])
    if "end_to_end" in parts:
        data, attrs = parts["end_to_end"]
        qt = json.loads(attrs["quality_target"]) if "quality_target" in attrs else None
        s.end_to_end = e2e_summary(data["draws"], float(json.loads(attrs["ber_target"])), qt, study.seed)
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
    if "breakdown" in parts:
        rl.breakdown_section(parts["breakdown"][0], PAPER_BPP, s.streams, rep)
    for rm, d in s.designs.items():
        design_section(rm, d, parts[f"designs/{rm}"][0], rep)
    if s.table2:
        v0, v1 = s.prompt_bits or 800, s.edge_bits or 7864
        table2_section(s.table2, rep, consistent_bers={p: paper_consistent_bers(p, v0, v1, sy.params())
                                                       for p in PAPER_TABLE_II})
    if s.eq2 is not None:
        rl.eq2_section(s.eq2, parts["eq2"][0], sy.k, sy.b, rep)
    if s.harq:
        rl.harq_section(s.harq, parts["harq"][0]["rows"], rep)
    if s.eq4 is not None:
        _eq4_section(study, parts["eq4"][0], rep)
    if s.end_to_end is not None:
        rl.e2e_section(s.end_to_end, parts["end_to_end"][0]["draws"], rep)
    return s


def _quality_section(s: QiaoSummary, parts: Stored, rep: Report) -> None:
    data, attrs = parts["quality"]
    rep.section("Quality constraint Φj(BER1)")
    rep.paragraph(f"Source: {s.quality_source}.")
    n = int(attrs.get("images", 0))
    band = ("95 % band" + (f" (bootstrap over the {n} images)" if n else " (from the source)")
            if any(k.startswith("band/") for k in data) else
            f"no band: {n} images (< {MIN_UNITS}), the values are indicative only" if n else "no band in the source")
    rep.figure("quality", lambda: figures.quality(data, json.loads(attrs["labels"]), s.ber_star),
               f"Fig. 2 analogue: normalized quality vs edge BER (prompt intact), {band}, prompt-only level")
    if s.prompt_only:
        rep.paragraph("Prompt only (no edge map at the receiver), normalized the same way: " + "; ".join(
            f"{q}: {v:.3f}" for q, v in s.prompt_only.items()) + ". The feature-level metric scores an absent sketch "
            "0 by construction, so its prompt-only level says nothing about the generator; the paper's Fig. 2 "
            "comparison (CLIP with and without the edge map) needs the regenerated metrics, whose weights are not "
            "available offline.")
    rep.table(["targets (CLIP, MS-SSIM)", "BER1*", "per metric", "not in the source"],
              [[f"({b.clip}, {b.ms_ssim})", b.ber_star,
                ", ".join(f"{k}: {_num(x) or '-'}" for k, x in b.per_metric.items()) or "-",
                ", ".join(b.missing) or "-"] for b in s.ber_star], caption="BER1* = min_j Φj⁻¹(εj)")


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
