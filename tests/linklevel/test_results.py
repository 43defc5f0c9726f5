"""Result files under stress: foreign and damaged files, kill -9 during writes, concurrent writers."""

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from linklevel.store.h5io import ResultFileError, atomic_h5
from linklevel.store.points import PointResult
from linklevel.store.results import ResultStore
from scenarios.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _point(i: int) -> PointResult:
    return PointResult(float(i), bits=1000 + i, bit_errors=i % 7, blocks=10, block_errors=i % 3, batches=1,
                       status="max_bits", frames=10)


@pytest.fixture
def foreign(tmp_path):
    p = tmp_path / "mine.h5"
    with h5py.File(p, "w") as f:
        f["measurements"] = np.arange(10.0)
        f.attrs["owner"] = "a user"
    return p


def test_foreign_hdf5_is_never_modified(foreign, capsys):
    before = _digest(foreign)
    assert main(["ber", "--modulation", "bpsk", "--ebno", "0", "--max-bits", "2000", "--out", str(foreign),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did not write" in err and "Traceback" not in err
    assert main(["show", str(foreign)]) == 2
    assert "did not write" in capsys.readouterr().err
    with pytest.raises(ResultFileError):
        with atomic_h5(foreign):
            pass
    assert _digest(foreign) == before


def _finished_file(tmp_path: Path) -> Path:
    h5 = tmp_path / "r.h5"
    assert main(["ber", "--modulation", "bpsk", "--ebno", "0:2:4", "--max-bits", "20000", "--out", str(h5),
                 "--no-progress", "--json"]) == 0
    return h5


def test_damage_inside_a_dataset_is_detected_not_reported(tmp_path, capsys):
    h5 = _finished_file(tmp_path)
    capsys.readouterr()
    with h5py.File(h5, "r") as f:
        rid = next(iter(f["runs"]))
        offset = f[f"runs/{rid}/points/bit_errors"].id.get_offset()
    assert offset is not None
    raw = bytearray(h5.read_bytes())
    raw[offset:offset + 16] = bytes(random.Random(0).randrange(256) for _ in range(16))
    h5.write_bytes(bytes(raw))
    before = _digest(h5)
    assert main(["show", str(h5)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "checksum" in err and err.count("\n") == 1
    assert main(["ber", "--modulation", "bpsk", "--ebno", "0:2:6", "--max-bits", "20000", "--out", str(h5),
                 "--no-progress"]) == 2
    assert "damaged" in capsys.readouterr().err
    assert _digest(h5) == before  # nothing rewritten


def test_truncated_file_gets_one_clear_line(tmp_path, capsys):
    h5 = _finished_file(tmp_path)
    capsys.readouterr()
    h5.write_bytes(h5.read_bytes()[:3000])
    before = _digest(h5)
    assert main(["show", str(h5)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("damaged" in err or "not an HDF5" in err) and "Traceback" not in err
    assert _digest(h5) == before


def test_stale_temporary_copies_are_cleaned(tmp_path):
    store = ResultStore(tmp_path / "r.h5")
    store.ensure_run("a", {"config": "{}"})
    stale = tmp_path / ".r.h5.999999.tmp"
    stale.write_bytes(b"x" * 1000)
    store.append_point("a", _point(1))
    store.consolidate()
    assert not stale.exists()


WRITER = textwrap.dedent("""
    import sys
    from linklevel.store.points import PointResult
    from linklevel.store.results import ResultStore
    store = ResultStore(sys.argv[1])
    run, start, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store.ensure_run(run, {"config": "{}"})
    for i in range(start, start + count):
        store.append_point(run, PointResult(float(i), bits=1000 + i, bit_errors=i % 7, blocks=10, batches=1,
                                            status="max_bits"))
        print(i, flush=True)
        if i % 25 == 24:
            store.consolidate()
""")


def test_kill_9_during_writes_loses_at_most_the_point_in_flight(tmp_path):
    h5 = tmp_path / "r.h5"
    rng = random.Random(5)
    total_confirmed = set()
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(h5), f"run{attempt}", "0", "100000"],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        time.sleep(0.8 + rng.random() * 1.5)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        confirmed = {int(x) for x in out.split()}
        assert confirmed, "the writer confirmed no point before the kill"
        store = ResultStore(h5)
        got = {p.ebno_db for p in store.read_run(f"run{attempt}").points}
        assert {float(i) for i in confirmed} <= got  # every confirmed point survived
        assert len(got) <= len(confirmed) + 1         # at most the one in flight besides
        total_confirmed |= confirmed
    ResultStore(h5).consolidate()
    assert ResultStore(h5).runs() == [f"run{i}" for i in range(5)]


def test_concurrent_writers_lose_nothing(tmp_path):
    h5 = tmp_path / "r.h5"
    ResultStore(h5).ensure_run("seed", {"config": "{}"})
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(h5), f"w{j}", "0", "60"], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT) for j in range(2)]
    for p in procs:
        p.communicate(timeout=300)
        assert p.returncode == 0
    store = ResultStore(h5)
    store.consolidate()
    for j in range(2):
        assert len(store.read_run(f"w{j}").points) == 60
    assert not store.journal.exists()


def test_two_semlink_ber_processes_on_one_file_lose_no_point(tmp_path):
    """Different configs written concurrently into one file by two CLI processes: every point is kept."""
    h5 = tmp_path / "deep" / "r.h5"  # missing parent folders are created
    base = [sys.executable, "-m", "scenarios", "ber", "--ebno", "0:0.5:20", "--max-bits", "3000", "--out", str(h5),
            "--no-progress", "--threads", "1"]
    procs = [subprocess.Popen(base + ["--seed", str(s)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT) for s in (1, 2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-1000:]
    store = ResultStore(h5)
    assert len(store.runs()) == 2
    assert [len(store.read_run(r).points) for r in store.runs()] == [41, 41]
