"""The figures of the Huang et al. study, drawn from its stored tables (:mod:`scenarios.huang.report`).

``fig7`` (mean GVIF vs mean mask-PSNR per α across the coder family), ``fig9`` (AWGN: GVIF and
critical-region mask-PSNR vs SNR for the paper's design, the real-link designs as delivered, the
unfiltered coder, JPEG2000 and text only; the latency of the paper's streams by eq. (8), the normal
approximation and the 5G LDPC link; GVIF vs latency with :math:`T_{max}` swept), ``rayleigh`` (the
same over quasi-static Rayleigh fades, with intervals over fades), ``examples`` (original,
importance, mask, partial decode, inpainting per α), ``fig6`` (information map, GVIF of example sets,
β quantiles), ``fig10`` (the schemes' outputs side by side). Each function returns a Matplotlib figure; the
report saves it (:meth:`scenarios.study.report.Report.figure`).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ..study.stats import Interval
from ..study.tables import Table

__all__ = ["fig7_figure", "fig9_figure", "rayleigh_figure", "examples_figure", "fig6_figure", "fig10_figure"]

_DPI = 110


def _figure(figsize: tuple[float, float], rows: int = 1, cols: int = 1) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=_DPI)
    return fig, fig.subplots(rows, cols, squeeze=False)


def fig7_figure(r7: Table) -> Any:
    """Mean GVIF against mean mask-PSNR of the partial decode, one curve per coder over α."""
    fig, ax = _figure((6.5, 4.5))
    ax = ax[0, 0]
    for q in sorted(set(r7["coder"].astype(int))):
        alphas = sorted(set(r7.where(coder=q)["alpha"]))
        cells = [r7.where(coder=q, alpha=a) for a in alphas]
        ax.plot([np.mean(c["mask_psnr"]) for c in cells], [np.mean(c["gvif"]) for c in cells], "o-", label=f"q{q}")
    ax.set_xlabel("mask-PSNR of the partial decode (dB)")
    ax.set_ylabel("mean GVIF")
    ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _gvif_panel(ax: Any, r: Table) -> None:
    s, feas = r["snr_db"], r["sh_feasible"] > 0
    ax.plot(s[feas], r["sh_gvif"][feas], "o-", label="α* with eq. (8) rate (the paper's design)")
    ax.plot(s[~feas], r["sh_gvif"][~feas], "o", mfc="none", color="C0", label="  … over budget even at α_th")
    ax.plot(s, r["sh_exact_gvif"], "k+", label="certified optimum (eq. 8 rate)")
    for k, m, lab in (("sh_delivered_gvif", "o:", "the paper's design on the 5G LDPC link, in time"),
                      ("re_delivered_gvif", "D-", "α* for the real link's rate (mean bits), delivered"),
                      ("pi_delivered_gvif", "v-", "α* per image for the real link, delivered"),
                      ("unf_sh_gvif", "s--", "no filtering (α = 0), eq. (8) rate"),
                      ("unf_re_delivered_gvif", "s:", "no filtering, real link, delivered"),
                      ("text_gvif", "x-", "text-to-image only (P = {})")):
        ax.plot(s, r[k], m, label=lab)
    ax.set(xlabel="SNR (dB)", ylabel="mean GVIF", title="(a) GVIF vs SNR")
    ax.legend(fontsize=6)


def _mask_psnr_panel(ax: Any, r: Table) -> None:
    for k, lab, m in (("sh_mask_psnr", "paper's design (as designed)", "o-"),
                      ("re_mask_psnr", "real-link design, delivered", "D-"),
                      ("pi_mask_psnr", "per-image real-link design, delivered", "v-"),
                      ("unf_sh_mask_psnr", "no filtering, eq. (8) rate", "s--"),
                      ("jpeg2000_mask_psnr", "JPEG2000 at the eq. (8) budget", "^:"),
                      ("roi_mask_psnr", "ROI JPEG2000 at the eq. (8) budget", "<:")):
        if k in r:
            ax.plot(r["snr_db"], r[k], m, label=lab)
    ax.set(xlabel="SNR (dB)", ylabel="critical-region mask-PSNR (dB)", title="(b) mask-PSNR (eq. 40) vs SNR")
    ax.legend(fontsize=6)


def _latency_panel(ax: Any, r: Table, t_max_ms: float) -> None:
    s = r["snr_db"]
    ax.semilogy(s, r["sh_latency_ms"], "o-", label="eq. (8)")
    ax.semilogy(s, r["sh_latency_na_ms"], "^-", label="normal approximation")
    ax.semilogy(s, r["sh_latency_real_ms"], "s-", label="5G LDPC, selected MCS")
    ax.axhline(t_max_ms, color="k", lw=0.8)
    ax.set(xlabel="SNR (dB)", ylabel="latency (ms)", title="(c) latency of the paper's α* streams")
    ax.legend(fontsize=7)


def _sweep_panel(ax: Any, lat: Table, snr_db: float) -> None:
    ok, ok2 = lat["sh_feasible"] > 0, lat["re_feasible"] > 0  # designs within their budget
    ax.plot(lat["sh_latency_ms"][ok], lat["sh_gvif"][ok], "o-", label="paper's design vs its eq. (8) latency")
    ax.plot(lat["sh_latency_real_ms"][ok], lat["sh_gvif"][ok], "o:", label="… vs its 5G LDPC latency")
    ax.plot(lat["re_latency_real_ms"][ok2], lat["re_gvif"][ok2], "D-", label="real-link design vs its LDPC latency")
    ax.set(xlabel="mean latency (ms)", ylabel="mean GVIF", title=f"(d) GVIF vs latency at {snr_db:g} dB (T_max swept)")
    ax.legend(fontsize=7)


def fig9_figure(r: Table, lat: Optional[Table], t_max_ms: float, latency_snr_db: float) -> Any:
    """The four AWGN panels: GVIF, mask-PSNR and latency vs SNR; GVIF vs latency (``lat``: the T_max sweep)."""
    fig, ax = _figure((12, 8.5), 2, 2)
    _gvif_panel(ax[0, 0], r)
    _mask_psnr_panel(ax[0, 1], r)
    _latency_panel(ax[1, 0], r, t_max_ms)
    if lat is not None:
        _sweep_panel(ax[1, 1], lat, latency_snr_db)
    for a in ax.flat:
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def rayleigh_figure(snrs: Sequence[float], series: Sequence[tuple[str, Sequence[Interval]]]) -> Any:
    """Mean GVIF over fades per mean SNR, one curve per scheme, with its interval over fades where there
    is one."""
    fig, ax = _figure((6.8, 4.5))
    ax = ax[0, 0]
    for label, ivs in series:
        v = np.array([iv.value for iv in ivs])
        lo = np.array([iv.value - iv.lo if iv.ok else 0.0 for iv in ivs])
        hi = np.array([iv.hi - iv.value if iv.ok else 0.0 for iv in ivs])
        ax.errorbar(list(snrs), v, yerr=[lo, hi], capsize=2, marker="o", label=label)
    ax.set_xlabel("mean SNR (dB)")
    ax.set_ylabel("mean GVIF over fades")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def examples_figure(g: Mapping[str, np.ndarray], alphas: Sequence[float]) -> Any:
    """Original and importance, then per α: the mask (white: sent), the partial decode and the inpainting."""
    fig, ax = _figure((2.6 * (len(alphas) + 1), 7.5), 3, len(alphas) + 1)
    ax[0, 0].imshow(g["original"])
    ax[0, 0].set_title("original")
    ax[1, 0].imshow(g["importance"], cmap="magma")
    ax[1, 0].set_title("importance")
    ax[2, 0].axis("off")
    for c, a in enumerate(alphas, start=1):
        ax[0, c].imshow(g[f"mask_{a:g}"], cmap="gray", vmin=0, vmax=1)
        ax[0, c].set_title(f"mask α={a:g} (white: sent)")
        ax[1, c].imshow(g[f"partial_{a:g}"])
        ax[1, c].set_title("partial decode")
        ax[2, c].imshow(g[f"inpainted_{a:g}"])
        ax[2, c].set_title("inpainted", fontsize=8)
    for a_ in ax.flat:
        a_.set_xticks([])
        a_.set_yticks([])
    fig.tight_layout()
    return fig


def fig6_figure(g: Mapping[str, np.ndarray], gvif_beta1: Mapping[str, float], quantiles: Sequence[float],
                coders: Sequence[int], readings: Sequence[str]) -> Any:
    """Left: image 0's channel-averaged information with the example sets' GVIF (β = 1) in the title; right:
    β's quantiles per coder, one box-like line per reading."""
    fig, ax = _figure((10, 4.2), 1, 2)
    im = ax[0, 0].imshow(g["information"], cmap="viridis")
    fig.colorbar(im, ax=ax[0, 0], label="mean over channels of log2(1 + θ_r²/γ²)")
    ax[0, 0].set_title("GVIF (β = 1): " + ", ".join(f"α={a}: {v:.3f}" for a, v in gvif_beta1.items()), fontsize=8)
    q = np.asarray(g["beta_quantiles"])  # [reading, coder, quantile]
    mid = len(quantiles) // 2
    for r, name in enumerate(readings):
        x = np.arange(len(coders)) + (r - 0.5) * 0.25
        ax[0, 1].vlines(x, q[r, :, 0], q[r, :, -1], color=f"C{r}", lw=1)
        ax[0, 1].vlines(x, q[r, :, 1], q[r, :, -2], color=f"C{r}", lw=5, label=f"β, {name} reading")
        ax[0, 1].plot(x, q[r, :, mid], "k_", ms=10)
    ax[0, 1].set_xticks(range(len(coders)), [f"q{c}" for c in coders])
    ax[0, 1].set(ylabel="β (5–95 %, 25–75 %, median)", ylim=(-0.02, 1.05), title="β per coder over all elements")
    ax[0, 1].legend(fontsize=7)
    ax[0, 0].set_xticks([])
    ax[0, 0].set_yticks([])
    fig.tight_layout()
    return fig


def fig10_figure(g: Mapping[str, np.ndarray]) -> Any:
    """The original and each scheme's output in one row."""
    keys = [k for k in ("original", "design", "unfiltered", "jpeg2000", "roi_jpeg2000") if k in g]
    fig, ax = _figure((2.8 * len(keys), 3.2), 1, len(keys))
    for a, k in zip(ax[0], keys):
        a.imshow(g[k])
        a.set_title(k.replace("_", " "), fontsize=9)
        a.set_xticks([])
        a.set_yticks([])
    fig.tight_layout()
    return fig
