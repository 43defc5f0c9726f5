"""HDF5 result files: one file per study, one group per run, one row per SNR point.

Layout::

    /                      attrs: semlink_format
    /runs/<run_id>/        attrs: kind, config (JSON), config_hash, seed, versions (JSON),
                                  device, git_sha, created, updated, runtime_s, confidence
    /runs/<run_id>/points/ datasets (one row per finished point, sorted by SNR):
                           ebno_db, bits, bit_errors, blocks, block_errors,
                           detected_block_errors, batches, runtime_s, seed, status,
                           ber, ber_ci_lo, ber_ci_hi, bler, bler_ci_lo, bler_ci_hi
    /runs/<run_id>/<name>  optional extra datasets (e.g. analytic overlays), 1 row per point

Every update is written to a temporary copy that replaces the file atomically
(``os.replace``), so a crash or kill never leaves a half-written file behind: the
file always holds exactly the points finished before it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Union

import h5py
import numpy as np

from .points import PointResult
from .stats import clopper_pearson

__all__ = ["config_hash", "canonical_json", "atomic_h5", "ResultStore", "RunRecord", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_COUNT_FIELDS = ("bits", "bit_errors", "blocks", "block_errors", "detected_block_errors", "batches")


def _canonical(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, float):
        return float(repr(float(obj))) if np.isfinite(obj) else str(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return _canonical(float(obj))
    return obj


def canonical_json(obj: Any) -> str:
    """Canonical JSON of a config (sorted keys, normalized numbers): what :func:`config_hash` hashes."""
    return json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"))


def config_hash(config: dict[str, Any], length: int = 16) -> str:
    """Hash of a normalized config: SHA-256 of canonical JSON (sorted keys), hex prefix.

    .. code-block:: python

        >>> config_hash({"b": 1, "a": [1.0, 2]}) == config_hash({"a": [1.0, 2], "b": 1})
        True
    """
    text = canonical_json(config)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@contextmanager
def atomic_h5(path: Union[str, os.PathLike]) -> Iterator[h5py.File]:
    """Open an HDF5 file for appending through a temporary copy that atomically replaces it.

    A crash or kill inside the block leaves the original file untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if path.exists():
        shutil.copy2(path, tmp)
    try:
        with h5py.File(tmp, "a") as f:
            yield f
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@dataclass
class RunRecord:
    """A run read back from a file: its attributes, points and extra datasets."""

    run_id: str
    attrs: dict[str, Any]
    points: list[PointResult]
    extras: dict[str, np.ndarray]

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.attrs.get("config", "{}"))


