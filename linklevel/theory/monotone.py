"""Inverting a monotone curve: the one root-finding helper of semlink (NumPy/SciPy only).

Error-rate curves span many decades, so they are inverted on ``log y`` (``log_y``), and
parameters such as an error probability on ``log x`` (``log_x``). Bisection-safe:
:func:`scipy.optimize.brentq` on a bracket whose ends must straddle the target.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

from scipy.optimize import brentq

__all__ = ["invert_monotone"]

_TINY = 1e-300


def invert_monotone(
    f: Callable[[float], float],
    target: float,
    lo: float,
    hi: float,
    *,
    log_x: bool = False,
    log_y: bool = False,
    xtol: float = 1e-10,
    rtol: Optional[float] = None,
    maxiter: int = 100,
    outside: str = "none",
) -> Optional[float]:
    """``x`` in ``[lo, hi]`` with ``f(x) = target`` for a monotone ``f``.

    :param f: Monotone (increasing or decreasing) scalar function.
    :param target: Value to reach (``> 0`` with ``log_y``).
    :param lo, hi: Bracket (``> 0`` with ``log_x``).
    :param log_x: Solve in ``u = ln x`` (``xtol`` then applies to ``u``).
    :param log_y: Solve ``ln f(x) = ln target`` (``f`` floored at 1e-300).
    :param xtol, rtol, maxiter: Passed to :func:`scipy.optimize.brentq`.
    :param outside: ``"none"``: return ``None`` when the target is not bracketed;
        ``"raise"``: raise :class:`ValueError`.
    :output: The root (in ``x``), or ``None``.

    .. code-block:: python

        >>> round(invert_monotone(lambda x: 10 ** -x, 1e-5, 0.0, 20.0, log_y=True), 6)
        5.0
    """
    if outside not in ("none", "raise"):
        raise ValueError(f"outside must be 'none' or 'raise', got {outside!r}")
    if log_y and not target > 0:
        raise ValueError(f"log_y needs a positive target, got {target}")
    ty = math.log(target) if log_y else target

    def g(u: float) -> float:
        x = math.exp(u) if log_x else u
        y = f(x)
        return (math.log(max(y, _TINY)) if log_y else y) - ty

    a, b = (math.log(lo), math.log(hi)) if log_x else (lo, hi)
    ga, gb = g(a), g(b)
    if ga == 0.0:
        return lo
    if gb == 0.0:
        return hi
    if (ga < 0) == (gb < 0):
        if outside == "raise":
            raise ValueError(f"target {target:g} is not reached between {lo:g} and {hi:g}")
        return None
    kw = {"xtol": xtol, "maxiter": maxiter}
    if rtol is not None:
        kw["rtol"] = rtol
    u = float(brentq(g, a, b, **kw))
    return math.exp(u) if log_x else u
