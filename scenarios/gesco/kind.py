"""The ``gesco_maps`` study kind."""

from __future__ import annotations

from typing import Any, Optional

from ..study.kinds import StudyKind
from ..study.parts import RunContext
from .study import PARTS, GescoStudy, gesco_parts, load_gesco, resolve_sources

__all__ = ["KIND"]


def _preflight(study: GescoStudy) -> None:
    resolve_sources(study.maps)  # a missing image / label folder fails before anything is written


def _report(study: GescoStudy, ctx: RunContext) -> tuple[dict[str, Any], list[str], Optional[str]]:
    from .report import write_gesco_report

    return write_gesco_report(study)


def _summary_lines(s: dict[str, Any]) -> list[str]:
    lines = []
    b = s.get("bits", {})
    if b.get("reduction_vs_png") is not None:
        lines.append(f"maps: {b['mean_map_bits']:.0f} bits on average, {100 * b['reduction_vs_png']:.1f} % fewer "
                     f"than the image as PNG ({b['note']})")
    for v, rows in s.get("fds", {}).items():
        if v.endswith("_verdict"):
            continue
        lines.append(f"FDS ({v}): " + ", ".join(f"{x['psnr']:g} dB {x['difference'][0]:+.3f}" for x in rows))
    for ch, rows in s.get("compare", {}).items():
        for r in rows:
            lines.append(f"{ch} {r['config']}: analog better up to {r['analog_better_max_db']} dB, digital from "
                         f"{r['digital_better_min_db']} dB")
    return lines


KIND = StudyKind(name="gesco_maps", load=load_gesco, parts=gesco_parts, report=_report,
                 summary_lines=_summary_lines, tables=PARTS, preflight=_preflight)
