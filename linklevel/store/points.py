"""Monte Carlo records without torch: stopping rules and per-point raw counts.

:class:`StopCriteria` says when a point stops; :class:`PointResult` keeps its raw
counts (rates and exact Clopper–Pearson intervals are derived). Both are read back
from result files by :mod:`linklevel.store.results` without loading torch or Sionna.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np

from linklevel.theory.stats import clopper_pearson, cluster_interval

__all__ = ["STATUSES", "UNITS", "StopCriteria", "PointResult", "SweepResult"]

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
    :param max_bits: Stop a point at exactly this many information bits (the last batch is truncated).
    :param max_blocks: Stop a point at exactly this many blocks (codewords).
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


#: Independent units of the BER / BLER intervals: the trials themselves, or frames (clusters).
UNITS = ("bits", "blocks", "frames")


@dataclass
class PointResult:
    """Raw counts of one SNR point and the sufficient statistics of its intervals.

    Counts: ``bits``, ``bit_errors``, ``blocks``, ``block_errors``, ``detected_block_errors``,
    ``batches``. Per-frame sums for clustered errors (a frame is one batch element: a codeword,
    a fade, an OFDM grid; frames are independent): ``frames``, ``bit_err_sq`` = Σe_f²,
    ``bits_sq`` = Σn_f², ``bit_err_bits`` = Σe_f·n_f, and the same for blocks
    (``block_err_sq``, ``blocks_sq``, ``block_err_blocks``).

    ``ber_unit`` / ``bler_unit``: the independent unit of the interval (``bits`` / ``blocks``
    when those trials are independent, else ``frames``: Clopper–Pearson on effective counts with
    the empirical design effect, :func:`~linklevel.theory.stats.cluster_interval`).

    ``inverse``: ``"bits"`` / ``"blocks"`` when the point stopped exactly at its target-th
    error of independent trials (inverse binomial sampling); the rate is then the unbiased
    ``(e − 1)/(n − 1)`` instead of ``e/n`` (which overestimates: +10 % at 10 errors).

    LDPC decoding: ``iterations`` = Σ BP iterations over the ``blocks`` counted, and
    ``iteration_hist`` = how many blocks used 0, 1, 2, ... iterations (comma-separated counts,
    empty for uncoded links).
    """

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
    frames: int = 0
    bit_err_sq: int = 0
    bits_sq: int = 0
    bit_err_bits: int = 0
    block_err_sq: int = 0
    blocks_sq: int = 0
    block_err_blocks: int = 0
    ber_unit: str = "bits"
    bler_unit: str = "blocks"
    inverse: str = ""
    iterations: int = 0
    iteration_hist: str = ""

    @property
    def avg_iterations(self) -> Optional[float]:
        """Mean LDPC iterations per block (`None` for an uncoded link or no blocks)."""
        if not self.iteration_hist or not self.blocks:
            return None
        return self.iterations / self.blocks

    def histogram(self) -> list[int]:
        """:attr:`iteration_hist` as a list: blocks that used 0, 1, 2, ... iterations."""
        return [int(v) for v in self.iteration_hist.split(",")] if self.iteration_hist else []

    def add_histogram(self, counts: list[int]) -> None:
        """Add per-iteration block counts to :attr:`iteration_hist` (lengths may differ)."""
        old = self.histogram()
        if len(old) < len(counts):
            old += [0] * (len(counts) - len(old))
        for i, v in enumerate(counts):
            old[i] += int(v)
        self.iteration_hist = ",".join(str(v) for v in old)

    @property
    def ber(self) -> float:
        """Estimated BER: unbiased ``(e-1)/(n-1)`` after an exact inverse-sampling stop, else ``e/n``."""
        if not self.bits:
            return float("nan")
        if self.inverse == "bits" and self.bits > 1:
            return (self.bit_errors - 1) / (self.bits - 1)
        return self.bit_errors / self.bits

    @property
    def bler(self) -> float:
        """Estimated BLER (as :attr:`ber`, with blocks)."""
        if not self.blocks:
            return float("nan")
        if self.inverse == "blocks" and self.blocks > 1:
            return (self.block_errors - 1) / (self.blocks - 1)
        return self.block_errors / self.blocks

    def ber_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        """BER interval on the independent unit (:attr:`ber_unit`)."""
        if self.ber_unit == "frames":
            lo, hi, _ = cluster_interval(self.bit_errors, self.bits, self.bit_err_sq, self.bits_sq,
                                         self.bit_err_bits, self.frames, confidence)
            return lo, hi
        lo, hi = clopper_pearson(self.bit_errors, self.bits, confidence)
        return float(lo), float(hi)

    def bler_ci(self, confidence: float = 0.95) -> tuple[float, float]:
        """BLER interval on the independent unit (:attr:`bler_unit`)."""
        if self.bler_unit == "frames":
            lo, hi, _ = cluster_interval(self.block_errors, self.blocks, self.block_err_sq, self.blocks_sq,
                                         self.block_err_blocks, self.frames, confidence)
            return lo, hi
        lo, hi = clopper_pearson(self.block_errors, self.blocks, confidence)
        return float(lo), float(hi)

    def ci_method(self, metric: str) -> str:
        """How the interval of ``metric`` (``ber``/``bler``) is computed, in words."""
        unit = self.ber_unit if metric == "ber" else self.bler_unit
        if unit == "frames":
            return "clopper-pearson on effective counts (empirical design effect over frames)"
        return f"clopper-pearson ({unit} independent)"

    def to_dict(self, confidence: float = 0.95) -> dict[str, Any]:
        """JSON-ready dict with counts, rates (``None`` when undefined), intervals and their methods."""
        d = asdict(self)
        d["ber"] = None if self.bits == 0 else self.ber
        d["bler"] = None if self.blocks == 0 else self.bler
        d["ber_ci"] = list(self.ber_ci(confidence))
        d["bler_ci"] = list(self.bler_ci(confidence))
        d["ber_ci_method"] = self.ci_method("ber")
        d["bler_ci_method"] = self.ci_method("bler")
        d["estimator"] = ("(e-1)/(n-1), inverse binomial sampling on " + self.inverse) if self.inverse else "e/n"
        d["avg_iterations"] = self.avg_iterations
        d["iteration_hist"] = self.histogram()
        return d


@dataclass
class SweepResult:
    """Points of a sweep in SNR order; ``interrupted`` if stopped by Ctrl-C."""

    points: list[PointResult]
    interrupted: bool = False
    runtime_s: float = 0.0
