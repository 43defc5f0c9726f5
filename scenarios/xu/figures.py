"""The Xu study's figures (Matplotlib figures, saved by the report builder): ``fig4_perception`` (joint forward
function, single-stream curves with bootstrap bands and fits, semantic values), ``fig5_one_correct``
(forwarding a noisy stream vs discarding it), ``fig6_power`` (total power vs target, four methods, per
source and scheme), ``fig9_cdf`` (perception reached under power budgets over Rayleigh realizations)
and ``real_link`` (designed vs achieved perception on 5G LDPC links)."""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from .functions import PAPER_CONSTANTS, DiscardPerception
from .savings import Panel

__all__ = ["fig_perception", "fig_one_correct", "fig_power", "fig_cdf", "fig_real_link"]

STREAMS = ("prompt", "edge")
_STYLES = ("-", "--", "-.", ":")


def fig_perception(forward: Mapping[str, np.ndarray], fits: Mapping[int, Any], discard: DiscardPerception) -> Any:
    """Fig. 4 analogue: (a) the joint forward grid, (b) each stream alone with bands and fits, (c) the
    uncoded semantic values (eq. 17), (d) the coded ones (eq. 18) against the paper's constants."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(11, 8.5))
    _grid(fig, ax[0, 0], forward)
    for v, f in fits.items():
        c = f"C{v}"
        ax[0, 1].fill_between(f.psi, f.band[0], f.band[1], color=c, alpha=0.2)
        ax[0, 1].plot(f.psi, f.mean, "o", color=c, label=f"{f.stream} alone: mean over images")
        ax[0, 1].plot(f.psi, f.isotonic, "x", color=c, ms=5, label=f"{f.stream}: isotonic fit")
        xs = np.logspace(math.log10(f.psi[0]), math.log10(f.psi[-1]), 200)
        ax[0, 1].plot(xs, [f(x) for x in xs], color=c, label=f"{f.stream}: monotone logistic fit")
        ax[1, 0].plot(xs, [1 - f(x) for x in xs], color=c, label=f"L̂_{v + 1}(ψ) = 1 - P^({v + 1})(ψ)")
        ax[1, 0].axhline(1 - f.at_zero, color=c, ls="--", lw=0.8, label=f"L_{v + 1} = {1 - f.at_zero:.3f} (eq. 16)")
    _axes(ax[0, 1], "BER ψ of the stream", "perception distance", "(b) one stream alone, forwarded (bands: bootstrap 95 %)")
    _axes(ax[1, 0], "BER ψ", "semantic value", "(c) uncoded forward: semantic values (eq. 17)")
    Ps = np.linspace(0, 1, 101)
    for i, name in enumerate(STREAMS):
        ax[1, 1].plot(Ps, [discard.semantic_value(i, e) for e in Ps], color=f"C{i}", label=f"{name} (measured)")
    for key, ls in (("clip", "--"), ("ms-ssim", ":")):
        c = PAPER_CONSTANTS[key]
        for i, L in enumerate((c["L1"], c["L2"])):
            ax[1, 1].plot(Ps, (1 - Ps) * L, color=f"C{i}", ls=ls, lw=0.8, label=f"{STREAMS[i]} (paper {key})")
    _axes(ax[1, 1], "BLER Ψ", "semantic value", "(d) coded discard: L̂_i(Ψ) = (1 - Ψ) L_i (eq. 18)", log=False)
    fig.tight_layout()
    return fig


def _grid(fig: Any, ax: Any, table: Mapping[str, np.ndarray]) -> None:
    e1, e2 = table["e1"], table["e2"]
    im = ax.imshow(table["p"], origin="lower", cmap="viridis", vmin=0, vmax=1)
    lab = lambda v: "0" if v == 0 else f"{v:.0e}"  # noqa: E731
    ax.set_xticks(range(e2.size), [lab(v) for v in e2], rotation=45)
    ax.set_yticks(range(e1.size), [lab(v) for v in e1])
    ax.set_xlabel("edge BER ψ2")
    ax.set_ylabel("prompt BER ψ1")
    ax.set_title("(a) P_forward(ψ1, ψ2), both streams forwarded")
    fig.colorbar(im, ax=ax, label="perception distance")


def _axes(ax: Any, xlabel: str, ylabel: str, title: str, log: bool = True, fontsize: Optional[int] = None) -> None:
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, **({"fontsize": fontsize} if fontsize else {}))
    ax.legend(fontsize=7)


def fig_one_correct(fits5: Mapping[int, Any], discard: DiscardPerception) -> Any:
    """Fig. 5 analogue: one stream correct, the other forwarded with BER ψ or discarded."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for v, f in fits5.items():
        c = f"C{v}"
        other = "edge" if v == 0 else "prompt"
        ax.fill_between(f.psi, f.band[0], f.band[1], color=c, alpha=0.2)
        ax.plot(f.psi, f.mean, "o-", color=c, label=f"{other} correct, {f.stream} forwarded with BER ψ")
        disc = discard.p_edge_only if v == 0 else discard.p_prompt_only
        ax.axhline(disc, color=c, ls="--", label=f"{other} correct, {f.stream} discarded")
    _axes(ax, "BER ψ of the forwarded stream", "perception distance", "Forward a noisy stream or discard it? (Fig. 5 analogue)")
    fig.tight_layout()
    return fig


