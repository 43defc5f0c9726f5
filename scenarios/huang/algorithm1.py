r"""Algorithm 1 of Huang et al.: the channel-adaptive threshold α and coder (eqs. 31–39); NumPy only.

Step 1 (fixed coder Φ): minimize :math:`\mathcal L(\alpha) = -\mathcal G(\alpha) + p\max\{0,\mathcal K(\alpha)\}^2`
(eq. 33) over :math:`0 \le \alpha \le \alpha_{th}` (eq. 34), with :math:`\mathcal G = E_x V(\Phi, \alpha; x)`
(mean GVIF) and :math:`\mathcal K = E_x B(\Phi, \alpha; x) - C T_{max}` (bits over the budget,
:math:`C = B\log_2(1+|h|^2/\sigma^2)`), by zero-order SGD: the two-point estimates of eqs. (36)–(37)
on a mini-batch :math:`\Gamma_t` with one :math:`m \sim U[-1, 1]` per iteration and smoothing ν, the
gradient of eq. (35), the step of eq. (38) and the projection onto :math:`[0, \alpha_{th}]`,
until :math:`|\alpha_{t+1} - \alpha_t| < \xi`. With one random direction m per iteration a single
step is small whenever |m| is (a premature stop), so the rule is applied to ten consecutive
iterations (read here as the paper's convergence test; tested on a problem with a known optimum). Step 2 (eq. 39): among the coders with
:math:`\mathcal D(\Phi) \le D_0`, the one whose :math:`\alpha^*(\Phi)` gives the largest mean GVIF.
:func:`exact_alpha` is the certified optimum of problem (32): α only acts through the set it selects,
which changes only at the images' importance levels, so enumerating the levels in [0, α_th] (``candidates``)
solves the problem exactly (:func:`grid_alpha`: the same on an even grid, for continuous toy problems).

The stopping rule as printed, :math:`|\alpha_{t+1} - \alpha_t| < \xi`, is recorded per run
(``printed_stop``: the first iteration where it holds, ``None`` if never) beside the ten-iteration rule the
run uses (``converged``). Why the printed rule rarely fires on the study's problem: the objective is
piecewise constant in α (the set only changes at the levels), so the two-point estimates (36)–(37) are
either 0 (no level between α and α + νm: the step is 0 and the rule fires at once — a false stop) or of
size ΔG/ν ≫ ξ/η (a level crossed: a jump), and with the penalty's kink at the budget the iterate keeps
jumping across the boundary.

``V(q, alpha, i)`` and ``B(q, alpha, i)`` are callables (coder ``q``, image index ``i``): GVIF and
bits of image ``i``; they are evaluated, never differentiated.

.. code-block:: python

    >>> V = lambda q, a, i: 1 - a ** 2            # GVIF falls with the threshold
    >>> B = lambda q, a, i: 1000 * (1 - a)        # bits fall with it
    >>> r = zero_order_alpha(V, B, 0, images=4, budget_bits=400, p=3e-4, nu=0.02, eta=0.005, iters=500, seed=1)
    >>> g = grid_alpha(V, B, 0, images=4, budget_bits=400)   # the constrained optimum: 1000 (1 - a) <= 400
    >>> g.alpha, abs(r.alpha - g.alpha) < 0.01, abs(r.gvif - g.gvif) < 0.02
    (0.6, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

__all__ = ["AlphaResult", "zero_order_alpha", "grid_alpha", "exact_alpha", "surrogate_gradient_alpha", "select_coder"]

Fn = Callable[[int, float, int], float]


@dataclass
class AlphaResult:
    """α*(Φ) for one coder: the threshold, its mean GVIF and bits, feasibility, the trajectory."""

    coder: int
    alpha: float
    gvif: float
    bits: float
    feasible: bool
    iterations: int
    history: list[float] = field(default_factory=list)
    raw_alpha: float = float("nan")
    printed_stop: Optional[int] = None
    converged: bool = False


def _mean(f: Fn, q: int, a: float, idx: Sequence[int]) -> float:
    return float(np.mean([f(q, a, i) for i in idx]))


def zero_order_alpha(V: Fn, B: Fn, coder: int, images: int, budget_bits: float, p: float = 1e-3, nu: float = 0.02,
                     eta: float = 0.05, alpha0: float = 0.5, alpha_th: float = 0.8, batch: Optional[int] = None,
                     iters: int = 200, xi: float = 1e-4, seed: int = 0, repair: bool = True,
                     repair_tol: float = 1e-4) -> AlphaResult:
    """Step 1 of Algorithm 1 for coder ``coder`` (``budget_bits`` = C·T_max).

    ``repair``: the quadratic penalty of eq. (33) leaves the minimizer slightly over the budget (by
    O(1/p)); a sender cannot exceed :math:`T_{max}`, so an infeasible final α is raised to the smallest α in
    [α, α_th] whose mean bits fit, found by bisection to ``repair_tol`` (bits fall with α) — this
    implementation's addition, stated (fixed 0.005 steps, the first version, left a 3e-3 GVIF gap to the
    optimum on a smooth problem); the unrepaired value is kept as ``raw_alpha``."""
    if images < 1 or not 0 <= alpha0 <= alpha_th or nu <= 0 or eta <= 0 or p <= 0 or iters < 1:
        raise ValueError("need images >= 1, 0 <= alpha0 <= alpha_th and positive nu, eta, p, iters")
    rng = np.random.default_rng(seed)
    a, hist = float(alpha0), [float(alpha0)]
    b = images if batch is None else min(int(batch), images)
    t, printed, converged = 0, None, False
    for t in range(1, iters + 1):
        idx = rng.choice(images, size=b, replace=False)
        m = float(rng.uniform(-1.0, 1.0))
        a2 = a + nu * m
        g0, g1 = _mean(V, coder, a, idx), _mean(V, coder, a2, idx)
        k0, k1 = _mean(B, coder, a, idx) - budget_bits, _mean(B, coder, a2, idx) - budget_bits
        grad_g = (g1 - g0) / nu * m                                     # eq. (36)
        grad_k = (k1 - k0) / nu * m                                     # eq. (37)
        grad = -grad_g + 2 * p * max(0.0, k0) * grad_k                  # eq. (35)
        new = min(alpha_th, max(0.0, a - eta * grad))                   # eq. (38) + projection
        hist.append(new)
        if printed is None and abs(new - a) < xi:
            printed = t                                                 # the rule as printed would stop here
        a = new
        if t >= 10 and max(abs(x - y) for x, y in zip(hist[-11:-1], hist[-10:])) < xi:
            converged = True
            break
    all_i = range(images)
    raw = a
    bits = _mean(B, coder, a, all_i)
    if repair and bits > budget_bits * (1 + 1e-9):  # alpha* is O(1/p) over the budget: the nearest feasible point
        lo, hi = a, float(alpha_th)
        if _mean(B, coder, hi, all_i) <= budget_bits * (1 + 1e-9):
            while hi - lo > repair_tol:
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if _mean(B, coder, mid, all_i) <= budget_bits * (1 + 1e-9) else (mid, hi)
        a = hi
        bits = _mean(B, coder, a, all_i)
    return AlphaResult(coder, a, _mean(V, coder, a, all_i), bits, bits <= budget_bits * (1 + 1e-9), t, hist, raw,
                       printed, converged)


def grid_alpha(V: Fn, B: Fn, coder: int, images: int, budget_bits: float, alpha_th: float = 0.8,
               points: int = 81, values: Optional[Sequence[float]] = None) -> AlphaResult:
    """The best feasible α of problem (32) on an even grid over [0, α_th] (or at ``values``); ties go to the
    larger α; infeasible everywhere: the largest α."""
    best: Optional[AlphaResult] = None
    for a in (np.linspace(0.0, alpha_th, points) if values is None else values):
        g, bits = _mean(V, coder, float(a), range(images)), _mean(B, coder, float(a), range(images))
        r = AlphaResult(coder, float(a), g, bits, bits <= budget_bits * (1 + 1e-9), 0)
        if r.feasible and (best is None or r.gvif >= best.gvif):
            best = r
    if best is None:
        a = float(alpha_th)
        return AlphaResult(coder, a, _mean(V, coder, a, range(images)), _mean(B, coder, a, range(images)), False, 0)
    return best


def exact_alpha(V: Fn, B: Fn, coder: int, images: int, budget_bits: float, candidates: Sequence[float],
                alpha_th: float = 0.8) -> AlphaResult:
    """The certified optimum of problem (32) for one coder: every candidate α in [0, α_th] (the images'
    importance levels, 0 and α_th: α selects the same set as the smallest level ≥ α, so nothing between them
    can do better) evaluated exactly; the largest mean GVIF among the feasible ones, ties to the larger α
    (fewer bits). Infeasible everywhere: α_th, flagged."""
    cand = sorted({0.0, float(alpha_th)} | {float(a) for a in candidates if 0.0 <= a <= alpha_th})
    return grid_alpha(V, B, coder, images, budget_bits, alpha_th, values=cand)


def select_coder(results: Sequence[AlphaResult], distortions: Sequence[float], d0: float) -> Optional[AlphaResult]:
    """Eq. (39): the coder with D(Φ) ≤ D0 whose α* gives the largest mean GVIF (feasible ones first);
    ``d0 = inf`` drops the distortion constraint (31c)."""
    ok = [r for r in results if distortions[r.coder] <= d0]
    if not ok:
        return None
    return max(ok, key=lambda r: (r.feasible, r.gvif))


def surrogate_gradient_alpha(V: Fn, B: Fn, coder: int, images: int, budget_bits: float,
                             candidates: Sequence[float], alpha_th: float = 0.8, rho: float = 100.0,
                             rounds: int = 200, steps: int = 50, lr: float = 0.003) -> AlphaResult:
    """Step 1 of Algorithm 1 with the true derivative of a smooth surrogate instead of the two-point estimate
    (issue #27): mean GVIF and mean bits at the importance levels (``candidates`` in [0, α_th]) are interpolated
    by monotone cubic (PCHIP) curves G(α), K(α) = bits/budget − 1, whose derivatives are exact; projected
    gradient steps on the augmented Lagrangian −G + (max(0, λ + ρK)² − λ²)/(2ρ) with λ ← max(0, λ + ρK) between
    rounds (ρ = 100, 200 rounds of 50 steps of 0.003: with 30 rounds of 200 steps of 0.01 the multiplier had not
    settled and α ended 0.06 above the optimum on the test problem). The result is snapped to the set it selects
    (the next level up) and, if that is over the budget,
    raised level by level until it fits (as the repair of :func:`zero_order_alpha`)."""
    from scipy.interpolate import PchipInterpolator

    lv = sorted({0.0, float(alpha_th)} | {float(a) for a in candidates if 0.0 <= a <= alpha_th})
    if len(lv) < 2:
        raise ValueError("need at least two candidate thresholds")
    idx = range(images)
    g = np.array([_mean(V, coder, a, idx) for a in lv])
    k = np.array([_mean(B, coder, a, idx) for a in lv]) / budget_bits - 1.0
    G, K = PchipInterpolator(lv, g), PchipInterpolator(lv, k)
    dG, dK = G.derivative(), K.derivative()
    a, lam, hist = float(lv[len(lv) // 2]), 0.0, []
    for _ in range(rounds):
        for _ in range(steps):
            grad = -float(dG(a)) + max(0.0, lam + rho * float(K(a))) * float(dK(a))
            a = min(alpha_th, max(0.0, a - lr * grad))
        hist.append(a)
        lam = max(0.0, lam + rho * float(K(a)))
    j = int(np.searchsorted(lv, a - 1e-12))  # the level a selects (the smallest level >= a)
    j = min(j, len(lv) - 1)
    while j < len(lv) - 1 and _mean(B, coder, lv[j], idx) > budget_bits * (1 + 1e-9):
        j += 1
    a = lv[j]
    bits = _mean(B, coder, a, idx)
    return AlphaResult(coder, a, _mean(V, coder, a, idx), bits, bits <= budget_bits * (1 + 1e-9), rounds * steps,
                       hist, raw_alpha=hist[-1] if hist else a,
                       converged=len(hist) > 1 and abs(hist[-1] - hist[-2]) < 1e-4)
