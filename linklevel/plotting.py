"""PNG plots of simulated error rates with confidence-interval bars and analytic curves."""

from __future__ import annotations

import math
import os
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from .montecarlo import PointResult

__all__ = ["plot_error_rates", "plot_series"]


def plot_error_rates(
    points: Sequence[PointResult],
    path: Union[str, os.PathLike],
    confidence: float = 0.95,
    title: str = "",
    analytic: Optional[Mapping[str, tuple[Sequence[float], Sequence[float]]]] = None,
    xlabel: str = "Eb/N0 [dB]",
) -> None:
    """Plot BER and BLER vs SNR (log scale) with Clopper–Pearson bars; save as PNG.

    :param points: Simulated points (points without bits are left out).
    :param path: Output PNG path.
    :param confidence: Interval coverage for the error bars.
    :param title: Figure title.
    :param analytic: Optional curves ``{label: (snr_db, values)}`` drawn as lines.
    :param xlabel: Label of the SNR axis.

    .. code-block:: python

        >>> import tempfile, os
        >>> from linklevel.montecarlo import PointResult
        >>> p = [PointResult(0.0, bits=1000, bit_errors=80, blocks=10, block_errors=9)]
        >>> plot_error_rates(p, os.path.join(tempfile.mkdtemp(), "ber.png"))
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [p for p in points if p.bits > 0]
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    for label, attr, ci, marker in (("BER", "ber", "ber_ci", "o"), ("BLER", "bler", "bler_ci", "s")):
        sel = [p for p in pts if getattr(p, attr) > 0]
        if not sel:
            continue
        x = np.array([p.ebno_db for p in sel])
        y = np.array([getattr(p, attr) for p in sel])
        lo, hi = np.array([getattr(p, ci)(confidence) for p in sel]).T
        ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt=marker, capsize=3, label=f"{label} (sim, {confidence:.0%} CI)")
    for label, (x, y) in (analytic or {}).items():
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y) & (y > 0)
        if ok.any():
            ax.semilogy(np.asarray(x, dtype=float)[ok], y[ok], "-", label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("error rate")
    ax.grid(True, which="both", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def plot_series(
    series: Sequence[Mapping],
    path: Union[str, os.PathLike],
    confidence: float = 0.95,
    title: str = "",
    xlabel: str = "Eb/N0 [dB]",
    ylabel: str = "error rate",
) -> None:
    """Several simulated curves with their analytic curves in one PNG.

    :param series: One mapping per curve: ``label``, ``points`` (list of
        :class:`~linklevel.montecarlo.PointResult`), ``metric`` (``"ber"`` or ``"bler"``),
        optional ``intervals`` (one ``(lo, hi)`` per point; default Clopper–Pearson) and
        ``analytic`` (``{label: (snr_db, values)}``, drawn in the series' colour).
    :param path: Output PNG path.
    :param confidence: Coverage of the default intervals.
    :param title: Figure title.

    .. code-block:: python

        >>> import tempfile, os
        >>> from linklevel.montecarlo import PointResult
        >>> p = [PointResult(0.0, bits=1000, bit_errors=80, blocks=10, block_errors=9)]
        >>> plot_series([{"label": "BPSK", "points": p, "metric": "ber"}],
        ...             os.path.join(tempfile.mkdtemp(), "f.png"))
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = ["--", ":", "-.", (0, (5, 1))]
    lowest = [getattr(p, s["metric"]) for s in series for p in s["points"]
              if (p.bits if s["metric"] == "ber" else p.blocks) > 0 and getattr(p, s["metric"]) > 0]
    fig, ax = plt.subplots(figsize=(7.0, 5.0), dpi=110)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, s in enumerate(series):
        color = colors[i % len(colors)]
        metric = s["metric"]
        pts = list(s["points"])
        ivs = list(s.get("intervals") or [getattr(p, f"{metric}_ci")(confidence) for p in pts])
        keep = [j for j, p in enumerate(pts) if (p.bits if metric == "ber" else p.blocks) > 0
                and getattr(p, metric) > 0]
        if keep:
            x = np.array([pts[j].ebno_db for j in keep])
            y = np.array([getattr(pts[j], metric) for j in keep])
            lo = np.array([ivs[j][0] for j in keep])
            hi = np.array([ivs[j][1] for j in keep])
            ax.errorbar(x, y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)], fmt="o", ms=4, capsize=3,
                        color=color, label=f"{s['label']} ({metric.upper()} sim)")
        for k, (label, (xa, ya)) in enumerate((s.get("analytic") or {}).items()):
            ya = np.asarray(ya, dtype=float)
            ok = np.isfinite(ya) & (ya > 0)
            if ok.any():
                ax.plot(np.asarray(xa, dtype=float)[ok], ya[ok], linestyle=styles[k % len(styles)], color=color,
                        lw=1.2, label=f"{s['label']}: {label}")
    ax.set_yscale("log")
    if lowest:  # analytic curves can fall far below anything simulated: keep the data readable
        ax.set_ylim(10 ** (math.floor(math.log10(min(lowest))) - 2), 1.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6.5, ncol=1 if len(series) < 4 else 2)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
