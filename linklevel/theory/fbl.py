r"""Finite-blocklength results (NumPy/SciPy float64, vectorized, no torch).

Channels and their SNR (per channel use; ``n`` counts channel uses of that channel):

* ``awgn``: real AWGN, Gaussian input, ``snr = P/sigma^2``.
* ``awgn-complex``: complex AWGN, Gaussian input, ``snr = Es/N0``.
* ``biawgn``: real AWGN with BPSK input ``x = ±sqrt(P)``, ``snr = P/sigma^2 = 2 Es/N0``.
  A Gray QPSK codeword of n coded bits is n uses of this channel at the same Eb/N0.
* ``rayleigh-csir``: complex Rayleigh block fading with coherence ``T`` uses, CSI at the
  receiver, Gaussian input, ``snr`` = average Es/N0.

Eb/N0 (information bits) relates to the SNR by ``Eb/N0 = snr * n / (k * d)`` with
``d = 2`` real dimensions per Es for ``awgn``/``biawgn`` and ``d = 1`` for the complex
channels (:func:`ebno_to_snr`).

Normal approximation (Polyanskiy, Poor, Verdú 2010, eq. (296)), in bits:

.. math::
    \epsilon \approx Q\!\left(\frac{nC - k + \tfrac12\log_2 n}{\sqrt{nV}}\right)

with the ½·log2(n) term by default. Capacities/dispersions: real AWGN
:math:`C=\tfrac12\log_2(1+P)`, :math:`V=\frac{P(P+2)}{2(P+1)^2}\log_2^2 e`; complex AWGN
twice both; BI-AWGN by Gauss–Hermite quadrature of the information density; Rayleigh
block fading (Polyanskiy & Verdú, "Scalar coherent fading channel: dispersion
analysis", ISIT 2011): :math:`C=E[\log_2(1+\rho G)]`,
:math:`V = T\,\mathrm{Var}[\log_2(1+\rho G)] + (1-E^2[(1+\rho G)^{-1}])\log_2^2 e`
(it reduces to the complex-AWGN dispersion for G = 1; tested).

BI-AWGN bounds, evaluated with the saddlepoint (Lugannani–Rice) approximation of the
tails of sums of i.i.d. information densities, as in the SPECTRE toolbox and the
Durisi–Lancho notes:

* meta-converse (converse): with the capacity-achieving output distribution
  :math:`Q_Y^n`, :math:`\log M \le -\log\beta_{1-\epsilon}(P_{XY}, P_X Q_Y)`; the
  Neyman–Pearson test thresholds :math:`\jmath = \sum_i \imath(x_i;y_i)`, so
  :math:`\epsilon \ge P[\jmath < \gamma]` where :math:`Q[\jmath \ge \gamma] = 1/M`.
* RCUs (achievability, Martinez & Guillén i Fàbregas 2011):
  :math:`\epsilon \le \min_{s>0} E[\min(1, (M-1)e^{-\jmath_s})]`, with the generalized
  information density :math:`\imath_s` of uniform BPSK input.

The journal paper's eq. (23) (Xu et al.) is exposed as :func:`bler_xu_eq23`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erfcx, log_ndtr, roots_hermite

from linklevel.theory.analytic import db2lin, lin2db, qfunc
from linklevel.theory.monotone import invert_monotone
from linklevel.theory.snr import ebno_to_esno, esno_to_ebno

__all__ = [
    "CHANNELS",
    "capacity_dispersion",
    "normal_approximation",
    "metaconverse_biawgn",
    "rcus_biawgn",
    "bler",
    "snr_for_bler",
    "max_k",
    "bler_xu_eq23",
    "ebno_to_snr",
    "snr_to_ebno",
    "channel_dims",
    "shannon_snr",
    "BOUND_NAMES",
    "applicable_bounds",
    "evaluate_bounds",
    "na_validity",
]

CHANNELS = ("awgn", "awgn-complex", "biawgn", "rayleigh-csir")
_LOG2E = 1.0 / math.log(2.0)
_LN2 = math.log(2.0)


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}")


def _check_nk(n: ArrayLike, k: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    n_ = np.asarray(n, dtype=np.float64)
    k_ = np.asarray(k, dtype=np.float64)
    if np.any(n_ < 1) or np.any(k_ <= 0):
        raise ValueError("need n >= 1 channel uses and k > 0 information bits")
    return n_, k_


def channel_dims(channel: str) -> int:
    """Noise dimensions per use whose Es/N0 make up the SNR: 2 for real channels (SNR = 2 Es/N0), else 1."""
    _check_channel(channel)
    return 2 if channel in ("awgn", "biawgn") else 1


def _bits_per_dim(n: ArrayLike, k: ArrayLike, channel: str) -> np.ndarray:
    return np.asarray(k, dtype=np.float64) * channel_dims(channel) / np.asarray(n, dtype=np.float64)


def ebno_to_snr(ebno_db: ArrayLike, n: ArrayLike, k: ArrayLike, channel: str) -> np.ndarray:
    """SNR per channel use (linear) for an Eb/N0 in dB at blocklength n with k bits."""
    return db2lin(ebno_to_esno(ebno_db, _bits_per_dim(n, k, channel)))


def snr_to_ebno(snr: ArrayLike, n: ArrayLike, k: ArrayLike, channel: str) -> np.ndarray:
    """Eb/N0 in dB for a linear SNR per channel use (inverse of :func:`ebno_to_snr`)."""
    return esno_to_ebno(lin2db(np.asarray(snr, dtype=np.float64)), _bits_per_dim(n, k, channel))


# ----------------------------------------------------------------- BI-AWGN
@lru_cache(maxsize=4)
def _hermite(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = roots_hermite(nodes)
    return math.sqrt(2.0) * t, w / math.sqrt(math.pi)  # E[f(Z)] = sum w f(z), Z ~ N(0,1)


def _biawgn_density(snr: np.ndarray, s: float | np.ndarray = 1.0, nodes: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Generalized information density (nats) of BI-AWGN at the Hermite nodes, x = +1 sent.

    ``i_s(y) = ln 2 - ln(1 + exp(-2 s y / sigma^2))``, ``y = 1 + sigma z``; ``s = 1`` is
    the information density. Returns ``(values [..., nodes], weights [nodes])``.
    """
    z, w = _hermite(nodes)
    snr = np.asarray(snr, dtype=np.float64)[..., None]
    s = np.asarray(s, dtype=np.float64)[..., None] if np.ndim(s) else s
    sigma = 1.0 / np.sqrt(snr)
    y = 1.0 + sigma * z
    return _LN2 - np.logaddexp(0.0, -2.0 * s * y * snr), w


