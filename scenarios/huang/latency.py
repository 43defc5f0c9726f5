r"""Latency of the Huang et al. bit stream: eq. (8) as printed, and what a finite-blocklength link needs.

* :func:`latency_shannon`: eq. (8), :math:`T = \mathcal R / (B\log_2(1 + |h|^2/\sigma^2))` — error-free
  transmission at capacity (infinite blocklength).
* :func:`latency_fbl`: codewords of ``n`` complex channel uses at the realized SNR (the quasi-static
  channel is known, as in eq. (8)), each carrying the largest ``k`` whose normal-approximation BLER
  (PPV eq. (296), :func:`linklevel.theory.fbl.max_k`) meets ``target_bler``; ``⌈R/k⌉`` codewords, one channel
  use per ``1/B`` s. With discard-with-error a failed codeword is lost (expected fraction =
  the BLER), it is not retransmitted.

  Where the approximation is used: k = nC − √(nV)·Q⁻¹(ε) + ½log2 n is not monotone in the SNR. As
  SNR → 0, √(nV) ∝ √SNR falls faster than nC ∝ SNR, so k rises back to ½log2 n (5 bits per 1024 uses at
  −40 dB, where n·C = 0.15: above capacity, impossible). The expansion only holds where nC dominates, so
  :func:`latency_fbl` uses it from the SNR :func:`na_floor_snr` that minimizes nC − √(nV)Q⁻¹(ε), where
  k starts to rise, and gives k = 0 below it. It also caps k at ⌊nC⌋. With k = 0 no codeword is certified
  and the latency is infinite. The result is monotone in the SNR and never above capacity (tested on a
  0.1 dB grid for five n and five ε).

NumPy only. The simulated 5G LDPC link (MCS thresholds, discard-with-error) is :mod:`scenarios.digital.mcs`.

.. code-block:: python

    >>> round(latency_shannon(20_000, 1e6, 10.0) * 1e3, 3)     # 20 kbit at 10 dB over 1 MHz
    5.781
    >>> d = latency_fbl(20_000, 1e6, 10.0, n=1024, target_bler=1e-3)
    >>> d["latency_s"] > latency_shannon(20_000, 1e6, 10.0), d["codewords"]
    (True, 6)
"""

from __future__ import annotations

import functools
import math
from typing import Any

from linklevel.theory import fbl

__all__ = ["latency_shannon", "latency_fbl", "na_floor_snr"]


def latency_shannon(bits: float, bandwidth_hz: float, snr_db: float) -> float:
    """Eq. (8) in seconds (``inf`` for no capacity)."""
    if bits < 0 or not bandwidth_hz > 0 or not math.isfinite(snr_db):
        raise ValueError("need bits >= 0, bandwidth > 0 and a finite SNR")
    c = bandwidth_hz * math.log2(1 + 10 ** (snr_db / 10))
    return bits / c if c > 0 else math.inf


@functools.lru_cache(maxsize=256)
def na_floor_snr(n: int, target_bler: float) -> float:
    """The linear SNR (complex AWGN) below which :func:`latency_fbl` does not use the normal approximation:
    the minimizer of nC − √(nV)·Q⁻¹(ε) (0 for ε ≥ ½, where that is increasing everywhere).

    .. code-block:: python

        >>> round(10 * math.log10(na_floor_snr(1024, 1e-3)), 1)   # ≈ Q⁻¹(ε)²/(2n) at low SNR
        -23.4
    """
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm

    qinv = float(norm.isf(target_bler))
    if qinv <= 0:
        return 0.0

    def f(db: float) -> float:
        c, v = fbl.capacity_dispersion(10 ** (db / 10), "awgn-complex")
        return float(n * c - math.sqrt(n * v) * qinv)

    return 10 ** (minimize_scalar(f, bounds=(-120.0, 60.0), method="bounded", options={"xatol": 1e-6}).x / 10)


def latency_fbl(bits: float, bandwidth_hz: float, snr_db: float, n: int = 1024,
                target_bler: float = 1e-3) -> dict[str, Any]:
    """Latency with codewords of ``n`` complex uses at ``target_bler`` (normal approximation)."""
    if bits < 0 or not bandwidth_hz > 0 or not math.isfinite(snr_db) or n < 8:
        raise ValueError("need bits >= 0, bandwidth > 0, a finite SNR and n >= 8")
    snr = 10 ** (snr_db / 10)
    k = 0
    if snr >= na_floor_snr(int(n), float(target_bler)):  # the normal approximation's range (module docstring)
        k = min(fbl.max_k(target_bler, int(n), snr, "awgn-complex"), math.floor(n * math.log2(1 + snr)))
    if k < 1:
        return {"latency_s": math.inf, "k": 0, "n": int(n), "codewords": None, "rate": 0.0,
                "expected_lost_fraction": target_bler}
    cw = math.ceil(bits / k) if bits else 0
    return {"latency_s": cw * n / bandwidth_hz, "k": int(k), "n": int(n), "codewords": cw, "rate": k / n,
            "capacity": math.log2(1 + snr), "expected_lost_fraction": float(fbl.normal_approximation(
                n, k, snr, "awgn-complex"))}
