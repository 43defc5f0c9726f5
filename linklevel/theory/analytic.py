r"""Exact uncoded error rates on AWGN and Rayleigh fading (NumPy/SciPy float64, no torch).

All functions are vectorized over the SNR and take Eb/N0 in dB (``*_ebno``) unless
stated otherwise. Constellations have unit average energy and Gray labels as in
Sionna (:func:`sionna.phy.mapping.pam_gray`); QPSK equals BPSK per bit.

* Square M-QAM: each quadrature is a Gray-labelled :math:`\sqrt{M}`-PAM; the exact
  BER is the Hamming-weighted sum of the probabilities of landing in each decision
  interval, :math:`P(j|i) = Q(\cdot) - Q(\cdot)` (equivalent to Cho & Yoon 2002,
  which the tests use as an independent reference).
* M-PSK: the exact phase density of a unit phasor in complex Gaussian noise,
  integrated over each decision sector by Gauss–Legendre quadrature (Lee 1986 /
  Pawula 1982); BER weights each sector by the Hamming distance of the Gray labels.
* Rayleigh flat fading with perfect CSI: every term :math:`Q(a\sqrt{\gamma})` averages
  in closed form, :math:`\tfrac12\bigl(1-\sqrt{\tfrac{a^2\bar\gamma/2}{1+a^2\bar\gamma/2}}\bigr)`
  (Simon & Alouini eq. 5.6); M-PSK (and QAM SER) average by adaptive quadrature.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erfc, erfcinv, roots_legendre

from linklevel.theory.monotone import invert_monotone

__all__ = [
    "qfunc",
    "qfuncinv",
    "db2lin",
    "lin2db",
    "ber_awgn",
    "ser_awgn",
    "ber_rayleigh",
    "ser_rayleigh",
    "ber_rayleigh_moment",
    "outage_rayleigh",
    "ebno_for_ber",
    "bits_per_symbol",
]

_MODS = {"bpsk": ("pam", 2), "qpsk": ("qam", 4), "16qam": ("qam", 16), "64qam": ("qam", 64),
         "256qam": ("qam", 256), "8psk": ("psk", 8), "16psk": ("psk", 16), "32psk": ("psk", 32)}


def qfunc(x: ArrayLike) -> np.ndarray:
    r"""Gaussian tail :math:`Q(x) = \tfrac12\operatorname{erfc}(x/\sqrt2)`."""
    return 0.5 * erfc(np.asarray(x, dtype=np.float64) / math.sqrt(2.0))


def qfuncinv(p: ArrayLike) -> np.ndarray:
    r""":math:`Q^{-1}(p) = \sqrt2\,\operatorname{erfc}^{-1}(2p)`."""
    return math.sqrt(2.0) * erfcinv(2.0 * np.asarray(p, dtype=np.float64))


def db2lin(x: ArrayLike) -> np.ndarray:
    return 10.0 ** (np.asarray(x, dtype=np.float64) / 10.0)


def lin2db(x: ArrayLike) -> np.ndarray:
    return 10.0 * np.log10(np.asarray(x, dtype=np.float64))


def _parse(modulation: str) -> tuple[str, int]:
    key = str(modulation).lower()
    if key not in _MODS:
        raise ValueError(f"unknown modulation {modulation!r}; choose one of {', '.join(_MODS)}")
    return _MODS[key]


def bits_per_symbol(modulation: str) -> int:
    """Bits per symbol of a modulation name (``bpsk`` 1, ``16qam`` 4, ``8psk`` 3, ...)."""
    return int(round(math.log2(_parse(modulation)[1])))


def _gray(m: int) -> np.ndarray:
    """Binary-reflected Gray labels ``[2**m]`` as integers, in amplitude order (as Sionna's pam_gray)."""
    i = np.arange(2**m)
    return i ^ (i >> 1)


@lru_cache(maxsize=None)
def _pam_terms(L: int) -> tuple[np.ndarray, np.ndarray]:
    """Q-term expansion of the bit error rate of Gray L-PAM.

    Returns ``(a, w)`` with ``BER = sum(w * Q(a * x))``, where ``x`` is half the minimum
    distance divided by the noise standard deviation (set by the caller).
    """
    m = int(round(math.log2(L)))
    labels = _gray(m)
    coef: dict[int, float] = {}
    for i in range(L):
        for j in range(L):
            if i == j:
                continue
            ham = bin(int(labels[i]) ^ int(labels[j])).count("1")
            # P(decide j | i) = Q((2|j-i|-1) x) - Q((2|j-i|+1) x) for inner j, Q((2|j-i|-1) x) at the edge
            k = abs(j - i)
            coef[2 * k - 1] = coef.get(2 * k - 1, 0.0) + ham
            if j not in (0, L - 1):
                coef[2 * k + 1] = coef.get(2 * k + 1, 0.0) - ham
    a = np.array(sorted(coef), dtype=np.float64)
    w = np.array([coef[int(v)] for v in a]) / (L * m)
    return a, w


def _qam_x2(es_n0: np.ndarray, M: int) -> np.ndarray:
    """(half min distance / noise std)^2 per quadrature for unit-energy square M-QAM."""
    # Es = 2 (M-1)/3 d^2 with d the half distance; per-dimension noise variance N0/2
    return 3.0 * es_n0 / (M - 1)


def _pam_x2(es_n0: np.ndarray, L: int) -> np.ndarray:
    """Same for real L-PAM (BPSK for L=2): Es = (L^2-1)/3 d^2, noise variance N0/2."""
    return 6.0 * es_n0 / (L * L - 1)


def _q_terms(modulation: str) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    kind, M = _parse(modulation)
    if kind == "pam":
        a, w = _pam_terms(M)
        return a, w, lambda es: _pam_x2(es, M)
    L = int(round(math.sqrt(M)))
    a, w = _pam_terms(L)
    return a, w, lambda es: _qam_x2(es, M)


def _phase_pdf(theta: np.ndarray, es_n0: np.ndarray) -> np.ndarray:
    """Density of the received phase for a unit phasor at angle 0 in CN(0, N0)."""
    g = es_n0
    c = np.cos(theta)
    return np.exp(-g) / (2 * np.pi) + 0.5 * np.sqrt(g / np.pi) * c * np.exp(-g * np.sin(theta) ** 2) * erfc(-np.sqrt(g) * c)


@lru_cache(maxsize=None)
def _psk_sectors(M: int, nodes: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes/weights per decision sector and Hamming weights of Gray PSK."""
    m = int(round(math.log2(M)))
    labels = _gray(m)
    x, w = roots_legendre(nodes)
    thetas, weights, hams = [], [], []
    for k in range(M):
        lo, hi = (2 * k - 1) * np.pi / M, (2 * k + 1) * np.pi / M
        thetas.append(0.5 * (hi - lo) * x + 0.5 * (hi + lo))
        weights.append(0.5 * (hi - lo) * w)
        hams.append(bin(int(labels[0]) ^ int(labels[k])).count("1"))
    return np.array(thetas), np.array(weights), np.array(hams, dtype=np.float64)


def _psk_probs(es_n0: np.ndarray, M: int) -> np.ndarray:
    """Probability of each decision sector ``[..., M]`` (sector 0 = correct)."""
    th, wt, _ = _psk_sectors(M)
    g = es_n0[..., None, None]
    return np.sum(wt * _phase_pdf(th, g), axis=-1)


def _rate_awgn(es_n0: np.ndarray, modulation: str, symbol: bool) -> np.ndarray:
    kind, M = _parse(modulation)
    if kind == "psk":
        probs = _psk_probs(es_n0, M)
        if symbol:  # sum of the wrong sectors: exact also where 1 - P(correct) cancels
            return np.sum(probs[..., 1:], axis=-1)
        _, _, hams = _psk_sectors(M)
        return np.sum(probs * hams, axis=-1) / math.log2(M)
    if symbol:
        if kind == "pam":
            return 2 * (1 - 1 / M) * qfunc(np.sqrt(_pam_x2(es_n0, M)))
        L = int(round(math.sqrt(M)))
        p = 2 * (1 - 1 / L) * qfunc(np.sqrt(_qam_x2(es_n0, M)))
        return 1.0 - (1.0 - p) ** 2
    a, w, x2 = _q_terms(modulation)
    x = np.sqrt(x2(es_n0))[..., None]
    return np.sum(w * qfunc(a * x), axis=-1)


def ber_awgn(ebno_db: ArrayLike, modulation: str) -> np.ndarray:
    """Exact BER of Gray-coded ``bpsk``/``qpsk``/M-QAM/M-PSK on AWGN vs Eb/N0 in dB.

    .. code-block:: python

        >>> float(ber_awgn(10.0, "16qam"))   # MATLAB berawgn(10,'qam',16)
        0.0017541506178927...
    """
    es = db2lin(ebno_db) * bits_per_symbol(modulation)
    return _rate_awgn(es, modulation, symbol=False)


def ser_awgn(ebno_db: ArrayLike, modulation: str) -> np.ndarray:
    """Exact symbol error rate on AWGN vs Eb/N0 in dB."""
    es = db2lin(ebno_db) * bits_per_symbol(modulation)
    return _rate_awgn(es, modulation, symbol=True)


def _avg_q_rayleigh(a2_half: np.ndarray) -> np.ndarray:
    r""":math:`E[Q(\sqrt{2 c \gamma})]` for exponential :math:`\gamma`, given :math:`c\bar\gamma`."""
    return 0.5 * (1.0 - np.sqrt(a2_half / (1.0 + a2_half)))


def _rate_rayleigh(es_mean: np.ndarray, modulation: str, symbol: bool) -> np.ndarray:
    kind, M = _parse(modulation)
    if kind == "psk" or (symbol and kind == "qam"):
        return _fading_average(es_mean, modulation, symbol, 1)
    if symbol:  # real PAM
        c = _pam_x2(es_mean, M) / 2.0
        return 2 * (1 - 1 / M) * _avg_q_rayleigh(c)
    a, w, x2 = _q_terms(modulation)
    c = (a**2) * x2(es_mean)[..., None] / 2.0  # Q(a x) = Q(sqrt(2 * (a^2 x^2 / 2)))
    return np.sum(w * _avg_q_rayleigh(c), axis=-1)


def _fading_average(es_mean: np.ndarray, modulation: str, symbol: bool, order: int) -> np.ndarray:
    r""":math:`\int_0^\infty e^{-t} P(\bar\gamma t)^r dt` by adaptive quadrature (QUADPACK).

    The integrand changes on the scale :math:`1/\bar\gamma` near 0 (a square-root
    cusp, which defeats fixed Gauss–Laguerre rules at high SNR) and like
    :math:`e^{-t}` beyond, so the range is split at the knee.
    """
    from scipy.integrate import quad

    es_mean = np.asarray(es_mean, dtype=np.float64)
    out = np.empty(es_mean.shape)
    for idx, g in np.ndenumerate(es_mean):
        f = lambda t: math.exp(-t) * float(_rate_awgn(np.asarray(g * t), modulation, symbol)) ** order  # noqa: E731
        knee = min(1.0, 50.0 / max(float(g), 1e-12))
        a, _ = quad(f, 0.0, knee, limit=200, epsabs=0, epsrel=1e-10)
        b, _ = quad(f, knee, np.inf, limit=200, epsabs=0, epsrel=1e-10)
        out[idx] = a + b
    return out


def ber_rayleigh(ebno_db: ArrayLike, modulation: str) -> np.ndarray:
    """Exact BER on flat Rayleigh fading with perfect CSI vs *average* Eb/N0 in dB.

    .. code-block:: python

        >>> float(ber_rayleigh(10.0, "bpsk"))   # 0.5 (1 - sqrt(10/11))
        0.02326870537720...
    """
    es = db2lin(ebno_db) * bits_per_symbol(modulation)
    return _rate_rayleigh(np.asarray(es, dtype=np.float64), modulation, symbol=False)


def ser_rayleigh(ebno_db: ArrayLike, modulation: str) -> np.ndarray:
    """Exact SER on flat Rayleigh fading with perfect CSI vs average Eb/N0 in dB."""
    es = db2lin(ebno_db) * bits_per_symbol(modulation)
    return _rate_rayleigh(np.asarray(es, dtype=np.float64), modulation, symbol=True)


def ber_rayleigh_moment(ebno_db: ArrayLike, modulation: str, order: int = 2) -> np.ndarray:
    r"""Moment :math:`E_\gamma[P_b(\gamma)^r]` of the *conditional* BER over Rayleigh fades.

    :math:`P_b(\gamma)` is the exact AWGN BER at the instantaneous SNR and
    :math:`\gamma \sim \text{Exp}(\bar\gamma)`; ``order=1`` equals :func:`ber_rayleigh`.
    The second moment gives the variance of the per-fade BER,
    :math:`\operatorname{Var}[P_b(\gamma)] = E[P_b^2] - E[P_b]^2`, i.e. how strongly
    bit errors that share one fade are correlated (block-fading Monte Carlo intervals use
    it, see :mod:`linklevel.engine.overlay`). Evaluated by adaptive quadrature (QUADPACK) in
    :math:`t = \gamma/\bar\gamma`: :math:`\int_0^\infty e^{-t} P_b(\bar\gamma t)^r\,dt`.

    :param ebno_db: Average Eb/N0 in dB (array-like).
    :param modulation: As in :func:`ber_awgn`.
    :param order: Moment order r >= 1.

    .. code-block:: python

        >>> float(ber_rayleigh_moment(10.0, "bpsk", 1))   # = ber_rayleigh(10, "bpsk")
        0.02326870537...
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    es = np.asarray(db2lin(ebno_db) * bits_per_symbol(modulation), dtype=np.float64)
    return _fading_average(es, modulation, False, order)


def outage_rayleigh(snr_db: ArrayLike, rate: ArrayLike) -> np.ndarray:
    r"""Outage probability of quasi-static Rayleigh fading at rate R (bits per complex use).

    :math:`P_\text{out} = P[\log_2(1+\bar\gamma|h|^2) < R] = 1 - \exp(-(2^R-1)/\bar\gamma)`.
    """
    snr = db2lin(snr_db)
    return -np.expm1(-(2.0 ** np.asarray(rate, dtype=np.float64) - 1.0) / snr)


def ebno_for_ber(target: float, modulation: str, channel: str = "awgn") -> float:
    """Eb/N0 in dB at which the exact BER equals ``target`` (``channel``: awgn | rayleigh).

    .. code-block:: python

        >>> round(ebno_for_ber(1e-5, "bpsk"), 3)
        9.587
    """
    if not 0.0 < target < 0.5:
        raise ValueError(f"target BER must lie in (0, 0.5), got {target}")
    f = {"awgn": ber_awgn, "rayleigh": ber_rayleigh}.get(channel)
    if f is None:
        raise ValueError(f"channel must be 'awgn' or 'rayleigh', got {channel!r}")
    lo, hi = -20.0, 80.0
    if float(f(lo, modulation)) < target:
        raise ValueError(f"target BER {target} is above the BER at {lo} dB")
    return float(invert_monotone(lambda x: float(f(x, modulation)), target, lo, hi, log_y=True, xtol=1e-10,
                                 outside="raise"))
