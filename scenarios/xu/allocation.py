r"""Semantic-aware power allocation for two semantic streams (Xu et al., journal version, Sec. V), the solvers.

NumPy/SciPy float64 only. The problem: minimize the total power :math:`\sum_i L_i q_i` (``L_i = K_i``
uncoded, ``N_i = K_i / rate`` coded) subject to :math:`P(\Phi_1, \Phi_2) \le \bar P`, with the
per-stream error rates :math:`\Phi_i` of eqs. (21) / (23) and their inverses
(:mod:`scenarios.xu.models`), and a perception-error function from :mod:`scenarios.xu.functions`.

**Methods.** ``unaware`` (equal SNR), ``proportional`` (Theorem 1 with equal
:math:`\bar L_i/L_i`; in the discard case this means equal BLERs), ``bisection``
(Algorithm 1 on the derivative along the constraint curve) and ``optimal`` (a global search
over the whole constraint curve, endpoints included — where one stream gets no power,
BLER 1 — refined locally; the certified reference the others are checked against) and ``gradient``
(an augmented Lagrangian on ln SNR through the differentiable error-rate and perception models,
:mod:`scenarios.xu.gradient`; not part of the study's method lists).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .functions import DiscardPerception
from .models import PHI_MIN, ber_bpsk, bler_eq23, snr_for_ber_bpsk, snr_for_bler_eq23

__all__ = ["METHODS", "STUDY_METHODS", "PHI_MIN", "StreamSpec", "Allocation", "Problem", "allocate"]

METHODS = ("unaware", "proportional", "bisection", "optimal", "gradient")
#: The methods a study runs by default (``gradient`` is opt-in: ``methods = [..., "gradient"]``).
STUDY_METHODS = METHODS[:4]


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
    solver: dict = field(default_factory=dict)   # gradient: iterations, rounds, seconds
    excess_over_optimal: Optional[float] = None

    def to_dict(self) -> dict:
        key = "ber" if self.scheme == "uncoded" else "bler"
        streams = [{"snr_db": 10 * math.log10(s) if s > 0 else None, key: e, "power_w": p}
                   for s, e, p in zip(self.snr, self.errors, self.power)]
        return {"scheme": self.scheme, "method": self.method, "feasible": self.feasible, "target": self.target,
                "total_power_w": self.total_power if self.feasible else None, "perception": self.perception,
                "streams": streams if self.feasible else [], "notes": self.notes,
                **({"optimal_total_power_w": self.optimal_total_power, "excess_over_optimal": self.excess_over_optimal}
                   if self.optimal_total_power is not None else {}), **({"solver": self.solver} if self.solver else {})}


class Problem:
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
        if self.scheme == "uncoded":
            return ber_bpsk(snr)
        return bler_eq23(snr, self.streams[i].k, self.length(i))

    def phi2_on_curve(self, phi1: float, target: float) -> Optional[float]:
        """Φ2 with P(Φ1, Φ2) = target (Φ2 = max if slack there; None if infeasible for this Φ1)."""
        if self.P(phi1, self.phi_max) <= target:
            return self.phi_max
        if self.P(phi1, PHI_MIN) > target:
            return None
        g = lambda u: self.P(phi1, math.exp(u)) - target  # noqa: E731
        return math.exp(brentq(g, math.log(PHI_MIN), math.log(self.phi_max), xtol=1e-13))

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
    pb = Problem(scheme, streams, perception, rate)
    out = Allocation(scheme=scheme, method=method, feasible=False, target=target)
    if perception(PHI_MIN, PHI_MIN) > target:
        out.notes.append(f"infeasible: even error-free streams give perception {perception(0.0, 0.0):.4f} > target")
        return out
    lo, hi = math.log(PHI_MIN), math.log(pb.phi_max)
    if method == "unaware":
        phis = _unaware(pb, target)
    elif method == "proportional":
        phis = _proportional(pb, target, semantic_values, lo, hi)
    elif method == "bisection":
        phis = _bisection(pb, target, lo, hi)
    elif method == "gradient":
        from .gradient import gradient_allocation

        phis, out.solver = gradient_allocation(pb, target, start=_unaware(pb, target))
    else:
        phis = _global(pb, target, lo, hi, grid)
    p = perception(*phis)
    if p > target * (1 + 1e-6) + 1e-9:
        out.notes.append(f"{method}: perception {p:.6f} above target")
        return out
    _fill(out, pb, phis, p)
    if check_optimum and method != "optimal":
        _check_optimum(out, pb, target, lo, hi, grid)
    return out


def _fill(out: Allocation, pb: Problem, phis: tuple[float, float], p: float) -> None:
    """A feasible allocation's fields from its error rates."""
    out.feasible = True
    out.errors = (float(phis[0]), float(phis[1]))
    out.snr = (pb.snr(0, phis[0]), pb.snr(1, phis[1]))
    out.power = (pb.power(0, phis[0]), pb.power(1, phis[1]))
    out.total_power = pb.cost(*phis)
    out.perception = p
    for i, e in enumerate(phis):
        if e >= pb.phi_max:
            out.notes.append(f"stream {i + 1} gets no power ({'BER 0.5' if pb.scheme == 'uncoded' else 'BLER 1'})")


