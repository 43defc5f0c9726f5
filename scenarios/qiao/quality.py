r"""Qiao et al.'s quality constraint: :math:`\mathrm{BER}_1^* = \min_j \Phi_j^{-1}(\varepsilon_j)` (Lemma 1).

:math:`\Phi_j` is a normalized quality (CLIP/CLIP0, MS-SSIM/MS-SSIM0: 1 = as good as an error-free
edge map) as a function of the edge BER with the prompt intact (Fig. 2). It comes as a table of
measured values; the table is made non-increasing in BER by a least-squares isotonic fit (the
paper's premise for Lemma 1, its Section III-C) and inverted by the *generalized inverse*
:math:`\Phi^{-1}(\varepsilon) = \sup\{\mathrm{BER}: \Phi(\mathrm{BER}) \ge \varepsilon\}` with linear
interpolation in :math:`\log_{10}\mathrm{BER}`. NumPy only.

Table file (JSON)::

    {"ber": [1e-6, 1e-5, 1e-4, 1e-3, 1e-2],
     "metrics": {"clip": [1.0, 0.999, 0.995, 0.98, 0.95], "ms_ssim": [1.0, 0.99, 0.97, 0.9, 0.8]},
     "source": "where the numbers come from"}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..study.stats import isotonic

__all__ = ["QualityTable", "read_quality_table", "ber_for_quality"]


@dataclass(frozen=True)
class QualityTable:
    """Normalized quality metrics vs edge BER (strictly increasing BERs in (0, 1))."""

    ber: tuple[float, ...]
    metrics: dict[str, tuple[float, ...]]
    source: str = ""

    def __post_init__(self) -> None:
        b = np.asarray(self.ber, dtype=np.float64)
        if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b)) or np.any(b <= 0) or np.any(b >= 1) \
                or np.any(np.diff(b) <= 0):
            raise ValueError("the quality table's 'ber' must be >= 2 strictly increasing values in (0, 1)")
        if not self.metrics:
            raise ValueError("the quality table has no metrics")
        for name, vals in self.metrics.items():
            v = np.asarray(vals, dtype=np.float64)
            if v.shape != b.shape or not np.all(np.isfinite(v)):
                raise ValueError(f"metric {name!r} must have {b.size} finite values (one per BER)")

    def fitted(self, name: str) -> np.ndarray:
        """The non-increasing least-squares fit of metric ``name`` over the table's BERs."""
        return -isotonic(-np.asarray(self.metrics[name], dtype=np.float64))

    def value(self, name: str, ber: float) -> float:
        """The fitted quality at ``ber`` (linear in log10 BER; held constant beyond the table's ends)."""
        q = self.fitted(name)
        if ber <= 0:
            return float(q[0])
        return float(np.interp(math.log10(ber), np.log10(np.asarray(self.ber)), q))

    def inverse(self, name: str, target: float) -> Optional[float]:
        """Largest BER whose fitted quality is still ``>= target`` (`None`: not even the smallest BER)."""
        q = self.fitted(name)
        if q[0] < target:
            return None
        if q[-1] >= target:
            return float(self.ber[-1])
        i = int(np.nonzero(q < target)[0][0])  # first BER below the target; q[i-1] >= target > q[i]
        x0, x1 = math.log10(self.ber[i - 1]), math.log10(self.ber[i])
        frac = (q[i - 1] - target) / (q[i - 1] - q[i])
        return float(10 ** (x0 + frac * (x1 - x0)))


def read_quality_table(path: str) -> QualityTable:
    """Read a JSON quality table (format in the module docstring); clear errors on a bad file."""
    from ..study.schema import read_json

    doc = read_json(path, "the quality table")
    if not isinstance(doc, dict) or not isinstance(doc.get("ber"), list) or not isinstance(doc.get("metrics"), dict):
        raise ValueError(f"{path}: a quality table needs 'ber' (list) and 'metrics' (object of lists)")
    try:
        return QualityTable(tuple(float(v) for v in doc["ber"]),
                            {str(k): tuple(float(x) for x in v) for k, v in doc["metrics"].items()},
                            str(doc.get("source", "")))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: {err}") from None


def ber_for_quality(table: QualityTable, targets: dict[str, float]) -> tuple[Optional[float], dict[str, Any]]:
    r"""Lemma 1's :math:`\mathrm{BER}_1^* = \min_j \Phi_j^{-1}(\varepsilon_j)`.

    :param table: The quality table.
    :param targets: ``{metric: epsilon}`` (each metric must be in the table).
    :output: ``(ber_star, per_metric)``; ``ber_star`` is `None` when some target is not met even at
        the smallest tabulated BER (infeasible).

    .. code-block:: python

        >>> t = QualityTable((1e-6, 1e-4, 1e-2), {"clip": (1.0, 0.99, 0.9)})
        >>> round(ber_for_quality(t, {"clip": 0.995})[0], 9)   # halfway between 1e-6 and 1e-4 in log
        1e-05
    """
    per: dict[str, Any] = {}
    for name, eps in targets.items():
        if name not in table.metrics:
            raise ValueError(f"metric {name!r} is not in the quality table (it has {', '.join(table.metrics)})")
        per[name] = table.inverse(name, float(eps))
    if any(v is None for v in per.values()):
        return None, per
    return min(per.values()), per
