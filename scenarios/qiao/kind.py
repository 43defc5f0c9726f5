"""The ``qiao_latency`` study kind."""

from __future__ import annotations

from typing import Any, Optional

from ..study.kinds import StudyKind
from ..study.parts import RunContext
from .study import PARTS, STUDY_KEYS, QiaoStudy, load_qiao, qiao_parts, resolve_images, stream_lengths

__all__ = ["KIND"]


def _preflight(study: QiaoStudy) -> None:
    if study.quality.source == "measured":
        resolve_images(study.quality)  # a missing image folder fails before anything is written


def _report(study: QiaoStudy, ctx: RunContext) -> tuple[dict[str, Any], list[str], Optional[str]]:
    from .report import write_qiao_report

    return write_qiao_report(study, stream_lengths(study, ctx.file))


def _summary_lines(s: dict[str, Any]) -> list[str]:
    lines = []
    for rm, d in s.get("designs", {}).items():
        gap = d.get("max_solver_gap")
        lines.append(f"{rm}: solver vs brute force max gap {gap:+.2e}" if gap is not None else f"{rm}: no gap data")
    for r in s.get("table2", []):
        rng = ", ".join(f"M={x['modulation_order']}: {x['avg_snr_min_db']}..{x['avg_snr_max_db']} dB"
                        for x in r["ranges"] if x["avg_snr_min_db"] is not None)
        lines.append(f"Table II {tuple(r['targets'].values())}: BER1* {r['ber_star']} -> {rng or 'infeasible'}")
    e2 = s.get("eq2")
    if e2:
        kb = e2["fit_kb"]
        lines.append(f"eq. (2): consistent at {e2['consistent']}/{e2['points']} points; fitted k, b = "
                     + (f"{kb[0]:.3g}, {kb[1]:.3g}" if kb else "-") + f" (paper {e2['paper_kb']})")
    e4 = s.get("eq4")
    if e4:
        lines.append(f"eq. (4): bound {e4['looseness_db'][0]:+.2f}..{e4['looseness_db'][1]:+.2f} dB from exact; "
                     f"holds in simulation at {e4['simulated_bound_holds']}/{e4['simulated']} points")
    return lines


KIND = StudyKind(name="qiao_latency", load=load_qiao, parts=qiao_parts, report=_report, summary_lines=_summary_lines,
                 tables=PARTS, study_keys=STUDY_KEYS, preflight=_preflight)
