"""semlink link level: Sionna 2.x links, Monte Carlo engine, results and analytic models.

LLR sign convention (Sionna's, kept throughout semlink):
``LLR = ln(P(b=1|y) / P(b=0|y))``; hard decision ``b = 1`` iff ``LLR > 0``.
Bits are float ``{0, 1}`` tensors ``[batch, ..., k]``.

The package imports lazily: ``import linklevel.fbl`` (or ``analytic``, ``stats``,
``snr``, ``monotone``) loads NumPy/SciPy only; ``linklevel.Link`` loads torch and Sionna
on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CRC_POLYNOMIALS",
    "MODULATIONS",
    "LinkConfig",
    "Link",
    "LinkOutput",
    "modulation_params",
]

_LAZY = {
    "CRC_POLYNOMIALS": "config",
    "MODULATIONS": "config",
    "LinkConfig": "config",
    "modulation_params": "config",
    "Link": "link",
    "LinkOutput": "link",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
