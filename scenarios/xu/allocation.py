r"""Semantic-aware power allocation for two semantic streams (Xu et al., journal version, Secs. IV-V).

NumPy/SciPy float64 only. Stream ``i`` carries ``K_i`` bits; its SNR is
:math:`\mathrm{snr}_i = q_i |h_i|^2/\sigma^2` (eq. 20) with power ``q_i`` per symbol.

* uncoded BPSK, forward-with-error (P1): :math:`\psi_i = Q(\sqrt{2\,\mathrm{snr}_i})` (eq. 21),
  total power :math:`\sum_i K_i q_i`;
* coded, discard-with-error (P2): :math:`\Psi_i` from eq. (23) (:func:`linklevel.theory.fbl.bler_xu_eq23`:
  complex channel uses, no log term), total power :math:`\sum_i N_i q_i`, ``N_i = K_i / rate``.

**Corrected closed form (Theorem 1, eqs. 28, 35-38).** With capacity in bits, eq. (23) reads
:math:`Q^{-1}(\Psi) = \sqrt{N/V}\,(\ln(1+\mathrm{snr}) - (K/N)\ln 2)`. The paper's eqs. (28)
and (35)-(38) write :math:`e^{K/N}` where :math:`2^{K/N}` belongs (nats vs bits), and (38)
carries a spurious factor 1/2 that (28) lacks (there is no 1/2 on a complex channel:
:math:`\mathrm{snr} = q|h|^2/\sigma^2`). Derivation: let :math:`\alpha = Q^{-1}(\Psi^*)/\sqrt N`,
:math:`\beta = 2^{-K/N}` and :math:`\eta = \ln((1+\mathrm{snr})\beta)`; then
:math:`V = 1-\beta^2 e^{-2\eta}` and the constraint is :math:`\eta = \alpha\sqrt{1-\beta^2e^{-2\eta}}`.
Squaring, :math:`(\eta-\alpha)(\eta+\alpha)e^{2\eta} = -\alpha^2\beta^2`; with :math:`x = 2\eta`,

.. math::
    (x - 2\alpha)(x + 2\alpha)\,e^{x} = -4\alpha^2\beta^2, \qquad x = W(2\alpha, -2\alpha; -4\alpha^2 2^{-2K/N}),

and :math:`q^* = \frac{\sigma^2}{|h|^2}\bigl(2^{K/N} e^{\eta^*} - 1\bigr)`, :math:`\eta^* = x^*/2`.
Of the two real roots in :math:`(-2|\alpha|, 2|\alpha|)`, the one with the sign of
:math:`\alpha` is the solution (the other solves the sign-flipped equation). Tested against
direct root finding of eq. (23) to 1e-9 relative.

**Perception functions.** The coded discard receiver sees each stream either whole or not
at all, so with the perception of the four outcomes (both, prompt only, edge only, none = 1)
the expected perception is exactly bilinear in the BLERs:
:math:`P(\Psi_1,\Psi_2) = \sum_{s} \Pr[s]\,P_s` with :math:`\Pr[\text{both}] = (1-\Psi_1)(1-\Psi_2)`,
etc. (:class:`DiscardPerception`). Its single-stream semantic value is
:math:`\hat L_i(\Psi) = (1-\Psi) L_i` (eq. 18 with :math:`\delta(P_X, P_{\hat X_0}) = 1`).

**Methods.** ``unaware`` (equal SNR), ``proportional`` (Theorem 1 with equal
:math:`\bar L_i/L_i`; in the discard case this means equal BLERs), ``bisection``
(Algorithm 1 on the derivative along the constraint curve) and ``optimal`` (a global search
over the whole constraint curve, endpoints included — where one stream gets no power,
BLER 1 — refined locally; the certified reference the others are checked against).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from linklevel.theory.analytic import qfunc, qfuncinv
from linklevel.theory.fbl import bler_xu_eq23

__all__ = [
    "generalized_lambert_w", "snr_for_bler_eq23", "snr_for_bler_eq23_bruteforce", "snr_for_ber_bpsk",
    "DiscardPerception", "TablePerception", "PAPER_CONSTANTS", "StreamSpec", "Allocation", "allocate", "METHODS",
    "path_loss_db", "realization_study", "perception_under_budget",
]

METHODS = ("unaware", "proportional", "bisection", "optimal")
# Xu et al. (journal), Sec. VI-B: P_best and the transmitted streams' semantic values (prompt L1, edge L2)
PAPER_CONSTANTS = {
    "clip": {"p_best": 0.3191, "L1": 0.5887, "L2": 0.3596},
    "ms-ssim": {"p_best": 0.3313, "L1": 0.5465, "L2": 0.6355},
}
_PHI_MIN = 1e-12


# --------------------------------------------------------------------------- generalized Lambert W
def generalized_lambert_w(t1: float, t2: float, a: float) -> list[float]:
    r"""All real roots ``x`` of :math:`(x - t_1)(x - t_2)e^x = a`, ascending.

    The left side's derivative is :math:`e^x[(x-t_1)(x-t_2) + 2x - t_1 - t_2]`; between its
    critical points the function is monotone, so each bracket holds at most one root
    (found by Brent's method to machine precision).

    .. code-block:: python

        >>> [round(r, 12) for r in generalized_lambert_w(1.0, -1.0, 0.0)]
        [-1.0, 1.0]
    """
    t1, t2, a = float(t1), float(t2), float(a)
    g = lambda x: (x - t1) * (x - t2) * math.exp(x) - a  # noqa: E731
    b, c = 2.0 - t1 - t2, t1 * t2 - t1 - t2
    disc = b * b - 4 * c
    crit = sorted([(-b - math.sqrt(disc)) / 2, (-b + math.sqrt(disc)) / 2]) if disc > 0 else []
    lo = min([t1, t2] + crit) - 60.0  # e^x underflows the product long before: g(lo) ~ -a
    hi = max([t1, t2] + crit) + 2.0
    while g(hi) < 0:
        hi += 10.0
    edges = [lo] + crit + [hi]
    roots = []
    for u, v in zip(edges, edges[1:]):
        gu, gv = g(u), g(v)
        if gu == 0:
            roots.append(u)
        if gu * gv < 0:
            roots.append(brentq(g, u, v, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))
    if g(edges[-1]) == 0:
        roots.append(edges[-1])
    return sorted(set(roots))


# --------------------------------------------------------------------------- per-stream inverses
def snr_for_ber_bpsk(psi: float) -> float:
    """SNR with :math:`Q(\\sqrt{2\\,\\mathrm{snr}}) = \\psi` (eq. 21 inverted, as in eq. 27)."""
    if not 0 < psi <= 0.5:
        raise ValueError(f"BER must lie in (0, 0.5], got {psi}")
    return float(qfuncinv(psi)) ** 2 / 2.0


def snr_for_bler_eq23(bler: float, k: int, n: float) -> float:
    """SNR reaching BLER ``bler`` under eq. (23), by the corrected closed form (module docstring)."""
    if not 0 < bler < 1:
        raise ValueError(f"BLER must lie in (0, 1), got {bler}")
    if not (k > 0 and n >= k):
        raise ValueError(f"need 0 < K <= N, got K={k}, N={n}")
    alpha = float(qfuncinv(bler)) / math.sqrt(n)
    if alpha == 0.0:
        return 2.0 ** (k / n) - 1.0
    roots = generalized_lambert_w(2 * alpha, -2 * alpha, -4 * alpha**2 * 2.0 ** (-2 * k / n))
    same_sign = [x for x in roots if x * alpha > 0 and abs(x) < 2 * abs(alpha)]
    x = max(same_sign) if alpha > 0 else min(same_sign)
    return 2.0 ** (k / n) * math.exp(x / 2) - 1.0


def snr_for_bler_eq23_bruteforce(bler: float, k: int, n: float) -> float:
    """The same SNR by direct root finding of eq. (23) in log BLER (the closed form's check)."""
    f = lambda s: math.log(max(float(bler_xu_eq23(n, k, s)), 1e-300)) - math.log(bler)  # noqa: E731
    lo, hi = 1e-12, 1.0
    while f(hi) > 0:
        hi *= 2.0
    return brentq(f, lo, hi, xtol=1e-300, rtol=1e-15, maxiter=1000)


# --------------------------------------------------------------------------- perception
@dataclass(frozen=True)
class DiscardPerception:
    """Perception distance of the coded discard receiver, bilinear in the two BLERs.

    :param p_both: Perception with both streams (the paper's P_best).
    :param p_prompt_only: Perception with stream 1 (prompt) only, :math:`1 - L_1`.
    :param p_edge_only: Perception with stream 2 (edge) only, :math:`1 - L_2`.
    :param p_none: Perception with nothing (1: no regeneration).
    """

    p_both: float
    p_prompt_only: float
    p_edge_only: float
    p_none: float = 1.0

    def __post_init__(self) -> None:
        vals = (self.p_both, self.p_prompt_only, self.p_edge_only, self.p_none)
        if not all(0.0 <= v <= 1.0 for v in vals):
            raise ValueError(f"perception values must lie in [0, 1], got {vals}")
        if not (self.p_both <= min(self.p_prompt_only, self.p_edge_only) and
                max(self.p_prompt_only, self.p_edge_only) <= self.p_none):
            raise ValueError("perception must not improve when a stream is lost: need "
                             "p_both <= p_prompt_only, p_edge_only <= p_none")

    @classmethod
    def from_paper(cls, metric: str = "clip") -> "DiscardPerception":
        c = PAPER_CONSTANTS[metric]
        return cls(c["p_best"], 1.0 - c["L1"], 1.0 - c["L2"])

    def __call__(self, e1: float, e2: float) -> float:
        return ((1 - e1) * (1 - e2) * self.p_both + (1 - e1) * e2 * self.p_prompt_only
                + e1 * (1 - e2) * self.p_edge_only + e1 * e2 * self.p_none)

    def semantic_value(self, i: int, e: float) -> float:
        """:math:`\\hat L_i(\\Psi) = (1-\\Psi) L_i` (eq. 18)."""
        L = 1.0 - (self.p_prompt_only if i == 0 else self.p_edge_only)
        return (1.0 - e) * L


class TablePerception:
    r"""A perception-error function from a measured table, interpolated in log10 of the error rates.

    JSON format: ``{"e1": [...], "e2": [...], "p": [[p(e1[i], e2[j])...]...]}`` with increasing
    grids of error rates in (0, 1], optionally ``"single1"``/``"single2"``:
    ``{"e": [...], "p": [...]}`` — the perception with that stream alone (its semantic value
    :math:`\hat L_i = 1 - p`, eq. 17, for the ``proportional`` method). Tables are made
    non-decreasing (running maximum along each axis) before use; rates outside the grid are
    clamped to it.
    """

    def __init__(self, e1: Sequence[float], e2: Sequence[float], p: Sequence[Sequence[float]],
                 single: Optional[Sequence[Optional[tuple[Sequence[float], Sequence[float]]]]] = None) -> None:
        from scipy.interpolate import RegularGridInterpolator

        x1, x2 = np.asarray(e1, float), np.asarray(e2, float)
        tab = np.asarray(p, float)
        if x1.ndim != 1 or x2.ndim != 1 or tab.shape != (x1.size, x2.size) or x1.size < 2 or x2.size < 2:
            raise ValueError("table: need grids e1 [n], e2 [m] (n, m >= 2) and p [n, m]")
        for x in (x1, x2):
            if np.any(x <= 0) or np.any(x > 1) or np.any(np.diff(x) <= 0):
                raise ValueError("table: error-rate grids must increase within (0, 1]")
        if not np.all(np.isfinite(tab)) or np.any(tab < 0) or np.any(tab > 1):
            raise ValueError("table: perception values must lie in [0, 1]")
        tab = np.maximum.accumulate(np.maximum.accumulate(tab, axis=0), axis=1)
        self._f = RegularGridInterpolator((np.log10(x1), np.log10(x2)), tab)
        self._lim = (x1[0], x1[-1], x2[0], x2[-1])
        self._single = []
        for s in single or [None, None]:
            if s is None:
                self._single.append(None)
                continue
            e, v = np.asarray(s[0], float), np.maximum.accumulate(np.asarray(s[1], float))
            if e.ndim != 1 or e.shape != v.shape or e.size < 2 or np.any(np.diff(e) <= 0):
                raise ValueError("table: single-stream curves need increasing 'e' and matching 'p'")
            self._single.append((np.log10(e), v))

    @classmethod
    def from_dict(cls, d: Any, where: str = "table") -> "TablePerception":
        """From the JSON format's object (``e1, e2, p``, optional ``single1/single2``)."""
        if not isinstance(d, dict) or not {"e1", "e2", "p"} <= set(d):
            raise ValueError(f"{where}: expected an object with e1, e2, p")
        single = [(d[k]["e"], d[k]["p"]) if k in d else None for k in ("single1", "single2")]
        return cls(d["e1"], d["e2"], d["p"], single)

    @classmethod
    def from_json(cls, path: str) -> "TablePerception":
        from ..study.schema import read_json

        return cls.from_dict(read_json(path, "the perception table"), path)

    def digest(self) -> str:
        """Content hash (grids, values, single-stream curves): names results computed with this table."""
        import hashlib

        h = hashlib.sha256(np.asarray(self._f.values, dtype=np.float64).round(12).tobytes())
        for x in (*self._f.grid, *(c for s in self._single if s is not None for c in s)):
            h.update(np.asarray(x, dtype=np.float64).round(12).tobytes())
        return h.hexdigest()[:16]

    def __call__(self, e1: float, e2: float) -> float:
        a = min(max(e1, self._lim[0]), self._lim[1])
        b = min(max(e2, self._lim[2]), self._lim[3])
        return float(self._f([[math.log10(a), math.log10(b)]])[0])

    def semantic_values(self) -> Optional[list[Callable[[float], float]]]:
        if any(s is None for s in self._single):
            return None
        return [lambda e, s=s: 1.0 - float(np.interp(math.log10(max(e, 1e-300)), s[0], s[1])) for s in self._single]


# --------------------------------------------------------------------------- allocation
@dataclass(frozen=True)
class StreamSpec:
    """One stream: ``k`` bits, channel power gain ``gain`` (linear :math:`|h|^2`), noise power ``noise`` (W)."""

    k: int
    gain: float
    noise: float

    def __post_init__(self) -> None:
        if not (self.k > 0 and self.gain > 0 and self.noise > 0):
            raise ValueError(f"need k, gain, noise > 0, got {self}")


@dataclass
class Allocation:
    """Result of :func:`allocate` (``feasible=False``: the target cannot be met)."""

    scheme: str
    method: str
    feasible: bool
    target: float
    errors: tuple[float, float] = (float("nan"), float("nan"))
    snr: tuple[float, float] = (float("nan"), float("nan"))
    power: tuple[float, float] = (float("nan"), float("nan"))
    total_power: float = float("nan")
    perception: float = float("nan")
    notes: list[str] = field(default_factory=list)
    optimal_total_power: Optional[float] = None   # with check_optimum
    excess_over_optimal: Optional[float] = None

    def to_dict(self) -> dict:
        key = "ber" if self.scheme == "uncoded" else "bler"
        streams = [{"snr_db": 10 * math.log10(s) if s > 0 else None, key: e, "power_w": p}
                   for s, e, p in zip(self.snr, self.errors, self.power)]
        return {"scheme": self.scheme, "method": self.method, "feasible": self.feasible, "target": self.target,
                "total_power_w": self.total_power if self.feasible else None, "perception": self.perception,
                "streams": streams if self.feasible else [], "notes": self.notes,
                **({"optimal_total_power_w": self.optimal_total_power, "excess_over_optimal": self.excess_over_optimal}
                   if self.optimal_total_power is not None else {})}


class _Problem:
    """Cost and constraint of one instance, in the error-rate variables (Φ1, Φ2)."""

    def __init__(self, scheme: str, streams: Sequence[StreamSpec], perception: Callable[[float, float], float],
                 rate: float) -> None:
        if scheme not in ("uncoded", "coded"):
            raise ValueError(f"scheme must be 'uncoded' or 'coded', got {scheme!r}")
        if len(streams) != 2:
            raise ValueError("exactly two streams (prompt, edge)")
        if scheme == "coded" and not 0 < rate <= 1:
            raise ValueError(f"code rate must lie in (0, 1], got {rate}")
        self.scheme, self.streams, self.P, self.rate = scheme, list(streams), perception, rate
        self.phi_max = 0.5 if scheme == "uncoded" else 1.0

    def length(self, i: int) -> float:
        s = self.streams[i]
        return float(s.k) if self.scheme == "uncoded" else s.k / self.rate

    def snr(self, i: int, phi: float) -> float:
        if phi >= self.phi_max:
            return 0.0
        if self.scheme == "uncoded":
            return snr_for_ber_bpsk(phi)
        return snr_for_bler_eq23(phi, self.streams[i].k, self.length(i))

    def power(self, i: int, phi: float) -> float:
        s = self.streams[i]
        return self.snr(i, phi) * s.noise / s.gain

    def cost(self, phi1: float, phi2: float) -> float:
        return self.length(0) * self.power(0, phi1) + self.length(1) * self.power(1, phi2)

    def error_at_snr(self, i: int, snr: float) -> float:
        if snr <= 0:
            return self.phi_max
        if self.scheme == "uncoded":
            return float(qfunc(math.sqrt(2 * snr)))
        return float(bler_xu_eq23(self.length(i), self.streams[i].k, snr))

    def phi2_on_curve(self, phi1: float, target: float) -> Optional[float]:
        """Φ2 with P(Φ1, Φ2) = target (Φ2 = max if slack there; None if infeasible for this Φ1)."""
        if self.P(phi1, self.phi_max) <= target:
            return self.phi_max
        if self.P(phi1, _PHI_MIN) > target:
            return None
        g = lambda u: self.P(phi1, math.exp(u)) - target  # noqa: E731
        return math.exp(brentq(g, math.log(_PHI_MIN), math.log(self.phi_max), xtol=1e-13))

    def curve_cost(self, u: float, target: float) -> float:
        """Cost along the constraint curve, parameterized by u = ln Φ1 (inf where infeasible)."""
        phi1 = min(math.exp(u), self.phi_max)
        phi2 = self.phi2_on_curve(phi1, target)
        return math.inf if phi2 is None else self.cost(phi1, phi2)


def allocate(scheme: str, method: str, streams: Sequence[StreamSpec], perception: Callable[[float, float], float],
             target: float, rate: float = 0.8, semantic_values: Optional[Sequence[Callable[[float], float]]] = None,
             grid: int = 1201, check_optimum: bool = False) -> Allocation:
    """Minimum-power allocation meeting ``perception(Φ1, Φ2) <= target``.

    :param scheme: ``uncoded`` (BER ψ, forward) or ``coded`` (BLER Ψ by eq. 23, discard).
    :param method: One of :data:`METHODS`.
    :param streams: Two :class:`StreamSpec` (prompt, edge).
    :param perception: Non-decreasing perception-error function of (Φ1, Φ2).
    :param target: Maximum tolerated perception distance :math:`\\bar P`.
    :param rate: Code rate K/N (coded).
    :param semantic_values: :math:`\\hat L_i(\\Phi)` per stream (``proportional``; the discard
        perception's own when omitted) and the transmitted values :math:`L_i = \\hat L_i(0)`.
    :param grid: Points of the global search (``optimal``).
    :param check_optimum: Also compute the certified optimum and record the method's excess
        power over it (``excess_over_optimal``; a note when above 0.5 %).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not 0 < target <= 1:
        raise ValueError(f"target perception must lie in (0, 1], got {target}")
    pb = _Problem(scheme, streams, perception, rate)
    out = Allocation(scheme=scheme, method=method, feasible=False, target=target)
    if perception(_PHI_MIN, _PHI_MIN) > target:
        out.notes.append(f"infeasible: even error-free streams give perception {perception(0.0, 0.0):.4f} > target")
        return out
    lo, hi = math.log(_PHI_MIN), math.log(pb.phi_max)
    if method == "unaware":
        # equal SNR: one scalar s with P(err1(s), err2(s)) = target
        f = lambda ls: perception(pb.error_at_snr(0, math.exp(ls)), pb.error_at_snr(1, math.exp(ls))) - target  # noqa: E731
        a, b = -40.0, 20.0
        while f(b) > 0:
            b += 10.0
        s = math.exp(brentq(f, a, b, xtol=1e-13)) if f(a) > 0 else 0.0
        phis = (pb.error_at_snr(0, s), pb.error_at_snr(1, s))
    elif method == "proportional":
        vals = semantic_values
        if vals is None:
            if not isinstance(perception, DiscardPerception):
                raise ValueError("proportional needs semantic_values for this perception function")
            vals = [lambda e: perception.semantic_value(0, e), lambda e: perception.semantic_value(1, e)]
        L = [vals[0](0.0), vals[1](0.0)]

        def phi_for(i: int, c: float) -> float:  # error rate with L_hat_i = c L_i (L_hat non-increasing)
            g = lambda u: vals[i](math.exp(u)) - c * L[i]  # noqa: E731
            if g(hi) >= 0:
                return pb.phi_max
            return math.exp(brentq(g, lo, hi, xtol=1e-13)) if g(lo) > 0 else _PHI_MIN

        h = lambda c: perception(phi_for(0, c), phi_for(1, c)) - target  # noqa: E731
        c_lo = min(vals[0](pb.phi_max) / L[0], vals[1](pb.phi_max) / L[1])
        c = 1.0 if h(1.0 - 1e-15) > 0 else (c_lo if h(c_lo + 1e-15) <= 0 else brentq(h, c_lo + 1e-15, 1.0 - 1e-15, xtol=1e-14))
        phis = (phi_for(0, c), phi_for(1, c))
    elif method == "bisection":
        phis = _bisection(pb, target, lo, hi)
    else:
        phis = _global(pb, target, lo, hi, grid)
    p = perception(*phis)
    if p > target * (1 + 1e-6) + 1e-9:
        out.notes.append(f"{method}: perception {p:.6f} above target")
        return out
    out.feasible = True
    out.errors = (float(phis[0]), float(phis[1]))
    out.snr = (pb.snr(0, phis[0]), pb.snr(1, phis[1]))
    out.power = (pb.power(0, phis[0]), pb.power(1, phis[1]))
    out.total_power = pb.cost(*phis)
    out.perception = p
    for i, e in enumerate(phis):
        if e >= pb.phi_max:
            out.notes.append(f"stream {i + 1} gets no power ({'BER 0.5' if scheme == 'uncoded' else 'BLER 1'})")
    if check_optimum and method != "optimal":
        ref = pb.cost(*_global(pb, target, lo, hi, grid))
        out.optimal_total_power = ref
        out.excess_over_optimal = out.total_power / ref - 1 if ref > 0 else (0.0 if out.total_power == 0 else math.inf)
        if out.excess_over_optimal > 0.005:
            out.notes.append(f"{method} is {100 * out.excess_over_optimal:.1f} % above the certified optimum "
                             f"({ref:.6g} W)")
    return out


def _feasible_range(pb: _Problem, target: float, lo: float, hi: float) -> tuple[float, float]:
    """The u = ln Φ1 interval on which the constraint curve exists."""
    if pb.phi2_on_curve(math.exp(hi), target) is not None:
        return lo, hi
    u = brentq(lambda v: (pb.phi2_on_curve(math.exp(v), target) is not None) - 0.5, lo, hi, xtol=1e-12)
    while pb.phi2_on_curve(math.exp(u), target) is None:
        u -= 1e-12
    return lo, u


def _global(pb: _Problem, target: float, lo: float, hi: float, grid: int) -> tuple[float, float]:
    a, b = _feasible_range(pb, target, lo, hi)
    us = np.linspace(a, b, grid)
    costs = np.array([pb.curve_cost(u, target) for u in us])
    j = int(np.argmin(costs))
    best_u, best = us[j], costs[j]
    left, right = us[max(j - 1, 0)], us[min(j + 1, grid - 1)]
    if right > left:
        r = minimize_scalar(lambda u: pb.curve_cost(u, target), bounds=(left, right), method="bounded",
                            options={"xatol": 1e-12})
        if r.fun < best:
            best_u = r.x
    phi1 = min(math.exp(best_u), pb.phi_max)
    return phi1, pb.phi2_on_curve(phi1, target)


def _bisection(pb: _Problem, target: float, lo: float, hi: float, eps: float = 1e-10) -> tuple[float, float]:
    """Algorithm 1: bisection on the sign of dF/du along the constraint curve (u = ln Φ1)."""
    a, b = _feasible_range(pb, target, lo, hi)

    def slope(u: float) -> float:
        h = 1e-6 * max(1.0, abs(u))
        return (pb.curve_cost(min(u + h, b), target) - pb.curve_cost(max(u - h, a), target)) / (
            min(u + h, b) - max(u - h, a))

    if slope(a) >= 0:
        u = a
    elif slope(b) <= 0:
        u = b
    else:
        while b - a >= eps:
            m = 0.5 * (a + b)
            if slope(m) >= 0:
                b = m
            else:
                a = m
        u = 0.5 * (a + b)
    phi1 = min(math.exp(u), pb.phi_max)
    return phi1, pb.phi2_on_curve(phi1, target)


# --------------------------------------------------------------------------- the paper's channel setting
def path_loss_db(distance_m: float = 100.0, pl0_db: float = -30.0, exponent: float = 3.4, d0_m: float = 1.0) -> float:
    """Large-scale gain in dB: ``pl0 - 10 exponent log10(d / d0)`` (the paper: -30 dB at 1 m, exponent 3.4)."""
    if distance_m <= 0 or d0_m <= 0:
        raise ValueError("distances must be positive")
    return pl0_db - 10.0 * exponent * math.log10(distance_m / d0_m)


def realization_study(scheme: str, methods: Sequence[str], k: Sequence[int], perception: Callable[[float, float], float],
                      target: float, realizations: int = 200, rate: float = 0.8, distance_m: float = 100.0,
                      noise_dbm: float = -110.0, seed: int = 0, pl0_db: float = -30.0, exponent: float = 3.4,
                      **kw) -> dict[str, np.ndarray]:
    """Per-realization allocation under Rayleigh block fading per stream (the paper's Sec. VI setting).

    Each realization draws :math:`|\\tilde h_i|^2 \\sim \\text{Exp}(1)` per stream on top of the path
    loss; every method allocates for the same draws. Returns ``{method: total power [W] per
    realization}`` (``inf`` where the method finds the target infeasible) and ``"gains"`` [R, 2].
    """
    if realizations < 1:
        raise ValueError("realizations must be positive")
    rng = np.random.default_rng(seed)
    g = 10 ** (path_loss_db(distance_m, pl0_db, exponent) / 10) * rng.exponential(1.0, size=(realizations, 2))
    noise = 10 ** ((noise_dbm - 30) / 10)
    out: dict[str, np.ndarray] = {"gains": g}
    for m in methods:
        vals = np.empty(realizations)
        for r in range(realizations):
            s = [StreamSpec(int(k[0]), float(g[r, 0]), noise), StreamSpec(int(k[1]), float(g[r, 1]), noise)]
            a = allocate(scheme, m, s, perception, target, rate=rate, **kw)
            vals[r] = a.total_power if a.feasible else np.inf
        out[m] = vals
    return out


# --------------------------------------------------------------------------- power budget (Fig. 9)
def perception_under_budget(scheme: str, method: str, streams: Sequence[StreamSpec],
                            perception: Callable[[float, float], float], budgets: Sequence[float], rate: float = 0.8,
                            semantic_values: Optional[Sequence[Callable[[float], float]]] = None,
                            grid: int = 2001, targets: int = 161) -> np.ndarray:
    r"""The perception each budget (total power, W) buys with ``method``; returns an array like ``budgets``.

    * ``unaware``: the budget split for equal SNR, directly;
    * ``optimal``: certified — a search over the whole budget line
      :math:`\sum_i N_i q_i = B` (power share of stream 1 from 0 to 1, corners included:
      there one stream gets no power), refined locally; perception is non-decreasing in
      the error rates, so the optimum spends the whole budget;
    * ``proportional`` / ``bisection``: the smallest target :math:`\bar P` on a grid of
      ``targets`` values (from the error-free perception to the no-power one) whose
      minimum-power allocation by the method fits the budget. No monotonicity is assumed:
      Algorithm 1 is a local search and its total power can *rise* with :math:`\bar P`
      when it jumps to another corner of the constraint curve.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    bs = np.asarray(budgets, dtype=np.float64)
    if bs.ndim != 1 or not np.all(bs >= 0):
        raise ValueError(f"budgets must be non-negative numbers, got {budgets}")
    pb = _Problem(scheme, streams, perception, rate)
    top = float(perception(pb.phi_max, pb.phi_max))
    unit = [pb.length(i) * pb.streams[i].noise / pb.streams[i].gain for i in range(2)]  # power per unit SNR
    out = np.full(bs.shape, top)
    if method in ("proportional", "bisection"):
        lo = float(perception(_PHI_MIN, _PHI_MIN))
        ts = np.linspace(lo, top, targets)[1:]
        cost = np.full(ts.size, np.inf)
        reach = np.full(ts.size, top)
        for j, t in enumerate(ts):
            a = allocate(scheme, method, streams, perception, float(min(t, 1.0)), rate, semantic_values)
            if a.feasible:
                cost[j], reach[j] = a.total_power, a.perception
        for n, b in enumerate(bs):
            ok = np.nonzero(cost <= b)[0]
            if ok.size:
                out[n] = reach[ok[0]]
        return out
    for n, b in enumerate(bs):
        if b == 0:
            continue
        if method == "unaware":
            s = b / sum(unit)
            out[n] = perception(pb.error_at_snr(0, s), pb.error_at_snr(1, s))
            continue
        f = lambda t: perception(pb.error_at_snr(0, t * b / unit[0]), pb.error_at_snr(1, (1 - t) * b / unit[1]))  # noqa: E731
        tgrid = np.linspace(0.0, 1.0, grid)
        vals = np.array([f(t) for t in tgrid])
        j = int(np.argmin(vals))
        r = minimize_scalar(f, bounds=(tgrid[max(j - 1, 0)], tgrid[min(j + 1, grid - 1)]), method="bounded",
                            options={"xatol": 1e-12})
        out[n] = min(vals[j], float(r.fun))
    return out
