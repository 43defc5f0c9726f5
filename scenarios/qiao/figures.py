"""The figures of the Qiao latency study's report (each returns a Matplotlib figure; the report saves it):
``fig4`` (prompt power share, latency proposed vs semantic-unaware, edge bits/symbol, expected
retransmissions vs γ̄; mean channel and Rayleigh averages), ``quality`` (Φ vs edge BER with its band),
``eq2`` (measured PER with intervals vs eq. (2) as printed and refitted), ``eq4`` (bound vs exact vs
simulated uncoded M-QAM) and ``end_to_end`` (achieved vs designed latency)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import models as m
from .sweep import draw_summary

__all__ = ["fig4", "quality", "eq2", "eq4", "end_to_end"]


def _axes(ax: Any, xlabel: str, title: str = "") -> None:
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)


def fig4(d: dict[str, Any], rm: str) -> Any:
    """Fig. 4 analogue of one rate model (solid: mean channel; dashed: Rayleigh draws, mean/median)."""
    import matplotlib.pyplot as plt

    s = draw_summary(d)
    x = d["avg_snr_db"]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    for i, ber in enumerate(d["ber"]):
        line, = ax[0, 0].plot(x, 100 * d["mean_prompt_share"][i], label=f"BER {ber:.3g}")
        c = line.get_color()
        ax[0, 0].plot(x, 100 * s["share"][i], "--", color=c)
        ax[0, 1].semilogy(x, 1e3 * d["mean_latency_s"][i], color=c, label=f"BER {ber:.3g}")
        ax[0, 1].semilogy(x, 1e3 * s["latency_median"][i], "--", color=c)
        ax[1, 0].plot(x, d["mean_bits_per_symbol"][i], color=c)
        ax[1, 0].plot(x, s["bits"][i], "--", color=c)
        ax[1, 1].semilogy(x, d["mean_retransmissions"][i], color=c)
        ax[1, 1].semilogy(x, s["retx"][i], "--", color=c)
    ax[0, 1].semilogy(x, 1e3 * d["unaware_mean"], "k-", lw=2, label="semantic-unaware (BER 1e-7)")
    ax[0, 1].semilogy(x, 1e3 * s["unaware_median"], "k--", lw=1)
    for a, t in zip(ax.flat, ("(a) prompt power share (%)", "(b) latency (ms)", "(c) edge bits/symbol",
                              "(d) expected prompt transmissions")):
        _axes(a, "average SNR γ̄ (dB)", t)
    ax[0, 1].legend(fontsize=8)
    fig.suptitle(f"Fig. 4 analogue, {rm} rate (solid: mean channel; dashed: Rayleigh draws, mean/median)")
    fig.tight_layout()
    return fig


def quality(data: dict[str, Any], labels: dict[str, str], ber_star: Sequence[Any]) -> Any:
    """Normalized quality vs edge BER per metric, its bootstrap band and the target lines."""
    import matplotlib.pyplot as plt

    ber = data["ber"]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for q in sorted(k[len("metrics/"):] for k in data if k.startswith("metrics/")):
        line, = ax.semilogx(ber, data[f"metrics/{q}"], "o-", label=f"{q}: {labels.get(q, '')[:60]}")
        if f"band/{q}" in data:
            b = data[f"band/{q}"]
            ax.fill_between(ber, b[0], b[1], color=line.get_color(), alpha=0.2)
        for t in ber_star:
            eps = {"clip": t.clip, "ms_ssim": t.ms_ssim}.get(q)
            if eps is not None:
                ax.axhline(eps, color=line.get_color(), ls=":", lw=0.8)
    _axes(ax, "edge-map BER (prompt intact)")
    ax.set_ylabel("normalized quality")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def eq2(points: Any, kb: Optional[Sequence[float]], k: float, b: float) -> Any:
    """Measured prompt PER with intervals vs eq. (2) (solid: as printed; dotted: refitted {k, b})."""
    import matplotlib.pyplot as plt

    from .reallink import model_per

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    for a, ch in zip(axes, ("awgn", "rayleigh")):
        pts = points.where(channel=ch)
        for L in sorted(set(pts["length"].tolist())):
            pp = pts.where(length=L)
            x = pp["snr_db"]
            y, lo, hi = np.maximum(pp["per"], 1e-6), np.maximum(pp["per_lo"], 1e-6), pp["per_hi"]
            bar = a.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o", capsize=3, label=f"L = {L}: link")
            xs = np.linspace(x.min(), x.max(), 60)
            a.semilogy(xs, [model_per(10 ** (s / 10), L, ch, k, b) for s in xs], "-", color=bar[0].get_color(),
                       label=f"L = {L}: eq. (2)")
            if kb:
                a.semilogy(xs, [max(model_per(10 ** (s / 10), L, ch, kb[0], kb[1]), 1e-6) for s in xs], ":",
                           color=bar[0].get_color())
        a.set_yscale("log")
        _axes(a, "Es/N0 γ0 (dB)" + (" (mean)" if ch == "rayleigh" else ""),
              f"prompt PER, {ch} (dotted: eq. (2) refitted)")
        a.legend(fontsize=7)
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
    _axes(ax, "Es/N0 γ1 (dB)", "eq. (4)'s bound vs exact Gray M-QAM (dots: simulated at the bound's thresholds)")
    ax.set_ylabel("BER")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def end_to_end(draws: Any) -> Any:
    """CDF over Rayleigh draws of achieved / designed latency per average SNR (draws that were sent)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for s in np.unique(draws["avg_snr_db"]):
        sel = (draws["avg_snr_db"] == s) & (draws["order"] > 0)
        if not sel.any():
            continue
        r = np.sort(draws["achieved_latency"][sel] / draws["designed_latency"][sel])
        ax.step(r, np.arange(1, r.size + 1) / r.size, where="post", label=f"γ̄ = {s:g} dB ({sel.sum()} sent)")
    ax.axvline(1.0, color="k", lw=0.8)
    _axes(ax, "achieved / designed latency (real links)")
    ax.set_ylabel("CDF over Rayleigh draws")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
