"""semlink link level: Sionna 2.x links, Monte Carlo engine, results and analytic models.

LLR sign convention (Sionna's, kept throughout semlink):
``LLR = ln(P(b=1|y) / P(b=0|y))``; hard decision ``b = 1`` iff ``LLR > 0``.
Bits are float ``{0, 1}`` tensors ``[batch, ..., k]``.

Layers, one folder each (lower layers never import higher ones):

* ``theory/``  NumPy/SciPy only: ``analytic`` (exact BER), ``fbl`` (finite-blocklength bounds), ``snr``,
  ``monotone`` (inversion), ``stats`` (intervals);
* ``store/``   NumPy/h5py only: ``points`` (a point's counts), ``results`` (the BER store), ``h5io`` (safe,
  checksummed HDF5);
* ``blocks/``  Sionna blocks: ``config`` (``LinkConfig``, NumPy only), ``channels``, ``ofdm``, ``coding``,
  ``ldpc``, ``link``;
* ``engine/``  the Monte Carlo engine: ``montecarlo``, ``overlay`` (analytic verdicts), ``workers``,
  ``runtime``;
* ``plotting`` figures from stored counts.

The package imports lazily: ``linklevel.Link`` loads torch and Sionna on first use. The flat paths
users know (``linklevel.fbl``, ``from linklevel import analytic``, ``linklevel.montecarlo``, ...) keep
working: they name the same module objects as their folder paths.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import Any

__all__ = [
    "CRC_POLYNOMIALS",
    "MODULATIONS",
    "LinkConfig",
    "Link",
    "LinkOutput",
    "modulation_params",
    "LAYERS",
]

#: module -> layer folder (the flat names ``linklevel.<module>`` resolve to ``linklevel.<layer>.<module>``).
LAYERS = {
    "analytic": "theory", "fbl": "theory", "snr": "theory", "monotone": "theory", "stats": "theory",
    "points": "store", "results": "store", "h5io": "store",
    "config": "blocks", "channels": "blocks", "ofdm": "blocks", "coding": "blocks", "ldpc": "blocks",
    "link": "blocks",
    "montecarlo": "engine", "overlay": "engine", "workers": "engine", "runtime": "engine",
}

_LAZY = {
    "CRC_POLYNOMIALS": "blocks.config",
    "MODULATIONS": "blocks.config",
    "LinkConfig": "blocks.config",
    "modulation_params": "blocks.config",
    "Link": "blocks.link",
    "LinkOutput": "blocks.link",
}


class _FlatAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import linklevel.fbl`` -> the module ``linklevel.theory.fbl`` (one module object, not a copy)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        head, _, name = fullname.rpartition(".")
        if head != __name__ or name not in LAYERS:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        name = spec.name.rpartition(".")[2]
        return importlib.import_module(f"{__name__}.{LAYERS[name]}.{name}")

    def exec_module(self, module: Any) -> None:
        return None


if not any(isinstance(f, _FlatAlias) for f in sys.meta_path):
    sys.meta_path.append(_FlatAlias())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if name in LAYERS:
        return importlib.import_module(f"{__name__}.{LAYERS[name]}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(LAYERS))
