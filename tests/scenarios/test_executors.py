"""The parallel executor path on the CPU: spawned workers compute, only the parent writes.

Runs a tiny BER study's parts in two spawned worker processes (the multi-GPU executor, given CPU
devices) and checks that the file equals the serial local run point for point.
"""

import json

import pytest

from linklevel.store.results import ResultStore
from scenarios.study.executors import execute_parallel
from scenarios.study.kinds import get_kind, load_study
from scenarios.study.parts import PartStore, RunContext
from scenarios.study.runner import run_study

STUDY = """
[study]
name = "par"
seed = 7

[[figure]]
name = "a"
ebno_db = "0:3:6"
stop = { target_bit_errors = 300, max_bits = 60_000 }
link = { channel = "awgn", k = 600 }
sweep = { "link.modulation" = ["bpsk", "16qam", "64qam"] }
"""


def test_spawned_workers_write_what_the_serial_run_writes(tmp_path):
    toml = tmp_path / "par.toml"
    toml.write_text(STUDY)
    serial = run_study(load_study(str(toml), out=str(tmp_path / "serial")), progress=False)
    assert not serial.interrupted and len(serial.parts) == 3
    study = load_study(str(toml), out=str(tmp_path / "par"))
    ctx = RunContext(file=study.result_file, out=study.out, device="cpu")
    store = PartStore(study.result_file)
    parts = list(get_kind("ber").parts(study, ctx))
    assert all(p.remote is not None and p.store is not None for p in parts)
    done = []
    execute_parallel(parts, ctx, "pool", lambda p, dt: (store.stamp(p), done.append(p.key)),
                     devices=["cpu", "cpu"])
    assert sorted(done) == sorted(p.key for p in parts)
    assert all(store.done(p) for p in parts)
    a, b = ResultStore(serial.study.result_file), ResultStore(study.result_file)
    assert a.runs() == b.runs()
    for rid in a.runs():
        pa, pb = a.read_run(rid).points, b.read_run(rid).points
        assert pa == pb and len(pa) == 3
        assert json.loads(b.read_run(rid).attrs["config"])["device"] == "cpu"
    # and a re-run of the study skips every part the workers completed
    again = run_study(load_study(str(toml), out=str(tmp_path / "par")), progress=False)
    assert {p["status"] for p in again.parts} == {"skipped"}


@pytest.mark.parametrize("study", [STUDY, STUDY.replace('ebno_db = "0:3:6"', 'ebno_db = "0:4:24"').replace(
    "max_bits = 60_000 }", "max_bits = 60_000, stop_after_zero_errors = true }")], ids=["plain", "stop-after-zero"])
def test_workers_option_gives_the_serial_counts(tmp_path, capsys, study):
    """``semlink run --workers 2``: every run's SNR points are the tasks of this process and a spawned
    one; the file holds the serial counts, also where a run stops after an error-free point (the
    points the serial sweep skips are dropped, whatever a worker computed)."""
    from scenarios.cli import main

    toml = tmp_path / "par.toml"
    toml.write_text(study)
    assert main(["run", str(toml), "--out", str(tmp_path / "serial"), "--no-progress", "--json"]) == 0
    assert main(["run", str(toml), "--out", str(tmp_path / "two"), "--no-progress", "--json", "--workers", "2"]) == 0
    capsys.readouterr()
    a, b = ResultStore(tmp_path / "serial" / "par.h5"), ResultStore(tmp_path / "two" / "par.h5")
    assert a.runs() == b.runs() and len(a.runs()) == 3
    for rid in a.runs():
        assert a.read_run(rid).points == b.read_run(rid).points
    if "stop_after_zero" in study:
        assert any(p.bit_errors == 0 for r in a.runs() for p in a.read_run(r).points)
    assert main(["run", str(toml), "--out", str(tmp_path / "two"), "--workers", "0"]) == 2


def test_ber_sweep_points_in_two_processes_give_the_serial_counts(tmp_path, capsys):
    """``semlink ber --workers 2``: the SNR points run in this process and a spawned one; the points,
    the stored file and the points skipped after an error-free point equal the serial sweep's."""
    from scenarios.cli import main

    base = ["ber", "--modulation", "16qam", "--ebno", "0:2:22", "--target-bit-errors", "300", "--max-bits", "150000",
            "--stop-after-zero", "--seed", "3", "--no-progress", "--json", "--batch-size", "500"]
    docs = {}
    for w in ("1", "2"):
        assert main(base + ["--workers", w, "--out", str(tmp_path / f"w{w}.h5")]) == 0
        docs[w] = json.loads(capsys.readouterr().out)["points"]
    key = [(p["ebno_db"], p["status"], p["bits"], p["bit_errors"], p["blocks"], p["block_errors"]) for p in docs["1"]]
    assert key == [(p["ebno_db"], p["status"], p["bits"], p["bit_errors"], p["blocks"], p["block_errors"])
                   for p in docs["2"]]
    statuses = [p["status"] for p in docs["1"]]
    assert "skipped" in statuses and statuses.count("target_bit_errors") >= 3
    a, b = ResultStore(tmp_path / "w1.h5"), ResultStore(tmp_path / "w2.h5")
    assert a.runs() == b.runs() and [a.read_run(r).points for r in a.runs()] == [b.read_run(r).points for r in b.runs()]


