"""Statistics of the studies, in one place: bootstrap intervals over the independent unit, paired
differences, isotonic fits and generalized inverses of monotone step curves.

Every interval is over the unit that is actually independent (images, maps, fades, draws): the
caller passes one value per unit. Bootstraps are percentile intervals, seeded from the study's seed
(``seed``), so a report is reproducible; an empty input gives NaN with ``n = 0``, and fewer than
:data:`MIN_UNITS` units give the estimate without an interval (``lo``/``hi`` NaN): a report states
that instead of printing an interval (:meth:`scenarios.study.report.Report.interval`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

__all__ = ["MIN_UNITS", "BOOTSTRAP_RESAMPLES", "Interval", "finite_or_none", "bootstrap", "bootstrap_mean", "proportion",
           "paired_difference", "bootstrap_crossed", "spearman_by_unit", "bootstrap_band", "isotonic",
           "generalized_inverse"]

#: Fewer independent units than this back no interval.
MIN_UNITS = 5
#: Default bootstrap resamples.
BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval over ``n`` independent ``unit``s (``lo``/``hi`` NaN: none given)."""

    value: float
    lo: float
    hi: float
    n: int
    unit: str = "unit"
    confidence: float = 0.95

    @property
    def ok(self) -> bool:
        """Whether an interval is given (enough units)."""
        return not (math.isnan(self.lo) or math.isnan(self.hi))

    def side(self, bound: float) -> Optional[int]:
        """Where the interval lies against ``bound``: -1 entirely at or below it, +1 entirely above, ``None``
        when it straddles the bound or no interval is given (a verdict is then undecided).

        .. code-block:: python

            >>> Interval(0.3, 0.2, 0.4, 50).side(0.5), Interval(0.6, 0.45, 0.7, 50).side(0.5)
            (-1, None)
        """
        if not self.ok:
            return None
        return -1 if self.hi <= bound else 1 if self.lo > bound else None

    def text(self, digits: int = 4) -> str:
        if math.isnan(self.value):
            return f"- (no {self.unit}s)"
        v = f"{self.value:.{digits}g}"
        if not self.ok:
            return f"{v} (n = {self.n} {self.unit}{'s' if self.n != 1 else ''}: no interval)"
        return f"{v} [{self.lo:.{digits}g}, {self.hi:.{digits}g}]"

    def to_json(self) -> dict[str, Any]:
        nan = lambda x: None if math.isnan(x) else x  # noqa: E731
        return {"value": nan(self.value), "lo": nan(self.lo), "hi": nan(self.hi), "n": self.n, "unit": self.unit,
                "confidence": self.confidence}


def finite_or_none(x: Any) -> Optional[float]:
    """``float(x)``, or ``None`` for ``None``, NaN and ±inf (what a report prints as "-").

    .. code-block:: python

        >>> finite_or_none(2), finite_or_none(float("nan")), finite_or_none(None)
        (2.0, None, None)
    """
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _units(values: Any) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    return v[np.isfinite(v)] if v.size else v


def bootstrap(values: Any, stat: Callable[[np.ndarray], np.ndarray], seed: int, boot: int = BOOTSTRAP_RESAMPLES,
              confidence: float = 0.95, unit: str = "unit", min_units: int = MIN_UNITS) -> Interval:
    """Percentile bootstrap of ``stat`` over the rows of ``values`` (one row per independent unit).

    :param stat: Maps ``[..., n, ...]`` resamples ``[boot, n, ...]`` to ``[boot]`` (and the data
        ``[1, n, ...]`` to ``[1]``).
    """
    v = np.asarray(values, dtype=np.float64)
    n = int(v.shape[0]) if v.ndim else 0
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, unit, confidence)
    est = float(stat(v[None])[0])
    if n < min_units:
        return Interval(est, math.nan, math.nan, n, unit, confidence)
    rng = np.random.default_rng(seed)
    b = stat(v[rng.integers(0, n, size=(boot, n))])
    a = (1 - confidence) / 2
    return Interval(est, float(np.quantile(b, a)), float(np.quantile(b, 1 - a)), n, unit, confidence)


def bootstrap_mean(values: Sequence[float], seed: int, boot: int = BOOTSTRAP_RESAMPLES, confidence: float = 0.95,
                   unit: str = "unit", min_units: int = MIN_UNITS) -> Interval:
    """Mean over independent units and its percentile bootstrap interval (non-finite values dropped).

    .. code-block:: python

        >>> iv = bootstrap_mean([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], seed=0, unit="image")
        >>> iv.value, iv.lo < 3.5 < iv.hi, iv.n
        (3.5, True, 6)
        >>> bootstrap_mean([1.0, 2.0], seed=0).ok
        False
    """
    return bootstrap(_units(values), lambda x: x.mean(axis=1), seed, boot, confidence, unit, min_units)


def proportion(successes: int, n: int, confidence: float = 0.95, unit: str = "unit",
               min_units: int = MIN_UNITS) -> Interval:
    """A rate ``successes / n`` over ``n`` independent units with its exact Clopper–Pearson interval
    (NaN with ``n = 0``; no interval below ``min_units``).

    .. code-block:: python

        >>> iv = proportion(3, 50, unit="draw")
        >>> iv.value, round(iv.lo, 4), round(iv.hi, 4)
        (0.06, 0.0125, 0.1655)
    """
    from linklevel.theory.stats import clopper_pearson

    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, 0, unit, confidence)
    lo, hi = (float(x) for x in clopper_pearson(successes, n, confidence))
    if n < min_units:
        lo = hi = math.nan
    return Interval(successes / n, lo, hi, int(n), unit, confidence)


