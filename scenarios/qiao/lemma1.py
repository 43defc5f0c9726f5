r"""Lemma 1 of Qiao et al.: the latency-optimal power split of a prompt and an edge stream; NumPy/SciPy only.

Problem (5) with one conditioning stream: minimize :math:`\max(T_0(p_0), T_1(p_1, \mathrm{BER}_1))` s.t.
:math:`p_0 + p_1 \le P_T` and :math:`\mathrm{BER}_1 \le \mathrm{BER}_1^* = \min_j \Phi_j^{-1}(\varepsilon_j)`.

* Continuous rate (eq. (4)): the optimum is the unique root of :math:`T_0(p_0) = T_1(P_T - p_0)` (Lemma 1),
  found in :math:`u = \ln(p_0/p_1)` on :math:`\ln T_0 - \ln T_1` (eqs. (2)-(4) in logs): it exists and is
  found at every finite gain; where the common delay lies beyond a float the design says so.
* Discrete MQAM (default the paper's ``{4, 16, 64}``): per order M the edge stream needs exactly
  :math:`p_M = \gamma_M B_1 N_0/|h_1|^2`, :math:`T(M) = \max(T_0(P_T - p_M), T_M)`,
  :math:`T_M = |v_1|/(B_1\log_2 M)`; the best M wins (none feasible: outage). Where the edge stream binds,
  every prompt power with :math:`T_0 \le T_M` is optimal: ``tie_break="equal"`` (default, Lemma 1's rule)
  gives the prompt exactly :math:`T_0 = T_M` (eq. (3) inverted), the rest stays unused; ``"prompt-all"``
  gives it all the leftover power (as where :math:`T_0 = T_M` is out of reach, in both rules).
* :func:`brute_force`: a grid over the power triangle (the certified optimal latency); :func:`semantic_unaware`:
  the paper's benchmark, one MQAM stream at BER 1e-7 over :math:`B_0 + B_1`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Optional, Sequence

import numpy as np

from linklevel.theory.monotone import invert_monotone

from . import models as m

__all__ = ["Design", "TIE_BREAKS", "EQUAL_RTOL", "binding_of", "solve", "solve_continuous", "solve_discrete",
           "brute_force", "semantic_unaware", "modulation_table"]

#: The discrete optimum's tie-breaks: ``equal`` (T0 = T1, Lemma 1) and ``prompt-all`` (all leftover power).
TIE_BREAKS = ("equal", "prompt-all")
#: T0 and T1 count as equal within this relative difference.
EQUAL_RTOL = 1e-9
_LN2 = math.log(2.0)


def binding_of(t0: float, t1: float) -> str:
    """``"equal"`` (T0 = T1 to :data:`EQUAL_RTOL`), ``"edge"`` (T1 > T0) or ``"prompt"`` (T0 > T1).

    .. code-block:: python

        >>> binding_of(1.0, 1.0 + 1e-12), binding_of(1.0, 2.0), binding_of(2.0, 1.0)
        ('equal', 'edge', 'prompt')
    """
    if t0 == t1 or (math.isfinite(t0) and math.isfinite(t1) and abs(t0 - t1) <= EQUAL_RTOL * max(t0, t1)):
        return "equal"
    return "edge" if t1 > t0 else "prompt"


@dataclass(frozen=True)
class Design:
    """One latency design (powers in W, times in s). ``bits_per_symbol``: log2(1 + αγ/(−ln βBER)) (continuous)
    or log2 M (discrete; ``modulation_order`` = M, 0 = outage). ``binding``: :func:`binding_of` (T0, T1);
    ``tie_break``: the discrete rule ("" for the continuous rate: its optimum is unique). :attr:`prompt_share`
    is p0 / P_T, the fraction of the *budget* (Fig. 4(a)'s "percentage of power for prompt"); with
    ``tie_break="equal"`` part of the budget may stay unused (:attr:`power_used_w` < P_T)."""

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
    power_budget_w: float = math.nan
    binding: str = ""
    tie_break: str = ""

    @property
    def prompt_share(self) -> float:
        """p0 / P_T (NaN without a budget)."""
        return self.p0_w / self.power_budget_w if self.power_budget_w > 0 else math.nan

    @property
    def power_used_w(self) -> float:
        """p0 + p1 in W (below P_T where the "equal" tie-break leaves power unused)."""
        return self.p0_w + self.p1_w

    @property
    def t0_equals_t1(self) -> bool:
        """Lemma 1's condition holds (``binding == "equal"``)."""
        return self.binding == "equal"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: powers in W, times in ms, infinities as `None`."""
        def fin(v: float) -> Optional[float]:
            return float(v) if math.isfinite(v) else None

        times = ("t0_s", "t1_s", "latency_s")
        d = {k: (fin(v) if isinstance(v, float) else v) for k, v in asdict(self).items() if k not in times}
        d.update({k[:-2] + "_ms": fin(getattr(self, k) * 1e3) for k in times}, prompt_share=fin(self.prompt_share),
                 power_used_w=fin(self.power_used_w), t0_equals_t1=self.t0_equals_t1, tie_break=self.tie_break or None)
        return d


def _db(x: float) -> float:
    return 10 * math.log10(x) if x > 0 else -math.inf


def _ln(x: float, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not (math.isfinite(x) and x > 0):
        raise ValueError(f"{what} must be a positive finite number, got {x!r}")
    return math.log(x)


class _Problem:
    """Problem (5) for one stream pair: the delays of eqs. (2)-(4) at given powers, also in the log domain."""

    def __init__(self, v0: float, v1: float, g0: float, g1: float, ber: float, params: m.QiaoParams,
                 orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "") -> None:
        if tie_break not in TIE_BREAKS + ("",):
            raise ValueError(f"tie_break must be one of {', '.join(TIE_BREAKS)}, got {tie_break!r}")
        self.v0, self.v1, self.g0, self.g1, self.ber, self.params = v0, v1, g0, g1, ber, params
        self.orders, self.tie_break, self.pt = m.check_orders(orders), tie_break, params.power_w
        self.c = m.per_threshold(v0, params.k, params.b)  # eq. (2): ValueError below the smallest L
        self.ln_floor = math.log(m.prompt_delay_floor(v0, params))  # eq. (3) without errors
        ln_n0 = math.log(params.n0_w_hz)
        # ln of the SNR per watt, gamma_i / p_i = |h_i|^2 / (B_i N0), kept in logs (no under/overflow)
        self.ln_k0 = _ln(g0, "gain g0") - math.log(params.b0_hz) - ln_n0
        self.ln_k1 = _ln(g1, "gain g1") - math.log(params.b1_hz) - ln_n0
        self.ln_a = math.log(params.alpha) - math.log(-math.log(params.beta * ber))  # eq. (4): alpha/(-ln beta BER)
        self.ln_t1_num = _ln(v1, "edge bits") - math.log(params.b1_hz)

    def power_for(self, gamma: float, stream: int) -> float:
        """The power (W) giving SNR ``gamma`` on stream 0 or 1 (``inf`` beyond a float)."""
        x = math.log(gamma) - (self.ln_k0 if stream == 0 else self.ln_k1) if gamma > 0 else -math.inf
        return math.exp(x) if x < 709.0 else math.inf

    def ln_delays(self, u: float) -> tuple[float, float]:
        r"""(ln T0, ln T1) at p0 = P_T/(1+e^{−u}), p1 = P_T/(1+e^{u}) (eqs. (2)-(4); capped at 1e300)."""
        ln_pt = math.log(self.pt)
        ln_g0 = ln_pt - float(np.logaddexp(0.0, -u)) + self.ln_k0
        ln_g1 = ln_pt - float(np.logaddexp(0.0, u)) + self.ln_k1
        ln_t0 = self.ln_floor + (self.c * math.exp(-ln_g0) if -ln_g0 < 690.0 else 1e300)  # T0 = floor e^{c/g0}
        x = self.ln_a + ln_g1  # ln of eq. (4)'s SNR term
        ln_bits = x if x < -30.0 else math.log(float(np.logaddexp(0.0, x)))  # ln ln(1 + e^x), stable
        return min(ln_t0, 1e300), min(self.ln_t1_num - ln_bits + math.log(_LN2), 1e300)

    def ln_diff(self, u: float) -> float:
        """ln T0 − ln T1: decreasing in u, from +inf to −inf (capped)."""
        return float(np.subtract(*self.ln_delays(u)))

    def design(self, kind: str, p0: float, p1: float, order: Optional[int] = None, note: str = "") -> Design:
        """The design at powers (p0, p1): delays by eqs. (2)-(4), :func:`binding_of` them."""
        pa, n0 = self.params, self.params.n0_w_hz
        s0, s1 = m.snr(p0, self.g0, pa.b0_hz, n0), m.snr(p1, self.g1, pa.b1_hz, n0)
        t0 = m.prompt_delay(s0, self.v0, pa)
        if kind == "continuous":
            rate = m.rate_continuous(s1, self.ber, pa.b1_hz, pa.alpha, pa.beta)
        else:
            order = m.order_for_snr(s1, self.ber, pa.alpha, pa.beta, self.orders) if order is None else order
            rate = pa.b1_hz * math.log2(order) if order else 0.0
        t1 = m.edge_delay(self.v1, rate)
        lat = max(t0, t1)
        return Design(kind, math.isfinite(lat), p0, p1, t0, t1, lat, self.ber, rate / pa.b1_hz,
                      order if kind == "discrete" else None, m.prompt_per(s0, self.v0, pa.k, pa.b),
                      m.retransmissions(s0, self.v0, pa.k, pa.b), _db(s0), _db(s1), note, self.pt,
                      binding_of(t0, t1), self.tie_break if kind == "discrete" else "")


def _bracket(f: Any) -> tuple[float, float]:  # f(lo) > 0 > f(hi) for a decreasing f, by doubling
    lo, hi = -1.0, 1.0
    while f(lo) <= 0 and lo > -2.0 ** 80:
        lo *= 2
    while f(hi) >= 0 and hi < 2.0 ** 80:
        hi *= 2
    return lo, hi


def solve_continuous(v0: float, v1: float, g0: float, g1: float, ber: float,
                     params: m.QiaoParams = m.TABLE_I) -> Design:
    """Lemma 1 with eq. (4)'s continuous rate: the root of ``T0(p0) = T1(P_T - p0)``.

    :param v0, v1: Prompt and edge bits (v0 is also the packet length L, at least :func:`models.min_packet_length`).
    :param g0, g1: Channel power gains |h0|², |h1|² (linear, positive).
    :param ber: The edge BER target BER1*.

    .. code-block:: python

        >>> g = m.gain_over_noise(10 ** -2) * m.TABLE_I.n0_w_hz   # average SNR -20 dB: still T0 = T1
        >>> d = solve_continuous(800, 7864, g, g, 1e-6)
        >>> d.binding, d.feasible, f"{d.latency_s:.3g}"
        ('equal', True, '2.88e+44')
    """
    pr = _Problem(v0, v1, g0, g1, ber, params)
    lo, hi = _bracket(pr.ln_diff)
    u = invert_monotone(pr.ln_diff, 0.0, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=400)
    if u is None:  # no sign change even at |u| = 2^80 (cannot happen): the end whose delay binds
        u = lo if pr.ln_diff(lo) < 0 else hi
    d = pr.design("continuous", pr.pt * _expit(u), pr.pt * _expit(-u))
    if math.isfinite(d.latency_s):
        return d
    ln_t0, ln_t1 = pr.ln_delays(u)  # T0 = T1 is attained, but beyond a float: say so
    return replace(d, note=f"T0 = T1 at about 10^{ln_t0 / math.log(10):.4g} s, beyond a float",
                   binding="equal" if abs(ln_t0 - ln_t1) <= EQUAL_RTOL else binding_of(ln_t0, ln_t1))


def _expit(u: float) -> float:
    return float(1.0 / (1.0 + np.exp(-u))) if u > -700 else 0.0


def solve_discrete(v0: float, v1: float, g0: float, g1: float, ber: float, params: m.QiaoParams = m.TABLE_I,
                   orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "equal") -> Design:
    """The exact optimum with discrete MQAM over ``orders``: per order the edge stream gets exactly its
    eq. (4) threshold power; the prompt gets the power with T0 = T_M (``tie_break="equal"``, eq. (3)
    inverted) or all that is left (``"prompt-all"``, and where T0 = T_M is out of reach).

    .. code-block:: python

        >>> g = m.gain_over_noise(10 ** 2.2) * m.TABLE_I.n0_w_hz   # average SNR 22 dB
        >>> eq, alt = (solve_discrete(800, 7864, g, g, 1e-6, tie_break=t) for t in ("equal", "prompt-all"))
        >>> eq.binding, alt.binding, eq.latency_s == alt.latency_s, eq.modulation_order
        ('equal', 'edge', True, 16)
        >>> round(100 * eq.prompt_share, 2), round(100 * alt.prompt_share, 1)   # % of P_T
        (0.77, 61.5)
    """
    pr = _Problem(v0, v1, g0, g1, ber, params, orders, tie_break or "?")
    designs = []
    for order in pr.orders:
        p1 = pr.power_for(m.min_snr_for_order(order, ber, params.alpha, params.beta), 1)
        if p1 < pr.pt:  # the order fits the budget with exactly its eq. (4) threshold power
            t_m = v1 / (params.b1_hz * math.log2(order))  # T0 = T_M where reachable (eq. (3) inverted):
            p_eq = pr.power_for(m.snr_for_prompt_delay(t_m, v0, params), 0) if tie_break == "equal" else math.inf
            designs.append(pr.design("discrete", min(pr.pt - p1, p_eq), p1, order))
    if designs:  # the best order (the first of equals: the smaller order)
        return min(designs, key=lambda d: d.latency_s)
    p_min = pr.power_for(m.min_snr_for_order(pr.orders[0], ber, params.alpha, params.beta), 1)
    return replace(pr.design("discrete", pr.pt, 0.0, 0), binding="edge", note=f"outage: {pr.orders[0]}-QAM at BER "
                   f"{ber:g} needs {p_min * 1e3:.4g} mW on the edge stream, more than P_T = {pr.pt * 1e3:g} mW")


def solve(v0: float, v1: float, g0: float, g1: float, ber: float, rate_model: str = "continuous",
          params: m.QiaoParams = m.TABLE_I, orders: Sequence[int] = m.PAPER_ORDERS,
          tie_break: str = "equal") -> Design:
    """:func:`solve_continuous` or :func:`solve_discrete` (with ``orders`` and ``tie_break``) by ``rate_model``."""
    if rate_model == "continuous":
        return solve_continuous(v0, v1, g0, g1, ber, params)
    if rate_model == "discrete":
        return solve_discrete(v0, v1, g0, g1, ber, params, orders, tie_break)
    raise ValueError(f"rate_model must be 'continuous' or 'discrete', got {rate_model!r}")


def brute_force(v0: float, v1: float, g0: float, g1: float, ber: float, rate_model: str = "continuous",
                params: m.QiaoParams = m.TABLE_I, points: int = 400,
                orders: Sequence[int] = m.PAPER_ORDERS) -> Design:
    """The best design on a ``points`` × ``points`` grid over the triangle p0, p1 ≥ 0, p0 + p1 ≤ P_T
    plus a finer grid on its hypotenuse (its latency is the certified optimum; its split is one of many
    where the discrete optimum is not unique)."""
    pt = params.power_w
    pr = _Problem(v0, v1, g0, g1, ber, params, orders)
    grid = np.linspace(0, pt, points + 1)[1:]
    cands = [(float(p0), float(p1)) for p0 in grid for p1 in grid if p0 + p1 <= pt * (1 + 1e-12)]
    cands += [(float(p0), float(pt - p0)) for p0 in np.linspace(0, pt, 20 * points + 1)[1:-1]]
    return min((pr.design(rate_model, p0, p1) for p0, p1 in cands), key=lambda d: d.latency_s)


def semantic_unaware(v0: float, v1: float, g: float, rate_model: str = "continuous", ber: float = 1e-7,
                     params: m.QiaoParams = m.TABLE_I, orders: Sequence[int] = m.PAPER_ORDERS) -> Design:
    """The paper's benchmark: prompt + edge bits as one adaptive-MQAM stream (``orders``) at BER 1e-7 over
    B0 + B1 with all of P_T (channel gain ``g``)."""
    b = params.b0_hz + params.b1_hz
    s = m.snr(params.power_w, g, b, params.n0_w_hz)
    if rate_model == "continuous":
        rate, order = m.rate_continuous(s, ber, b, params.alpha, params.beta), None
    else:
        order = m.order_for_snr(s, ber, params.alpha, params.beta, m.check_orders(orders))
        rate = b * math.log2(order) if order else 0.0
    t = m.edge_delay(v0 + v1, rate)
    return Design(f"unaware-{rate_model}", math.isfinite(t), 0.0, params.power_w, 0.0, t, t, ber, rate / b, order,
                  0.0, 1.0, -math.inf, _db(s), "", params.power_w, "edge")


def modulation_table(v1: float, ber: float, params: m.QiaoParams = m.TABLE_I,
                     orders: Sequence[int] = m.PAPER_ORDERS) -> list[dict[str, float]]:
    """Table II's rows for one BER target: per order M (``orders``) the minimum edge SNR γ̄1 (dB) of eq. (4)'s
    bound and the edge latency T = |v1|/(B1 log2 M) (ms), largest order first as in the paper.

    .. code-block:: python

        >>> [(r["modulation_order"], round(r["min_snr_db"], 2), round(r["latency_ms"], 2))
        ...  for r in modulation_table(7864, 1.314e-6)]
        [(64, 27.0, 1.31), (16, 20.77, 1.97), (4, 13.78, 3.93)]
    """
    return [{"modulation_order": order,
             "min_snr_db": 10 * math.log10(m.min_snr_for_order(order, ber, params.alpha, params.beta)),
             "latency_ms": v1 / (params.b1_hz * math.log2(order)) * 1e3}
            for order in sorted(m.check_orders(orders), reverse=True)]
