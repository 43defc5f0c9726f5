r"""The paper's equations (Xu et al., journal version, Secs. IV-VI), NumPy/SciPy float64 only.

Stream ``i`` carries ``K_i`` bits; its SNR is :math:`\mathrm{snr}_i = q_i |h_i|^2/\sigma^2` (eq. 20)
with power ``q_i`` per symbol.

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

**Channel setting (Sec. VI).** Large-scale gain ``pl0 - 10 exponent log10(d / d0)`` (-30 dB at
1 m, exponent 3.4, 100 m), noise -110 dBm.

The perception-error functions live in :mod:`scenarios.xu.functions`, the solvers in
:mod:`scenarios.xu.allocation`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from linklevel.theory.analytic import qfunc, qfuncinv
from linklevel.theory.fbl import bler_xu_eq23

__all__ = ["PHI_MIN", "generalized_lambert_w", "snr_for_ber_bpsk", "snr_for_bler_eq23", "snr_for_bler_eq23_bruteforce",
           "ber_bpsk", "bler_eq23", "path_loss_db", "dbm_to_w"]


PHI_MIN = 1e-12  #: smallest error rate searched (an error-free stream)


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


# --------------------------------------------------------------------------- per-stream error rates (eqs. 21, 23)
def ber_bpsk(snr: float) -> float:
    r""":math:`\psi = Q(\sqrt{2\,\mathrm{snr}})` (eq. 21; 0.5 without power)."""
    return 0.5 if snr <= 0 else float(qfunc(math.sqrt(2 * snr)))


def bler_eq23(snr: float, k: int, n: float) -> float:
    """Eq. (23)'s BLER of ``k`` bits in ``n`` complex channel uses at ``snr`` (1 without power)."""
    return 1.0 if snr <= 0 else float(bler_xu_eq23(n, k, snr))


# --------------------------------------------------------------------------- per-stream inverses (eqs. 27, 28)
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


# --------------------------------------------------------------------------- the paper's channel setting
def path_loss_db(distance_m: float = 100.0, pl0_db: float = -30.0, exponent: float = 3.4, d0_m: float = 1.0) -> float:
    """Large-scale gain in dB: ``pl0 - 10 exponent log10(d / d0)`` (the paper: -30 dB at 1 m, exponent 3.4)."""
    if distance_m <= 0 or d0_m <= 0:
        raise ValueError("distances must be positive")
    return pl0_db - 10.0 * exponent * math.log10(distance_m / d0_m)


def dbm_to_w(dbm: float) -> float:
    """Power in W of ``dbm`` dBm (the noise power :math:`\\sigma^2`)."""
    return 10 ** ((dbm - 30) / 10)
