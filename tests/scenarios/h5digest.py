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


def _flatten_rows(group_name: str, attr: str, value: object, out: dict) -> None:
    """A JSON attribute holding a list of flat dicts (the old JSON row layout) as columns."""
    import json

    try:
        rows = json.loads(value.decode() if isinstance(value, bytes) else str(value))
    except (TypeError, ValueError):
        return
    if not (isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)):
        return
    for key in rows[0]:
        col = [r.get(key) for r in rows]
        if all(isinstance(c, (int, float)) and not isinstance(c, bool) or c is None for c in col):
            out[f"{group_name}/{attr}/{key}"] = np.array([np.nan if c is None else c for c in col], dtype=np.float64)
        elif all(isinstance(c, (str, bool)) for c in col):
            out[f"{group_name}/{attr}/{key}"] = np.array([str(c) for c in col])


def normalized(path: str) -> dict[str, np.ndarray]:
    """Every stored number of a study file under one naming, whatever the row layout: a 2-D ``rows``
    dataset with a ``rows_columns`` (or ``columns``) attribute, a JSON attribute holding a list of row
    dicts, and a table group (:mod:`scenarios.study.tables`) all become ``<group>/<table>/<column>``."""
    import json

    out = dict(datasets(path))
    with h5py.File(path, "r") as f:
        def visit(name: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset) and obj.ndim == 2:
                parent = obj.parent
                base = name.rsplit("/", 1)[-1]
                cols = parent.attrs.get(f"{base}_columns", parent.attrs.get("columns") if base in ("rows", "draws") else None)
                if cols is not None:
                    names = json.loads(cols)
                    if len(names) == obj.shape[1]:
                        a = obj[()]
                        for i, c in enumerate(names):
                            out[f"{name}/{c}"] = a[:, i]
                        out.pop(name, None)  # the matrix is its columns now
            if isinstance(obj, h5py.Group):
                for attr, value in obj.attrs.items():
                    _flatten_rows(name, attr, value, out)
        f.visititems(visit)
    return out


def compare(before: str, after: str, rtol: float = 1e-9) -> list[str]:
    """Differences between two study files' stored numbers (every number of ``before`` must be in
    ``after``, equal: exactly for integers and strings, to ``rtol`` for floats)."""
    a, b = normalized(before), normalized(after)
    problems = []
    for k, v in sorted(a.items()):
        if k not in b:
            problems.append(f"missing: {k}")
            continue
        w = b[k]
        if v.shape != w.shape:
            problems.append(f"shape {k}: {v.shape} vs {w.shape}")
        elif v.dtype.kind in "f" or w.dtype.kind in "f":
            if not np.allclose(np.asarray(v, float), np.asarray(w, float), rtol=rtol, atol=0, equal_nan=True):
                problems.append(f"values {k}: max rel diff "
                                f"{np.nanmax(np.abs(np.asarray(v, float) - w) / np.maximum(np.abs(np.asarray(v, float)), 1e-300)):.3g}")
        elif v.dtype.kind == "b" or w.dtype.kind == "b":  # booleans read back from JSON text are strings
            if not np.array_equal(np.asarray(v).astype(str), np.asarray(w).astype(str)):
                problems.append(f"values {k}")
        elif not np.array_equal(v, w):
            problems.append(f"values {k}")
    return problems
