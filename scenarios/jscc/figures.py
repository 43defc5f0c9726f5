"""The figures of the ``jscc_vs_separation`` study, drawn from its stored rows (:mod:`scenarios.jscc.report`):
``channel_figure`` (PSNR, MS-SSIM and LPIPS where computed vs Es/N0 of DeepJSCC, the separated systems and the limits, one column per
bandwidth ratio) and ``mismatch_figure`` (fixed-SNR models against the SNR-adaptive one on AWGN). Each function
returns a Matplotlib figure; the report saves it."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .curves import has_metric, system_array

__all__ = ["channel_figure", "mismatch_figure", "STYLE"]

#: system -> (label, line style)
STYLE = {"separated_hyperprior": ("hyperprior + 5G LDPC (sent)", "s--"),
         "separated_jpeg2000": ("JPEG2000 + 5G LDPC (sent)", "D--"),
         "limit_shannon": ("limit: best coder point at U·log2(1+SNR)", "k-"),
         "limit_normal": ("limit: normal approximation (n, target BLER)", "k:")}


def _figure(figsize: tuple[float, float], rows: int, cols: int) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=110)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _curve(rows: Any, channel: str, c: int, system: str, metric: str) -> Any:
    a = system_array(rows, channel, c, system, metric)
    return None if a is None else a.reshape(a.shape[0], -1).mean(axis=1)


def channel_figure(rows: Any, channel: str, cs: Sequence[int], snrs: np.ndarray) -> Any:
    """PSNR (top), MS-SSIM and, where computed, LPIPS (bottom) vs Es/N0, one column per DeepJSCC channel count c."""
    metrics = ("psnr", "msssim") + (("lpips",) if has_metric(rows, "lpips") else ())
    fig, ax = _figure((5.2 * len(cs), 3.75 * len(metrics)), len(metrics), len(cs))
    for k, c in enumerate(cs):
        for r, metric in enumerate(metrics):
            a = ax[r, k]
            y = _curve(rows, channel, c, f"jscc_c{c}", metric)
            if y is not None:
                a.plot(snrs, y, "o-", color="C3", label=f"DeepJSCC c={c} (SNR-adaptive)")
            for system, (label, style) in STYLE.items():
                y = _curve(rows, channel, c, system, metric)
                if y is not None:
                    a.plot(snrs, y, style, label=label)
            a.set_xlabel("Es/N0 (dB)" + (" (mean)" if channel != "awgn" else ""))
            a.set_ylabel({"psnr": "PSNR (dB)", "msssim": "MS-SSIM", "lpips": "LPIPS (lower is better)"}[metric])
            a.set_title(f"{channel}, k/n = {c}/48")
            a.grid(True, alpha=0.3)
        ax[0, k].legend(fontsize=7)
    fig.tight_layout()
    return fig


def mismatch_figure(rows: Any, names: Sequence[str], trained: Sequence[float], snrs: np.ndarray) -> Any:
    """Mean PSNR vs Es/N0 on AWGN of the fixed-SNR models (marker at their training SNR) and the adaptive one."""
    fig, ax = _figure((6.5, 4.5), 1, 1)
    a = ax[0, 0]
    for k, (name, s) in enumerate(zip(names, trained)):
        c = int(name.split("_c")[1].split("_")[0])
        y = _curve(rows, "awgn", c, name, "psnr")
        if y is None:
            continue
        label = f"trained at {s:g} dB" if s == s else "SNR-adaptive (0-20 dB)"
        a.plot(snrs, y, "o-" if s == s else "k--", label=label)
        if s == s:
            a.axvline(s, color=f"C{k}", alpha=0.3)
    a.set_xlabel("Es/N0 at evaluation (dB)")
    a.set_ylabel("PSNR (dB)")
    a.set_title("DeepJSCC SNR mismatch (AWGN)")
    a.grid(True, alpha=0.3)
    a.legend(fontsize=8)
    fig.tight_layout()
    return fig
