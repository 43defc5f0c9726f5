"""`semlink ber`: JSON contract, errors (exit 2, nothing written), resume, plot, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest

from linklevel.store.results import ResultStore
from scenarios.cli import main

FAST = ["--max-bits", "60000", "--target-bit-errors", "200", "--no-progress"]


def run_json(capsys, argv):
    rc = main(argv + ["--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_json_contract_and_hdf5(tmp_path, capsys):
    h5, png = tmp_path / "r.h5", tmp_path / "r.png"
    doc = run_json(capsys, ["ber", "--modulation", "16qam", "--ebno", "0:3:9", "--out", str(h5),
                            "--plot", str(png), "--seed", "3", *FAST])
    assert doc["config"]["link"]["modulation"] == "16qam" and doc["config"]["seed"] == 3
    assert [p["ebno_db"] for p in doc["points"]] == [0.0, 3.0, 6.0, 9.0]
    for p in doc["points"]:
        for key in ("ebno_db", "bits", "bit_errors", "ber", "ber_ci", "blocks", "block_errors",
                    "bler", "bler_ci", "status"):
            assert key in p
        # an exact stop at the target-th bit error reports the unbiased (e-1)/(n-1), else e/n
        exact = p["inverse"] == "bits"
        assert p["ber"] == pytest.approx((p["bit_errors"] - exact) / (p["bits"] - exact))
        assert p["ber_ci"][0] <= p["ber"] <= p["ber_ci"][1]
        assert p["ber_ci_method"] == "clopper-pearson (bits independent)"  # uncoded AWGN: i.i.d. bits
        assert p["esno_db"] == pytest.approx(p["ebno_db"] + 10 * __import__("math").log10(4))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rec = ResultStore(h5).read_run(doc["config"]["run_id"])
    assert [p.bit_errors for p in rec.points] == [p["bit_errors"] for p in doc["points"]]
    for key in ("config", "config_hash", "seed", "versions", "device", "git_sha", "runtime_s"):
        assert key in rec.attrs
    assert json.loads(rec.attrs["versions"])["sionna-no-rt"].startswith("2.")


def test_show_gives_every_run_and_point_with_intervals(tmp_path, capsys):
    """``semlink show`` on a ``semlink ber`` file (no study stamp): the ber kind reports every run, its
    points with counts, BER and BLER intervals, status, the stored analytic values and verdicts."""
    h5 = str(tmp_path / "r.h5")
    ber = run_json(capsys, ["ber", "--modulation", "bpsk", "--ebno", "0:4:4", "--max-bits", "100000",
                            "--out", h5, "--no-progress"])
    coded = run_json(capsys, ["ber", "--modulation", "qpsk", "--code", "ldpc", "--k", "100", "--n", "200",
                              "--ebno", "0:2:2", "--max-blocks", "100", "--out", h5, "--no-progress"])
    assert main(["show", h5, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "ber" and doc["study"] is None
    assert doc["summary"]["runs"] == 2 and doc["summary"]["points"] == 4
    assert doc["summary"]["verdicts"]["uncoded_consistent"] == 2
    tables = {t["caption"]: t for t in doc["tables"]}
    assert [r[0] for r in tables["runs"]["rows"]] == sorted([ber["config"]["run_id"], coded["config"]["run_id"]])
    points = tables[f"points of run {ber['config']['run_id']}"]
    assert points["headers"] == ["Eb/N0 [dB]", "bit errors / bits", "BER [95% CI]", "block errors / blocks",
                                 "BLER [95% CI]", "status", "exact BER", "verdict"]
    for row, p in zip(points["rows"], ber["points"]):
        assert row[0] == p["ebno_db"] and row[1] == f"{p['bit_errors']:,} / {p['bits']:,}"
        assert (row[2]["value"], row[2]["lo"], row[2]["hi"], row[2]["n"]) == (p["ber"], *p["ber_ci"], p["bits"])
        assert [row[4]["lo"], row[4]["hi"]] == p["bler_ci"] and row[5] == p["status"]
        assert row[6] == pytest.approx(p["analytic"]["ber"]) and row[7] == "consistent"
    coded_points = tables[f"points of run {coded['config']['run_id']}"]
    assert "BI-AWGN normal approx." in coded_points["headers"]
    assert [r[4]["value"] for r in coded_points["rows"]] == [p["bler"] for p in coded["points"]]
    assert main(["show", h5]) == 0
    text = capsys.readouterr().out
    assert "ber results" in text and "BLER [95% CI]" in text and f"points of run {ber['config']['run_id']}" in text


def test_rerun_resumes_and_extends(tmp_path, capsys):
    h5 = str(tmp_path / "r.h5")
    a = run_json(capsys, ["ber", "--ebno", "0:2:4", "--out", h5, *FAST])
    b = run_json(capsys, ["ber", "--ebno", "0:2:6", "--out", h5, *FAST])
    assert [p["resumed"] for p in b["points"]] == [True, True, True, False]
    assert [p["bit_errors"] for p in b["points"][:3]] == [p["bit_errors"] for p in a["points"]]
    assert len(ResultStore(h5).runs()) == 1
    # a different seed is a different run in the same file
    run_json(capsys, ["ber", "--ebno", "0", "--out", h5, "--seed", "9", *FAST])
    assert len(ResultStore(h5).runs()) == 2


def test_esno_grid_and_coded_link(capsys):
    doc = run_json(capsys, ["ber", "--modulation", "qpsk", "--code", "ldpc", "--k", "400", "--rate", "0.8",
                            "--crc", "--esno", "8", "--max-blocks", "300", "--no-progress"])
    (p,) = doc["points"]
    assert doc["config"]["link"]["n"] == 500 and doc["config"]["link"]["crc"] == "CRC24A"
    assert p["esno_db"] == pytest.approx(8.0) and p["block_errors"] == 0 and p["blocks"] >= 300


@pytest.mark.parametrize(
    "argv",
    [
        ["--modulation", "8qam"],
        ["--code", "ldpc", "--k", "500", "--n", "400"],
        ["--code", "ldpc", "--k", "10", "--n", "40"],
        ["--ebno", "5:1:0"],
        ["--ebno", ""],
        ["--ebno", "a:b:c"],
        ["--max-bits", "-5"],
        ["--target-bit-errors", "-1"],
        ["--confidence", "1.5"],
        ["--channel", "rician"],
        ["--device", "tpu"],
        ["--crc", "CRC99"],
        ["--plot", "x.jpg"],
    ],
)
def test_bad_options_exit_2_one_line_nothing_written(tmp_path, capsys, argv):
    out = tmp_path / "never.h5"
    rc = main(["ber", "--out", str(out), "--no-progress", *argv])
    _, err = capsys.readouterr()
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("semlink: error:")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_out_not_hdf5_is_rejected(tmp_path, capsys):
    bad = tmp_path / "x.h5"
    bad.write_text("not hdf5")
    assert main(["ber", "--out", str(bad), "--no-progress"]) == 2
    assert bad.read_text() == "not hdf5"


def test_sigint_keeps_finished_points_and_rerun_resumes(tmp_path):
    """A real Ctrl-C (SIGINT) mid-sweep: exit 130, readable file, resume recomputes nothing."""
    h5 = tmp_path / "r.h5"
    def cmd(grid):
        return [sys.executable, "-m", "scenarios", "ber", "--modulation", "qpsk", "--ebno", grid] + common

    common = ["--target-bit-errors", "0", "--target-block-errors", "0", "--max-bits", "3000000",
            "--batch-size", "50", "--out", str(h5), "--no-progress"]
    argv = cmd("0:1:30")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # a shell's background job starts with SIGINT ignored (then Python installs no handler): restore it
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=Path(__file__).resolve().parents[2],
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    store = ResultStore(h5)
    while time.time() < deadline:
        if h5.exists() and store.runs() and len(store.finished_points(store.runs()[0])) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    run_id = store.runs()[0]
    done = store.finished_points(run_id)
    assert 2 <= len(done) < 31
    with h5py.File(h5) as f:  # the file is intact
        assert f[f"runs/{run_id}/points/ebno_db"].shape[0] == len(done)
    first = min(done)
    proc2 = subprocess.run(cmd(f"{first}:1:{max(done) + 1}") + ["--json"],
                           capture_output=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=300)
    assert proc2.returncode == 0, proc2.stderr
    doc = json.loads(proc2.stdout)
    flags = [p["resumed"] for p in doc["points"]]
    assert flags == [True] * len(done) + [False]
    assert [p["bit_errors"] for p in doc["points"][: len(done)]] == [done[k].bit_errors for k in sorted(done)]


#: 20 moments from 10 ms (interpreter start-up) through imports and parsing to mid-simulation.
SIGINT_DELAYS = [round(0.01 * (600 ** (i / 19)), 4) for i in range(20)]  # 0.01 ... 6 s, geometric


@pytest.mark.slow  # 20 subprocesses interrupted at 0.01..6 s (~23 s): `make test-all`
def test_ctrl_c_at_any_moment_exits_130_without_traceback(tmp_path):
    """SIGINT at 20 moments from 10 ms to mid-run, with a busy process per core: every exit is 130 with
    one line and no traceback (or, before the interpreter runs a line, death by SIGINT with no output:
    shell status 130); never 0; the file stays readable. The ``semlink`` executable is tested at every
    moment; ``python -m scenarios`` (where Python's own start-up, runpy and site, comes before any
    semlink line) from 100 ms on."""
    import multiprocessing as mp
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    semlink = Path(sys.executable).with_name("semlink")
    assert semlink.exists(), "the semlink executable is installed beside the interpreter (bin/semlink)"
    busy = [mp.get_context("spawn").Process(target=_spin, daemon=True) for _ in range(os.cpu_count() or 2)]
    for b in busy:
        b.start()
    seen = []
    try:
        for i, delay in enumerate(SIGINT_DELAYS):
            out = tmp_path / f"r{i}.h5"
            head = [sys.executable, "-m", "scenarios"] if i % 2 and delay >= 0.1 else [str(semlink)]
            argv = head + ["ber", "--modulation", "bpsk", "--ebno", "0:1:30", "--target-bit-errors", "0",
                           "--max-bits", "20000000", "--out", str(out), "--no-progress", "--threads", "1"]
            # background jobs (CI) start with SIGINT ignored, which a child inherits: restore the default
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    cwd=Path(__file__).resolve().parents[2],
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=120)
            seen.append((delay, proc.returncode))
            assert proc.returncode in (130, -signal.SIGINT), (delay, proc.returncode, err[-1500:])
            if proc.returncode == -signal.SIGINT:
                assert err == "", (delay, err[-1500:])
            else:
                assert "Traceback" not in err and err.strip().count("\n") == 0 and "interrupted" in err, \
                    (delay, err[-1500:])
            if out.exists():
                ResultStore(out).runs()  # readable (or absent when interrupted before the first write)
    finally:
        for b in busy:
            b.terminate()
    # a silent death by SIGINT only before the interpreter runs (perl's and Python's start-up: tens of ms
    # under this load); from 0.5 s on semlink's handler is always the one that answers
    assert all(rc == 130 for d, rc in seen if d >= 0.5), seen


def _spin() -> None:
    while True:
        pass


def test_budgets_are_exact_through_the_cli(capsys):
    """``--max-blocks 3000`` / ``--max-bits`` give exactly the budget, also with a batch size that
    divides neither (the last batch is truncated), and with ``--snr-batch`` (joint batches)."""
    base = ["ber", "--modulation", "bpsk", "--k", "100", "--target-bit-errors", "0", "--target-block-errors", "0",
            "--batch-size", "64", "--no-progress"]
    for extra in ([], ["--snr-batch"]):
        doc = run_json(capsys, base + ["--ebno", "10:2:12", "--max-blocks", "3000", *extra])
        assert [(p["blocks"], p["bits"], p["status"]) for p in doc["points"]] == [(3000, 300_000, "max_blocks")] * 2
        doc = run_json(capsys, base + ["--ebno", "10:2:12", "--max-bits", "12345", *extra])
        assert [(p["bits"], p["status"]) for p in doc["points"]] == [(12_345, "max_bits")] * 2
