"""semlink link level: Sionna 2.x links, Monte Carlo engine, results and analytic models.

LLR sign convention (Sionna's, kept throughout semlink):
``LLR = ln(P(b=1|y) / P(b=0|y))``; hard decision ``b = 1`` iff ``LLR > 0``.
Bits are float ``{0, 1}`` tensors ``[batch, ..., k]``.
"""

from .config import CRC_POLYNOMIALS, MODULATIONS, LinkConfig, modulation_params
from .link import Link, LinkOutput

__all__ = [
    "CRC_POLYNOMIALS",
    "MODULATIONS",
    "LinkConfig",
    "Link",
    "LinkOutput",
    "modulation_params",
]
