r"""The paper's fading setting (Xu et al., journal, Sec. VI, Fig. 9): per-realization allocation under Rayleigh
block fading, and the perception a total-power budget buys. NumPy/SciPy only."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np
from scipy.optimize import minimize_scalar

from .allocation import METHODS, PHI_MIN, Problem, StreamSpec, allocate
from .models import dbm_to_w, path_loss_db

__all__ = ["realization_study", "perception_under_budget"]


def realization_study(scheme: str, methods: Sequence[str], k: Sequence[int], perception: Callable[[float, float], float],
                      target: float, realizations: int = 200, rate: float = 0.8, distance_m: float = 100.0,
                      noise_dbm: float = -110.0, seed: int = 0, pl0_db: float = -30.0, exponent: float = 3.4,
                      **kw: Any) -> dict[str, np.ndarray]:
    """Per-realization allocation under Rayleigh block fading per stream (the paper's Sec. VI setting).

    Each realization draws :math:`|\\tilde h_i|^2 \\sim \\text{Exp}(1)` per stream on top of the path
    loss; every method allocates for the same draws. Returns ``{method: total power [W] per
    realization}`` (``inf`` where the method finds the target infeasible) and ``"gains"`` [R, 2].
    """
    if realizations < 1:
        raise ValueError("realizations must be positive")
    rng = np.random.default_rng(seed)
    g = 10 ** (path_loss_db(distance_m, pl0_db, exponent) / 10) * rng.exponential(1.0, size=(realizations, 2))
    noise = dbm_to_w(noise_dbm)
    out: dict[str, np.ndarray] = {"gains": g}
    for m in methods:
        vals = np.empty(realizations)
        for r in range(realizations):
            s = [StreamSpec(int(k[0]), float(g[r, 0]), noise), StreamSpec(int(k[1]), float(g[r, 1]), noise)]
            a = allocate(scheme, m, s, perception, target, rate=rate, **kw)
            vals[r] = a.total_power if a.feasible else np.inf
        out[m] = vals
    return out


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
    pb = Problem(scheme, streams, perception, rate)
    top = float(perception(pb.phi_max, pb.phi_max))
    if method in ("proportional", "bisection"):
        return _by_targets(pb, method, bs, top, semantic_values, targets)
    unit = [pb.length(i) * pb.streams[i].noise / pb.streams[i].gain for i in range(2)]  # power per unit SNR
    out = np.full(bs.shape, top)
    for n, b in enumerate(bs):
        if b == 0:
            continue
        if method == "unaware":
            s = b / sum(unit)
            out[n] = perception(pb.error_at_snr(0, s), pb.error_at_snr(1, s))
        else:
            out[n] = _best_split(pb, b, unit, grid)
    return out


def _by_targets(pb: Problem, method: str, bs: np.ndarray, top: float,
                semantic_values: Optional[Sequence[Callable[[float], float]]], targets: int) -> np.ndarray:
    """The smallest target on a grid whose allocation by ``method`` fits each budget."""
    lo = float(pb.P(PHI_MIN, PHI_MIN))
    ts = np.linspace(lo, top, targets)[1:]
    cost = np.full(ts.size, np.inf)
    reach = np.full(ts.size, top)
    for j, t in enumerate(ts):
        a = allocate(pb.scheme, method, pb.streams, pb.P, float(min(t, 1.0)), pb.rate, semantic_values)
        if a.feasible:
            cost[j], reach[j] = a.total_power, a.perception
    out = np.full(bs.shape, top)
    for n, b in enumerate(bs):
        ok = np.nonzero(cost <= b)[0]
        if ok.size:
            out[n] = reach[ok[0]]
    return out


def _best_split(pb: Problem, budget: float, unit: list[float], grid: int) -> float:
    """The lowest perception over the budget line (share ``t`` of the budget to stream 1), refined locally."""
    f = lambda t: pb.P(pb.error_at_snr(0, t * budget / unit[0]), pb.error_at_snr(1, (1 - t) * budget / unit[1]))  # noqa: E731
    tgrid = np.linspace(0.0, 1.0, grid)
    vals = np.array([f(t) for t in tgrid])
    j = int(np.argmin(vals))
    r = minimize_scalar(f, bounds=(tgrid[max(j - 1, 0)], tgrid[min(j + 1, grid - 1)]), method="bounded",
                        options={"xatol": 1e-12})
    return min(vals[j], float(r.fun))