class ResultStore:
    """Read and write a semlink HDF5 result file.

    :param path: File path; created on the first write (parent folders too).

    .. code-block:: python

        >>> import tempfile, os
        >>> from linklevel.montecarlo import PointResult
        >>> path = os.path.join(tempfile.mkdtemp(), "r.h5")
        >>> store = ResultStore(path)
        >>> store.ensure_run("abc", {"kind": "ber", "config": "{}"})
        >>> store.append_point("abc", PointResult(1.0, bits=100, bit_errors=3, blocks=1,
        ...                    block_errors=1, batches=1, status="max_bits"))
        >>> store.read_run("abc").points[0].bit_errors
        3
    """

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = Path(path)

    # ------------------------------------------------------------ low level
    @contextmanager
    def _write(self) -> Iterator[h5py.File]:
        with atomic_h5(self.path) as f:
            f.attrs["semlink_format"] = FORMAT_VERSION
            yield f

    def runs(self) -> list[str]:
        """Run ids in the file (empty if the file does not exist)."""
        if not self.path.exists():
            return []
        with h5py.File(self.path, "r") as f:
            return sorted(f["runs"].keys()) if "runs" in f else []

    def has_run(self, run_id: str) -> bool:
        return run_id in self.runs()

    # ------------------------------------------------------------------ runs
    def ensure_run(self, run_id: str, attrs: dict[str, Any]) -> None:
        """Create the run group if missing; set/refresh its attributes."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        with self._write() as f:
            g = f.require_group(f"runs/{run_id}")
            if "created" not in g.attrs:
                g.attrs["created"] = now
            g.attrs["updated"] = now
            for key, value in attrs.items():
                g.attrs[key] = _attr_value(value)

    def set_attrs(self, run_id: str, **attrs: Any) -> None:
        """Update attributes of an existing run."""
        with self._write() as f:
            g = f[f"runs/{run_id}"]
            for key, value in attrs.items():
                g.attrs[key] = _attr_value(value)

    def append_point(
        self,
        run_id: str,
        point: PointResult,
        confidence: float = 0.95,
        extras: Optional[dict[str, float]] = None,
    ) -> None:
        """Add (or replace) one finished point, keeping rows sorted by SNR.

        :param extras: Optional per-point scalars stored as datasets beside ``points``.
        """
        record = self.read_run(run_id) if self.has_run(run_id) else None
        points = [p for p in (record.points if record else []) if not np.isclose(p.ebno_db, point.ebno_db, atol=1e-9, rtol=0)]
        old_extras = record.extras if record else {}
        keep = [i for i, p in enumerate(record.points if record else []) if not np.isclose(p.ebno_db, point.ebno_db, atol=1e-9, rtol=0)]
        points.append(point)
        order = np.argsort([p.ebno_db for p in points], kind="stable")
        points = [points[i] for i in order]
        names = set(old_extras) | set(extras or {})
        extra_cols = {}
        for name in names:
            col = [float(old_extras[name][i]) if name in old_extras else np.nan for i in keep]
            col.append(float((extras or {}).get(name, np.nan)))
            extra_cols[name] = np.asarray(col, dtype=np.float64)[order]
        with self._write() as f:
            g = f.require_group(f"runs/{run_id}")
            g.attrs["confidence"] = float(confidence)
            g.attrs["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            if "points" in g:
                del g["points"]
            _write_points(g.create_group("points"), points, confidence)
            for name, col in extra_cols.items():
                if name in g:
                    del g[name]
                g.create_dataset(name, data=col)

    def finished_points(self, run_id: str) -> dict[float, PointResult]:
        """Stored points of a run keyed by SNR (empty if the run is absent)."""
        if not self.has_run(run_id):
            return {}
        return {p.ebno_db: p for p in self.read_run(run_id).points}

    def read_run(self, run_id: str) -> RunRecord:
        """Read one run back (attributes decoded, points as :class:`PointResult`)."""
        if not self.path.exists():
            raise FileNotFoundError(f"no result file {self.path}")
        with h5py.File(self.path, "r") as f:
            if f"runs/{run_id}" not in f:
                raise KeyError(f"run {run_id!r} not in {self.path}")
            g = f[f"runs/{run_id}"]
            attrs = {k: _decode(v) for k, v in g.attrs.items()}
            points = _read_points(g["points"]) if "points" in g else []
            extras = {k: np.asarray(g[k][()]) for k in g.keys() if k != "points" and isinstance(g[k], h5py.Dataset)}
        return RunRecord(run_id, attrs, points, extras)


def _attr_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_canonical(value), sort_keys=True)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_points(g: h5py.Group, points: list[PointResult], confidence: float) -> None:
    g.create_dataset("ebno_db", data=np.array([p.ebno_db for p in points], dtype=np.float64))
    for name in _COUNT_FIELDS:
        g.create_dataset(name, data=np.array([getattr(p, name) for p in points], dtype=np.int64))
    g.create_dataset("runtime_s", data=np.array([p.runtime_s for p in points], dtype=np.float64))
    g.create_dataset("seed", data=np.array([p.seed for p in points], dtype=np.uint64))
    g.create_dataset("status", data=np.array([p.status for p in points], dtype=h5py.string_dtype()))
    bits = np.array([p.bits for p in points], dtype=np.float64)
    blocks = np.array([p.blocks for p in points], dtype=np.float64)
    be = np.array([p.bit_errors for p in points], dtype=np.float64)
    ble = np.array([p.block_errors for p in points], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        g.create_dataset("ber", data=np.where(bits > 0, be / np.maximum(bits, 1), np.nan))
        g.create_dataset("bler", data=np.where(blocks > 0, ble / np.maximum(blocks, 1), np.nan))
    for prefix, e, t in (("ber", be, bits), ("bler", ble, blocks)):
        lo, hi = clopper_pearson(e, t, confidence)
        g.create_dataset(f"{prefix}_ci_lo", data=np.atleast_1d(lo))
        g.create_dataset(f"{prefix}_ci_hi", data=np.atleast_1d(hi))
    g.attrs["confidence"] = float(confidence)


def _read_points(g: h5py.Group) -> list[PointResult]:
    n = g["ebno_db"].shape[0]
    data = {name: g[name][()] for name in ("ebno_db", "runtime_s", "seed", "status", *_COUNT_FIELDS)}
    out = []
    for i in range(n):
        status = data["status"][i]
        out.append(
            PointResult(
                ebno_db=float(data["ebno_db"][i]),
                **{name: int(data[name][i]) for name in _COUNT_FIELDS},
                status=status.decode() if isinstance(status, bytes) else str(status),
                runtime_s=float(data["runtime_s"][i]),
                seed=int(data["seed"][i]),
            )
        )
    return out
