r"""SNR bookkeeping: the one Eb/N0 ↔ Es/N0 conversion of semlink (NumPy only).

With :math:`r` information bits per transmitted symbol (or per channel use),

.. math:: E_s/N_0\,[\mathrm{dB}] = E_b/N_0\,[\mathrm{dB}] + 10\log_{10} r .

``r`` is :attr:`linklevel.Link.info_rate` for a simulated link (code rate × bits per
symbol, less pilots, filler and cyclic prefix), ``k·d/n`` for a finite-blocklength
bound with ``d`` real dimensions per use (:func:`linklevel.theory.fbl.channel_dims`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ebno_to_esno", "esno_to_ebno"]


def _log_rate(bits_per_symbol: ArrayLike) -> np.ndarray:
    r = np.asarray(bits_per_symbol, dtype=np.float64)
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(f"information bits per symbol must be positive and finite, got {bits_per_symbol!r}")
    return 10.0 * np.log10(r)


def ebno_to_esno(ebno_db: ArrayLike, bits_per_symbol: ArrayLike) -> np.ndarray:
    """Es/N0 in dB of a symbol carrying ``bits_per_symbol`` information bits at ``ebno_db``.

    .. code-block:: python

        >>> float(ebno_to_esno(0.0, 2.0).round(4))   # QPSK, uncoded
        3.0103
    """
    return np.asarray(ebno_db, dtype=np.float64) + _log_rate(bits_per_symbol)


def esno_to_ebno(esno_db: ArrayLike, bits_per_symbol: ArrayLike) -> np.ndarray:
    """Inverse of :func:`ebno_to_esno`.

    .. code-block:: python

        >>> float(esno_to_ebno(ebno_to_esno(1.5, 0.8), 0.8))
        1.5
    """
    return np.asarray(esno_db, dtype=np.float64) - _log_rate(bits_per_symbol)
