"""Error-rate figures a researcher can paste into a draft (PNG, PDF and SVG).

:func:`plot_panels` draws one panel per metric (BER, and BLER for coded links): each
simulated curve as a line with markers and interval bars, points without any error as
downward triangles at their interval's upper bound (an upper bound, not a dropped
point), and the analytic curves of each series in its colour. Axis labels carry units.
No torch here: figures are drawn from stored counts.
"""

from __future__ import annotations

import math
import os
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from linklevel.store.points import PointResult

__all__ = ["FORMATS", "METRIC_LABELS", "draw_panels", "plot_panels", "save_figure"]

FORMATS = ("png", "pdf", "svg")
METRIC_LABELS = {"ber": "BER (bit error rate)", "bler": "BLER (block error rate)"}
_STYLES = ["--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1))]


def save_figure(fig: object, path: Union[str, os.PathLike], formats: Sequence[str] = ("png",)) -> list[str]:
    """Save ``fig`` at ``path`` and beside it in the other ``formats`` (same stem); return the paths."""
    root, ext = os.path.splitext(os.fspath(path))
    os.makedirs(os.path.dirname(os.path.abspath(root)) or ".", exist_ok=True)
    suffixes = [ext.lstrip(".").lower()] + [f for f in formats if f != ext.lstrip(".").lower()]
    out = []
    for suf in suffixes:
        p = f"{root}.{suf}"
        fig.savefig(p, **({"metadata": {"Date": None}} if suf == "svg" else {}))
        out.append(p)
    return out


def _trials(p: PointResult, metric: str) -> int:
    return p.bits if metric == "ber" else p.blocks


def _errors(p: PointResult, metric: str) -> int:
    return p.bit_errors if metric == "ber" else p.block_errors


def plot_panels(
    series: Sequence[Mapping],
    path: Union[str, os.PathLike],
    panels: Sequence[str] = ("ber",),
    confidence: float = 0.95,
    title: str = "",
    subtitle: str = "",
    xlabel: str = "Eb/N0 [dB]",
    formats: Sequence[str] = ("png",),
    note: str = "",
) -> list[str]:
    """Simulated curves with intervals and analytic curves, one panel per metric.

    :param series: One mapping per curve: ``label``; ``points`` (list of :class:`PointResult`);
        optional ``intervals`` ``{metric: [(lo, hi) per point]}`` (default Clopper–Pearson on the
        metric's counts); optional ``analytic`` ``{label: (snr_db, values, metric)}``.
    :param path: Output file (its suffix is one format); the other ``formats`` are written beside it.
    :param panels: Metrics, one panel each (``"ber"``, ``"bler"``).
    :param confidence: Coverage of the intervals (for the legend).
    :param title: First title line; ``subtitle``: second line (e.g. CSI, coherence, pilots).
    :param note: Text in the lower-left corner of the first panel (e.g. "no analytic bound applies").
    :output: The written paths.

    The figure itself is :func:`draw_panels` (same arguments, without ``path`` and ``formats``).

    .. code-block:: python

        >>> import tempfile, os
        >>> from linklevel.store.points import PointResult
        >>> p = [PointResult(0.0, bits=1000, bit_errors=80, blocks=10, block_errors=9),
        ...      PointResult(4.0, bits=1000, bit_errors=0, blocks=10, block_errors=0)]
        >>> paths = plot_panels([{"label": "BPSK", "points": p}], os.path.join(tempfile.mkdtemp(), "f.png"))
        >>> len(paths)
        1
    """
    import matplotlib.pyplot as plt

    fig = draw_panels(series, panels, confidence, title, subtitle, xlabel, note)
    paths = save_figure(fig, path, formats)
    plt.close(fig)
    return paths


def draw_panels(series: Sequence[Mapping], panels: Sequence[str] = ("ber",), confidence: float = 0.95,
                title: str = "", subtitle: str = "", xlabel: str = "Eb/N0 [dB]", note: str = "") -> object:
    """The Matplotlib figure of :func:`plot_panels` (not saved)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(6.4 * len(panels), 4.8), dpi=110, squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], panels):
        lowest = []
        bound_labelled = False
        for i, s in enumerate(series):
            color = colors[i % len(colors)]
            pts = [p for p in s["points"] if _trials(p, metric) > 0]
            given = (s.get("intervals") or {}).get(metric)
            if given is not None:
                ivs = [iv for p, iv in zip(s["points"], given) if _trials(p, metric) > 0]
            else:
                ivs = [getattr(p, f"{metric}_ci")(confidence) for p in pts]
            hit = [(p, iv) for p, iv in zip(pts, ivs) if _errors(p, metric) > 0]
            zero = [(p, iv) for p, iv in zip(pts, ivs) if _errors(p, metric) == 0]
            if hit:
                x = np.array([p.ebno_db for p, _ in hit])
                y = np.array([getattr(p, metric) for p, _ in hit])
                lo = np.array([iv[0] for _, iv in hit])
                hi = np.array([iv[1] for _, iv in hit])
                ax.errorbar(x, y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)], fmt="-o", ms=4, lw=1.2,
                            capsize=3, color=color, label=f"{s['label']} (sim.)")
                lowest += list(y)
            if zero:
                x = np.array([p.ebno_db for p, _ in zero])
                hi = np.array([iv[1] for _, iv in zero])
                ax.plot(x, hi, "v", ms=6, color=color, markerfacecolor="none",
                        label=None if bound_labelled else f"0 errors: {confidence:.0%} upper bound")
                bound_labelled = True
                lowest += list(hi)
            for k, (label, curve) in enumerate((s.get("analytic") or {}).items()):
                xa, ya, cm = curve
                if cm != metric:
                    continue
                ya = np.asarray(ya, dtype=float)
                ok = np.isfinite(ya) & (ya > 0)
                if ok.any():
                    ax.plot(np.asarray(xa, dtype=float)[ok], ya[ok], linestyle=_STYLES[k % len(_STYLES)],
                            color=color, lw=1.0, alpha=0.85, label=f"{s['label']}: {label}")
        ax.set_yscale("log")
        if lowest:  # analytic curves can fall far below anything simulated: keep the data readable
            ax.set_ylim(10 ** (math.floor(math.log10(max(min(lowest), 1e-300))) - 1), 1.5)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6.5, ncol=1 if len(series) < 4 else 2)
    if note:
        axes[0][0].text(0.01, 0.01, note, transform=axes[0][0].transAxes, fontsize=7, va="bottom", style="italic")
    if title or subtitle:
        fig.suptitle("\n".join(t for t in (title, subtitle) if t), fontsize=9)
    fig.tight_layout()
    return fig