def test_a_single_run_study_parallelizes_its_points(tmp_path, capsys):
    """A BER study with one run has no parallel parts: ``--workers 2`` runs its SNR points in two
    processes (the run's part stays local) and stores the serial counts."""
    from scenarios.cli import main

    toml = tmp_path / "one.toml"
    toml.write_text(STUDY.replace('sweep = { "link.modulation" = ["bpsk", "16qam", "64qam"] }', ""))
    study = load_study(str(toml), out=str(tmp_path / "x"))
    parts = list(get_kind("ber").parts(study, RunContext(file=study.result_file, out=study.out)))
    assert len(parts) == 1 and parts[0].remote is None
    for w in ("1", "2"):
        assert main(["run", str(toml), "--out", str(tmp_path / w), "--no-progress", "--json", "--workers", w]) == 0
    capsys.readouterr()
    a, b = ResultStore(tmp_path / "1" / "par.h5"), ResultStore(tmp_path / "2" / "par.h5")
    assert a.runs() == b.runs() and len(a.runs()) == 1
    assert a.read_run(a.runs()[0]).points == b.read_run(b.runs()[0]).points


def _spawned_children(pid: int) -> list[int]:
    """Worker processes (multiprocessing spawn) whose parent is ``pid``."""
    import os

    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
            cmd = open(f"/proc/{d}/cmdline", "rb").read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmd:
            kids.append(int(d))
    return kids


def _stored_points(path) -> list:
    try:
        store = ResultStore(path)
        return [p for r in store.runs() for p in store.read_run(r).points]
    except Exception:  # noqa: BLE001 - not there yet, or being replaced
        return []


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_interrupt_or_kill_with_workers_leaves_no_worker_and_a_readable_file(tmp_path, sig):
    """``semlink ber --workers 2`` interrupted (exit 130, one line, finished points kept) or killed
    with -9 mid-sweep: the spawned worker is gone with the parent, the file holds whole points."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    out = tmp_path / "r.h5"
    argv = [str(Path(sys.executable).with_name("semlink")), "ber", "--modulation", "16qam", "--ebno", "0:1:40",
            "--target-bit-errors", "0", "--max-bits", "8000000", "--workers", "2", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    kids: list[int] = []
    deadline = time.time() + 90
    while time.time() < deadline and not (kids and _stored_points(out)):
        kids = kids or _spawned_children(proc.pid)
        time.sleep(0.2)
    assert kids, "a worker process was started"
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    if sig == "SIGINT":
        assert proc.returncode == 130 and "Traceback" not in err and err.strip().count("\n") == 0, err[-1500:]
    else:
        assert proc.returncode == -signal.SIGKILL
    deadline = time.time() + 3  # a point takes longer: the worker is stopped, not left to finish it
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.2)
    assert not any(_alive(k) for k in kids), "the worker outlived its parent"
    pts = _stored_points(out)
    assert pts and all(p.bits == 8_000_000 for p in pts)


def test_killed_parallel_study_keeps_finished_points_and_resumes_to_the_serial_counts(tmp_path, capsys):
    """``semlink run --workers 2`` killed with -9 mid-run: the points already computed are in the file
    although no run is complete (stored on arrival, not per run); the re-run computes only the rest
    and the file ends with the serial run's counts."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from scenarios.cli import main

    toml = tmp_path / "k.toml"
    toml.write_text(STUDY.replace('ebno_db = "0:3:6"', 'ebno_db = "0:1:12"').replace(
        "stop = { target_bit_errors = 300, max_bits = 60_000 }", "stop = { target_bit_errors = 0, max_bits = 600_000 }"
    ).replace('["bpsk", "16qam", "64qam"]', '["16qam", "64qam"]'))
    out = tmp_path / "par" / "par.h5"
    argv = [str(Path(sys.executable).with_name("semlink")), "run", str(toml), "--out", str(out.parent), "--workers",
            "2", "--no-progress"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(_stored_points(out)) < 4:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = ResultStore(out)
    per_run = [len(store.read_run(r).points) for r in store.runs()]
    # points arrive one by one: some stored, and no run stored whole (a run is 13 points)
    assert sum(per_run) >= 4 and max(per_run) < 13, per_run
    assert main(["run", str(toml), "--out", str(out.parent), "--workers", "2", "--no-progress"]) == 0
    assert main(["run", str(toml), "--out", str(tmp_path / "serial"), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    a, b = ResultStore(tmp_path / "serial" / "par.h5"), ResultStore(out)
    assert a.runs() == b.runs() and len(a.runs()) == 2
    for rid in a.runs():
        assert a.read_run(rid).points == b.read_run(rid).points and len(a.read_run(rid).points) == 13
