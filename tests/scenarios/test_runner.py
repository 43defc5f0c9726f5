"""The study runner's result-file rules: a foreign file is refused before any work and never moved,
``--fresh`` never destroys anything (unique backups), damage is caught before any work."""

import hashlib
import json

import h5py
import numpy as np
import pytest

from linklevel.store.h5io import CHECKSUM_ATTR, ResultFileError, atomic_h5, open_result, verify_file
from scenarios.study import runner
from scenarios.cli import main

SMALL = """
[study]
name = "small"
seed = 1

[defaults]
stop = { target_bit_errors = 50, target_block_errors = 0, max_bits = 20_000 }

[[figure]]
name = "awgn"
ebno_db = [2.0, 4.0]
link = { channel = "awgn", k = 200, modulation = "bpsk" }
"""


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def study(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL)
    return str(p)


def _foreign(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(10.0)
        f.attrs["owner"] = "someone else"


def test_foreign_file_is_refused_before_any_work_and_never_moved(tmp_path, study, capsys, monkeypatch):
    out = tmp_path / "o"
    _foreign(out / "small.h5")
    before = _sha(out / "small.h5")
    calls = []
    real = runner.get_kind

    def spy(name):  # records any work the kind is asked for: its preflight or its parts
        import dataclasses

        return dataclasses.replace(real(name), preflight=lambda s: calls.append("preflight"),
                                   parts=lambda *a: calls.append("parts") or iter(()))

    monkeypatch.setattr(runner, "get_kind", spy)
    for extra in ([], ["--fresh"], ["--fresh"], ["--resume"]):
        assert main(["run", study, "--out", str(out), "--no-progress", *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "not a semlink result file" in err[0] and "never moves" in err[0], err
    assert _sha(out / "small.h5") == before  # byte-identical after two --fresh
    assert sorted(p.name for p in out.iterdir()) == ["small.h5"]  # nothing moved aside, nothing written
    assert not calls  # refused before the kind's preflight or parts
    assert main(["show", str(out / "small.h5")]) == 2
    err = capsys.readouterr().err
    assert "not a semlink result file" in err and "refusing to modify" not in err


def test_fresh_twice_keeps_every_earlier_file(tmp_path, study, capsys):
    out = tmp_path / "o"
    h5 = out / "small.h5"
    assert main(["run", study, "--out", str(out), "--no-progress", "--json"]) == 0
    first = _sha(h5)
    assert main(["run", study, "--out", str(out), "--no-progress", "--json", "--fresh"]) == 0
    second = _sha(h5)
    assert main(["run", study, "--out", str(out), "--no-progress", "--json", "--fresh"]) == 0
    capsys.readouterr()
    baks = sorted(out.glob("small.h5.*.bak"))
    assert len(baks) == 2 and {_sha(b) for b in baks} == {first, second}
    for b in baks:
        verify_file(b)  # moved whole


def test_aside_name_never_reuses_a_name(tmp_path):
    target = tmp_path / "r.h5"
    names = set()
    for _ in range(3):
        n = runner.aside_name(str(target))
        (tmp_path / n.split("/")[-1]).write_bytes(b"x")
        names.add(n)
    assert len(names) == 3


def test_damage_is_caught_before_any_work(tmp_path, study, capsys, monkeypatch):
    out = tmp_path / "o"
    assert main(["run", study, "--out", str(out), "--no-progress"]) == 0
    h5 = out / "small.h5"
    with h5py.File(h5, "r+") as f:  # an attribute edited: the config hash of a run
        rid = next(iter(f["runs"]))
        f["runs"][rid].attrs["config_hash"] = "0" * 16
    before = _sha(h5)
    capsys.readouterr()
    assert main(["run", study, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"runs/{rid}" in err[0] and "checksum" in err[0] and "--fresh" in err[0], err
    assert _sha(h5) == before
    # --fresh is the way out: the damaged file is kept aside, the study recomputed
    assert main(["run", study, "--out", str(out), "--no-progress", "--fresh"]) == 0
    assert len(list(out.glob("small.h5.*.bak"))) == 1 and verify_file(h5) is None


def test_checksums_cover_values_attributes_and_members(tmp_path):
    path = tmp_path / "r.h5"
    with atomic_h5(path) as f:
        g = f.create_group("part/a")
        g["rows"] = np.arange(6.0).reshape(2, 3)
        g["names"] = np.array([b"x", b"yz"], dtype=h5py.string_dtype())
        g.attrs["rows_json"] = json.dumps([1, 2])
    verify_file(path)
    with h5py.File(path, "r") as f:
        assert all(CHECKSUM_ATTR in f[k].attrs for k in ("part", "part/a", "part/a/rows", "part/a/names"))
        assert CHECKSUM_ATTR in f.attrs

    def damaged(edit, what):
        copy = tmp_path / f"c-{len(list(tmp_path.iterdir()))}.h5"
        copy.write_bytes(path.read_bytes())
        with h5py.File(copy, "r+") as f:
            edit(f)
        with pytest.raises(ResultFileError, match=what):
            with open_result(copy):
                pass

    damaged(lambda f: f["part/a/rows"].__setitem__((0, 0), 0.123), "part/a/rows")
    damaged(lambda f: f["part/a"].attrs.__setitem__("rows_json", "[1, 3]"), "part/a")
    damaged(lambda f: f["part/a"].create_dataset("extra", data=[1]), "part/a")  # a member added
    damaged(lambda f: f["part/a"].__delitem__("names"), "part/a")  # a member removed
    # the write path refuses a damaged file too, and leaves it as it was
    copy = tmp_path / "w.h5"
    copy.write_bytes(path.read_bytes())
    with h5py.File(copy, "r+") as f:
        f["part/a/rows"][...] = f["part/a/rows"][()] * 1.5
    before = _sha(copy)
    with pytest.raises(ResultFileError, match="checksum"):
        with atomic_h5(copy) as f:
            f["new"] = [1.0]
    assert _sha(copy) == before
