"""The figures of the Qiao latency study's report (each returns a Matplotlib figure; the report saves it):
``fig4`` (:mod:`scenarios.qiao.figures_fig4`: the four Fig. 4 panels, mean channel and Rayleigh medians with
10-90 % quantiles), ``quality`` (the Fig. 2 analogue: Φ vs edge BER with its band and the prompt-only level) and
``eq4`` (bound vs exact vs simulated uncoded M-QAM); the link checks' figures are
:mod:`scenarios.qiao.figures_links`."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import models as m
from .figures_fig4 import fig4  # moved (issue #25)

__all__ = ["fig4", "quality", "eq4", "label_axes"]


def label_axes(ax: Any, xlabel: str, ylabel: str = "", title: str = "", title_size: Optional[float] = None) -> None:
    """The study's axes style: labels, optional title, a light grid on major and minor ticks."""
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=title_size)
    ax.grid(True, which="both", alpha=0.3)


def quality(data: dict[str, Any], labels: dict[str, str], ber_star: Sequence[Any]) -> Any:
    """Fig. 2 analogue: normalized quality vs edge BER per metric with the prompt intact, its bootstrap band
    over images, the "prompt only" level (dash-dot: no edge map at the receiver) and the target lines (dotted)."""
    import matplotlib.pyplot as plt

    ber = data["ber"]
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    for q in sorted(k[len("metrics/"):] for k in data if k.startswith("metrics/")):
        line, = ax.semilogx(ber, data[f"metrics/{q}"], "o-", label=f"{q}, prompt + edge map")
        c = line.get_color()
        if f"band/{q}" in data:
            b = data[f"band/{q}"]
            ax.fill_between(ber, b[0], b[1], color=c, alpha=0.2)
        if f"prompt_only/{q}" in data:
            ax.axhline(float(data[f"prompt_only/{q}"][0]), color=c, ls="-.", lw=1, label=f"{q}, prompt only")
        for t in ber_star:
            eps = {"clip": t.clip, "ms_ssim": t.ms_ssim}.get(q)
            if eps is not None:
                ax.axhline(eps, color=c, ls=":", lw=0.8)
    label_axes(ax, "edge-map BER (prompt intact)", "normalized quality (÷ error-free)")
    ax.set_title("; ".join(f"{q}: {v}" for q, v in labels.items())[:110], fontsize=7)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def eq4(sim: Any, alpha: float, beta: float) -> Any:
    """Eq. (4)'s bound vs the exact Gray M-QAM BER; dots: simulated at the bound's thresholds."""
    import matplotlib.pyplot as plt

    from .reallink_eq4 import exact_ber

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs = np.linspace(0, 36, 181)
    for order in m.QAM_ORDERS:
        line, = ax.semilogy(xs, [m.mqam_ber_bound(10 ** (s / 10), order, alpha, beta) for s in xs], "--",
                            label=f"{order}-QAM eq. (4) bound")
        ax.semilogy(xs, [exact_ber(10 ** (s / 10), order) for s in xs], "-", color=line.get_color(),
                    label=f"{order}-QAM exact")
        pts = sim.where(modulation_order=order)
        if len(pts):
            y = np.maximum(pts["ber"], 1e-9)
            ax.errorbar(pts["snr_db"], y, yerr=[y - np.maximum(pts["ber_lo"], 1e-9), pts["ber_hi"] - y], fmt="o",
                        color=line.get_color(), capsize=3)
    ax.set_ylim(1e-8, 0.5)
    label_axes(ax, "Es/N0 γ1 (dB)", "BER", "eq. (4)'s bound vs exact Gray M-QAM (dots: simulated at the bound's thresholds)")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
