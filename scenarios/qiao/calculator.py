"""``semlink latency``'s computation: one operating point of the Qiao et al. design (NumPy only).

Takes the calculator's inputs, validates them, chooses the edge BER target (given, or from a
quality table by Lemma 1's generalized inverse), solves the power split (:mod:`.lemma1`) and
the semantic-unaware benchmark, and returns one JSON-ready dict. Infeasible targets are an
answer (``"feasible": false``), not an error.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional, Sequence

from . import lemma1
from . import models as m
from .quality import ber_for_quality, read_quality_table

__all__ = ["latency_request", "QUALITY_METRICS"]

#: Names of the quality targets, in the order ``--quality-target CLIP,MS-SSIM`` gives them.
QUALITY_METRICS = ("clip", "ms_ssim")


def _positive(name: str, v: float) -> float:
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive number, got {v:g}")
    return float(v)


def latency_request(prompt_bits: int, edge_bits: int, bandwidth: Sequence[float], power_mw: float,
                    noise_dbm_hz: float, gain_db: Optional[Sequence[float]] = None,
                    avg_snr_db: Optional[float] = None, ber_target: Optional[float] = None,
                    quality_target: Optional[Sequence[float]] = None, quality_table: Optional[str] = None,
                    rate_model: str = "continuous", table: bool = False, check: bool = False) -> dict[str, Any]:
    """The design for one operating point (see ``semlink latency --help``); JSON-ready.

    .. code-block:: python

        >>> d = latency_request(800, 7864, (1e6,), 10.0, -174.0, avg_snr_db=20.0, ber_target=1e-6)
        >>> d["feasible"], round(d["latency_ms"], 3), d["rate_model"]
        (True, 1.689, 'continuous')
    """
    if prompt_bits < 1 or edge_bits < 1:
        raise ValueError("--prompt-bits and --edge-bits must be positive")
    if len(bandwidth) not in (1, 2):
        raise ValueError("--bandwidth takes B or B0,B1 (Hz)")
    b0, b1 = (bandwidth[0], bandwidth[0]) if len(bandwidth) == 1 else tuple(bandwidth)
    params = dataclasses.replace(m.TABLE_I, b0_hz=_positive("bandwidth", b0), b1_hz=_positive("bandwidth", b1),
                                 power_w=_positive("--power-mw", power_mw) / 1e3, n0_dbm_hz=float(noise_dbm_hz))
    if rate_model not in ("continuous", "discrete"):
        raise ValueError(f"--rate-model must be continuous or discrete, got {rate_model!r}")
    if (gain_db is None) == (avg_snr_db is None):
        raise ValueError("give exactly one of --gain-db and --avg-snr-db")
    if gain_db is not None:
        if len(gain_db) not in (1, 2):
            raise ValueError("--gain-db takes one value or G0,G1 (dB)")
        g0, g1 = (10 ** (v / 10) for v in (gain_db * 2 if len(gain_db) == 1 else gain_db))
    else:
        g0 = g1 = m.gain_over_noise(10 ** (avg_snr_db / 10), params) * params.n0_w_hz
    out: dict[str, Any] = {"average_snr_db": 10 * math.log10(m.average_snr(g0 / params.n0_w_hz, params)),
                           "params": dataclasses.asdict(params)}
    if (ber_target is None) == (quality_target is None):
        raise ValueError("give exactly one of --ber-target and --quality-target")
    if ber_target is not None:
        if quality_table is not None:
            raise ValueError("--quality-table goes with --quality-target, not --ber-target")
        if not 0 < ber_target < 1 / params.beta:
            raise ValueError(f"--ber-target must lie in (0, {1 / params.beta:g}) for eq. (4), got {ber_target:g}")
        ber = float(ber_target)
    else:
        if quality_table is None:
            raise ValueError("--quality-target needs --quality-table (normalized quality vs edge BER, JSON)")
        if len(quality_target) != len(QUALITY_METRICS) or not all(0 < v <= 1 for v in quality_target):
            raise ValueError("--quality-target takes CLIP,MS-SSIM normalized targets in (0, 1]")
        qt = read_quality_table(quality_table)
        ber_star, per = ber_for_quality(qt, dict(zip(QUALITY_METRICS, quality_target)))
        out["quality"] = {"targets": dict(zip(QUALITY_METRICS, quality_target)), "ber_per_metric": per,
                          "source": qt.source}
        if ber_star is None:
            return {**out, "feasible": False, "rate_model": rate_model, "ber_target": None,
                    "note": "the quality target is not met even at the smallest tabulated edge BER"}
        ber = min(ber_star, 0.999 / params.beta)
    if table:
        out["modulation_table"] = lemma1.modulation_table(edge_bits, ber, params)
    design = lemma1.solve(prompt_bits, edge_bits, g0, g1, ber, rate_model, params)
    out.update(design.to_dict())
    out["unaware"] = lemma1.semantic_unaware(prompt_bits, edge_bits, g0, rate_model, 1e-7, params).to_dict()
    if check and design.feasible:
        bf = lemma1.brute_force(prompt_bits, edge_bits, g0, g1, ber, rate_model, params, points=200)
        out["brute_force"] = {"latency_ms": bf.latency_s * 1e3, "p0_w": bf.p0_w, "p1_w": bf.p1_w,
                              "gap": design.latency_s / bf.latency_s - 1}
    return out
