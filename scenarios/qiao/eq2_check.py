r"""Eq. (2) of Qiao et al. against the real prompt link, and its {k, b} refitted.

The prompt packet (L information bits + CRC24A, terminated rate-1/2 K = 7 convolutional code, soft
Viterbi, QPSK; :class:`linklevel.Link` with ``code="conv"``) is simulated at Es/N0 = γ0 on AWGN or on
Rayleigh fading with one fade per packet, through the Monte Carlo engine (PER = BLER with its
Clopper–Pearson interval on packets, which are independent). Eq. (2) says
:math:`-\gamma_0\ln(1-\mathrm{PER}) = k\ln L + b`; least squares on the measured points with
:math:`0 < \mathrm{PER} < 1` over several L gives the fitted {k, b}. On Rayleigh fading the
measured average PER is compared with eq. (2) averaged over the fade,
:math:`\int_0^\infty \mathrm{PER}(\bar\gamma x)e^{-x}dx`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from . import models as m

__all__ = ["PerPoint", "simulate_per", "fit_kb", "model_per", "verdict"]


@dataclass(frozen=True)
class PerPoint:
    """One measured PER point and eq. (2)'s value."""

    length: int
    channel: str
    snr_db: float
    packets: int
    errors: int
    per: float
    ci: tuple[float, float]
    model: float

    @property
    def consistent(self) -> bool:
        return self.ci[0] <= self.model <= self.ci[1]


def model_per(gamma0: float, length: int, channel: str, k: float = 0.374, b: float = -0.31) -> float:
    """Eq. (2) at γ0 (AWGN), or averaged over one Rayleigh fade per packet (mean γ0)."""
    if channel == "awgn":
        return m.prompt_per(gamma0, length, k, b)
    x, w = np.polynomial.laguerre.laggauss(80)  # ∫ f(x) e^{-x} dx
    return float(sum(wi * m.prompt_per(gamma0 * xi, length, k, b) for xi, wi in zip(x, w)))


def simulate_per(lengths: Sequence[int], snrs_db: Sequence[float], channel: str = "awgn", target_errors: int = 100,
                 max_packets: int = 20_000, seed: int = 0, device: Optional[str] = None,
                 confidence: float = 0.95) -> list[PerPoint]:
    """Measured PER of the prompt packet (L info bits + CRC24A) at Es/N0 points."""
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point
    from linklevel.engine.runtime import resolve_device

    if channel not in ("awgn", "rayleigh"):
        raise ValueError(f"channel must be 'awgn' or 'rayleigh', got {channel!r}")
    out = []
    for length in lengths:
        cfg = LinkConfig(modulation="qpsk", code="conv", k=int(length) + 24, crc="CRC24A", snr_type="esno",
                         channel="awgn" if channel == "awgn" else "rayleigh-block", coherence="codeword")
        link = Link(cfg, device=resolve_device(device))
        stop = StopCriteria(target_bit_errors=None, target_block_errors=target_errors, max_bits=None,
                            max_blocks=max_packets)
        batch = max(1, min(max_packets, (1 << 16) // cfg.n))
        for s in snrs_db:
            p = simulate_point(link, float(s), stop, batch, seed)
            gamma = 10 ** (s / 10)
            out.append(PerPoint(int(length), channel, float(s), p.blocks, p.block_errors, p.bler,
                                tuple(p.bler_ci(confidence)), model_per(gamma, int(length), channel)))
    return out


def fit_kb(points: Sequence[PerPoint]) -> Optional[tuple[float, float]]:
    """Least-squares {k, b} of eq. (2) from AWGN points with 0 < PER < 1 (needs two or more lengths)."""
    rows = [(math.log(p.length), -10 ** (p.snr_db / 10) * math.log(1 - p.per)) for p in points
            if p.channel == "awgn" and 0 < p.per < 1]
    if len({r[0] for r in rows}) < 2:
        return None
    x = np.array([[r[0], 1.0] for r in rows])
    y = np.array([r[1] for r in rows])
    (k, b), *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(k), float(b)


def verdict(points: Sequence[PerPoint]) -> list[dict]:
    """A verdict row per point: measured PER [CI] vs eq. (2), ``consistent`` or the ratio."""
    return [{"length": p.length, "channel": p.channel, "snr_db": p.snr_db, "packets": p.packets, "errors": p.errors,
             "per": p.per, "per_ci": list(p.ci), "eq2": p.model,
             "verdict": "consistent" if p.consistent else ("eq2 above" if p.model > p.ci[1] else "eq2 below")}
            for p in points]
