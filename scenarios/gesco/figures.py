"""The GESCO map study's figures, drawn from what the report computed (or read) from the result file.

Each function returns a Matplotlib figure (``None`` when there is nothing to draw); the report passes
them to :meth:`scenarios.study.report.Report.figure`, which saves and links only the figures drawn:

* :func:`fds_figure` — mIoU vs PSNR with and without FDS (eq. (2)), 95 % bands over maps;
* :func:`examples_figure` — the first map sent and received at each PSNR, argmax vs FDS;
* :func:`compare_figure` — analog vs digital at equal channel uses and energy, one panel per config;
* :func:`fading_figure` — the analog map over fading and OFDM channels, with and without FDS;
* :func:`generate_figure` — the images regenerated from received maps (ControlNet-seg).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ..study.stats import Interval
from .summary import CompareRow, FadingPoint, FdsPoint

__all__ = ["psnr_axis", "fds_figure", "examples_figure", "compare_figure", "fading_figure", "generate_figure"]


def _curve(ax: Any, x: Sequence[float], ivs: Sequence[Interval], style: str, label: str,
           color: Optional[str] = None) -> None:
    """Plot the values of ``ivs`` and, where every interval is given, their band."""
    line = ax.plot(x, [iv.value for iv in ivs], style, ms=3, label=label, **({"color": color} if color else {}))[0]
    if ivs and all(iv.ok for iv in ivs):
        ax.fill_between(x, [iv.lo for iv in ivs], [iv.hi for iv in ivs], alpha=0.2, color=line.get_color())


def psnr_axis(psnrs: Sequence[float], clean_from: float = 60.0) -> tuple[list[float], list[float], list[str]]:
    """Plot positions of PSNRs on a zoomed axis: values below ``clean_from`` as they are, the noise-free
    points (e.g. 100 dB, σ = 0) one step beyond the largest of them, labelled as such; returns
    ``(positions, ticks, tick labels)``."""
    finite = [p for p in psnrs if p < clean_from]
    top = max(finite) if finite else 0.0
    step = 5.0
    pos = [p if p < clean_from else top + step for p in psnrs]
    ticks = sorted(set(pos))
    labels = [f"{t:g}" if t in finite else f"{max(psnrs):g} (σ≈0)" for t in ticks]
    return pos, ticks, labels


def fds_figure(points: Sequence[FdsPoint], label: str) -> Any:
    """mIoU vs PSNR with and without FDS under one convention and σ source (``label`` names both); the
    noise-free point sits at the right end of a zoomed axis, bands are 95 % over maps."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    x, ticks, names = psnr_axis([p.psnr for p in points])
    _curve(ax, x, [p.fds for p in points], "o-", "with FDS")
    _curve(ax, x, [p.no_fds for p in points], "o-", "without FDS")
    ax.set_xticks(ticks, names, fontsize=7)
    ax.set_xlabel(f"PSNR (dB) — {label}", fontsize=8)
    ax.set_ylabel("mIoU (received vs sent map)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def examples_figure(sent: np.ndarray, examples: Mapping[str, np.ndarray]) -> Optional[Any]:
    """The sent map and the received ones (``examples``: ``raw_<psnr>`` / ``fds_<psnr>`` label maps)."""
    import matplotlib.pyplot as plt

    from genai.controlnet_seg import ade20k_palette, paint

    if not examples:
        return None
    psnrs = sorted({float(k.split("_")[1]) for k in examples})
    pal = ade20k_palette()
    fig, ax = plt.subplots(2, len(psnrs) + 1, figsize=(2.4 * (len(psnrs) + 1), 4.4), squeeze=False)
    for row, kind in enumerate(("raw", "fds")):
        ax[row, 0].imshow(paint(sent, pal))
        ax[row, 0].set_title("sent")
        for j, p in enumerate(psnrs):
            ax[row, j + 1].imshow(paint(np.asarray(examples[f"{kind}_{p:g}"], dtype=np.int64), pal))
            ax[row, j + 1].set_title(f"{p:g} dB, {'FDS' if kind == 'fds' else 'argmax'}", fontsize=8)
    for a in ax.flat:
        a.axis("off")
    fig.tight_layout()
    return fig


def compare_figure(channel: str, rows: Sequence[CompareRow]) -> Optional[Any]:
    """Analog (equal uses and energy, FDS) vs digital (each receiver policy) mIoU vs Es/N0, per config."""
    import matplotlib.pyplot as plt

    if not rows:
        return None
    fig, axes = plt.subplots(1, len(rows), figsize=(4.3 * len(rows), 3.8), squeeze=False)
    for ax, row in zip(axes[0], rows):
        _curve(ax, row.snrs_db, row.analog, "k--o", "analog (equal uses + energy), FDS")
        for pol, ivs in row.digital.items():
            _curve(ax, row.snrs_db, ivs, "-o", f"digital, {pol}")
        ax.set_title(f"{row.config} ({channel})")
        ax.set_xlabel("Es/N0 per channel use (dB), unit-power convention")
        ax.set_ylabel("mIoU")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def fading_figure(points: Sequence[FadingPoint]) -> Optional[Any]:
    """mIoU vs PSNR of the analog map on each fading channel, with (solid) and without (dashed) FDS."""
    import matplotlib.pyplot as plt

    if not points:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    for i, name in enumerate(dict.fromkeys(p.channel for p in points)):
        pts = [p for p in points if p.channel == name]
        x = [p.psnr for p in pts]
        _curve(ax, x, [p.fds for p in pts], "o-", f"{name}, FDS", color=f"C{i}")
        _curve(ax, x, [p.no_fds for p in pts], "s--", f"{name}, no FDS", color=f"C{i}")
    ax.set_xlabel("PSNR (dB), unit-power convention, equalized")
    ax.set_ylabel("mIoU (received vs sent map)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def generate_figure(images: Mapping[str, np.ndarray]) -> Optional[Any]:
    """The regenerated images (``images``: ``<map>_<psnr>`` -> RGB uint8), one row per map."""
    import matplotlib.pyplot as plt

    if not images:
        return None
    keys = sorted(images, key=lambda k: (int(k.split("_")[0]), float(k.split("_")[1])))
    maps = sorted({int(k.split("_")[0]) for k in keys})
    psnrs = sorted({float(k.split("_")[1]) for k in keys})
    fig, ax = plt.subplots(len(maps), len(psnrs), figsize=(2.6 * len(psnrs), 2.7 * len(maps)), squeeze=False)
    for k in keys:
        i, p = int(k.split("_")[0]), float(k.split("_")[1])
        a = ax[maps.index(i), psnrs.index(p)]
        a.imshow(images[k])
        a.set_title(f"map {i}, {p:g} dB", fontsize=8)
    for a in ax.flat:
        a.axis("off")
    fig.tight_layout()
    return fig
