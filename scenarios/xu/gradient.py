r"""Power allocation by gradient (issue #27, "design by gradient"): the Xu problem through a differentiable model.

Variables :math:`w_i = \ln \Phi_i` (the error rates); cost :math:`\sum_i L_i q_i` with
:math:`q_i = \mathrm{snr}_i(\Phi_i)\sigma^2/|h_i|^2` (normalized by the equal-SNR solution's cost); constraint
:math:`g = P(\Phi_1, \Phi_2)/\bar P - 1 \le 0` with the exact per-stream error rates as torch functions —
uncoded :math:`\psi = Q(\sqrt{2\,\mathrm{snr}})` (eq. 21), coded eq. (23)'s
:math:`\Psi = Q(\ln 2\sqrt{N/V}(\log_2(1+\mathrm{snr}) - K/N))` — and the perception function differentiated as
it is: the discard receiver's bilinear form exactly, a measured table by its bilinear interpolation in
:math:`\log_{10}` of the error rates (piecewise linear: its gradient is the cell's slope, zero outside the
grid). The augmented Lagrangian :math:`f + \frac{1}{2\rho}(\max(0, \lambda + \rho g)^2 - \lambda^2)` is
minimized by L-BFGS in double precision, :math:`\lambda \leftarrow \max(0, \lambda + \rho g)` between
rounds (ρ = 100: with ρ = 1 or 10 the iterate ran to Φ1 = 1e-12 at P̄ = 0.4 and stopped 1.8 % above the
optimum; an escalating ρ did the same), started from the equal-SNR allocation. The last step projects onto the
constraint exactly: keep
:math:`\Phi_1` and take the largest :math:`\Phi_2` with :math:`P \le \bar P` (the helper the other methods use),
so the result is always feasible.

A corner (one stream with no power, BER 0.5 / BLER 1) is reached through the projection when the iterate ends
at the upper end of :math:`\Phi_1` or when the constraint is slack in :math:`\Phi_2`; every gap to the
certified optimum is reported, not hidden.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np
import torch

__all__ = ["torch_perception", "gradient_allocation"]

_LN2 = math.log(2.0)


def _q(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(x / math.sqrt(2.0))


def _error_rate(scheme: str, snr: torch.Tensor, k: float, n: float) -> torch.Tensor:
    if scheme == "uncoded":
        return _q(torch.sqrt(2 * snr))
    v = 1 - (1 + snr) ** -2.0
    return _q(_LN2 * torch.sqrt(n / v) * (torch.log2(1 + snr) - k / n))


def torch_perception(P: Any) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A differentiable twin of a perception function: :class:`~scenarios.xu.functions.DiscardPerception`
    (its arithmetic as is) or :class:`~scenarios.xu.functions.TablePerception` (bilinear in log10, clamped to
    the grid, as SciPy's interpolator it wraps)."""
    from .functions import DiscardPerception, TablePerception

    if isinstance(P, DiscardPerception):
        return lambda e1, e2: P(e1, e2)
    if isinstance(P, TablePerception):
        x1, x2 = (torch.as_tensor(np.asarray(g), dtype=torch.float64) for g in P._f.grid)
        tab = torch.as_tensor(np.asarray(P._f.values), dtype=torch.float64)

        def f(e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
            u1 = torch.log10(e1).clamp(float(x1[0]), float(x1[-1]))
            u2 = torch.log10(e2).clamp(float(x2[0]), float(x2[-1]))
            i = int(torch.clamp(torch.searchsorted(x1, u1.detach().reshape(1)) - 1, 0, len(x1) - 2))
            j = int(torch.clamp(torch.searchsorted(x2, u2.detach().reshape(1)) - 1, 0, len(x2) - 2))
            a = (u1 - x1[i]) / (x1[i + 1] - x1[i])
            b = (u2 - x2[j]) / (x2[j + 1] - x2[j])
            return ((1 - a) * (1 - b) * tab[i, j] + a * (1 - b) * tab[i + 1, j] + (1 - a) * b * tab[i, j + 1]
                    + a * b * tab[i + 1, j + 1])
        return f
    raise ValueError("the gradient method needs a differentiable perception function: the discard receiver's "
                     "constants or a perception table")


class _SnrOf(torch.autograd.Function):
    """snr_i(Φ) — the exact inverse of the stream's error-rate model (eq. 21 / eq. 23's closed form) — with
    its derivative by the inverse-function rule, 1 / (dΦ/dsnr) at that snr."""

    @staticmethod
    def forward(ctx: Any, phi: torch.Tensor, pb: Any, i: int) -> torch.Tensor:  # type: ignore[override]
        snr = pb.snr(i, float(phi))
        x = torch.tensor(snr, dtype=torch.float64, requires_grad=True)
        with torch.enable_grad():
            (d,) = torch.autograd.grad(_error_rate(pb.scheme, x, pb.streams[i].k, pb.length(i)), x)
        ctx.save_for_backward(d.detach())
        return torch.tensor(snr, dtype=torch.float64)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:  # type: ignore[override]
        (d,) = ctx.saved_tensors
        return grad / d, None, None


def gradient_allocation(pb: Any, target: float, rounds: int = 40, rho: float = 100.0,
                        start: tuple[float, float] = (0.5, 0.5)) -> tuple[tuple[float, float], dict[str, Any]]:
    """``((Φ1, Φ2), info)`` for a :class:`~scenarios.xu.allocation.Problem` (``start``: the error rates to start
    from, e.g. the equal-SNR solution); ``info``: L-BFGS iterations, rounds, seconds, the multiplier.

    The variables are :math:`w_i = \ln \Phi_i` (the error rates, as the other methods parameterize the
    constraint curve): in ln SNR the constraint's gradient vanishes in the Q-function's tail and the
    multiplier diverges (tried first: 1.7–1.9 % above the optimum); in ln Φ the perception is bilinear and the
    cost :math:`\sum_i L_i q_i(\Phi_i)` is smooth, its derivative through :class:`_SnrOf`."""
    from .models import PHI_MIN

    t0 = time.monotonic()
    P = torch_perception(pb.P)
    lens = [pb.length(i) for i in range(2)]
    scale = [pb.streams[i].noise / pb.streams[i].gain for i in range(2)]
    lo, hi = math.log(PHI_MIN), math.log(pb.phi_max) + math.log1p(-1e-9)
    w = torch.tensor([min(max(math.log(max(x, PHI_MIN)), lo), hi) for x in start], dtype=torch.float64,
                     requires_grad=True)
    f0 = max(pb.cost(*(math.exp(float(x)) for x in w.detach())), 1e-300)

    def parts(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = torch.exp(x.clamp(lo, hi))
        f = sum(lens[i] * scale[i] * _SnrOf.apply(phi[i], pb, i) for i in range(2)) / f0
        return f, P(phi[0], phi[1]) / target - 1

    lam, good, r = 0.0, w.detach().clone(), 0
    opt = torch.optim.LBFGS([w], lr=1.0, max_iter=100, tolerance_grad=1e-12, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")
    for r in range(rounds):
        def closure() -> torch.Tensor:
            opt.zero_grad()
            f, g = parts(w)
            loss = f + (torch.clamp(lam + rho * g, min=0) ** 2 - lam ** 2) / (2 * rho)
            loss.backward()
            return loss
        opt.step(closure)
        with torch.no_grad():
            if not torch.isfinite(w).all():  # a failed line search: keep the last finite iterate, stop
                w.copy_(good)
                break
            good = w.detach().clone()
            _, g = parts(w)
        new = max(0.0, lam + rho * float(g))
        done = abs(new - lam) < 1e-9 * max(1.0, lam) and abs(float(g)) < 1e-9
        lam = new
        if done:
            break
    w0 = float(w.detach()[0])
    phi1 = math.exp(min(max(w0, lo), hi))
    if w0 >= hi:
        phi1 = pb.phi_max
    phi2 = pb.phi2_on_curve(phi1, target)
    if phi2 is None:  # Φ1 too large for any Φ2: the largest feasible Φ1 with Φ2 error-free
        phi2 = PHI_MIN
        phi1 = _largest_phi1(pb, target, phi2)
    return (phi1, phi2), {"rounds": r + 1, "lbfgs_iterations": int(opt.state[w].get("n_iter", 0)),
                          "multiplier": lam, "seconds": time.monotonic() - t0}


def _largest_phi1(pb: Any, target: float, phi2: float) -> float:
    from scipy.optimize import brentq

    from .models import PHI_MIN

    g = lambda u: pb.P(math.exp(u), phi2) - target  # noqa: E731
    if g(math.log(pb.phi_max)) <= 0:
        return pb.phi_max
    return math.exp(brentq(g, math.log(PHI_MIN), math.log(pb.phi_max), xtol=1e-13))