def fig_power(panels: Sequence[Panel]) -> Optional[Any]:
    """Fig. 6 analogue: total power vs target per method, one panel per (source, scheme)."""
    import matplotlib.pyplot as plt

    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
    for ax, p in zip(axes[0], panels):
        for j, (m, c) in enumerate(p.curves.items()):
            ok = c["feasible"]
            ax.plot(c["target"][ok], c["total_power"][ok], ls=_STYLES[j % 4], marker=".", ms=3, label=m)
        ax.set_yscale("log")
        _axes(ax, "target perception P̄", "total power [W]", f"{p.scheme}, {p.source}", log=False, fontsize=9)
    fig.tight_layout()
    return fig


def fig_cdf(rz: Mapping[str, Mapping[str, np.ndarray]], target: float) -> Optional[Any]:
    """Fig. 9 analogue: CDF over realizations of the perception each budget buys, per method."""
    import matplotlib.pyplot as plt

    if not rz:
        return None
    budgets = next(iter(rz.values()))["budgets"]
    fig, axes = plt.subplots(1, len(budgets), figsize=(4.2 * len(budgets), 3.8), squeeze=False)
    for b, ax in enumerate(axes[0]):
        for j, (m, v) in enumerate(rz.items()):
            x = np.sort(v["reach"][:, b])
            ax.step(np.r_[x[0], x, 1.0], np.r_[0.0, np.arange(1, x.size + 1) / x.size, 1.0], where="post",
                    ls=_STYLES[j % 4], label=m)
        ax.axvline(target, color="k", lw=0.6)
        _axes(ax, "achieved perception distance", "CDF over realizations", f"budget {budgets[b]:g} W", log=False,
              fontsize=9)
    fig.tight_layout()
    return fig


def fig_real_link(real: Mapping[str, Any]) -> Any:
    """Designed vs achieved perception on the real links, per SNR offset, and the backoff."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2))
    off = [p["offset_db"] for p in real["points"]]
    ax.plot(off, [p["achieved_perception"] for p in real["points"]], "o-", label="achieved on 5G LDPC links")
    ax.axhline(real["target"], color="k", ls="--", label="target P̄")
    ax.axhline(real["designed_perception"], color="C2", ls=":", label="designed (eq. 23)")
    if real.get("backoff_db") is not None:
        ax.axvline(real["backoff_db"], color="C3", lw=0.8, label=f"backoff {real['backoff_db']:.2f} dB")
    _axes(ax, "SNR offset above the design [dB]", "perception distance", "Coded design vs real link", log=False)
    fig.tight_layout()
    return fig
