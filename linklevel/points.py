"""Monte Carlo records without torch: stopping rules and per-point raw counts.

:class:`StopCriteria` says when a point stops; :class:`PointResult` keeps its raw
counts (rates and exact Clopper–Pearson intervals are derived). Both are read back
from result files by :mod:`linklevel.results` without loading torch or Sionna.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np

from .stats import clopper_pearson

__all__ = ["STATUSES", "StopCriteria", "PointResult", "SweepResult"]

#: Status values of a point.
STATUSES = (
    "target_bit_errors",
    "target_block_errors",
    "max_bits",
    "max_blocks",
    "time_budget",
    "interrupted",
    "skipped",
)


def _check_count(name: str, value: Any, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")


@dataclass(frozen=True)
class StopCriteria:
    """When a point (and the sweep) stops.

    :param target_bit_errors: Stop a point at this many bit errors (`None`: no target).
    :param target_block_errors: Stop a point at this many block errors (`None`: no target).
    :param max_bits: Stop a point after this many information bits.
    :param max_blocks: Stop a point after this many blocks (codewords).
    :param max_time_s: Stop a point after this many seconds.
    :param stop_after_zero_errors: Skip the rest of the sweep after a point with no
        bit error (points are simulated in increasing SNR order).

    At least one of ``max_bits``, ``max_blocks``, ``max_time_s`` must be set, so that
    every point ends.
    """

    target_bit_errors: Optional[int] = 1000
    target_block_errors: Optional[int] = 100
    max_bits: Optional[int] = 10**8
    max_blocks: Optional[int] = None
    max_time_s: Optional[float] = None
    stop_after_zero_errors: bool = False

    def __post_init__(self) -> None:
        for name in ("target_bit_errors", "target_block_errors", "max_bits", "max_blocks"):
            _check_count(name, getattr(self, name))
        if self.max_time_s is not None:
            t = float(self.max_time_s)
            if not math.isfinite(t) or t <= 0:
                raise ValueError(f"max_time_s must be a positive number, got {self.max_time_s}")
        if self.max_bits is None and self.max_blocks is None and self.max_time_s is None:
            raise ValueError("set at least one of max_bits, max_blocks, max_time_s")
        if not isinstance(self.stop_after_zero_errors, bool):
            raise TypeError("stop_after_zero_errors must be a bool")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PointResult:
    """Raw counts of one SNR point (rates and intervals are derived)."""

    ebno_db: float
    bits: int = 0
    bit_errors: int = 0
    blocks: int = 0
    block_errors: int = 0
    detected_block_errors: int = 0
    batches: int = 0
    status: str = "interrupted"
    runtime_s: float = field(default=0.0, compare=False)
    seed: int = 0
    resumed: bool = field(default=False, compare=False)

    @property
    def ber(self) -> float:
        return self.bit_errors / self.bits if self.bits else float("nan")

    @property
    def bler(self) -> float:
        return self.block_errors / self.blocks if self.blocks else float("nan")

    def ber_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        lo, hi = clopper_pearson(self.bit_errors, self.bits, confidence)
        return float(lo), float(hi)

    def bler_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        lo, hi = clopper_pearson(self.block_errors, self.blocks, confidence)
        return float(lo), float(hi)

    def to_dict(self, confidence: float = 0.95) -> dict[str, Any]:
        """JSON-ready dict with counts, rates (``None`` when undefined) and intervals."""
        d = asdict(self)
        d["ber"] = None if self.bits == 0 else self.ber
        d["bler"] = None if self.blocks == 0 else self.bler
        d["ber_ci"] = list(self.ber_ci(confidence))
        d["bler_ci"] = list(self.bler_ci(confidence))
        return d


@dataclass
class SweepResult:
    """Points of a sweep in SNR order; ``interrupted`` if stopped by Ctrl-C."""

    points: list[PointResult]
    interrupted: bool = False
    runtime_s: float = 0.0
