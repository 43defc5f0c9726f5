"""Confidence intervals for error rates (NumPy/SciPy float64, no torch).

* :func:`clopper_pearson`: exact binomial interval, valid when the trials are independent
  (bits on uncoded AWGN, or i.i.d. fading with BPSK; blocks that do not share a fade);
* :func:`cluster_interval`: errors counted in independent *clusters* (frames: a codeword, a
  fade, an OFDM grid) whose members are correlated. Clopper–Pearson on effective counts
  ``(e/D, n/D)`` with the empirical design effect ``D`` of the ratio estimator, clipped to
  ``[1, mean cluster size]``; without errors ``D`` cannot be estimated and the cluster size
  is used (the interval of the frames themselves), which is conservative.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import beta

__all__ = ["clopper_pearson", "cluster_interval", "design_effect"]


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


def design_effect(e: float, n: float, e2: float, n2: float, en: float, clusters: int) -> float:
    r"""Empirical design effect of the ratio estimator :math:`\hat p = \sum e_f / \sum n_f` over clusters.

    :math:`\widehat{\mathrm{Var}}(\hat p) = \frac{\sum_f (e_f - \hat p n_f)^2}{F(F-1)\,\bar n^2}` (the
    linearization variance of a ratio), divided by the binomial :math:`\hat p(1-\hat p)/n`, clipped to
    ``[1, n2/n]`` (``n2/n``: the size-weighted mean cluster size, the largest design effect clusters
    can produce). The sums are the sufficient statistics kept per point: ``e = Σe_f``, ``n = Σn_f``,
    ``e2 = Σe_f²``, ``n2 = Σn_f²``, ``en = Σe_f n_f``, ``clusters = F``.

    .. code-block:: python

        >>> round(design_effect(e=10, n=1000, e2=100, n2=1e5, en=1000, clusters=10), 1)  # all in one frame
        10.1
    """
    dmax = max(1.0, n2 / n) if n > 0 else 1.0
    if n <= 0 or clusters < 2 or e <= 0 or e >= n:
        return dmax
    p = e / n
    nbar = n / clusters
    s2 = max(e2 - 2.0 * p * en + p * p * n2, 0.0) / (clusters - 1)
    var_ratio = s2 / (clusters * nbar * nbar)
    var_bin = p * (1.0 - p) / n
    return float(min(max(var_ratio / var_bin, 1.0), dmax))


def cluster_interval(e: float, n: float, e2: float, n2: float, en: float, clusters: int,
                     confidence: float = 0.95) -> tuple[float, float, float]:
    """Clopper–Pearson interval on effective counts for clustered errors; returns ``(lo, hi, D)``.

    .. code-block:: python

        >>> lo, hi, d = cluster_interval(e=0, n=1000, e2=0, n2=1e5, en=0, clusters=10)
        >>> d, round(hi, 4)     # no error in 10 frames of 100 bits: the interval of 10 frames
        (100.0, 0.3085)
    """
    d = design_effect(e, n, e2, n2, en, clusters)
    lo, hi = clopper_pearson(e / d, n / d, confidence)
    return float(lo), float(hi), d
