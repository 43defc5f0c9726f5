"""Result files: one HDF5 file per study, one group per run, one row per SNR point.

Layout::

    /                      attrs: semlink_format
    /runs/<run_id>/        attrs: kind, config (JSON), config_hash, seed, versions (JSON), device,
                                  git_sha, created, updated, runtime_s, confidence, points_sha256
    /runs/<run_id>/points/ datasets (one row per finished point, sorted by SNR): ebno_db, the raw
                           counts and per-frame sums of :class:`~linklevel.store.points.PointResult`, batches,
                           runtime_s, seed, status, ber_unit, bler_unit, inverse, and the derived ber,
                           ber_ci_lo, ber_ci_hi, ber_ci_method, bler, bler_ci_lo, bler_ci_hi, bler_ci_method
    /runs/<run_id>/<name>  optional extra datasets (e.g. analytic overlays), 1 row per point

**Appends cost O(1).** A finished point is appended as one checksummed line to the journal
``<file>.journal`` (fsync'd, under the file lock); the journal is merged into the HDF5 file
when a run ends (:meth:`ResultStore.consolidate`) or with the next attribute update, through an
atomic copy (:func:`~linklevel.store.h5io.atomic_h5`). Readers see HDF5 and journal together. A kill at
any moment loses at most the point being written (a torn last journal line is ignored) and
leaves a readable file. Each run's stored points carry a SHA-256 (``points_sha256``): damage
inside a dataset is reported, never read as results.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import h5py
import numpy as np

from linklevel.store.h5io import FORMAT_VERSION, ResultFileError, atomic_h5, check_owned, file_lock, open_result
from linklevel.store.points import PointResult

__all__ = ["config_hash", "canonical_json", "ResultStore", "RunRecord", "FORMAT_VERSION",
           "ResultFileError"]

_INT_FIELDS = ("bits", "bit_errors", "blocks", "block_errors", "detected_block_errors", "batches", "frames",
               "bit_err_sq", "bits_sq", "bit_err_bits", "block_err_sq", "blocks_sq", "block_err_blocks", "iterations")
_STR_FIELDS = ("status", "ber_unit", "bler_unit", "inverse", "iteration_hist")
_RAW_FIELDS = tuple(f.name for f in fields(PointResult) if f.name != "resumed")


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
    """Read and write a semlink result file (HDF5 + journal; see the module docstring).

    :param path: File path; created on the first write (parent folders too).

    .. code-block:: python

        >>> import tempfile, os
        >>> from linklevel.store.points import PointResult
        >>> path = os.path.join(tempfile.mkdtemp(), "r.h5")
        >>> store = ResultStore(path)
        >>> store.ensure_run("abc", {"kind": "ber", "config": "{}"})
        >>> store.append_point("abc", PointResult(1.0, bits=100, bit_errors=3, blocks=1,
        ...                    block_errors=1, batches=1, status="max_bits"))
        >>> store.read_run("abc").points[0].bit_errors
        3
        >>> store.consolidate(); os.path.exists(path + ".journal")
        False
    """

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = Path(path)
        self.journal = Path(f"{self.path}.journal")

    # ------------------------------------------------------------ low level
    def _entries(self) -> list[dict[str, Any]]:
        """Verified journal entries in order (a torn or damaged *last* line is a write cut by a kill)."""
        if not self.journal.exists():
            return []
        lines = self.journal.read_bytes().split(b"\n")
        out = []
        for i, raw in enumerate(lines):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                body = {k: v for k, v in entry.items() if k != "sha"}
                ok = entry.get("sha") == _sha(body)
            except (ValueError, AttributeError):
                ok = False
            if not ok:
                if all(not r.strip() for r in lines[i + 1:]):
                    break  # the write in flight when the writer was killed
                raise ResultFileError(f"{self.journal}: line {i + 1} is damaged; move the result file and its "
                                      "journal aside or delete them, then re-run")
            out.append(body)
        return out

    @contextmanager
    def _write(self) -> Iterator[h5py.File]:
        """Atomic rewrite of the HDF5 file with the journal merged into it (then the journal is dropped)."""
        with file_lock(self.path):
            with atomic_h5(self.path) as f:
                for rid, pts in self._journal_points().items():
                    g = f.require_group(f"runs/{rid}")
                    old = _read_group(g, self.path, rid) if "points" in g else ([], {})
                    _store_points(g, old, pts)
                yield f
            self.journal.unlink(missing_ok=True)  # after the atomic replace, still under the lock

    def _journal_points(self) -> dict[str, list[tuple[PointResult, float, dict]]]:
        out: dict[str, list] = {}
        for e in self._entries():
            out.setdefault(e["run"], []).append((PointResult(**e["point"]), float(e["confidence"]),
                                                 e.get("extras") or {}))
        return out

    def runs(self) -> list[str]:
        """Run ids in the file (empty if the file does not exist)."""
        if not self.path.exists():
            return []
        with open_result(self.path) as f:
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

    def append_point(self, run_id: str, point: PointResult, confidence: float = 0.95,
                     extras: Optional[dict[str, float]] = None) -> None:
        """Add (or replace) one finished point of a run: one journal line, O(1) in the file size.

        :param extras: Optional per-point scalars stored as datasets beside ``points``.
        """
        body = {"run": run_id, "confidence": float(confidence),
                "point": {k: getattr(point, k) for k in _RAW_FIELDS},
                "extras": {k: (None if v is None or not np.isfinite(v) else float(v)) for k, v in (extras or {}).items()}}
        line = json.dumps({**body, "sha": _sha(body)}, separators=(",", ":")) + "\n"
        with file_lock(self.path):
            check_owned(self.path)
            if not self.path.exists():  # the first write creates the file (with this point in it)
                with self._write() as f:
                    _store_points(f.require_group(f"runs/{run_id}"), ([], {}), [(point, float(confidence),
                                                                                 body["extras"])])
                return
            with open(self.journal, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())

    def consolidate(self) -> None:
        """Merge the journal into the HDF5 file (atomic; a no-op without a journal)."""
        if not self.journal.exists():
            return
        with self._write():
            pass

    def finished_points(self, run_id: str) -> dict[float, PointResult]:
        """Stored points of a run keyed by SNR (empty if the run is absent)."""
        if not self.has_run(run_id):
            return {}
        return {p.ebno_db: p for p in self.read_run(run_id).points}

    def read_run(self, run_id: str) -> RunRecord:
        """Read one run back (attributes decoded, points as :class:`PointResult`, journal included).

        :raises ResultFileError: When the run's stored points fail their checksum.
        """
        if not self.path.exists():
            raise FileNotFoundError(f"no result file {self.path}")
        with open_result(self.path) as f:
            if f"runs/{run_id}" not in f:
                raise KeyError(f"run {run_id!r} not in {self.path}")
            g = f[f"runs/{run_id}"]
            attrs = {k: _decode(v) for k, v in g.attrs.items()}
            points, extras = _read_group(g, self.path, run_id) if "points" in g else ([], {})
        pending = self._journal_points().get(run_id, [])
        if pending:
            points, extras = _merge(points, extras, pending)
            attrs["confidence"] = pending[-1][1]
        return RunRecord(run_id, attrs, points, extras)


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def _merge(points: list[PointResult], extras: dict[str, np.ndarray],
           new: list[tuple[PointResult, float, dict]]) -> tuple[list[PointResult], dict[str, np.ndarray]]:
    """Points and extra columns with ``new`` ones added (a new point replaces one at the same SNR)."""
    rows = {round(p.ebno_db, 9): (p, {k: float(v[i]) for k, v in extras.items()}) for i, p in enumerate(points)}
    for p, _, ex in new:
        rows[round(p.ebno_db, 9)] = (p, {k: (np.nan if v is None else float(v)) for k, v in ex.items()})
    keys = sorted(rows)
    names = sorted({n for _, ex in rows.values() for n in ex})
    cols = {n: np.array([rows[k][1].get(n, np.nan) for k in keys], dtype=np.float64) for n in names}
    return [rows[k][0] for k in keys], cols


def _store_points(g: h5py.Group, old: tuple[list[PointResult], dict[str, np.ndarray]],
                  new: list[tuple[PointResult, float, dict]]) -> None:
    points, extras = _merge(old[0], old[1], new)
    confidence = new[-1][1] if new else float(g.attrs.get("confidence", 0.95))
    g.attrs["confidence"] = confidence
    g.attrs["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if "points" in g:
        del g["points"]
    _write_points(g.create_group("points"), points, confidence)
    for name, col in extras.items():
        if name in g:
            del g[name]
        g.create_dataset(name, data=col)
    g.attrs["points_sha256"] = _points_digest(points, extras)


def _points_digest(points: list[PointResult], extras: dict[str, np.ndarray]) -> str:
    body = [[getattr(p, k) for k in _RAW_FIELDS if k != "runtime_s"] for p in points]
    h = hashlib.sha256(json.dumps(body, separators=(",", ":")).encode())
    for name in sorted(extras):
        h.update(name.encode())
        h.update(np.ascontiguousarray(extras[name], dtype=np.float64).tobytes())
    return h.hexdigest()


def _read_group(g: h5py.Group, path: Path, run_id: str) -> tuple[list[PointResult], dict[str, np.ndarray]]:
    try:
        points = _read_points(g["points"])
        extras = {k: np.asarray(g[k][()], dtype=np.float64) for k in g.keys()
                  if k != "points" and isinstance(g[k], h5py.Dataset)}
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise ResultFileError(f"{path}: run {run_id} is damaged ({type(err).__name__}); the file was left as "
                              "it is: move it aside or delete it, then re-run") from None
    want = g.attrs.get("points_sha256")
    if want is not None and _decode(want) != _points_digest(points, extras):
        raise ResultFileError(f"{path}: run {run_id} is damaged (its points fail their checksum); the file "
                              "was left as it is: move it aside or delete it, then re-run")
    return points, extras


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
    for name in _INT_FIELDS:
        g.create_dataset(name, data=np.array([getattr(p, name) for p in points], dtype=np.int64))
    g.create_dataset("runtime_s", data=np.array([p.runtime_s for p in points], dtype=np.float64))
    g.create_dataset("seed", data=np.array([p.seed for p in points], dtype=np.uint64))
    for name in _STR_FIELDS:
        g.create_dataset(name, data=np.array([getattr(p, name) for p in points], dtype=h5py.string_dtype()))
    g.create_dataset("ber", data=np.array([p.ber for p in points], dtype=np.float64))
    g.create_dataset("bler", data=np.array([p.bler for p in points], dtype=np.float64))
    for metric in ("ber", "bler"):
        ci = np.array([getattr(p, f"{metric}_ci")(confidence) for p in points], dtype=np.float64).reshape(-1, 2)
        g.create_dataset(f"{metric}_ci_lo", data=ci[:, 0])
        g.create_dataset(f"{metric}_ci_hi", data=ci[:, 1])
        g.create_dataset(f"{metric}_ci_method", data=np.array([p.ci_method(metric) for p in points],
                                                             dtype=h5py.string_dtype()))
    g.attrs["confidence"] = float(confidence)


def _read_points(g: h5py.Group) -> list[PointResult]:
    n = g["ebno_db"].shape[0]
    have = set(g.keys())
    data = {name: g[name][()] for name in ("ebno_db", "runtime_s", "seed", *_INT_FIELDS, *_STR_FIELDS)
            if name in have}
    out = []
    for i in range(n):
        kw: dict[str, Any] = {name: int(data[name][i]) for name in _INT_FIELDS if name in data}
        for name in _STR_FIELDS:
            if name in data:
                v = data[name][i]
                kw[name] = v.decode() if isinstance(v, bytes) else str(v)
        out.append(PointResult(ebno_db=float(data["ebno_db"][i]), runtime_s=float(data["runtime_s"][i]),
                               seed=int(data["seed"][i]), **kw))
    return out
