r"""How good is eq. (4)'s M-QAM model? The bound :math:`\mathrm{BER} \le 0.2\,e^{-1.5\gamma/(M-1)}` behind
eq. (4) against the exact Gray M-QAM BER on AWGN (:func:`linklevel.theory.analytic.ber_awgn`) and
against uncoded M-QAM simulated on the link (the study's ``eq4`` part). NumPy only on import.

For each order and BER target: the SNR the bound asks for (eq. (4)'s threshold), the SNR the exact
BER needs, and the difference in dB (positive: the bound is conservative there) (:func:`eq4_rows`).
Over an SNR grid, where the bound is an upper bound of the exact BER at all
(:func:`upper_bound_region`, :func:`upper_bound_rows`). On the link (:func:`simulate_mqam`,
:func:`simulate_at_bounds`): uncoded Gray M-QAM at the bound's thresholds; the BER interval is the
engine's cluster interval over *frames* (bits of one symbol are not independent in M-QAM, frames are).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from linklevel.theory import analytic
from linklevel.theory.monotone import invert_monotone

from . import models as m

__all__ = ["EQ4_COLUMNS", "SIM_COLUMNS", "REGION_COLUMNS", "EQ4_UNITS", "exact_ber", "exact_snr_db", "eq4_rows",
           "upper_bound_region", "upper_bound_rows", "simulate_mqam", "simulate_at_bounds"]

#: Columns of ``eq4/rows``, ``eq4/simulated`` and ``eq4/upper_bound_region``.
EQ4_COLUMNS = ("modulation_order", "ber_target", "bound_snr_db", "exact_snr_db", "looseness_db", "conservative",
               "exact_ber_at_bound")
SIM_COLUMNS = ("modulation_order", "snr_db", "bits", "bit_errors", "ber", "ber_lo", "ber_hi", "frames",
               "design_effect", "ber_target", "exact_ber", "bound_holds", "exact_in_ci")
REGION_COLUMNS = ("modulation_order", "upper_bound_from_db", "holds_below")
#: Units of those columns.
EQ4_UNITS = {"bound_snr_db": "dB", "exact_snr_db": "dB", "looseness_db": "dB", "snr_db": "dB", "bits": "bit",
             "bit_errors": "bit", "frames": "frame", "upper_bound_from_db": "dB"}


def exact_ber(gamma: float, order: int) -> float:
    """Exact Gray M-QAM BER on AWGN at Es/N0 ``gamma`` (linear)."""
    ebno_db = 10 * math.log10(gamma / math.log2(order))
    return float(analytic.ber_awgn(ebno_db, f"{order}qam" if order > 4 else "qpsk"))


def exact_snr_db(order: int, ber: float) -> float:
    """Es/N0 (dB) at which the exact Gray M-QAM BER equals ``ber``."""
    return float(invert_monotone(lambda s: exact_ber(10 ** (s / 10), order), ber, -10.0, 60.0, log_y=True,
                                 outside="raise"))


def eq4_rows(bers: Sequence[float], orders: Sequence[int] = m.QAM_ORDERS, alpha: float = 1.5,
             beta: float = 5.0) -> list[dict[str, Any]]:
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


def upper_bound_rows(alpha: float = 1.5, beta: float = 5.0, orders: Sequence[int] = m.QAM_ORDERS
                     ) -> list[dict[str, Any]]:
    """Per order, on the Es/N0 grid −5…45 dB (0.05 dB): the SNR from which on the bound is an upper bound
    of the exact BER (NaN: nowhere) and whether it also holds at some SNR below that."""
    grid = np.round(np.arange(-5.0, 45.0001, 0.05), 3)
    rows = []
    for order in orders:
        ok = upper_bound_region(order, grid, alpha, beta)
        i = next((j for j in range(grid.size) if ok[j:].all()), None)
        rows.append({"modulation_order": int(order), "upper_bound_from_db": math.nan if i is None else float(grid[i]),
                     "holds_below": bool(ok[: grid.size if i is None else i].any())})
    return rows


def simulate_mqam(order: int, snrs_db: Sequence[float], target_bit_errors: int = 200, max_bits: int = 10**7,
                  seed: int = 0, device: Optional[str] = None) -> list[dict[str, Any]]:
    """Uncoded Gray M-QAM BER on AWGN at Es/N0 points, with a frame-cluster 95 % interval
    (``ber_lo``, ``ber_hi``)."""
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point
    from linklevel.engine.runtime import resolve_device
    from linklevel.theory.stats import cluster_interval

    mod = "qpsk" if order == 4 else f"{order}qam"
    bps = int(round(math.log2(order)))
    cfg = LinkConfig(modulation=mod, code="none", k=bps * 1024, snr_type="esno")
    link = Link(cfg, device=resolve_device(device))
    stop = StopCriteria(target_bit_errors=target_bit_errors, target_block_errors=None, max_bits=max_bits)
    batch = max(1, (1 << 20) // cfg.k)
    rows = []
    for s in snrs_db:
        p = simulate_point(link, float(s), stop, batch, seed)
        lo, hi, deff = cluster_interval(p.bit_errors, p.bits, p.bit_err_sq, p.bits_sq, p.bit_err_bits, p.frames)
        rows.append({"modulation_order": int(order), "snr_db": float(s), "bits": int(p.bits),
                     "bit_errors": int(p.bit_errors), "ber": p.bit_errors / p.bits if p.bits else math.nan,
                     "ber_lo": float(lo), "ber_hi": float(hi), "frames": int(p.frames), "design_effect": deff})
    return rows


def simulate_at_bounds(bers: Sequence[float], alpha: float = 1.5, beta: float = 5.0, target_bit_errors: int = 200,
                       max_bits: int = 10**7, seed: int = 0, device: Optional[str] = None,
                       orders: Sequence[int] = m.QAM_ORDERS) -> list[dict[str, Any]]:
    """Per order and BER: uncoded M-QAM simulated at eq. (4)'s threshold for that BER (:data:`SIM_COLUMNS`):
    ``bound_holds`` when the interval's upper end is at most the target, ``exact_in_ci`` when the exact
    BER lies in the interval."""
    out = []
    for order in orders:
        for r in eq4_rows(bers, (order,), alpha, beta):
            pt = simulate_mqam(order, [r["bound_snr_db"]], target_bit_errors, max_bits, seed, device)[0]
            pt.update(ber_target=r["ber_target"], exact_ber=r["exact_ber_at_bound"],
                      bound_holds=pt["ber_hi"] <= r["ber_target"],
                      exact_in_ci=pt["ber_lo"] <= r["exact_ber_at_bound"] <= pt["ber_hi"])
            out.append(pt)
    return out
