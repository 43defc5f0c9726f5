"""Imports of optional heavy stacks with the environment pitfalls handled in one place.

* torchvision: PyPI's recent torchvision wheels are CUDA builds whose compiled ops cannot
  load with a CPU torch, and their import then fails ("operator torchvision::nms does not
  exist"). semlink installs torchvision 0.16.2 without dependencies: its compiled ops do
  not load either, but its import survives (meta registrations are guarded), and its
  pure-Python transforms are all that compressai and transformers' image processors use.
  The extension warning it prints is silenced here.
* compressai 1.2.8 pins ``numpy<2`` in its metadata but runs with NumPy 2; it is installed
  with ``--no-deps`` and its real import-time dependencies (einops, torch-geometric,
  pytorch-msssim, scipy, matplotlib) are semlink's own.
"""

from __future__ import annotations

import warnings
from types import ModuleType

__all__ = ["import_compressai", "import_torchvision"]

_SETUP = "run `make install` (it installs torchvision 0.16.2 and compressai 1.2.8 with --no-deps; see README)"


def import_torchvision() -> ModuleType:
    """Import torchvision quietly; a clear error if it is missing or broken."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Failed to load image Python extension.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="torchvision")
        try:
            import torchvision
        except (ImportError, RuntimeError) as err:
            raise ImportError(f"torchvision is not importable ({err}); {_SETUP}") from None
    return torchvision


def import_compressai() -> ModuleType:
    """Import compressai (after torchvision); a clear error naming the set-up step if it fails."""
    import_torchvision()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        try:
            import compressai
        except (ImportError, RuntimeError) as err:
            raise ImportError(f"compressai is not importable ({err}); {_SETUP}") from None
    return compressai
