"""The typed summary of the Xu study (``semlink run/show``, ``--json``): stream sizes, the measured
perception functions, the power-curve savings, the Rayleigh realizations and the real-link check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..study.stats import Interval
from ..study.summary import Summary
from .savings import CurveSavings

__all__ = ["ImageBits", "StreamBits", "SingleStream", "PerceptionSummary", "LinkCheckRow", "ForwardVsDiscard",
           "MethodFading", "FadingSummary", "RealLinkSummary", "XuSummary", "PAPER_BPP"]

PAPER_BPP = (0.0303, 0.0260)  #: Xu et al., Sec. VI-A: total bpp of the two example images


@dataclass
class ImageBits:
    """Exact transmitted bits of one image's streams and the total bits per pixel."""

    image: str
    prompt_bits: int
    edge_bits: int
    bpp: float


@dataclass
class StreamBits:
    """Stream sizes: the measured mean K (prompt, edge), the K used with the paper's constants, bpp."""

    measured_mean: tuple[int, int]
    used_for_paper_constants: tuple[int, int]
    mean_bpp: float
    paper_bpp: tuple[float, float] = PAPER_BPP
    per_image: list[ImageBits] = field(default_factory=list)


@dataclass
class SingleStream:
    """One stream alone, forwarded with BER ψ (eq. 17): mean distance over images, ψ = 0, logistic fit."""

    psi: list[float]
    mean: list[float]
    at_zero: float
    logistic: tuple[float, float, float, float]


@dataclass
class PerceptionSummary:
    """The measured perception functions (stored fits): the discard outcomes and single-stream curves."""

    metric: str
    samples: int
    p_best: float
    L1: float
    L2: float
    outcome_band: list[list[float]]  # stored bootstrap band [2, 3]: both, prompt only, edge only
    single_stream: dict[str, SingleStream] = field(default_factory=dict)


@dataclass
class LinkCheckRow:
    """Mean distance on the full uncoded link vs the BSC shortcut at one condition."""

    psi: tuple[float, float]
    link_mean: float
    bsc_mean: Optional[float]
    n: int


@dataclass
class ForwardVsDiscard:
    """One stream correct, the other forwarded at BER ``at_psi`` or discarded (Fig. 5); ``difference``:
    forwarded minus discarded, paired over images."""

    forwarded: str
    at_psi: float
    forwarded_perception: float
    discarded_perception: float
    difference: Interval


@dataclass
class MethodFading:
    """One method over the Rayleigh realizations (power to meet the target; perception under budgets)."""

    median_w: float
    mean_w: Interval
    infeasible: int
    budgets_w: list[float]
    median_perception: list[float]
    meets_target: list[Interval]


@dataclass
class FadingSummary:
    """The Rayleigh realizations (Fig. 9 analogue)."""

    count: int
    target: float
    source: str
    methods: dict[str, MethodFading] = field(default_factory=dict)
    bisection_excess_mean: Optional[float] = None
    bisection_excess_misses: Optional[int] = None


@dataclass
class RealLinkSummary:
    """The coded design (``Allocation.to_dict``) and its check on 5G LDPC links (``RealLinkCheck.to_dict``)."""

    design: Optional[dict[str, Any]] = None
    check: Optional[dict[str, Any]] = None


@dataclass
class XuSummary(Summary):
    """What the Xu study concludes (each section ``None``/empty until its part is stored)."""

    metric_key: str = ""
    k_bits: Optional[StreamBits] = None
    perception: Optional[PerceptionSummary] = None
    link_check: list[LinkCheckRow] = field(default_factory=list)
    forward_vs_discard: list[ForwardVsDiscard] = field(default_factory=list)
    curves: list[CurveSavings] = field(default_factory=list)
    realizations: Optional[FadingSummary] = None
    real_link: RealLinkSummary = field(default_factory=RealLinkSummary)

    def lines(self) -> list[str]:
        lines = [_curve_line(r) for r in self.curves]
        chk = self.real_link.check
        if chk:
            lines.append(f"real link: designed perception {chk['designed_perception']:.4f}, achieved "
                         f"{chk['points'][0]['achieved_perception']:.4f} at the design SNRs (target {chk['target']}); "
                         "backoff " + ("not reached" if chk["backoff_db"] is None else f"{chk['backoff_db']:.2f} dB"))
        return lines


def _curve_line(r: CurveSavings) -> str:
    c, ms = r.corner, r.max_saving
    line = f"{r.source}/{r.scheme}: max saving optimal vs unaware " + (
        f"{100 * ms.saving:.1f} % at P-bar {ms.target:.2f}" if ms else "-")
    if c:
        line += f"; {c.to_state} from P-bar {c.target:.2f}: {c.power_before_w:.4g} W -> {c.power_at_w:.4g} W"
        if c.saving_vs_unaware is not None:
            line += f" ({100 * c.saving_vs_unaware:.1f} % below unaware)"
    if r.bisection_misses:
        line += f"; bisection misses the optimum at {len(r.bisection_misses)} targets"
    return line
