"""The Qiao latency study's figures of its checks on real links (each returns a Matplotlib figure; the report
saves it): ``eq2`` (measured PER on Rayleigh block fading vs eq. (2) at the mean SNR; AWGN diagnostic beside),
``harq`` (transmissions and latency per retransmission scheme), ``end_to_end`` (achieved latency against the
target) and ``fig3`` (measured stream sizes and the latency split T0/T1)."""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .figures import label_axes

__all__ = ["eq2", "harq", "end_to_end", "fig3"]


def _per_panel(a: Any, pts: Any, ch: str, k: float, b: float, fit: Optional[dict[str, Any]]) -> None:
    from .reallink import faded_model_per, model_per

    for i, L in enumerate(sorted(set(pts["length"].tolist()))):
        pp = pts.where(length=L)
        x = pp["snr_db"]
        y, lo, hi = np.maximum(pp["per"], 1e-6), np.maximum(pp["per_lo"], 1e-6), pp["per_hi"]
        bar = a.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o", capsize=3, label=f"L = {L}: link [95 % CP]")
        c = bar[0].get_color()
        xs = np.linspace(min(x.min() - 1, 0.0), x.max() + 1, 80)  # a line even through a single point
        a.semilogy(xs, [max(model_per(10 ** (s / 10), L, ch, k, b), 1e-6) for s in xs], "-", color=c,
                   label=f"L = {L}: eq. (2)")
        if fit:
            a.semilogy(xs, [max(model_per(10 ** (s / 10), L, ch, fit["k"], fit["b"]), 1e-6) for s in xs], ":",
                       color=c, label=None if i else "dotted: eq. (2) refitted")
        if ch == "rayleigh":
            a.semilogy(xs, [max(faded_model_per(10 ** (s / 10), L, k, b), 1e-6) for s in xs], "--", color=c,
                       lw=0.8, alpha=0.6, label=None if i else "dashed: eq. (2) faded again (first pass)")
    a.set_yscale("log")


def eq2(points: Any, fit: Optional[dict[str, Any]], fit_awgn: Optional[dict[str, Any]], k: float, b: float) -> Any:
    """Left: the verdict -- PER on Rayleigh block fading vs eq. (2) at the mean SNR (solid), refitted (dotted),
    and the fade-averaged first-pass reading (dashed, counts the fading twice). Right: AWGN, diagnostic only."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for a, ch, title in ((axes[0], "rayleigh", "Rayleigh block fading (the verdict); dashed: eq. (2) faded again"),
                         (axes[1], "awgn", "AWGN (diagnostic: eq. (2) is not an AWGN model)")):
        pts = points.where(channel=ch)
        if len(pts):
            _per_panel(a, pts, ch, k, b, fit if ch == "rayleigh" else fit_awgn)
        label_axes(a, "mean Es/N0 γ̄0 (dB)" if ch == "rayleigh" else "Es/N0 γ0 (dB)", "prompt PER", title, title_size=10)
        a.legend(fontsize=7)
    fig.tight_layout()
    return fig


def harq(rows: Any) -> Any:
    """Mean transmissions (with 95 % t intervals over prompts) and mean latency per scheme vs mean Es/N0."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.3))
    for sch in dict.fromkeys(rows["scheme"].tolist()):
        r = rows.where(scheme=sch)
        x = r["snr_db"]
        ax[0].errorbar(x, r["mean"], yerr=[r["mean"] - r["mean_lo"], r["mean_hi"] - r["mean"]], fmt="o-", capsize=3,
                       label=sch)
        ax[1].errorbar(x, r["latency_ms"], yerr=[r["latency_ms"] - r["latency_lo_ms"], r["latency_hi_ms"] -
                                                  r["latency_ms"]], fmt="o-", capsize=3, label=sch)
    first = rows.where(scheme=rows["scheme"][0])
    ax[0].plot(first["snr_db"], first["eq3_mean"], "k:", label="eq. (3) with eq. (2) at the mean SNR")
    label_axes(ax[0], "mean Es/N0 (dB)", "mean transmissions per prompt", "Rayleigh block fading, fade per transmission", title_size=10)
    label_axes(ax[1], "mean Es/N0 (dB)", "mean prompt latency (ms)", "transmissions × transmission time", title_size=10)
    ax[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def end_to_end(draws: Any) -> Any:
    """CDF over Rayleigh draws of the achieved latency over its target (each draw's target: the mean-channel
    design's latency for that draw's edge map), per average SNR; on time left of the line at 1; outage and
    undelivered draws never reach the curve's top."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.6))
    for s in np.unique(draws["avg_snr_db"]):
        sel = draws["avg_snr_db"] == s
        ratio = draws["achieved_latency"][sel] / draws["target_latency"][sel]
        fin = np.sort(ratio[np.isfinite(ratio)])
        if not fin.size:
            continue
        ax.step(fin, np.arange(1, fin.size + 1) / ratio.size, where="post",
                label=f"γ̄ = {s:g} dB ({fin.size}/{ratio.size} delivered)")
    ax.axvline(1.0, color="k", ls=":", lw=1)
    ax.set_xscale("log")
    label_axes(ax, "achieved latency / target (dotted: on time)", "fraction of draws delivered by then")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _finite_mean(v: np.ndarray) -> float:
    """The mean of the finite entries (NaN when none: every image in outage)."""
    v = np.asarray(v, dtype=float)
    return float(v[np.isfinite(v)].mean()) if np.isfinite(v).any() else math.nan


def fig3(rows: Any, paper_bpp: tuple[float, float]) -> Any:
    """Left: measured bits per image, prompt and edge map (dashed: the paper's Fig. 3 rates at the image's
    pixels). Right: the latency split T0 / T1 (mean over images) of the mean-channel design per γ̄."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(12, 4.3))
    first = rows.where(avg_snr_db=rows["avg_snr_db"][0])
    idx = np.arange(len(first))
    ax[0].bar(idx - 0.2, first["prompt_bits"], 0.4, label="prompt (UTF-8 caption)")
    ax[0].bar(idx + 0.2, first["edge_bits"], 0.4, label="edge map (learned codec)")
    ax[0].plot(idx, first["pixels"] * paper_bpp[0], "k_--", ms=28, lw=1, label=f"paper: {paper_bpp[0]} bpp")
    ax[0].plot(idx, first["pixels"] * paper_bpp[1], "k_:", ms=28, lw=1, label=f"paper: {paper_bpp[1]} bpp")
    ax[0].set_yscale("log")
    ax[0].set_xticks(idx, [str(n)[:10] for n in first["image"]], rotation=60, fontsize=7)
    label_axes(ax[0], "image", "bits")
    ax[0].legend(fontsize=7)
    snrs = np.unique(rows["avg_snr_db"])
    t0, t1 = ([_finite_mean(rows.where(avg_snr_db=s)[c]) for s in snrs] for c in ("t0_ms", "t1_ms"))
    w = 0.35
    ax[1].bar(np.arange(snrs.size) - w / 2, t0, w, label="T0 (prompt)")
    ax[1].bar(np.arange(snrs.size) + w / 2, t1, w, label="T1 (edge map)")
    ax[1].set_xticks(np.arange(snrs.size), [f"{s:g} dB" for s in snrs])
    for i, v in enumerate(t1):
        if not np.isfinite(v):
            ax[1].text(i, 0.02, "outage", ha="center", va="bottom", transform=ax[1].get_xaxis_transform(), fontsize=8)
    label_axes(ax[1], "average SNR γ̄", "mean over images (ms)", "latency split of the discrete design (no bar: outage)", title_size=10)
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    return fig
