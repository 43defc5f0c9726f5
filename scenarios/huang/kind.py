"""The ``huang_cie`` study kind."""

from __future__ import annotations

from typing import Any, Optional

from ..study.kinds import StudyKind
from ..study.parts import RunContext
from .study import PARTS, HuangStudy, huang_parts, load_huang, resolve_images

__all__ = ["KIND"]


def _preflight(study: HuangStudy) -> None:
    resolve_images(study.data)
    from .pipeline import load_family

    if not study.data.random_weights:
        load_family(study.data.coders or None)  # missing coder weights fail before anything is written


def _report(study: HuangStudy, ctx: RunContext) -> tuple[dict[str, Any], list[str], Optional[str]]:
    from .report import write_huang_report

    return write_huang_report(study)


def _summary_lines(s: dict[str, Any]) -> list[str]:
    lines = []
    f7 = s.get("fig7")
    if f7:
        lines.append(f"GVIF non-increasing in alpha: {f7['gvif_nonincreasing_in_alpha']}; non-decreasing in rate: "
                     f"{f7['gvif_nondecreasing_in_rate']}")
    f9 = s.get("fig9")
    if f9 and f9.get("max_gap_to_grid") is not None:
        lines.append(f"Algorithm 1 vs grid: largest GVIF gap {f9['max_gap_to_grid']:+.4f}")
        if f9.get("real_over_shannon_latency"):
            lo, hi = f9["real_over_shannon_latency"]
            lines.append(f"5G LDPC latency of the eq. (8) design: {lo:.2f}-{hi:.2f}x eq. (8); unfiltered cliff at "
                         + (", ".join(f"{x:g}" for x in f9["cliff_snrs_db"]) + " dB" if f9["cliff_snrs_db"] else "none"))
    return lines


KIND = StudyKind(name="huang_cie", load=load_huang, parts=huang_parts, report=_report, summary_lines=_summary_lines,
                 tables=PARTS, preflight=_preflight)