def _cgf(values: np.ndarray, w: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-letter CGF of a variable with quadrature values, and its first two derivatives at t."""
    t = np.asarray(t, dtype=np.float64)[..., None]
    a = t * values
    amax = np.max(a, axis=-1, keepdims=True)
    e = w * np.exp(a - amax)
    m0 = e.sum(-1)
    m1 = (e * values).sum(-1) / m0
    m2 = (e * values**2).sum(-1) / m0
    return np.log(m0) + amax[..., 0], m1, m2 - m1**2


def _log_tail(values: np.ndarray, w: np.ndarray, n: np.ndarray, gamma: np.ndarray, tilt: float,
              upper: bool) -> np.ndarray:
    r"""log of :math:`E[e^{\text{tilt}\cdot S} 1\{S \gtrless \gamma\}]` for S = sum of n i.i.d. letters.

    Lugannani–Rice saddlepoint approximation with the CGF of the tilted letter
    :math:`\kappa(\tau) = n\log E[e^{(\tau+\text{tilt})\,\imath}]`; the saddlepoint solves
    :math:`\kappa'(\hat\tau) = \gamma`. Evaluated in the log domain (works for 2^-k).
    """
    mean_letter = float(_cgf(values, w, np.array(tilt))[1])  # per-letter mean of the tilted law

    def kp(tau: float, target: float, nn: float) -> float:
        return nn * _cgf(values, w, np.array(tau + tilt))[1] - target

    out = np.empty(np.broadcast(n, gamma).shape)
    for idx, (nn, g) in enumerate(np.nditer([np.broadcast_to(n, out.shape), np.broadcast_to(gamma, out.shape)])):
        nn, g = float(nn), float(g)
        k0 = nn * float(_cgf(values, w, np.array(tilt))[0])
        lo, hi = -1.0, 1.0
        while kp(lo, g, nn) > 0:
            lo *= 2
            if lo < -1e4:
                break
        while kp(hi, g, nn) < 0:
            hi *= 2
            if hi > 1e4:
                break
        tau = brentq(kp, lo, hi, args=(g, nn), xtol=1e-14) if kp(lo, g, nn) < 0 < kp(hi, g, nn) else 0.0
        kk, _, k2 = _cgf(values, w, np.array(tau + tilt))
        kappa = nn * float(kk) - k0  # CGF of the tilted (normalized) sum at tau
        var = nn * float(k2)
        x = tau * g - kappa
        if abs(tau) < 1e-9 or x <= 0:
            # at the mean: normal approximation of the tilted sum
            zz = (g - nn * mean_letter) / math.sqrt(max(var, 1e-300))
            log_p = float(log_ndtr(-zz)) if upper else float(log_ndtr(zz))
        else:
            wv = math.copysign(math.sqrt(2 * x), tau)
            u = tau * math.sqrt(var)
            ww = wv if upper else -wv
            uu = u if upper else -u
            # LR: P = Phi(-w) + phi(w)(1/u - 1/w) = phi(w) [mills(w) + 1/u - 1/w]
            if ww > 0:
                mills = math.sqrt(math.pi / 2) * float(erfcx(ww / math.sqrt(2)))
                bracket = mills + 1.0 / uu - 1.0 / ww
                log_p = -0.5 * ww * ww - 0.5 * math.log(2 * math.pi) + math.log(max(bracket, 1e-300))
            else:
                p = float(np.exp(log_ndtr(-ww))) + math.exp(-0.5 * ww * ww) / math.sqrt(2 * math.pi) * (1 / uu - 1 / ww)
                log_p = math.log(min(max(p, 1e-300), 1.0))
        out.flat[idx] = k0 + log_p
    return out


def metaconverse_biawgn(n: ArrayLike, k: ArrayLike, snr: ArrayLike) -> np.ndarray:
    """Meta-converse lower bound on the BLER of BI-AWGN (saddlepoint evaluation).

    :param n: Channel uses (coded bits).
    :param k: Information bits.
    :param snr: Linear SNR ``P/sigma^2`` per use.
    """
    n_, k_ = _check_nk(n, k)
    snr_ = np.asarray(snr, dtype=np.float64)
    n_, k_, snr_ = np.broadcast_arrays(n_, k_, snr_)
    out = np.empty(n_.shape)
    for idx in np.ndindex(n_.shape):
        vals, w = _biawgn_density(np.array(snr_[idx]))
        vals = vals.reshape(-1)
        nn, kk = float(n_[idx]), float(k_[idx])
        log_m = kk * _LN2
        # solve log Q[j >= gamma] = -log M, where dQ/dP = exp(-i) per letter (tilt -1)
        f = lambda g: float(_log_tail(vals, w, np.array(nn), np.array(g), -1.0, True)) + log_m  # noqa: E731
        if kk >= nn:
            # rate >= 1 bit/use: j <= n ln 2 <= ln M, so the Neyman-Pearson threshold sits at the edge of
            # the support where the saddlepoint fails; use the relaxed meta-converse instead (valid for any M)
            out[idx] = _metaconverse_relaxed(vals, w, nn, kk)
            continue
        # Q[j >= g] <= exp(-g), so f(k ln 2) <= 0: an upper bracket; step down for the lower
        hi = log_m
        lo = hi - 10.0
        while f(lo) < 0 and lo > -50 * nn:
            lo -= 10.0 + 0.1 * nn
        if f(lo) < 0:
            out[idx] = 0.0
            continue
        gamma = brentq(f, lo, hi, xtol=1e-9 * max(1.0, nn))
        out[idx] = float(np.exp(_log_tail(vals, w, np.array(nn), np.array(gamma), 0.0, False)))
    return np.clip(out, 0.0, 1.0)


def _metaconverse_relaxed(vals: np.ndarray, w: np.ndarray, nn: float, kk: float) -> float:
    r"""Relaxed meta-converse :math:`\epsilon \ge \sup_\gamma P[j \le \gamma] - e^{\gamma}/M` (PPV eq. (102) with
    :math:`\beta_\alpha(P,Q) \ge e^{-\gamma}(\alpha - P[j > \gamma])`), and the counting bound
    :math:`1 - 2^{n-k}` (at most :math:`2^n` distinct binary codewords). Valid for every M."""
    log_m = kk * _LN2
    mean, var = float(_cgf(vals, w, np.array(0.0))[1]), float(_cgf(vals, w, np.array(0.0))[2])
    sd = math.sqrt(max(nn * var, 1e-300))

    def neg(g: float) -> float:
        p = float(np.exp(_log_tail(vals, w, np.array(nn), np.array(g), 0.0, False)))
        return -(p - math.exp(min(g - log_m, 0.0)))

    hi = nn * _LN2
    lo = min(nn * mean - 12 * sd, hi - 1.0)
    res = minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6 * max(1.0, nn)})
    return float(min(1.0, max(0.0, -res.fun, 1.0 - 2.0 ** (nn - kk))))


def rcus_biawgn(n: ArrayLike, k: ArrayLike, snr: ArrayLike) -> np.ndarray:
    """RCUs achievability bound (upper bound on the BLER) for BI-AWGN, optimized over s."""
    n_, k_ = _check_nk(n, k)
    snr_ = np.asarray(snr, dtype=np.float64)
    n_, k_, snr_ = np.broadcast_arrays(n_, k_, snr_)
    out = np.empty(n_.shape)
    for idx in np.ndindex(n_.shape):
        nn, kk, sn = float(n_[idx]), float(k_[idx]), float(snr_[idx])
        log_m1 = math.log(max(2.0**kk - 1.0, 1e-300)) if kk < 1000 else kk * _LN2

        def bound(s: float) -> float:
            vals, w = _biawgn_density(np.array(sn), s)
            vals = vals.reshape(-1)
            p1 = float(np.exp(_log_tail(vals, w, np.array(nn), np.array(log_m1), 0.0, False)))
            p2 = float(np.exp(log_m1 + _log_tail(vals, w, np.array(nn), np.array(log_m1), -1.0, True)))
            return min(1.0, p1 + p2)

        res = minimize_scalar(bound, bounds=(0.05, 2.0), method="bounded", options={"xatol": 1e-4})
        out[idx] = min(res.fun, bound(1.0))
    return np.clip(out, 0.0, 1.0)


# ------------------------------------------------------- capacity, dispersion
def capacity_dispersion(snr: ArrayLike, channel: str, coherence: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Capacity C (bits/use) and dispersion V (bits²/use) of a channel at linear SNR.

    .. code-block:: python

        >>> c, v = capacity_dispersion(1.0, "awgn-complex")
        >>> float(c), round(float(v), 4)     # log2(2), (3/4) log2(e)^2
        (1.0, 1.561)
    """
    _check_channel(channel)
    snr = np.asarray(snr, dtype=np.float64)
    if np.any(snr < 0):
        raise ValueError("snr must be non-negative")
    if channel == "awgn":
        return 0.5 * np.log2(1 + snr), snr * (snr + 2) / (2 * (snr + 1) ** 2) * _LOG2E**2
    if channel == "awgn-complex":
        return np.log2(1 + snr), snr * (snr + 2) / (snr + 1) ** 2 * _LOG2E**2
    if channel == "biawgn":
        vals, w = _biawgn_density(snr)
        mean = (w * vals).sum(-1)
        var = (w * vals**2).sum(-1) - mean**2
        return mean * _LOG2E, np.maximum(var, 0.0) * _LOG2E**2
    if isinstance(coherence, bool) or not isinstance(coherence, (int, np.integer)) or coherence < 1:
        raise ValueError(f"coherence must be a positive integer, got {coherence!r}")
    m1, m2, inv = _rayleigh_moments(snr)
    c = m1 * _LOG2E
    var_c = np.maximum(m2 - m1**2, 0.0) * _LOG2E**2
    return c, coherence * var_c + (1 - inv**2) * _LOG2E**2


def _rayleigh_moments(snr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Closed forms for :math:`G \sim \mathrm{Exp}(1)`, :math:`x = 1/\rho`:

    .. math::
        E[\ln(1+\rho G)] = e^{x}E_1(x),\qquad E[(1+\rho G)^{-1}] = x\,e^{x}E_1(x),\qquad
        E[\ln^2(1+\rho G)] = 2e^{x} f(x),

    :math:`f(x) = \int_x^\infty E_1(t)/t\,dt = \tfrac12(\ln x+\gamma)^2 + \pi^2/12 - x\,{}_3F_3(1,1,1;2,2,2;-x)`
    (from :math:`E[(1+\rho G)^s] = \rho^s e^{x}\Gamma(s+1, x)` differentiated twice at s = 0; the series
    term follows from :math:`E_1(t) = -\gamma - \ln t - \sum_k (-t)^k/(k\,k!)`). The alternating series
    cancels for large x (low SNR, x > 20); there the smooth integral is evaluated by adaptive quadrature.
    """
    import mpmath
    from scipy.integrate import quad

    flat = np.asarray(snr, dtype=np.float64).reshape(-1)
    m1, m2, inv = (np.zeros_like(flat) for _ in range(3))
    with mpmath.workdps(30):
        for i, rho in enumerate(flat):
            if rho <= 0:
                m1[i], m2[i], inv[i] = 0.0, 0.0, 1.0
                continue
            x = mpmath.mpf(1) / mpmath.mpf(float(rho))
            ee1 = mpmath.exp(x) * mpmath.e1(x)
            m1[i], inv[i] = float(ee1), float(x * ee1)
            if x <= 20:
                f = 0.5 * (mpmath.log(x) + mpmath.euler) ** 2 + mpmath.pi**2 / 12 - x * mpmath.hyper([1, 1, 1],
                                                                                                   [2, 2, 2], -x)
                m2[i] = float(2 * mpmath.exp(x) * f)
            else:
                m2[i] = quad(lambda g: math.log1p(rho * g) ** 2 * math.exp(-g), 0, math.inf, epsabs=0,
                             epsrel=1e-12, limit=200)[0]
    shape = np.shape(snr)
    return m1.reshape(shape), m2.reshape(shape), inv.reshape(shape)


def normal_approximation(n: ArrayLike, k: ArrayLike, snr: ArrayLike, channel: str,
                         log_term: bool = True, coherence: int = 1) -> np.ndarray:
    """BLER by the normal approximation (PPV eq. (296)); ``log_term`` adds ½·log2(n)."""
    n_, k_ = _check_nk(n, k)
    c, v = capacity_dispersion(snr, channel, coherence)
    num = n_ * c - k_ + (0.5 * np.log2(n_) if log_term else 0.0)
    with np.errstate(divide="ignore"):
        return qfunc(num / np.sqrt(n_ * v))


def bler_xu_eq23(n: ArrayLike, k: ArrayLike, snr: ArrayLike) -> np.ndarray:
    r"""Xu et al. (journal) eq. (23): :math:`\Psi = Q(\ln 2\sqrt{N/V}(C - K/N))`.

    Conventions as in the paper: N complex channel uses, K information bits,
    :math:`C = \log_2(1+\text{snr})` in bits, :math:`V = 1 - (1+\text{snr})^{-2}` in
    nats², no ½·log2(N) term. The ln 2 converts (C − K/N) from bits to nats, so this
    equals :func:`normal_approximation` for ``awgn-complex`` with ``log_term=False``.
    """
    n_, k_ = _check_nk(n, k)
    snr = np.asarray(snr, dtype=np.float64)
    c = np.log2(1 + snr)
    v = 1 - (1 + snr) ** -2.0
    with np.errstate(divide="ignore"):
        return qfunc(_LN2 * np.sqrt(n_ / v) * (c - k_ / n_))


_BOUNDS: dict[str, Callable[..., np.ndarray]] = {
    "normal_approximation": normal_approximation,
    "metaconverse": lambda n, k, snr, channel, **kw: metaconverse_biawgn(n, k, snr),
    "rcus": lambda n, k, snr, channel, **kw: rcus_biawgn(n, k, snr),
}


def bler(bound: str, n: ArrayLike, k: ArrayLike, snr: ArrayLike, channel: str, **kw) -> np.ndarray:
    """BLER of ``bound`` in ``normal_approximation``, ``metaconverse``, ``rcus``.

    The meta-converse and RCUs are implemented for ``biawgn``.
    """
    _check_channel(channel)
    if bound not in _BOUNDS:
        raise ValueError(f"unknown bound {bound!r}; choose one of {', '.join(_BOUNDS)}")
    if bound != "normal_approximation" and channel != "biawgn":
        raise ValueError(f"{bound} is implemented for channel 'biawgn' only")
    if bound != "normal_approximation":
        kw = {}
    return _BOUNDS[bound](n, k, snr, channel, **kw)


def snr_for_bler(target: float, n: float, k: float, channel: str, bound: str = "normal_approximation",
                 **kw) -> float:
    """SNR in dB per channel use at which ``bound`` reaches the BLER ``target``.

    .. code-block:: python

        >>> snr = snr_for_bler(1e-3, 1000, 500, "biawgn")
        >>> round(float(snr_to_ebno(db2lin(snr), 1000, 500, "biawgn")), 2)   # SPECTRE: 1.136 dB
        1.14
    """
    if not 0 < target < 1:
        raise ValueError(f"target BLER must lie in (0, 1), got {target}")
    lo, hi = -30.0, 60.0
    x = invert_monotone(lambda v: float(bler(bound, n, k, db2lin(v), channel, **kw)), target, lo, hi,
                        log_y=True, xtol=1e-7)
    if x is None:
        raise ValueError(f"BLER {target} not reached below {hi} dB (rate too high?)")
    return x


def shannon_snr(rate: float, channel: str, coherence: int = 1) -> float:
    """Linear SNR per use at which the capacity (ergodic for ``rayleigh-csir``) equals ``rate`` bits/use.

    .. code-block:: python

        >>> abs(round(float(lin2db(shannon_snr(1.0, "awgn-complex"))), 6))   # log2(1 + 1) = 1
        0.0
    """
    x = invert_monotone(lambda v: float(capacity_dispersion(db2lin(v), channel, coherence)[0]), rate, -40.0, 60.0,
                        xtol=1e-10)
    if x is None:
        raise ValueError(f"rate {rate:.3f} bits/use exceeds the capacity of {channel} below 60 dB")
    return float(db2lin(x))


def max_k(target: float, n: int, snr: float, channel: str, bound: str = "normal_approximation", **kw) -> int:
    """Largest number of information bits k with ``bound`` BLER <= ``target`` at (n, snr)."""
    if not 0 < target < 1:
        raise ValueError(f"target BLER must lie in (0, 1), got {target}")
    lo, hi = 0, int(math.ceil(n * float(capacity_dispersion(snr, channel, kw.get("coherence", 1))[0]) + 0.5 * math.log2(n) + 10 * math.sqrt(n)))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if float(bler(bound, n, mid, snr, channel, **kw)) <= target:
            lo = mid
        else:
            hi = mid
    return lo


BOUND_NAMES = ("normal_approximation", "metaconverse", "rcus", "shannon", "outage")
#: Fades per codeword below which the Rayleigh normal approximation is not used silently
#: (quasi-static fading is outage-dominated: the dispersion expansion misses the error floor).
MIN_FADES_FOR_NA = 10


def applicable_bounds(channel: str) -> tuple[str, ...]:
    """The bounds :func:`evaluate_bounds` computes for ``channel`` (meta-converse and RCUs: BI-AWGN)."""
    _check_channel(channel)
    extra = {"biawgn": ("metaconverse", "rcus"), "rayleigh-csir": ("outage",)}.get(channel, ())
    return ("normal_approximation", "shannon") + extra


def na_validity(channel: str, n: int, coherence: int = 1) -> str | None:
    """A warning when the normal approximation is outside its validity, else ``None``."""
    if channel == "rayleigh-csir" and n / coherence < MIN_FADES_FOR_NA:
        return (f"normal approximation not valid here: {n / coherence:.3g} fades per codeword (< "
                f"{MIN_FADES_FOR_NA}); quasi-static fading is outage-dominated, see the 'outage' bound")
    return None


def evaluate_bounds(channel: str, n: int, k: int, bounds: tuple[str, ...], *, target_bler: float | None = None,
                    snrs: ArrayLike | None = None, coherence: int = 1, log_term: bool = True) -> list[dict]:
    """Rows ``{"bound", "channel", "n", "k", "snr_db", "esno_db", "ebno_db", "bler"}`` of ``bounds``.

    Either the SNR at which each bound reaches ``target_bler`` (``shannon``: where the
    capacity equals k/n; its ``bler`` is ``None``), or each bound's BLER on the linear
    SNRs per use ``snrs`` (``shannon``: 1 where k/n exceeds the capacity, else 0).

    .. code-block:: python

        >>> r = evaluate_bounds("biawgn", 1000, 500, ("normal_approximation",), target_bler=1e-3)
        >>> round(r[0]["ebno_db"], 2)      # SPECTRE: 1.136 dB
        1.14
    """
    for b in bounds:
        if b not in BOUND_NAMES:
            raise ValueError(f"unknown bound {b!r}; choose from {', '.join(BOUND_NAMES)}")
        if b not in applicable_bounds(channel):
            raise ValueError(f"{b} is not available for channel {channel!r} (BI-AWGN only)")
    if (target_bler is None) == (snrs is None):
        raise ValueError("give either target_bler or snrs")
    dims = channel_dims(channel)
    kw = {"coherence": coherence, "log_term": log_term}
    warn = na_validity(channel, n, coherence)

    def row(bound: str, snr: float, value: float | None) -> dict:
        r = {"bound": bound, "channel": channel, "n": n, "k": k, "snr_db": float(lin2db(snr)),
             "esno_db": float(lin2db(snr / dims)), "ebno_db": float(snr_to_ebno(snr, n, k, channel)),
             "bler": value}
        if bound == "normal_approximation" and warn:
            r["note"] = warn
        return r

    def outage(snr: float) -> float:
        return float(-math.expm1(-(2.0 ** (k / n) - 1.0) / snr)) if snr > 0 else 1.0

    rows = []
    if target_bler is not None:
        if not 0 < target_bler < 1:
            raise ValueError(f"target BLER must lie in (0, 1), got {target_bler}")
        for b in bounds:
            if b == "shannon":
                rows.append(row(b, shannon_snr(k / n, channel, coherence), None))
            elif b == "outage":  # P_out = 1 - exp(-(2^R - 1)/snr) = target
                rows.append(row(b, (2.0 ** (k / n) - 1.0) / -math.log1p(-target_bler), target_bler))
            else:
                extra = kw if b == "normal_approximation" else {}
                rows.append(row(b, float(db2lin(snr_for_bler(target_bler, n, k, channel, b, **extra))), target_bler))
        return rows
    for b in bounds:
        for snr in np.atleast_1d(np.asarray(snrs, dtype=np.float64)):
            if b == "shannon":
                value = float(float(capacity_dispersion(snr, channel, coherence)[0]) * n < k)
            elif b == "outage":
                value = outage(float(snr))
            else:
                value = float(bler(b, n, k, snr, channel, **(kw if b == "normal_approximation" else {})))
            rows.append(row(b, float(snr), value))
    return rows
