r"""Curves of the ``jscc_vs_separation`` study from its stored rows: per-system arrays, intervals over the
independent units and the crossover Es/N0 with its interval.

Units: on AWGN and OFDM-TDL the image (a system's draws are averaged inside it); on quasi-static Rayleigh every
image at every fade, the fades being shared by the systems: a crossed bootstrap resamples fades and images
(:func:`scenarios.study.stats.bootstrap_crossed`).

The **crossover** of system B over system A (e.g. separation over DeepJSCC) is the lowest Es/N0 from which B's
mean is at least A's on the rest of the grid, linearly interpolated between the grid points where the mean
difference B − A changes sign (:func:`crossover`); ``-inf`` when B is ahead everywhere, ``+inf`` when it never
catches up. Its interval is the percentile interval of the same statistic over bootstrap resamples of the units
(paired: the same resampled images and fades for both systems); a resample without a crossing inside the grid
counts as ±inf and the fraction of such resamples is reported.

.. code-block:: python

    >>> import numpy as np
    >>> crossover(np.array([0.0, 10.0, 20.0]), np.array([-2.0, -1.0, 1.0]))
    15.0
    >>> crossover(np.array([0.0, 10.0]), np.array([1.0, 2.0])), crossover(np.array([0.0, 10.0]), np.array([-1.0, -1.0]))
    (-inf, inf)
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

__all__ = ["has_metric", "system_array", "unit_values", "mean_interval", "crossover", "crossover_interval"]


def has_metric(rows: Any, metric: str) -> bool:
    """Whether the rows hold any finite ``metric`` (LPIPS is NaN where it was not computed)."""
    return metric in rows.columns and bool(np.isfinite(np.asarray(rows[metric], dtype=float)).any())


def system_array(rows: Any, channel: str, c: int, system: str, metric: str = "psnr") -> Optional[np.ndarray]:
    """``[snr, draw, image]`` of ``metric`` for one system (``None`` when the rows hold none)."""
    t = rows.where(channel=channel, c=int(c), system=system)
    if len(t["snr_db"]) == 0:
        return None
    snrs, draws, imgs = (np.unique(t[k]) for k in ("snr_db", "draw", "image"))
    out = np.full((len(snrs), len(draws), len(imgs)), np.nan)
    si, di, ii = (np.searchsorted(u, t[k]) for u, k in ((snrs, "snr_db"), (draws, "draw"), (imgs, "image")))
    out[si, di, ii] = t[metric]
    return out


def unit_values(a: np.ndarray, crossed: bool) -> np.ndarray:
    """Per-SNR values over the independent units: ``[snr, image]`` (draws averaged) or, ``crossed``,
    ``[snr, fade, image]`` as stored."""
    return a if crossed else a.mean(axis=1)


def mean_interval(v: np.ndarray, crossed: bool, seed: int) -> Any:
    """The mean of one SNR's values with its 95 % interval (:mod:`scenarios.study.stats`): ``v`` is ``[image]`` or,
    ``crossed``, ``[fade, image]``."""
    from ..study.stats import bootstrap_crossed, bootstrap_mean

    return bootstrap_crossed(v, seed, units="fade x image") if crossed else bootstrap_mean(v, seed, unit="image")


def crossover(snrs: np.ndarray, diff: np.ndarray) -> float:
    """The lowest Es/N0 from which ``diff`` (B − A per SNR) stays ≥ 0 (module docstring)."""
    d = np.asarray(diff, dtype=np.float64)
    behind = np.flatnonzero(d < 0)
    if behind.size == 0:
        return -math.inf
    j = int(behind[-1])
    if j == len(d) - 1:
        return math.inf
    x0, x1, y0, y1 = snrs[j], snrs[j + 1], d[j], d[j + 1]
    return float(x0 + (x1 - x0) * (-y0) / (y1 - y0))


def crossover_interval(snrs: np.ndarray, a: np.ndarray, b: np.ndarray, crossed: bool, seed: int,
                       boot: int = 1000, confidence: float = 0.95) -> dict[str, Any]:
    """Crossover of ``b`` over ``a`` (unit values per :func:`unit_values`, same units) with a percentile
    bootstrap interval; ``{"value", "lo", "hi", "n", "beyond"}`` (``beyond``: fraction of resamples without a
    crossing inside the grid; ``lo``/``hi`` ``None`` below 5 units)."""
    from ..study.stats import MIN_UNITS

    da, db = np.asarray(a), np.asarray(b)
    mean = lambda x: x.reshape(x.shape[0], -1).mean(axis=1)  # noqa: E731
    est = crossover(snrs, mean(db) - mean(da))
    n = min(da.shape[1:]) if crossed else da.shape[1]
    if n < MIN_UNITS:
        return {"value": est, "lo": None, "hi": None, "n": int(n), "beyond": None}
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(boot):
        if crossed:
            f, i = rng.integers(0, da.shape[1], da.shape[1]), rng.integers(0, da.shape[2], da.shape[2])
            xa, xb = da[:, f][:, :, i], db[:, f][:, :, i]
        else:
            i = rng.integers(0, da.shape[1], da.shape[1])
            xa, xb = da[:, i], db[:, i]
        vals.append(crossover(snrs, mean(xb) - mean(xa)))
    v = np.array(vals)
    q = (1 - confidence) / 2
    big = 1e9  # ±inf as large finite values for the quantiles (inf - inf would give NaN), mapped back after
    lo, hi = (float(np.quantile(np.clip(v, -big, big), x, method="inverted_cdf")) for x in (q, 1 - q))
    back = lambda x: math.copysign(math.inf, x) if abs(x) >= big else x  # noqa: E731
    return {"value": est, "lo": back(lo), "hi": back(hi), "n": int(n), "beyond": float(np.mean(~np.isfinite(v)))}
