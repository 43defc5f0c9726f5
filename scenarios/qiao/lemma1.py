r"""Lemma 1 of Qiao et al.: the latency-optimal power split of a prompt and an edge stream; NumPy/SciPy only.

Problem (5) with one conditioning stream: minimize :math:`\max(T_0(p_0), T_1(p_1, \mathrm{BER}_1))`
s.t. :math:`p_0 + p_1 \le P_T` and the quality constraints, which for non-increasing
:math:`\Phi_j` reduce to :math:`\mathrm{BER}_1 \le \mathrm{BER}_1^* = \min_j \Phi_j^{-1}(\varepsilon_j)`.

* Continuous rate (eq. (4) as printed): :math:`T_0` falls and :math:`T_1` rises in :math:`p_0`
  on :math:`p_0 + p_1 = P_T`, both without bound at the ends, so the optimum is the unique root
  of :math:`T_0(p_0) = T_1(P_T - p_0)` (Lemma 1), found by bracketing root search.
* Discrete MQAM (``{4, 16, 64, 256}``): :math:`T_1` is a step function of :math:`p_1` and Lemma 1's
  equality generally has no solution. Exact optimum: for each order M, the edge stream needs
  exactly :math:`p_M = \gamma_M B_1 N_0 / |h_1|^2`, and the rest goes to the prompt (its delay
  falls with power), so :math:`T(M) = \max(T_0(P_T - p_M), |v_1|/(B_1\log_2 M))`; the answer is
  the best M (none feasible: outage, nothing sent).
* :func:`brute_force`: a grid over the triangle :math:`p_0, p_1 \ge 0, p_0 + p_1 \le P_T`, the
  certified optimum the two solvers are checked against.
* :func:`semantic_unaware`: the paper's benchmark, one stream (prompt + edge bits) with adaptive
  MQAM at BER 1e-7 over :math:`B_0 + B_1` with :math:`P_T`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np

from linklevel.theory.monotone import invert_monotone

from . import models as m

__all__ = ["Design", "solve", "solve_continuous", "solve_discrete", "brute_force", "semantic_unaware",
           "modulation_table"]


@dataclass(frozen=True)
class Design:
    """One latency design (powers in W, times in s).

    ``bits_per_symbol``: the edge stream's log2(1 + αγ/(−ln βBER)) (continuous) or log2 M
    (discrete; ``modulation_order`` = M, 0 = outage).
    """

    rate_model: str
    feasible: bool
    p0_w: float
    p1_w: float
    t0_s: float
    t1_s: float
    latency_s: float
    ber_target: float
    bits_per_symbol: float
    modulation_order: Optional[int]
    per: float
    retransmissions: float
    snr0_db: float
    snr1_db: float
    note: str = ""

    @property
    def prompt_share(self) -> float:
        """p0 / (p0 + p1)."""
        total = self.p0_w + self.p1_w
        return self.p0_w / total if total > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: powers in W, times in ms, infinities as `None`."""
        def fin(v: float) -> Optional[float]:
            return float(v) if math.isfinite(v) else None

        d = {k: (fin(v) if isinstance(v, float) else v) for k, v in asdict(self).items()}
        for k in ("t0_s", "t1_s", "latency_s"):
            v = d.pop(k)
            d[k.replace("_s", "_ms")] = None if v is None else v * 1e3
        d["prompt_share"] = fin(self.prompt_share)
        return d


def _db(x: float) -> float:
    return 10 * math.log10(x) if x > 0 else -math.inf


def _design(kind: str, p0: float, p1: float, v0: float, v1: float, g0: float, g1: float, ber: float,
            params: m.QiaoParams, order: Optional[int] = None, note: str = "") -> Design:
    n0 = params.n0_w_hz
    s0, s1 = m.snr(p0, g0, params.b0_hz, n0), m.snr(p1, g1, params.b1_hz, n0)
    t0 = m.prompt_delay(s0, v0, params)
    if kind == "continuous":
        rate = m.rate_continuous(s1, ber, params.b1_hz, params.alpha, params.beta)
    else:
        order = m.order_for_snr(s1, ber, params.alpha, params.beta) if order is None else order
        rate = params.b1_hz * math.log2(order) if order else 0.0
    t1 = m.edge_delay(v1, rate)
    lat = max(t0, t1)
    return Design(kind, math.isfinite(lat), p0, p1, t0, t1, lat, ber, rate / params.b1_hz,
                  order if kind == "discrete" else None, m.prompt_per(s0, v0, params.k, params.b),
                  m.retransmissions(s0, v0, params.k, params.b), _db(s0), _db(s1), note)


def solve_continuous(v0: float, v1: float, g0: float, g1: float, ber: float,
                     params: m.QiaoParams = m.TABLE_I) -> Design:
    """Lemma 1 with eq. (4)'s continuous rate: the root of ``T0(p0) = T1(P_T - p0)``.

    :param v0, v1: Prompt and edge bits.
    :param g0, g1: Channel power gains |h0|², |h1|² (linear).
    :param ber: The edge BER target BER1*.
    """
    pt, n0 = params.power_w, params.n0_w_hz

    def diff(p0: float) -> float:
        t0 = m.prompt_delay(m.snr(p0, g0, params.b0_hz, n0), v0, params)
        t1 = m.edge_delay(v1, m.rate_continuous(m.snr(pt - p0, g1, params.b1_hz, n0), ber, params.b1_hz,
                                                params.alpha, params.beta))
        return math.log(t0) - math.log(t1)  # both positive; log keeps the huge ends finite-ish

    lo, hi = pt * 1e-12, pt * (1 - 1e-12)
    p0 = invert_monotone(diff, 0.0, lo, hi, log_x=True, xtol=1e-13)
    if p0 is None:  # cannot happen for finite gains: T0 -> inf at p0 -> 0, T1 -> inf at p0 -> P_T
        return _design("continuous", pt, 0.0, v0, v1, g0, g1, ber, params, note="no root of T0 = T1")
    return _design("continuous", p0, pt - p0, v0, v1, g0, g1, ber, params)


