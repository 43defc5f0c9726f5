"""The GESCO map study's typed summary (what ``semlink run`` / ``semlink show`` print and ``--json`` holds).

Intervals (:class:`~scenarios.study.stats.Interval`) are 95 % bootstraps over maps, the independent
unit (seeds averaged within a map first); fewer than five maps give the value without an interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..study.stats import Interval
from ..study.summary import Summary

__all__ = ["MapBits", "FdsPoint", "FdsResult", "CompareRow", "FadingPoint", "GeneratedImage", "BaselinePoint", "GescoSummary",
           "fds_word"]


def fds_word(d: Interval) -> str:
    """Whether FDS raises the mIoU, from the paired difference FDS − no FDS."""
    if not d.ok:
        return f"no interval ({d.n} map{'s' if d.n != 1 else ''})"
    return "yes" if d.lo > 0 else ("no (lowers it)" if d.hi < 0 else "not significant")


@dataclass
class MapBits:
    """Bits per map: the shortest lossless map code (codec ``auto``) vs the image at the map's resolution."""

    maps: int
    size: tuple[int, int]
    note: str
    mean_map_bits: Interval
    classes: int = 0
    map_bpp: float = float("nan")
    mean_image_png_bits: Optional[Interval] = None
    reduction_vs_png: Optional[Interval] = None
    reduction_vs_jpeg: Optional[Interval] = None


@dataclass
class FdsPoint:
    """mIoU at one PSNR with and without FDS and their paired difference."""

    psnr: float
    fds: Interval
    no_fds: Interval
    difference: Interval


@dataclass
class FdsResult:
    """The FDS ablation under one σ convention (``eq1`` or ``paper_sigma``)."""

    variant: str
    points: list[FdsPoint]
    helps_up_to_db: Optional[float] = None
    hurts_from_db: Optional[float] = None
    fds_on_clean_map: float = float("nan")


@dataclass
class CompareRow:
    """Analog vs one digital config on one channel: mean mIoU curves over maps and where they cross."""

    config: str
    bits: float
    channel_uses: float
    snrs_db: list[float]
    analog: list[Interval]
    digital: dict[str, list[Interval]]
    digital_099_db: Optional[float] = None
    analog_099_db: Optional[float] = None
    analog_better_max_db: Optional[float] = None
    digital_better_min_db: Optional[float] = None


@dataclass
class FadingPoint:
    """The analog map over one fading channel at one PSNR."""

    channel: str
    psnr: float
    fds: Interval
    no_fds: Interval


@dataclass
class GeneratedImage:
    """Images regenerated from the received maps at one PSNR, re-segmented (means over maps)."""

    psnr: float
    miou: Interval
    map_miou: Interval
    lpips: Interval
    fid: float = float("nan")


@dataclass
class BaselinePoint:
    """The full image over AWGN at the maps' channel uses, at one PSNR (means over maps)."""

    psnr: float
    image_psnr_db: Interval
    ms_ssim: Interval
    miou: Interval
    lpips: Interval
    map_miou: Optional[Interval] = None


def _db(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:g} dB"


@dataclass
class GescoSummary(Summary):
    """What the GESCO map study found (fields empty where a part is not stored yet)."""

    bits: Optional[MapBits] = None
    fds: dict[str, FdsResult] = field(default_factory=dict)
    compare: dict[str, list[CompareRow]] = field(default_factory=dict)
    fading: list[FadingPoint] = field(default_factory=list)
    baseline: list[BaselinePoint] = field(default_factory=list)
    generate: list[GeneratedImage] = field(default_factory=list)
    generate_note: Optional[str] = None

    def lines(self) -> list[str]:
        out = []
        b = self.bits
        if b is not None and b.reduction_vs_png is not None:
            jpeg = "" if b.reduction_vs_jpeg is None else f", {100 * b.reduction_vs_jpeg.value:.1f} % fewer than JPEG q75"
            out.append(f"maps: {b.mean_map_bits.value:.0f} bits on average ({b.map_bpp:.3f} bpp, {b.classes} classes), "
                       f"{100 * b.reduction_vs_png.value:.1f} % fewer than the image as PNG{jpeg} ({b.note}; the "
                       "paper's maps: 0.91 bpp, 35 classes, not comparable)")
        elif b is not None:
            out.append(f"maps: {b.mean_map_bits.value:.0f} bits on average ({b.note})")
        for v, r in self.fds.items():
            out.append(f"FDS ({v}): " + ", ".join(f"{p.psnr:g} dB {p.difference.value:+.3f}" for p in r.points))
        for ch, rows in self.compare.items():
            out += [f"{ch} {r.config}: analog better up to {_db(r.analog_better_max_db)}, digital from "
                    f"{_db(r.digital_better_min_db)}" for r in rows]
        return out