def paired_difference(a: Sequence[float], b: Sequence[float], seed: int, boot: int = BOOTSTRAP_RESAMPLES,
                      confidence: float = 0.95, unit: str = "unit", min_units: int = MIN_UNITS) -> Interval:
    """Mean of ``a - b`` over paired units (same unit in both) with its bootstrap interval."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired values differ in number: {a.size} vs {b.size}")
    return bootstrap_mean(a - b, seed, boot, confidence, unit, min_units)


def bootstrap_crossed(values: Any, seed: int, boot: int = BOOTSTRAP_RESAMPLES, confidence: float = 0.95,
                      units: str = "fade x image", min_units: int = MIN_UNITS) -> Interval:
    """Grand mean of a crossed table ``[a, b]`` (e.g. every image at every fade) with a percentile bootstrap that
    resamples both factors independently (rows and columns with replacement; no interval unless both have
    ``min_units``): the interval covers a new draw of fades *and* images, not fades given these images.

    .. code-block:: python

        >>> import numpy as np
        >>> v = np.add.outer(np.arange(6.0), np.arange(8.0))
        >>> iv = bootstrap_crossed(v, seed=0)
        >>> iv.value, iv.lo < 6.0 < iv.hi, iv.n
        (6.0, True, 6)
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0, units, confidence)
    est, (na, nb) = float(v.mean()), v.shape
    if min(na, nb) < min_units:
        return Interval(est, math.nan, math.nan, min(na, nb), units, confidence)
    rng = np.random.default_rng(seed)
    ia, ib = rng.integers(0, na, size=(boot, na)), rng.integers(0, nb, size=(boot, nb))
    means = np.array([v[np.ix_(x, y)].mean() for x, y in zip(ia, ib)])
    a = (1 - confidence) / 2
    return Interval(est, float(np.quantile(means, a)), float(np.quantile(means, 1 - a)), min(na, nb), units, confidence)


def spearman_by_unit(x: Any, y: Any, seed: int, boot: int = BOOTSTRAP_RESAMPLES, confidence: float = 0.95,
                     unit: str = "image", min_units: int = MIN_UNITS) -> Interval:
    """Spearman's rank correlation of ``x`` and ``y`` pooled over units, both ``[units, points]`` (each unit's
    points stay together), with a percentile bootstrap over the units.

    .. code-block:: python

        >>> import numpy as np
        >>> x = np.arange(30.0).reshape(6, 5)
        >>> spearman_by_unit(x, x ** 3, seed=0).value
        1.0
    """
    from scipy.stats import rankdata

    v = np.stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)], axis=-1)
    if v.ndim != 3:
        raise ValueError("x and y must be [units, points] arrays of one shape")

    def stat(r: np.ndarray) -> np.ndarray:
        flat = r.reshape(r.shape[0], -1, 2)
        rk = rankdata(flat, axis=1)
        rk = rk - rk.mean(axis=1, keepdims=True)
        num = (rk[..., 0] * rk[..., 1]).sum(axis=1)
        den = np.sqrt((rk[..., 0] ** 2).sum(axis=1) * (rk[..., 1] ** 2).sum(axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / den

    return bootstrap(v, stat, seed, boot, confidence, unit, min_units)


def bootstrap_band(per_unit: Any, seed: int, boot: int = 500, confidence: float = 0.95) -> np.ndarray:
    """Pointwise percentile band ``[2, points]`` of the mean curve over units (``per_unit``:
    ``[units, points]``); an empty input gives NaN."""
    per = np.asarray(per_unit, dtype=np.float64)
    if per.ndim != 2 or per.shape[0] == 0:
        return np.full((2, per.shape[-1] if per.ndim == 2 else 0), np.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, per.shape[0], size=(boot, per.shape[0]))
    means = per[idx].mean(axis=1)
    a = (1 - confidence) / 2
    return np.quantile(means, [a, 1 - a], axis=0)


def isotonic(y: Any, w: Optional[Any] = None, increasing: bool = True) -> np.ndarray:
    """Least-squares monotone fit of ``y`` in the given order (SciPy's pool-adjacent-violators).

    .. code-block:: python

        >>> isotonic([1.0, 3.0, 2.0, 4.0]).tolist()
        [1.0, 2.5, 2.5, 4.0]
    """
    from scipy.optimize import isotonic_regression

    return isotonic_regression(np.asarray(y, dtype=np.float64), weights=w, increasing=increasing).x


def generalized_inverse(x: Any, y: Any, target: float) -> float:
    """Smallest ``x`` with ``y(x) >= target`` for a non-decreasing step curve sampled at sorted ``x``
    (``inf`` when no sample reaches it): the generalized inverse of a monotone fit.

    .. code-block:: python

        >>> generalized_inverse([0, 1, 2, 3], [0.1, 0.4, 0.4, 0.9], 0.4)
        1.0
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    hit = np.nonzero(y >= target)[0]
    return float(x[hit[0]]) if hit.size else math.inf
