"""Exact binomial confidence intervals (NumPy/SciPy float64, no torch)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import beta

__all__ = ["clopper_pearson"]


def clopper_pearson(
    errors: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact (Clopper–Pearson) two-sided interval for a binomial proportion.

    .. math::
        p_\text{lo} = B^{-1}\!\left(\tfrac{\alpha}{2}; e, t-e+1\right),\qquad
        p_\text{hi} = B^{-1}\!\left(1-\tfrac{\alpha}{2}; e+1, t-e\right)

    with :math:`\alpha = 1 - \text{confidence}`, :math:`p_\text{lo}=0` for
    :math:`e=0` and :math:`p_\text{hi}=1` for :math:`e=t`; beta quantiles from SciPy.

    :param errors: Error counts ``e`` (array-like of non-negative integers).
    :param trials: Trial counts ``t >= e``; ``t = 0`` gives the vacuous interval [0, 1].
    :param confidence: Coverage in (0, 1).
    :output lo, hi: float64 arrays of the broadcast shape.

    .. code-block:: python

        >>> lo, hi = clopper_pearson(0, 100)
        >>> round(float(hi), 4)   # the "rule of three" region: 1 - 0.025**(1/100)
        0.0362
    """
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    e = np.asarray(errors, dtype=np.float64)
    t = np.asarray(trials, dtype=np.float64)
    if np.any(e < 0) or np.any(t < 0) or np.any(e > t):
        raise ValueError("need 0 <= errors <= trials")
    e, t = np.broadcast_arrays(e, t)
    alpha = 1.0 - float(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(e > 0, beta.ppf(alpha / 2, e, t - e + 1), 0.0)
        hi = np.where(e < t, beta.ppf(1 - alpha / 2, e + 1, t - e), 1.0)
    lo = np.where(t > 0, lo, 0.0)
    hi = np.where(t > 0, hi, 1.0)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
