"""Independent reference formulas used by the tests (not imported by semlink itself)."""

import math

import numpy as np
from scipy.special import erfc


def ber_mqam_cho_yoon(ebno_db, M):
    """Exact BER of Gray-coded square M-QAM on AWGN.

    K. Cho and D. Yoon, "On the general BER expression of one- and two-dimensional
    amplitude modulations", IEEE Trans. Commun. 50(7), 2002, eqs. (14)-(16).
    """
    g = 10.0 ** (np.asarray(ebno_db, dtype=float) / 10.0)
    sm = int(round(math.sqrt(M)))
    kmax = int(round(math.log2(sm)))
    total = np.zeros_like(g)
    for k in range(1, kmax + 1):
        pk = np.zeros_like(g)
        for i in range(int((1 - 2.0 ** (-k)) * sm)):
            w = (-1) ** math.floor(i * 2 ** (k - 1) / sm) * (
                2 ** (k - 1) - math.floor(i * 2 ** (k - 1) / sm + 0.5)
            )
            pk += w * erfc((2 * i + 1) * np.sqrt(3 * math.log2(M) * g / (2 * (M - 1))))
        total += pk / sm
    return total / kmax


def ber_bpsk_awgn(ebno_db):
    g = 10.0 ** (np.asarray(ebno_db, dtype=float) / 10.0)
    return 0.5 * erfc(np.sqrt(g))


def ber_mqam_rayleigh(ebno_db, M):
    """Exact BER of Gray M-QAM (M=2: BPSK) on flat Rayleigh fading with perfect CSI.

    Cho-Yoon's expression is a weighted sum of erfc(sqrt(c*gamma_b)); each term averages
    in closed form over the exponential SNR: E[erfc(sqrt(c*g))] = 1 - sqrt(c*gb/(1+c*gb))
    (Simon & Alouini, Digital Communication over Fading Channels, eq. 5.6).
    """
    gb = 10.0 ** (np.asarray(ebno_db, dtype=float) / 10.0)
    avg = lambda c: 1 - np.sqrt(c * gb / (1 + c * gb))  # noqa: E731
    if M == 2:
        return 0.5 * avg(1.0)
    sm = int(round(math.sqrt(M)))
    kmax = int(round(math.log2(sm)))
    total = np.zeros_like(gb)
    for k in range(1, kmax + 1):
        pk = np.zeros_like(gb)
        for i in range(int((1 - 2.0 ** (-k)) * sm)):
            w = (-1) ** math.floor(i * 2 ** (k - 1) / sm) * (
                2 ** (k - 1) - math.floor(i * 2 ** (k - 1) / sm + 0.5)
            )
            c = (2 * i + 1) ** 2 * 3 * math.log2(M) / (2 * (M - 1))
            pk += w * avg(c)
        total += pk / sm
    return total / kmax