def _check_optimum(out: Allocation, pb: Problem, target: float, lo: float, hi: float, grid: int) -> None:
    ref = pb.cost(*_global(pb, target, lo, hi, grid))
    out.optimal_total_power = ref
    out.excess_over_optimal = out.total_power / ref - 1 if ref > 0 else (0.0 if out.total_power == 0 else math.inf)
    if out.excess_over_optimal > 0.005:
        out.notes.append(f"{out.method} is {100 * out.excess_over_optimal:.1f} % above the certified optimum "
                         f"({ref:.6g} W)")


def _unaware(pb: Problem, target: float) -> tuple[float, float]:
    """Equal SNR: one scalar s with P(err1(s), err2(s)) = target."""
    f = lambda ls: pb.P(pb.error_at_snr(0, math.exp(ls)), pb.error_at_snr(1, math.exp(ls))) - target  # noqa: E731
    a, b = -40.0, 20.0
    while f(b) > 0:
        b += 10.0
    s = math.exp(brentq(f, a, b, xtol=1e-13)) if f(a) > 0 else 0.0
    return pb.error_at_snr(0, s), pb.error_at_snr(1, s)


def _proportional(pb: Problem, target: float, semantic_values: Optional[Sequence[Callable[[float], float]]],
                  lo: float, hi: float) -> tuple[float, float]:
    r"""Theorem 1 with equal :math:`\hat L_i / L_i = c` for both streams, ``c`` set by the target."""
    vals, perception = semantic_values, pb.P
    if vals is None:
        if not isinstance(perception, DiscardPerception):
            raise ValueError("proportional needs semantic_values for this perception function")
        vals = [lambda e: perception.semantic_value(0, e), lambda e: perception.semantic_value(1, e)]
    L = [vals[0](0.0), vals[1](0.0)]

    def phi_for(i: int, c: float) -> float:  # error rate with L_hat_i = c L_i (L_hat non-increasing)
        g = lambda u: vals[i](math.exp(u)) - c * L[i]  # noqa: E731
        if g(hi) >= 0:
            return pb.phi_max
        return math.exp(brentq(g, lo, hi, xtol=1e-13)) if g(lo) > 0 else PHI_MIN

    h = lambda c: perception(phi_for(0, c), phi_for(1, c)) - target  # noqa: E731
    c_lo = min(vals[0](pb.phi_max) / L[0], vals[1](pb.phi_max) / L[1])
    c = 1.0 if h(1.0 - 1e-15) > 0 else (c_lo if h(c_lo + 1e-15) <= 0 else brentq(h, c_lo + 1e-15, 1.0 - 1e-15, xtol=1e-14))
    return phi_for(0, c), phi_for(1, c)


def _feasible_range(pb: Problem, target: float, lo: float, hi: float) -> tuple[float, float]:
    """The u = ln Φ1 interval on which the constraint curve exists."""
    if pb.phi2_on_curve(math.exp(hi), target) is not None:
        return lo, hi
    u = brentq(lambda v: (pb.phi2_on_curve(math.exp(v), target) is not None) - 0.5, lo, hi, xtol=1e-12)
    while pb.phi2_on_curve(math.exp(u), target) is None:
        u -= 1e-12
    return lo, u


def _global(pb: Problem, target: float, lo: float, hi: float, grid: int) -> tuple[float, float]:
    """The certified optimum: a grid over the whole constraint curve (corners included), refined locally."""
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


def _bisection(pb: Problem, target: float, lo: float, hi: float, eps: float = 1e-10) -> tuple[float, float]:
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