def solve_discrete(v0: float, v1: float, g0: float, g1: float, ber: float,
                   params: m.QiaoParams = m.TABLE_I) -> Design:
    """The exact optimum with discrete MQAM: enumerate M, give the edge stream exactly its threshold power."""
    pt, n0 = params.power_w, params.n0_w_hz
    best: Optional[Design] = None
    for order in m.QAM_ORDERS:
        p1 = m.min_snr_for_order(order, ber, params.alpha, params.beta) * params.b1_hz * n0 / g1
        if p1 >= pt:
            continue
        d = _design("discrete", pt - p1, p1, v0, v1, g0, g1, ber, params, order)
        if best is None or d.latency_s < best.latency_s:
            best = d
    if best is None:
        p_min = m.min_snr_for_order(m.QAM_ORDERS[0], ber, params.alpha, params.beta) * params.b1_hz * n0 / g1
        return Design("discrete", False, pt, 0.0, m.prompt_delay(m.snr(pt, g0, params.b0_hz, n0), v0, params),
                      math.inf, math.inf, ber, 0.0, 0, float("nan"), float("nan"),
                      _db(m.snr(pt, g0, params.b0_hz, n0)), -math.inf,
                      f"outage: 4-QAM at BER {ber:g} needs {p_min * 1e3:.4g} mW on the edge stream, "
                      f"more than P_T = {pt * 1e3:g} mW")
    return best


def solve(v0: float, v1: float, g0: float, g1: float, ber: float, rate_model: str = "continuous",
          params: m.QiaoParams = m.TABLE_I) -> Design:
    """:func:`solve_continuous` or :func:`solve_discrete` by ``rate_model``."""
    if rate_model == "continuous":
        return solve_continuous(v0, v1, g0, g1, ber, params)
    if rate_model == "discrete":
        return solve_discrete(v0, v1, g0, g1, ber, params)
    raise ValueError(f"rate_model must be 'continuous' or 'discrete', got {rate_model!r}")


def brute_force(v0: float, v1: float, g0: float, g1: float, ber: float, rate_model: str = "continuous",
                params: m.QiaoParams = m.TABLE_I, points: int = 400) -> Design:
    """The best design on a ``points`` × ``points`` grid over the triangle p0, p1 ≥ 0, p0 + p1 ≤ P_T
    (including its hypotenuse), refined once around the best cell."""
    pt = params.power_w

    def best_on(p0s: np.ndarray, p1s: np.ndarray) -> Design:
        best = None
        for p0 in p0s:
            for p1 in p1s:
                if p0 + p1 > pt * (1 + 1e-12) or p0 <= 0 or p1 <= 0:
                    continue
                d = _design(rate_model, float(p0), float(p1), v0, v1, g0, g1, ber, params)
                if best is None or d.latency_s < best.latency_s:
                    best = d
        return best

    grid = np.linspace(0, pt, points + 1)[1:]
    best = best_on(grid, grid)
    # the hypotenuse p0 + p1 = P_T, finely
    for p0 in np.linspace(0, pt, 20 * points + 1)[1:-1]:
        d = _design(rate_model, float(p0), float(pt - p0), v0, v1, g0, g1, ber, params)
        if best is None or d.latency_s < best.latency_s:
            best = d
    return best


def semantic_unaware(v0: float, v1: float, g: float, rate_model: str = "continuous", ber: float = 1e-7,
                     params: m.QiaoParams = m.TABLE_I) -> Design:
    """The paper's benchmark: prompt + edge bits as one adaptive-MQAM stream at BER 1e-7 over
    B0 + B1 with all of P_T (channel gain ``g``)."""
    b = params.b0_hz + params.b1_hz
    s = m.snr(params.power_w, g, b, params.n0_w_hz)
    if rate_model == "continuous":
        rate, order = m.rate_continuous(s, ber, b, params.alpha, params.beta), None
    else:
        order = m.order_for_snr(s, ber, params.alpha, params.beta)
        rate = b * math.log2(order) if order else 0.0
    t = m.edge_delay(v0 + v1, rate)
    return Design(f"unaware-{rate_model}", math.isfinite(t), 0.0, params.power_w, 0.0, t, t, ber, rate / b, order,
                  0.0, 1.0, -math.inf, _db(s))


def modulation_table(v1: float, ber: float, params: m.QiaoParams = m.TABLE_I) -> list[dict[str, float]]:
    """Table II's rows for one BER target: per order M the minimum edge SNR (dB) of eq. (4)'s bound
    and the edge latency |v1|/(B1 log2 M) (ms)."""
    return [{"modulation_order": order,
             "min_snr_db": 10 * math.log10(m.min_snr_for_order(order, ber, params.alpha, params.beta)),
             "latency_ms": v1 / (params.b1_hz * math.log2(order)) * 1e3} for order in m.QAM_ORDERS]
