"""Safe HDF5 writes for semlink's result files: ownership, a file lock, atomic replacement.

* **Ownership.** semlink writes only into files it made: the root attribute
  ``semlink_format`` (or, for files from before it was set, only semlink's own top-level
  groups). Anything else is refused, naming the file; it is never modified.
* **Lock.** Every write holds an exclusive ``flock`` on the file's folder: a second writer
  waits (up to ``SEMLINK_LOCK_TIMEOUT`` seconds, default 600) and then gives up with one
  line; nothing is lost or interleaved.
* **Atomic replacement.** :func:`atomic_h5` edits a temporary copy and ``os.replace``-s the
  file with it, so a kill at any moment leaves the old or the new file, both readable.
  Temporary copies left by a killed writer are removed by the next writer (under the lock).
* **Integrity.** Every group (the root included) and every dataset carries a SHA-256 of its
  content in the attribute ``semlink_sha256``: a dataset's dtype, shape, values and attributes; a
  group's attributes and the names of its members (so a member added or deleted shows too).
  :func:`atomic_h5` verifies the whole file before a write and stamps it after; :func:`open_result`
  verifies it before anything is read (once per file version in a process). A dataset overwritten,
  rescaled, added or removed behind semlink's back, a byte flipped in its data, or an attribute
  edited, raises :class:`ResultFileError` naming the object and its part: the file is never
  silently reused, and never modified. Files of format 2 (before checksums) are read unverified and
  stamped on their next write.
* **Damage.** A file that cannot be opened as HDF5 raises :class:`ResultFileError` with what
  is damaged and how to recover.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Union

import h5py
import numpy as np

__all__ = ["FORMAT_VERSION", "CHECKSUM_ATTR", "ResultFileError", "file_lock", "atomic_h5", "open_result",
           "check_owned", "verify_file", "file_state",
           "LEGACY_GROUPS", "register_legacy_groups"]

#: Version of the result-file layout (root attribute ``semlink_format``); 3: per-object checksums.
FORMAT_VERSION = 3
#: Attribute holding each object's SHA-256 (format 3 and later).
CHECKSUM_ATTR = "semlink_sha256"
#: Top-level groups of files written before the ``semlink_format`` attribute existed: a file holding only
#: these is semlink's even without the attribute. The link level's own is ``runs``; study kinds add theirs
#: (:func:`register_legacy_groups`), so this layer names no study.
LEGACY_GROUPS = {"runs"}


def register_legacy_groups(names: "Iterable[str]") -> None:
    """Add top-level group names that mark a semlink file written before the format attribute."""
    LEGACY_GROUPS.update(names)


class ResultFileError(ValueError):
    """A result file that is foreign, damaged or busy (one line: the file, what, how to recover)."""


def _damaged(path: Path, what: str) -> ResultFileError:
    return ResultFileError(f"{path}: {what}; the file was left as it is: move it aside or delete it, then re-run")


def _canon(value: object) -> bytes:
    """Canonical bytes of an attribute value or a dataset's values (for the checksums)."""
    if isinstance(value, bytes):
        return b"b" + value
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    arr = np.asarray(value)
    if arr.dtype.kind == "O":  # variable-length strings
        items = [v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogatepass") for v in arr.ravel()]
        return b"o" + json.dumps(arr.shape).encode() + b"".join(len(v).to_bytes(8, "little") + v for v in items)
    return b"a" + arr.dtype.str.encode() + json.dumps(arr.shape).encode() + np.ascontiguousarray(arr).tobytes()


def _object_digest(obj: Union[h5py.Group, h5py.Dataset]) -> str:
    h = hashlib.sha256()
    for name in sorted(obj.attrs):
        if name != CHECKSUM_ATTR:
            h.update(name.encode() + b"\0" + _canon(obj.attrs[name]) + b"\1")
    if isinstance(obj, h5py.Dataset):
        h.update(b"D" + obj.dtype.str.encode() + json.dumps(obj.shape).encode())
        if obj.shape is not None and obj.size:
            h.update(_canon(obj[()]))
    else:
        h.update(b"G" + "\0".join(sorted(obj.keys())).encode())
    return h.hexdigest()


def _objects(f: h5py.File) -> list[tuple[str, Union[h5py.Group, h5py.Dataset]]]:
    out: list = [("/", f)]
    f.visititems(lambda name, obj: out.append((name, obj)))
    return out


def _stamp(f: h5py.File) -> None:
    for _, obj in _objects(f):
        obj.attrs[CHECKSUM_ATTR] = _object_digest(obj)


def _verify_open(f: h5py.File, path: Path) -> None:
    version = f.attrs.get("semlink_format", 0)
    if not isinstance(version, (int, np.integer)) or int(version) < 3:
        return  # written before checksums: read unverified, stamped on the next write
    for name, obj in _objects(f):
        kind = "dataset" if isinstance(obj, h5py.Dataset) else "group"
        want = obj.attrs.get(CHECKSUM_ATTR)
        try:
            have = _object_digest(obj)
        except (OSError, ValueError, RuntimeError) as err:  # e.g. a damaged compressed chunk
            raise _damaged(path, f"{kind} {name!r} (part {_part(name)}) cannot be read "
                                 f"({str(err).splitlines()[0][:60]})") from None
        if want is None:
            raise _damaged(path, f"{kind} {name!r} (part {_part(name)}) has no checksum: it was written "
                                 "outside semlink")
        if (want.decode() if isinstance(want, bytes) else str(want)) != have:
            raise _damaged(path, f"{kind} {name!r} (part {_part(name)}) fails its checksum: changed "
                                 "outside semlink or damaged")


def _part(name: str) -> str:
    """The part an object belongs to, as far as the file shows: its top two path levels."""
    return "/".join(name.split("/")[:2]) if name != "/" else "(file root)"


_VERIFIED: dict[str, tuple] = {}


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def verify_file(path: Union[str, os.PathLike]) -> None:
    """Check every checksum of a result file; raise :class:`ResultFileError` naming the first damaged
    object (and its part). Each version of a file is verified once per process.

    .. code-block:: python

        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "r.h5")
        >>> with atomic_h5(p) as f:
        ...     _ = f.create_dataset("curves/x", data=[1.0, 2.0])
        >>> verify_file(p)  # passes
    """
    path = Path(path)
    with open_result(path, verify=False) as f:
        key = (_stat_key(path), str(path.resolve()))
        if _VERIFIED.get(key[1]) == key[0]:
            return
        _verify_open(f, path)
    _VERIFIED[key[1]] = key[0]


@contextmanager
def open_result(path: Union[str, os.PathLike], verify: bool = True) -> Iterator[h5py.File]:
    """Open a result file read-only; damage (unreadable HDF5, a failed checksum) becomes
    :class:`ResultFileError` before anything is read.

    :param verify: Check the checksums first (:func:`verify_file`).
    """
    path = Path(path)
    if verify:
        verify_file(path)
    try:
        f = h5py.File(path, "r")
    except FileNotFoundError:
        raise
    except OSError as err:
        raise _damaged(path, f"is damaged: not a readable HDF5 file ({str(err).splitlines()[0][:80]})") from None
    try:
        yield f
    finally:
        f.close()


def file_state(path: Union[str, os.PathLike]) -> str:
    """What is at ``path``: ``missing``, ``semlink`` (an HDF5 file semlink wrote: by its root
    attribute or, for files from before it, its top-level groups), ``foreign`` (any other file or a
    folder) or ``damaged`` (an HDF5 signature, but the file cannot be opened: whose it is cannot be
    told). Reads only the root; never raises.

    .. code-block:: python

        >>> file_state("/no/such/file.h5")
        'missing'
    """
    path = Path(path)
    if not path.exists():
        return "missing"
    if not path.is_file() or not h5py.is_hdf5(path):
        return "foreign"
    try:
        with h5py.File(path, "r") as f:
            mine = "semlink_format" in f.attrs or bool(set(f.keys()) and set(f.keys()) <= LEGACY_GROUPS)
    except OSError:
        return "damaged"
    return "semlink" if mine else "foreign"


def check_owned(path: Union[str, os.PathLike]) -> None:
    """Raise :class:`ResultFileError` unless ``path`` (if it exists) is a semlink result file."""
    path = Path(path)
    if not path.exists():
        return
    if not h5py.is_hdf5(path):
        raise ResultFileError(f"{path} exists and is not an HDF5 file; semlink will not write into it")
    with open_result(path, verify=False) as f:
        if "semlink_format" in f.attrs:
            return
        if set(f.keys()) and set(f.keys()) <= LEGACY_GROUPS:
            return  # written by semlink before the format attribute existed
    raise ResultFileError(f"{path} is an HDF5 file that semlink did not write; refusing to modify it "
                          "(choose another output path)")


@contextmanager
def file_lock(path: Union[str, os.PathLike], timeout: float | None = None) -> Iterator[None]:
    """Exclusive lock for writing ``path``, held on its folder (no lock file is left behind); re-entrant
    per process. Writers of different files in one folder also take turns, which costs nothing here."""
    import fcntl

    path = Path(path)
    key = str(path.resolve())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    limit = float(os.environ.get("SEMLINK_LOCK_TIMEOUT", "600")) if timeout is None else timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    t0 = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() - t0 >= limit:
                    raise ResultFileError(f"{path} is being written by another semlink process (waited "
                                          f"{limit:g} s); wait for it to finish or choose another output") from None
                time.sleep(0.05)
        _HELD[key] = 1
        try:
            for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed writer
                stale.unlink(missing_ok=True)
            yield
        finally:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_HELD: dict[str, int] = {}


@contextmanager
def atomic_h5(path: Union[str, os.PathLike]) -> Iterator[h5py.File]:
    """Open a semlink result file for appending through a temporary copy that atomically replaces it.

    Holds the file lock; refuses files semlink did not write and files that fail their checksums
    (:func:`verify_file`); a crash or kill inside the block leaves the original file untouched.
    Every object's checksum is stamped after the block.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path):
        check_owned(path)
        if path.exists():
            verify_file(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if path.exists():
            shutil.copy2(path, tmp)
        try:
            with h5py.File(tmp, "a") as f:
                yield f
                f.attrs["semlink_format"] = FORMAT_VERSION
                _stamp(f)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _VERIFIED[str(path.resolve())] = _stat_key(path)  # just stamped: no need to re-hash it
        finally:
            if tmp.exists():
                tmp.unlink()
