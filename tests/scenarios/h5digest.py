"""Read every dataset of an HDF5 result file into flat arrays (for before/after comparisons).

Used by ``test_refactor_equality.py`` and, once, to write ``data/quick_before.npz`` from the
quick variants of both built-in study kinds run at commit 71f0bcc (before the study framework):

    python tests/scenarios/h5digest.py OUT.npz va=/tmp/va/validate_analytic.h5 xu=/tmp/xu/xu_test.h5
"""

from __future__ import annotations

import sys

import h5py
import numpy as np

# what is not a stored *number* of the study: wall-clock times and the cached input sketches
SKIP_SUFFIXES = ("runtime_s",)
SKIP_PARTS = ("/sketch",)


def datasets(path: str, prefix: str = "") -> dict[str, np.ndarray]:
    """``{prefix/dataset path: array}`` for every numeric or string dataset of ``path``."""
    out: dict[str, np.ndarray] = {}

    def visit(name: str, obj: object) -> None:
        if not isinstance(obj, h5py.Dataset) or name.endswith(SKIP_SUFFIXES) or any(s in name for s in SKIP_PARTS):
            return
        a = np.asarray(obj[()])
        if a.dtype.kind in "biuf":
            out[prefix + name] = a
        elif a.dtype.kind in "OSU":
            out[prefix + name] = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in a.ravel()])

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


if __name__ == "__main__":
    arrays: dict[str, np.ndarray] = {}
    for spec in sys.argv[2:]:
        tag, path = spec.split("=", 1)
        arrays.update(datasets(path, tag + ":"))
    np.savez_compressed(sys.argv[1], **arrays)
    print(f"{len(arrays)} datasets -> {sys.argv[1]}")
