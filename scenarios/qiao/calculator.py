"""``semlink latency``'s computation: operating points of the Qiao et al. design (NumPy only).

Takes the calculator's inputs, validates them up front (physical ranges from
:mod:`scenarios.study.quantities`; the prompt packet at least :func:`models.min_packet_length` bits, below
which eq. (2)'s PER threshold is negative), chooses the edge BER target (given, or from a quality table by
Lemma 1's generalized inverse), solves the power split (:mod:`.lemma1`, with the edge ``orders`` and the
discrete ``tie_break``) and the semantic-unaware benchmark, and returns JSON-ready dicts: one per average
SNR (:func:`latency_request`; :func:`latency_sweep` gives ``{"points": [...]}`` of the same dicts).
Infeasible targets are an answer (``"feasible": false``), not an error. Every design carries
``binding`` / ``t0_equals_t1`` (Lemma 1's T0 = T1, or which delay binds).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional, Sequence

from ..study.quantities import BANDWIDTH_HZ, BER, GAIN_DB, NOISE_DBM_HZ, PERCEPTION, POWER_MW, SNR_DB, STREAM_BITS
from . import lemma1
from . import models as m
from .quality import ber_for_quality, read_quality_table
from .table2 import exact_ends

__all__ = ["latency_request", "latency_sweep", "check_prompt_bits", "QUALITY_METRICS"]

#: Names of the quality targets, in the order ``--quality-target CLIP,MS-SSIM`` gives them.
QUALITY_METRICS = ("clip", "ms_ssim")


def check_prompt_bits(bits: int, params: m.QiaoParams = m.TABLE_I) -> int:
    """``bits`` (the prompt size |v0| = the packet length L) if eq. (2) holds there, else a one-line ValueError.

    .. code-block:: python

        >>> check_prompt_bits(2)
        Traceback (most recent call last):
        ...
        ValueError: --prompt-bits must be >= 3: eq. (2)'s PER threshold k ln L + b is negative below L = e^{-b/k} = 2.29
    """
    STREAM_BITS.check(bits, "--prompt-bits")
    lmin = m.min_packet_length(params.k, params.b)
    if bits < lmin:
        raise ValueError(f"--prompt-bits must be >= {lmin}: eq. (2)'s PER threshold k ln L + b is negative below "
                         f"L = e^{{-b/k}} = {math.exp(-params.b / params.k):.2f}")
    return int(bits)


def _setup(prompt_bits: int, edge_bits: int, bandwidth: Sequence[float], power_mw: float, noise_dbm_hz: float,
           rate_model: str, orders: Sequence[int], tie_break: str) -> tuple[m.QiaoParams, tuple[int, ...]]:
    if len(bandwidth) not in (1, 2):
        raise ValueError("--bandwidth takes B or B0,B1 (Hz)")
    b0, b1 = (bandwidth[0], bandwidth[0]) if len(bandwidth) == 1 else tuple(bandwidth)
    params = dataclasses.replace(m.TABLE_I, b0_hz=BANDWIDTH_HZ.check(b0, "--bandwidth"),
                                 b1_hz=BANDWIDTH_HZ.check(b1, "--bandwidth"),
                                 power_w=POWER_MW.check(power_mw, "--power-mw") / 1e3,
                                 n0_dbm_hz=NOISE_DBM_HZ.check(noise_dbm_hz, "--noise-dbm-hz"))
    check_prompt_bits(prompt_bits, params)
    STREAM_BITS.check(edge_bits, "--edge-bits")
    if rate_model not in ("continuous", "discrete"):
        raise ValueError(f"--rate-model must be continuous or discrete, got {rate_model!r}")
    if tie_break not in lemma1.TIE_BREAKS:
        raise ValueError(f"--tie-break must be one of {', '.join(lemma1.TIE_BREAKS)}, got {tie_break!r}")
    try:
        return params, m.check_orders(orders)
    except ValueError:
        raise ValueError(f"--orders takes distinct QAM orders from {','.join(map(str, m.QAM_ORDERS))}, "
                         f"got {','.join(map(str, orders))}") from None


def _ber(params: m.QiaoParams, ber_target: Optional[float], quality_target: Optional[Sequence[float]],
         quality_table: Optional[str]) -> tuple[Optional[float], dict[str, Any]]:
    """The edge BER target and what the output says about it (``None``: the quality target is not met)."""
    if (ber_target is None) == (quality_target is None):
        raise ValueError("give exactly one of --ber-target and --quality-target")
    if ber_target is not None:
        if quality_table is not None:
            raise ValueError("--quality-table goes with --quality-target, not --ber-target")
        BER.check(ber_target, "--ber-target")
        if not ber_target < 1 / params.beta:
            raise ValueError(f"--ber-target must lie in (0, {1 / params.beta:g}) for eq. (4), got {ber_target:g}")
        return float(ber_target), {}
    if quality_table is None:
        raise ValueError("--quality-target needs --quality-table (normalized quality vs edge BER, JSON)")
    if len(quality_target) != len(QUALITY_METRICS) or not all(v in PERCEPTION for v in quality_target):
        raise ValueError(f"--quality-target takes CLIP,MS-SSIM normalized targets in {PERCEPTION.text()}")
    qt = read_quality_table(quality_table)
    ber_star, per = ber_for_quality(qt, dict(zip(QUALITY_METRICS, quality_target)))
    info = {"quality": {"targets": dict(zip(QUALITY_METRICS, quality_target)), "ber_per_metric": per,
                        "source": qt.source}}
    return (None if ber_star is None else min(ber_star, 0.999 / params.beta)), info


def _gains(params: m.QiaoParams, gain_db: Optional[Sequence[float]],
           avg_snr_db: Optional[float]) -> tuple[float, float]:
    if (gain_db is None) == (avg_snr_db is None):
        raise ValueError("give exactly one of --gain-db and --avg-snr-db")
    if gain_db is not None:
        if len(gain_db) not in (1, 2):
            raise ValueError("--gain-db takes one value or G0,G1 (dB)")
        g = [10 ** (GAIN_DB.check(v, "--gain-db") / 10) for v in gain_db]
        return (g[0], g[-1])
    g = m.gain_over_noise(10 ** (SNR_DB.check(avg_snr_db, "--avg-snr-db") / 10), params) * params.n0_w_hz
    return g, g


def _point(v: tuple[int, int], g: tuple[float, float], ber: Optional[float], info: dict[str, Any],
           params: m.QiaoParams, rate_model: str, orders: tuple[int, ...], tie_break: str, table: bool,
           check: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"average_snr_db": 10 * math.log10(m.average_snr(g[0] / params.n0_w_hz, params)),
                           "params": dataclasses.asdict(params), "orders": list(orders), **info}
    if ber is None:
        return {**out, "feasible": False, "rate_model": rate_model, "ber_target": None, "binding": None,
                "t0_equals_t1": False, "note": "the quality target is not met even at the smallest tabulated edge BER"}
    if table:
        ends = exact_ends(v[0], v[1], ber, params, orders, gain_ratio=g[1] / g[0])
        out["modulation_table"] = [{**r, **ends[r["modulation_order"]]}
                                   for r in lemma1.modulation_table(v[1], ber, params, orders)]
    design = lemma1.solve(v[0], v[1], g[0], g[1], ber, rate_model, params, orders, tie_break)
    out.update(design.to_dict())
    out["unaware"] = lemma1.semantic_unaware(v[0], v[1], g[0], rate_model, 1e-7, params, orders).to_dict()
    if check and design.feasible:
        bf = lemma1.brute_force(v[0], v[1], g[0], g[1], ber, rate_model, params, points=200, orders=orders)
        gap = design.latency_s / bf.latency_s - 1
        out["brute_force"] = {"latency_ms": bf.latency_s * 1e3 if math.isfinite(bf.latency_s) else None,
                              "p0_w": bf.p0_w, "p1_w": bf.p1_w, "gap": gap if math.isfinite(gap) else None}
    return out


def latency_request(prompt_bits: int, edge_bits: int, bandwidth: Sequence[float], power_mw: float,
                    noise_dbm_hz: float, gain_db: Optional[Sequence[float]] = None,
                    avg_snr_db: Optional[float] = None, ber_target: Optional[float] = None,
                    quality_target: Optional[Sequence[float]] = None, quality_table: Optional[str] = None,
                    rate_model: str = "continuous", table: bool = False, check: bool = False,
                    orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "equal") -> dict[str, Any]:
    """The design for one operating point (see ``semlink latency --help``); JSON-ready.

    .. code-block:: python

        >>> d = latency_request(800, 7864, (1e6,), 10.0, -174.0, avg_snr_db=20.0, ber_target=1e-6)
        >>> d["feasible"], round(d["latency_ms"], 3), d["rate_model"], d["binding"]
        (True, 1.689, 'continuous', 'equal')
    """
    params, orders = _setup(prompt_bits, edge_bits, bandwidth, power_mw, noise_dbm_hz, rate_model, orders, tie_break)
    g = _gains(params, gain_db, avg_snr_db)
    ber, info = _ber(params, ber_target, quality_target, quality_table)
    return _point((prompt_bits, edge_bits), g, ber, info, params, rate_model, orders, tie_break, table, check)


def latency_sweep(prompt_bits: int, edge_bits: int, bandwidth: Sequence[float], power_mw: float,
                  noise_dbm_hz: float, avg_snr_db: Sequence[float], ber_target: Optional[float] = None,
                  quality_target: Optional[Sequence[float]] = None, quality_table: Optional[str] = None,
                  rate_model: str = "continuous", table: bool = False, check: bool = False,
                  orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "equal") -> dict[str, Any]:
    """:func:`latency_request` at each average SNR of ``avg_snr_db`` (dB, at most 10 000): ``{"points": [...]}``,
    each the single-point dict (Fig. 4's columns: ``prompt_share``, ``latency_ms``, ``t0_ms``, ``t1_ms``,
    ``bits_per_symbol`` / ``modulation_order``, ``retransmissions``, ``binding``).

    .. code-block:: python

        >>> r = latency_sweep(800, 7864, (1e6,), 10.0, -174.0, [10.0, 20.0], ber_target=1e-6, rate_model="discrete")
        >>> [(p["modulation_order"], p["binding"]) for p in r["points"]]
        [(0, 'edge'), (16, 'equal')]
    """
    if not 1 <= len(avg_snr_db) <= 10_000:
        raise ValueError(f"--avg-snr-db takes 1 to 10000 values, got {len(avg_snr_db)}")
    params, orders = _setup(prompt_bits, edge_bits, bandwidth, power_mw, noise_dbm_hz, rate_model, orders, tie_break)
    ber, info = _ber(params, ber_target, quality_target, quality_table)
    return {"points": [_point((prompt_bits, edge_bits), _gains(params, None, s), ber, info, params, rate_model, orders,
                              tie_break, table, check) for s in avg_snr_db]}
