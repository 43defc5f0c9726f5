r"""Perception-error functions :math:`P(\Phi_1, \Phi_2)` of the allocation (Xu et al., journal, Secs. III-IV),
NumPy/SciPy only.

**Discard receiver (coded).** It sees each stream either whole or not at all, so with the perception
of the four outcomes (both, prompt only, edge only, none = 1) the expected perception is exactly
bilinear in the BLERs: :math:`P(\Psi_1,\Psi_2) = \sum_{s} \Pr[s]\,P_s` with
:math:`\Pr[\text{both}] = (1-\Psi_1)(1-\Psi_2)`, etc. (:class:`DiscardPerception`). Its single-stream
semantic value is :math:`\hat L_i(\Psi) = (1-\Psi) L_i` (eq. 18 with
:math:`\delta(P_X, P_{\hat X_0}) = 1`). The paper's constants (Sec. VI-B) are :data:`PAPER_CONSTANTS`.

**Forward receiver (uncoded).** A measured table interpolated in log10 of the error rates
(:class:`TablePerception`; :mod:`scenarios.xu.perception` writes one from the study's measurement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

__all__ = ["PAPER_CONSTANTS", "DiscardPerception", "TablePerception"]

# Xu et al. (journal), Sec. VI-B: P_best and the transmitted streams' semantic values (prompt L1, edge L2)
PAPER_CONSTANTS = {
    "clip": {"p_best": 0.3191, "L1": 0.5887, "L2": 0.3596},
    "ms-ssim": {"p_best": 0.3313, "L1": 0.5465, "L2": 0.6355},
}


@dataclass(frozen=True)
class DiscardPerception:
    """Perception distance of the coded discard receiver, bilinear in the two BLERs.

    :param p_both: Perception with both streams (the paper's P_best).
    :param p_prompt_only: Perception with stream 1 (prompt) only, :math:`1 - L_1`.
    :param p_edge_only: Perception with stream 2 (edge) only, :math:`1 - L_2`.
    :param p_none: Perception with nothing (1: no regeneration).
    """

    p_both: float
    p_prompt_only: float
    p_edge_only: float
    p_none: float = 1.0

    def __post_init__(self) -> None:
        vals = (self.p_both, self.p_prompt_only, self.p_edge_only, self.p_none)
        if not all(0.0 <= v <= 1.0 for v in vals):
            raise ValueError(f"perception values must lie in [0, 1], got {vals}")
        if not (self.p_both <= min(self.p_prompt_only, self.p_edge_only) and
                max(self.p_prompt_only, self.p_edge_only) <= self.p_none):
            raise ValueError("perception must not improve when a stream is lost: need "
                             "p_both <= p_prompt_only, p_edge_only <= p_none")

    @classmethod
    def from_paper(cls, metric: str = "clip") -> "DiscardPerception":
        c = PAPER_CONSTANTS[metric]
        return cls(c["p_best"], 1.0 - c["L1"], 1.0 - c["L2"])

    def __call__(self, e1: float, e2: float) -> float:
        return ((1 - e1) * (1 - e2) * self.p_both + (1 - e1) * e2 * self.p_prompt_only
                + e1 * (1 - e2) * self.p_edge_only + e1 * e2 * self.p_none)

    def semantic_value(self, i: int, e: float) -> float:
        """:math:`\\hat L_i(\\Psi) = (1-\\Psi) L_i` (eq. 18)."""
        L = 1.0 - (self.p_prompt_only if i == 0 else self.p_edge_only)
        return (1.0 - e) * L


class TablePerception:
    r"""A perception-error function from a measured table, interpolated in log10 of the error rates.

    JSON format: ``{"e1": [...], "e2": [...], "p": [[p(e1[i], e2[j])...]...]}`` with increasing
    grids of error rates in (0, 1], optionally ``"single1"``/``"single2"``:
    ``{"e": [...], "p": [...]}`` — the perception with that stream alone (its semantic value
    :math:`\hat L_i = 1 - p`, eq. 17, for the ``proportional`` method). Tables are made
    non-decreasing (running maximum along each axis) before use; rates outside the grid are
    clamped to it.
    """

    def __init__(self, e1: Sequence[float], e2: Sequence[float], p: Sequence[Sequence[float]],
                 single: Optional[Sequence[Optional[tuple[Sequence[float], Sequence[float]]]]] = None) -> None:
        from scipy.interpolate import RegularGridInterpolator

        x1, x2 = np.asarray(e1, float), np.asarray(e2, float)
        tab = np.asarray(p, float)
        if x1.ndim != 1 or x2.ndim != 1 or tab.shape != (x1.size, x2.size) or x1.size < 2 or x2.size < 2:
            raise ValueError("table: need grids e1 [n], e2 [m] (n, m >= 2) and p [n, m]")
        for x in (x1, x2):
            if np.any(x <= 0) or np.any(x > 1) or np.any(np.diff(x) <= 0):
                raise ValueError("table: error-rate grids must increase within (0, 1]")
        if not np.all(np.isfinite(tab)) or np.any(tab < 0) or np.any(tab > 1):
            raise ValueError("table: perception values must lie in [0, 1]")
        tab = np.maximum.accumulate(np.maximum.accumulate(tab, axis=0), axis=1)
        self._f = RegularGridInterpolator((np.log10(x1), np.log10(x2)), tab)
        self._lim = (x1[0], x1[-1], x2[0], x2[-1])
        self._single = [None if s is None else self._curve(s) for s in (single or [None, None])]

    @staticmethod
    def _curve(s: tuple[Sequence[float], Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
        e, v = np.asarray(s[0], float), np.maximum.accumulate(np.asarray(s[1], float))
        if e.ndim != 1 or e.shape != v.shape or e.size < 2 or np.any(np.diff(e) <= 0):
            raise ValueError("table: single-stream curves need increasing 'e' and matching 'p'")
        return np.log10(e), v

    @classmethod
    def from_dict(cls, d: Any, where: str = "table") -> "TablePerception":
        """From the JSON format's object (``e1, e2, p``, optional ``single1/single2``)."""
        if not isinstance(d, dict) or not {"e1", "e2", "p"} <= set(d):
            raise ValueError(f"{where}: expected an object with e1, e2, p")
        single = [(d[k]["e"], d[k]["p"]) if k in d else None for k in ("single1", "single2")]
        return cls(d["e1"], d["e2"], d["p"], single)

    @classmethod
    def from_json(cls, path: str) -> "TablePerception":
        from ..study.schema import read_json

        return cls.from_dict(read_json(path, "the perception table"), path)

    def digest(self) -> str:
        """Content hash (grids, values, single-stream curves): names results computed with this table."""
        import hashlib

        h = hashlib.sha256(np.asarray(self._f.values, dtype=np.float64).round(12).tobytes())
        for x in (*self._f.grid, *(c for s in self._single if s is not None for c in s)):
            h.update(np.asarray(x, dtype=np.float64).round(12).tobytes())
        return h.hexdigest()[:16]

    def __call__(self, e1: float, e2: float) -> float:
        a = min(max(e1, self._lim[0]), self._lim[1])
        b = min(max(e2, self._lim[2]), self._lim[3])
        return float(self._f([[math.log10(a), math.log10(b)]])[0])

    def semantic_values(self) -> Optional[list[Callable[[float], float]]]:
        """:math:`\\hat L_i(\\Phi) = 1 - p_i(\\Phi)` per stream (eq. 17), or ``None`` without single-stream curves."""
        if any(s is None for s in self._single):
            return None
        return [lambda e, s=s: 1.0 - float(np.interp(math.log10(max(e, 1e-300)), s[0], s[1])) for s in self._single]
