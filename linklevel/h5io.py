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
* **Damage.** A file that cannot be opened as HDF5 raises :class:`ResultFileError` with what
  is damaged and how to recover.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

import h5py

__all__ = ["FORMAT_VERSION", "ResultFileError", "file_lock", "atomic_h5", "open_result", "check_owned"]

#: Version of the result-file layout (root attribute ``semlink_format``).
FORMAT_VERSION = 2
#: Top-level groups semlink writes (a file holding only these is semlink's even without the attribute).
KNOWN_GROUPS = {"runs", "streams", "perception", "fits", "curves", "realizations", "real_link"}


class ResultFileError(ValueError):
    """A result file that is foreign, damaged or busy (one line: the file, what, how to recover)."""


def _damaged(path: Path, what: str) -> ResultFileError:
    return ResultFileError(f"{path}: {what}; move it aside (`semlink run --fresh` does) or delete it, then re-run")


@contextmanager
def open_result(path: Union[str, os.PathLike]) -> Iterator[h5py.File]:
    """Open a result file read-only; damage becomes :class:`ResultFileError`."""
    path = Path(path)
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


def check_owned(path: Union[str, os.PathLike]) -> None:
    """Raise :class:`ResultFileError` unless ``path`` (if it exists) is a semlink result file."""
    path = Path(path)
    if not path.exists():
        return
    if not h5py.is_hdf5(path):
        raise ResultFileError(f"{path} exists and is not an HDF5 file; semlink will not write into it")
    with open_result(path) as f:
        if "semlink_format" in f.attrs:
            return
        if set(f.keys()) and set(f.keys()) <= KNOWN_GROUPS:
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

    Holds the file lock; refuses files semlink did not write; a crash or kill inside the block
    leaves the original file untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path):
        check_owned(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if path.exists():
            shutil.copy2(path, tmp)
        try:
            with h5py.File(tmp, "a") as f:
                f.attrs["semlink_format"] = FORMAT_VERSION
                yield f
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
