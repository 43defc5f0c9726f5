"""Damage a study's result file three ways and check each is caught: one line, exit 2, file untouched.

Used by every study kind's run test (and the registry contract test): overwrite one value of a
part's float dataset (e.g. an mIoU set to 0.123), scale a whole dataset by 1.5, flip up to 4 KiB of
a dataset's bytes on disk. Each damaged copy is re-run (the skip check), shown and reported from:
every time exit 2 with one line naming the damaged object, and the file byte-identical after.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import h5py
import numpy as np

from scenarios.cli import main

__all__ = ["assert_damage_detected"]


def _float_datasets(path: Path) -> list[tuple[str, int, int]]:
    """(name, nbytes, file offset or -1) of every float dataset below the root, largest first."""
    found = []
    with h5py.File(path, "r") as f:
        def visit(name: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" and obj.size >= 1:
                off = obj.id.get_offset()
                found.append((name, int(obj.nbytes), -1 if off is None else int(off)))
        f.visititems(visit)
    return sorted(found, key=lambda t: -t[1])


def _overwrite(path: Path) -> str:
    name = _float_datasets(path)[0][0]
    with h5py.File(path, "r+") as f:
        ds = f[name]
        flat = ds[()].reshape(-1).copy()
        flat[0] = 0.123 if flat[0] != 0.123 else 0.456
        ds[...] = flat.reshape(ds.shape)
    return name


def _scale(path: Path) -> str:
    name = _float_datasets(path)[-1][0]
    with h5py.File(path, "r+") as f:
        vals = f[name][()]
        f[name][...] = np.where(vals == 0, 1.0, vals * 1.5)
    return name


def _flip(path: Path) -> str:
    contiguous = [d for d in _float_datasets(path) if d[2] >= 0]
    assert contiguous, f"{path}: no contiguous dataset to damage"
    name, nbytes, off = contiguous[0]
    n = min(4096, nbytes)
    with open(path, "r+b") as fh:
        fh.seek(off)
        data = bytearray(fh.read(n))
        fh.seek(off)
        fh.write(bytes(b ^ 0xFF for b in data))
    return name


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_damage_detected(study: str, out: Path, work: Path, capsys: object, extra: tuple[str, ...] = ()) -> None:
    """For each damage: copy the study's output folder ``out`` under ``work``, damage the copy's HDF5
    file, then ``semlink run study --out copy`` and ``semlink show file`` must exit 2 with one line
    naming the damaged dataset, leaving the file byte-identical and no report written."""
    h5s = sorted(Path(out).glob("*.h5"))
    assert len(h5s) == 1, h5s
    for how, damage in (("overwrite", _overwrite), ("scale", _scale), ("flip", _flip)):
        copy = Path(work) / f"damaged-{how}"
        shutil.copytree(out, copy)
        h5 = copy / h5s[0].name
        (copy / "report.md").unlink(missing_ok=True)
        name = damage(h5)
        before = _digest(h5)
        for argv in (["run", study, "--out", str(copy), "--no-progress", *extra], ["show", str(h5)]):
            capsys.readouterr()
            assert main(argv) == 2, (how, argv)
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "Traceback" not in err[0], (how, err)
            assert name.split("/")[0] in err[0] and ("checksum" in err[0] or "cannot be read" in err[0]), (how, err)
            assert _digest(h5) == before, (how, "the damaged file was modified")
        assert not (copy / "report.md").exists(), (how, "a report was written from damaged data")
