"""Documented ranges of the physical quantities semlink accepts: one place per quantity.

The command-line options check their values with :func:`scenarios.cli.common.bounded_float` (and
friends) and the study schemas with :func:`scenarios.study.schema.build_dataclass` (``bounds=``), both
against the :class:`Range` objects below, so an option and the study key for the same quantity
accept the same values. The ranges are wide (far beyond any physical link) but finite: values
outside them are typos that would overflow (``10 ** (1e5 / 10)``) or print 300-digit numbers.

Pure Python (no NumPy): imported by ``semlink --help``.

.. code-block:: python

    >>> SNR_DB.text()
    '[-100, 150] dB'
    >>> SNR_DB.check(1e5, "--psnr")
    Traceback (most recent call last):
    ...
    ValueError: --psnr must lie in [-100, 150] dB, got 100000
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Range", "SNR_DB", "GAIN_DB", "NOISE_DBM", "NOISE_DBM_HZ", "BANDWIDTH_HZ", "POWER_MW", "POWER_W",
           "STREAM_BITS", "BER", "BLER", "CODE_RATE", "UNIT", "PERCEPTION", "LATENCY_MS", "DURATION_S",
           "LEARNING_RATE", "RD_LAMBDA", "HVS_VARIANCE", "DISTANCE_M", "PATH_LOSS_EXPONENT", "BITS_PER_USE",
           "SKETCH_SCALE", "CONFIDENCE", "MINSUM_SCALE", "MINSUM_OFFSET", "SNR_STEP_DB",
           "EQ4_ALPHA", "EQ4_BETA", "EQ2_K", "EQ2_B", "MAX_STUDY_INT", "MAX_STUDY_FLOAT"]


@dataclass(frozen=True)
class Range:
    """A closed (or half-open) interval of accepted values, with its unit for messages."""

    lo: float
    hi: float
    unit: str = ""
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def text(self) -> str:
        """``[lo, hi] unit`` (brackets show open ends)."""
        lo, hi = (str(x) if isinstance(x, int) else f"{x:g}" for x in (self.lo, self.hi))
        body = f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}"
        return f"{body} {self.unit}" if self.unit else body

    def check(self, value: Any, what: str) -> float:
        """``value`` as a float, or a one-line :class:`ValueError` naming ``what`` and the range."""
        if value not in self:
            shown = f"{value:g}" if isinstance(value, float) and not isinstance(value, bool) else repr(value)
            raise ValueError(f"{what} must lie in {self.text()}, got {shown}")
        return float(value)


#: SNRs of every kind: Eb/N0, Es/N0, PSNR, average and receive SNR.
SNR_DB = Range(-100.0, 150.0, "dB")
#: Channel power gains |h|^2 and path losses.
GAIN_DB = Range(-300.0, 100.0, "dB")
#: Noise power.
NOISE_DBM = Range(-300.0, 100.0, "dBm")
#: Noise power spectral density N0 (thermal noise: -174 dBm/Hz).
NOISE_DBM_HZ = Range(-300.0, 0.0, "dBm/Hz")
BANDWIDTH_HZ = Range(1e3, 1e12, "Hz")
POWER_MW = Range(1e-6, 1e6, "mW")
POWER_W = Range(0.0, 1e3, "W")
#: Bits of one semantic stream (prompt, edge map).
STREAM_BITS = Range(1, 10**9, "bits")
#: A bit-error-rate target.
BER = Range(1e-15, 0.5, lo_open=False, hi_open=True)
#: A block-error-rate target.
BLER = Range(1e-15, 1.0, hi_open=True)
CODE_RATE = Range(0.01, 1.0)
UNIT = Range(0.0, 1.0)
#: A perception-distance target P-bar (or a normalized quality).
PERCEPTION = Range(0.0, 1.0, lo_open=True)
LATENCY_MS = Range(1e-3, 1e7, "ms")
DURATION_S = Range(1e-3, 1e7, "s")
LEARNING_RATE = Range(1e-12, 1.0)
RD_LAMBDA = Range(1e-12, 1e3)
HVS_VARIANCE = Range(1e-9, 1e3)
DISTANCE_M = Range(1e-3, 1e7, "m")
PATH_LOSS_EXPONENT = Range(1.0, 10.0)
#: Information bits per channel use of a finite-blocklength bound.
BITS_PER_USE = Range(0.0, 100.0, "bits per channel use", lo_open=True)
#: Fraction of the image size a sketch is coded at.
SKETCH_SCALE = Range(0.01, 1.0)
CONFIDENCE = Range(0.0, 1.0, lo_open=True, hi_open=True)
MINSUM_SCALE = Range(0.0, 1.0)
MINSUM_OFFSET = Range(0.0, 20.0)
#: Step of an SNR grid built from a study's range (a tiny step would build billions of points).
SNR_STEP_DB = Range(1e-3, 2.0, "dB")
#: Qiao et al.: eq. (4)'s MQAM bound BER <= exp(-alpha gamma / (M - 1)) / beta and eq. (2)'s
#: PER ~ 1 - L^(-k/gamma) exp(-b/gamma).
EQ4_ALPHA = Range(1e-3, 100.0)
EQ4_BETA = Range(1.0, 1e3)
EQ2_K = Range(1e-6, 100.0)
EQ2_B = Range(-100.0, 100.0)
#: Largest magnitude of any integer / float of a study file without a range of its own.
MAX_STUDY_INT = 10**9
MAX_STUDY_FLOAT = 1e12
