r"""How good is eq. (4)'s M-QAM model? The bound :math:`\mathrm{BER} \le 0.2\,e^{-1.5\gamma/(M-1)}` behind
eq. (4) against the exact Gray M-QAM BER on AWGN (:func:`linklevel.theory.analytic.ber_awgn`); NumPy only.

For each order and BER target: the SNR the bound asks for (eq. (4)'s threshold), the SNR the exact
BER needs, and the difference in dB (positive: the bound is conservative there). And over an SNR
grid, where the bound is an upper bound of the exact BER at all. The simulated side (uncoded M-QAM
on the link at the bound's thresholds) is the study's part.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from linklevel.theory import analytic
from linklevel.theory.monotone import invert_monotone

from . import models as m

__all__ = ["exact_ber", "exact_snr_db", "eq4_rows", "upper_bound_region"]


def exact_ber(gamma: float, order: int) -> float:
    """Exact Gray M-QAM BER on AWGN at Es/N0 ``gamma`` (linear)."""
    ebno_db = 10 * math.log10(gamma / math.log2(order))
    return float(analytic.ber_awgn(ebno_db, f"{order}qam" if order > 4 else "qpsk"))


def exact_snr_db(order: int, ber: float) -> float:
    """Es/N0 (dB) at which the exact Gray M-QAM BER equals ``ber``."""
    return float(invert_monotone(lambda s: exact_ber(10 ** (s / 10), order), ber, -10.0, 60.0, log_y=True,
                                 outside="raise"))


def eq4_rows(bers: Sequence[float], orders: Sequence[int] = m.QAM_ORDERS, alpha: float = 1.5,
             beta: float = 5.0) -> list[dict[str, float]]:
    """Per (M, BER target): eq. (4)'s threshold SNR, the exact SNR and the looseness (dB).

    .. code-block:: python

        >>> r = eq4_rows([1e-6], [16])[0]
        >>> round(r["bound_snr_db"], 2), round(r["exact_snr_db"], 2), r["conservative"]
        (20.87, 20.42, True)
    """
    rows = []
    for order in orders:
        for ber in bers:
            bound = 10 * math.log10(m.min_snr_for_order(order, ber, alpha, beta))
            exact = exact_snr_db(order, ber)
            rows.append({"modulation_order": int(order), "ber_target": float(ber), "bound_snr_db": bound,
                         "exact_snr_db": exact, "looseness_db": bound - exact, "conservative": bound >= exact,
                         "exact_ber_at_bound": exact_ber(10 ** (bound / 10), order)})
    return rows


def upper_bound_region(order: int, snr_db: np.ndarray, alpha: float = 1.5, beta: float = 5.0) -> np.ndarray:
    """Boolean mask over ``snr_db``: where the bound is >= the exact BER (an upper bound)."""
    return np.array([m.mqam_ber_bound(10 ** (s / 10), order, alpha, beta) >= exact_ber(10 ** (s / 10), order)
                     for s in snr_db])
