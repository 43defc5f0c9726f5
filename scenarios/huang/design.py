r"""The design problem of Huang et al. (31)–(39) at one budget: Algorithm 1 and the certified optimum.

:func:`design` runs Algorithm 1 (:func:`~scenarios.huang.algorithm1.zero_order_alpha` per coder, then
eq. (39)) and, beside it, the exact optimum of the same problem: α acts only through the set it selects,
which changes only at the images' importance levels (the rank-scaled substitute has ≤ 100 of them), so
enumerating every level in [0, α_th] for every coder (:func:`~scenarios.huang.algorithm1.exact_alpha`)
and applying eq. (39) to the per-coder optima solves (31) exactly.

**Stream loss** (the real link): a stream of ``bits`` is cut into :math:`N = \lceil bits/payload\rceil`
codewords and arrives intact with probability :math:`(1 - p)^N` (discard-with-error, independent
codeword errors at BLER ``p``). With ``loss = (p, payload)`` the objective is the *expected delivered*
GVIF :math:`E_x[V(\Phi,\alpha;x)\,(1-p)^{N(\Phi,\alpha;x)}]` instead of eq. (31a)'s V (p: the MCS's
certified BLER bound, the target — :mod:`scenarios.digital.mcs`); the paper's design has no loss term.

.. code-block:: python

    >>> from scenarios.huang.design import survival
    >>> round(survival(85169, 1000, 1e-3), 4)        # 86 codewords at BLER 1e-3
    0.9176
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .algorithm1 import AlphaResult, exact_alpha, select_coder, surrogate_gradient_alpha, zero_order_alpha

__all__ = ["Design", "design", "survival", "link_budget"]


@dataclass
class Design:
    """One budget's design: Algorithm 1 per coder (``results``), the exact per-coder optima (``exact``), the
    eq. (39) choices of both (``chosen``: Algorithm 1's, ``optimum``: the certified one) and whether some
    coder met D0 (else eq. (39) without (31c): feasible first, then the largest objective)."""

    results: list[AlphaResult]
    exact: dict[int, AlphaResult]
    chosen: AlphaResult
    optimum: AlphaResult
    d0_met: bool
    gradient: Optional[dict[int, AlphaResult]] = None

    def columns(self, prefix: str) -> dict[str, float]:
        """The certified optimum and Algorithm 1's convergence for the chosen coder (sweep columns
        ``<prefix>_exact_*``, ``_converged``, ``_printed_stop``: the first iteration where the printed rule
        |α_{t+1} − α_t| < ξ holds, NaN if never)."""
        o, c = self.optimum, self.chosen
        return {f"{prefix}_exact_coder": o.coder, f"{prefix}_exact_alpha": o.alpha, f"{prefix}_exact_gvif": o.gvif,
                f"{prefix}_converged": float(c.converged),
                f"{prefix}_printed_stop": math.nan if c.printed_stop is None else float(c.printed_stop)}

    @property
    def gap(self) -> float:
        """The certified optimum's objective minus Algorithm 1's (≥ 0 up to ties)."""
        return self.optimum.gvif - self.chosen.gvif


def survival(bits: float, payload: int, p: float) -> float:
    r""":math:`(1 - p)^{\lceil bits/payload\rceil}`: the probability that a stream of ``bits`` arrives with no
    codeword lost."""
    if payload < 1 or not 0 <= p <= 1:
        raise ValueError("need payload >= 1 and p in [0, 1]")
    return (1.0 - p) ** math.ceil(max(float(bits), 0.0) / payload)


def link_budget(mcs: Optional[Any], bandwidth_hz: float, t_max_s: float) -> float:
    """Bits the real link carries within ``t_max_s``: whole codewords only, ⌊B·T_max/uses⌋ · payload."""
    if mcs is None:
        return 0.0
    return float(math.floor(bandwidth_hz * t_max_s / mcs.uses + 1e-9) * mcs.payload)


def _choose(per_coder: Sequence[AlphaResult], dist: dict[int, float], d0_db: float) -> tuple[AlphaResult, bool]:
    best = select_coder(per_coder, {q: -dist[q] for q in dist}, -d0_db)
    return (best, True) if best is not None else (select_coder(per_coder, {q: 0.0 for q in dist}, math.inf), False)


def design(evaluate: Any, family: Sequence[int], f9: Any, budget: float, dist: dict[int, float], seed: int,
           images: Sequence[int], loss: Optional[tuple[float, int]] = None, algorithm1: bool = True,
           surrogate: bool = False) -> Design:
    """Algorithm 1 and the certified optimum over ``images`` at ``budget`` bits for the coders ``family``
    (``evaluate(i, q, α) -> (GVIF, bits, fraction)`` with ``levels(images)``; ``loss``: ``(p, payload)``, the
    objective becomes the expected delivered GVIF; ``algorithm1=False``: the exact optimum only, reported as
    both; ``surrogate``: also α* per coder by the true derivative of a smooth surrogate,
    :func:`~scenarios.huang.algorithm1.surrogate_gradient_alpha`)."""
    idx = list(images)

    def V(q: int, a: float, j: int) -> float:
        g, bits, _ = evaluate(idx[j], q, a)
        return g if loss is None else g * survival(bits, loss[1], loss[0])

    def B(q: int, a: float, j: int) -> float:
        return evaluate(idx[j], q, a)[1] / budget  # bits in units of the budget (eq. 33's K)

    cand = [float(x) for x in evaluate.levels(idx)]
    exact = {q: exact_alpha(V, B, q, len(idx), 1.0, cand, f9.alpha_th) for q in sorted(family)}
    res = [zero_order_alpha(V, B, q, len(idx), 1.0, p=f9.penalty, nu=f9.nu, eta=f9.eta, alpha_th=f9.alpha_th,
                            iters=f9.iters, seed=seed) for q in sorted(family)] if algorithm1 else list(exact.values())
    sub = {q: dist[q] for q in family}
    chosen, ok = _choose(res, sub, f9.d0_mask_psnr_db)
    optimum, _ = _choose(list(exact.values()), sub, f9.d0_mask_psnr_db)
    grad = {q: surrogate_gradient_alpha(V, B, q, len(idx), 1.0, cand, f9.alpha_th) for q in sorted(family)} \
        if surrogate else None
    return Design(res, exact, chosen, optimum, ok, grad)
