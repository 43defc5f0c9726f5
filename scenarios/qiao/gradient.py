r"""Lemma 1's power split by gradient (issue #27, "design by gradient"): the continuous-rate problem through a
differentiable model, beside the root search it is checked against.

Minimize :math:`\max(\ln T_0, \ln T_1)` over the split :math:`p_0 = P_T\,\sigma(u)`, :math:`p_1 = P_T\,\sigma(-u)`
(eqs. (2)–(4) in logs, exactly as :func:`scenarios.qiao.lemma1.solve_continuous` evaluates them) as the epigraph
problem :math:`\min s` s.t. :math:`\ln T_i(u) \le s`, by an augmented Lagrangian (two multipliers) minimized
with L-BFGS in double precision from the equal split. The max is not differentiable where
:math:`T_0 = T_1` — exactly where Lemma 1 puts the optimum — which is why the epigraph form (smooth
constraints) is used instead of the max's subgradient.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch

__all__ = ["gradient_split"]


def _ln_delays(pr: Any, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ln_pt = math.log(pr.pt)
    ln_g0 = ln_pt - torch.nn.functional.softplus(-u) + pr.ln_k0
    ln_g1 = ln_pt - torch.nn.functional.softplus(u) + pr.ln_k1
    ln_t0 = pr.ln_floor + pr.c * torch.exp(-ln_g0)
    ln_t1 = pr.ln_t1_num - torch.log(torch.nn.functional.softplus(pr.ln_a + ln_g1)) + math.log(math.log(2.0))
    return ln_t0, ln_t1


def gradient_split(v0: float, v1: float, g0: float, g1: float, ber: float, params: Any = None, rounds: int = 50,
                   rho: float = 10.0) -> tuple[Any, dict[str, Any]]:
    """``(design, info)``: the continuous-rate design at the split the gradient method finds (a
    :class:`~scenarios.qiao.lemma1.Design`) and ``{"rounds", "lbfgs_iterations", "seconds", "u"}``."""
    from . import models as m
    from .lemma1 import _Problem

    t0 = time.monotonic()
    pr = _Problem(v0, v1, g0, g1, ber, params or m.TABLE_I)
    x = torch.zeros(2, dtype=torch.float64)
    with torch.no_grad():
        x[1] = torch.maximum(*_ln_delays(pr, x[0]))
    x.requires_grad_(True)
    lam = [0.0, 0.0]
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=100, tolerance_grad=1e-13, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")
    r = 0
    for r in range(rounds):
        def closure() -> torch.Tensor:
            opt.zero_grad()
            g = [d - x[1] for d in _ln_delays(pr, x[0])]
            loss = x[1] + sum((torch.clamp(lam[i] + rho * g[i], min=0) ** 2 - lam[i] ** 2) / (2 * rho)
                              for i in range(2))
            loss.backward()
            return loss
        opt.step(closure)
        with torch.no_grad():
            g = [float(d - x[1]) for d in _ln_delays(pr, x[0])]
        new = [max(0.0, lam[i] + rho * g[i]) for i in range(2)]
        done = max(abs(a - b) for a, b in zip(new, lam)) < 1e-12 and max(g) < 1e-12
        lam = new
        if done:
            break
    u = float(x.detach()[0])
    s0 = 1.0 / (1.0 + math.exp(-u))
    return pr.design("continuous", pr.pt * s0, pr.pt * (1.0 - s0)), {
        "rounds": r + 1, "lbfgs_iterations": int(opt.state[x].get("n_iter", 0)), "seconds": time.monotonic() - t0,
        "u": u}
