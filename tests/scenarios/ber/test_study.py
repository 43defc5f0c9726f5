"""Study files: validation, sweep expansion, run hashes, HDF5 layout, resume, report, CLI."""

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
from scenarios.study.kinds import builtin_studies, load_study
from scenarios.study.schema import StudyError

from ..tamper import assert_damage_detected

ROOT = Path(__file__).resolve().parents[3]

TINY = """
[study]
name = "tiny"
seed = 3
confidence = 0.99

[defaults]
stop = { target_bit_errors = 200, target_block_errors = 0, max_bits = 200_000 }

[[figure]]
name = "awgn"
title = "tiny AWGN"
ebno_db = "2:2:6"
link = { channel = "awgn", k = 600 }
sweep = { "link.modulation" = ["bpsk", "16qam"] }

[[figure]]
name = "again"
ebno_db = [6.0, 8.0]
link = { channel = "awgn", k = 600, modulation = "bpsk" }
"""


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_builtin_study_expands_and_hashes():
    assert "validate_analytic" in builtin_studies() and "xu_power_allocation" in builtin_studies()
    s = load_study("validate_analytic")
    figs = {f.name: f for f in s.figures}
    assert set(figs) == {"uncoded_awgn", "uncoded_rayleigh", "coded_awgn", "ofdm_rayleigh"}
    ray = figs["uncoded_rayleigh"].runs
    assert len(ray) == 6  # 3 modulations x 2 coherences (cartesian)
    assert {r.run.link.coherence for r in ray} == {"iid", 100}
    coded = figs["coded_awgn"].runs  # zip: (k, n) pairs, not their product
    assert [(r.run.link.k, r.run.link.n) for r in coded] == [(128, 256), (400, 500), (512, 1024)]
    awgn = figs["uncoded_awgn"].runs
    assert [r.run.ebno_db[-1] for r in awgn] == [10.0, 14.0, 18.0]
    ids = [r.run.run_id for f in s.figures for r in f.runs]
    assert len(set(ids)) == len(ids)
    assert s.result_file == os.path.join("out", "validate_analytic", "validate_analytic.h5")
    q = load_study("validate_analytic", quick=True)
    assert q.out.endswith("-quick") and q.figures[0].runs[0].run.stop.max_bits == 100_000
    assert [(r.run.link.k, r.run.link.n) for r in {f.name: f for f in q.figures}["coded_awgn"].runs] == [(128, 256)]
    # frozen
    with pytest.raises(Exception):
        s.figures[0].runs[0].run.seed = 5


def test_duplicate_runs_share_one_hash_and_merge_grids(tmp_path):
    s = load_study(write(tmp_path, TINY))
    runs = s.unique_runs()
    assert len(runs) == 2  # bpsk of 'again' is the same run as bpsk of 'awgn'
    bpsk = [r for r in runs if r.link.modulation == "bpsk"][0]
    assert bpsk.ebno_db == (2.0, 4.0, 6.0, 8.0)


@pytest.mark.parametrize("text,match", [
    ("[study]\nname='x'\nsed=1\n[[figure]]\nname='a'\nebno_db='0:1:1'", "did you mean 'seed'"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nlink={modulaton='bpsk'}", "did you mean 'modulation'"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nlink={modulation='17qam'}", "17qam"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nzip={'link.k'=[1,2],'link.n'=[3]}", "equal lengths"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nsweep={'lnk.k'=[1]}", "cannot sweep"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nsweep={'link.k'=[]}", "non-empty list"),
    ("[study]\nname='x'\n[[figure]]\nname='a'", "no ebno_db grid"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='5:1:0'", "empty range"),
    ("[study]\nname='x'", "at least one"),
    ("[study]\nname='x y'\n[[figure]]\nname='a'\nebno_db='0:1:1'", "name must be"),
    ("[study]\nname='x'\n[quick]\nfigure.b={stop={max_bits=1}}\n[[figure]]\nname='a'\nebno_db='0:1:1'", "names no figure"),
    ("[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nstop={max_bits=-1}", "max_bits"),
    ("[study\nname='x'", "invalid TOML"),
])
def test_bad_studies_raise_clear_errors(tmp_path, text, match):
    with pytest.raises(StudyError, match=match):
        load_study(write(tmp_path, text))


def test_cli_bad_study_exits_2_one_line(tmp_path, capsys):
    path = write(tmp_path, "[study]\nname='x'\n[[figure]]\nname='a'\nebno_db='0:1:1'\nlink={modulaton='bpsk'}")
    assert main(["run", path, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "modulaton" in err[0]
    assert not (tmp_path / "o").exists()
    assert main(["run", "no_such_study"]) == 2
    assert "built-in studies" in capsys.readouterr().err
    assert main(["run", path, "--resume", "--out", str(tmp_path / "o")]) == 2


def test_run_writes_hdf5_figures_report_and_skips_finished(tmp_path, capsys):
    path = write(tmp_path, TINY)
    out = tmp_path / "res"
    assert main(["run", path, "--out", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["study"] == "tiny" and not d["interrupted"]
    assert d["kind"] == "ber" and all(r["key"].startswith("runs/") for r in d["parts"])
    assert {r["status"] for r in d["parts"]} == {"finished"} and len(d["parts"]) == 2
    # per figure: awgn (bpsk 3 + 16qam 3 points) + again (bpsk 2 points); the bpsk run is one run drawn twice
    assert d["verdicts"]["gap"] + d["verdicts"]["consistent"] == 8 and d["verdicts"]["uncoded_consistent"] >= 7
    assert d["runs"] == 2 and d["points"] == 8 and d["coded_gaps"] == []
    h5 = out / "tiny.h5"
    with h5py.File(h5, "r") as f:
        assert sorted(f["runs"].keys()) == sorted(r["key"][5:] for r in d["parts"])
        for rid in f["runs"]:
            a = f["runs"][rid].attrs
            assert a["config_hash"] == rid and int(a["seed"]) == 3
            assert json.loads(a["config"])["link"]["k"] == 600
            for key in ("versions", "git_sha", "device", "completed", "complete", "runtime_s"):
                assert key in a
            assert set(json.loads(a["completed"])) in ({2.0, 4.0, 6.0}, {2.0, 4.0, 6.0, 8.0})
            assert "analytic_ber" in f["runs"][rid] and "verdict_consistent" in f["runs"][rid]
    for fig in ("awgn.png", "again.png"):
        assert (out / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    assert "## Verdict table" in report and "16QAM" in report and "![awgn](awgn.png)" in report
    # every point with its counts and both intervals (99 %, the study's confidence)
    assert "| bit errors / bits | BER [99% CI] | block errors / blocks | BLER [99% CI] | status |" in report
    before = {rid: ResultStore(h5).read_run(rid) for rid in ResultStore(h5).runs()}
    # re-run: every run is complete -> skipped, nothing recomputed
    assert main(["run", path, "--out", str(out), "--json", "--resume"]) == 0
    d2 = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in d2["parts"]} == {"skipped"}
    after = {rid: ResultStore(h5).read_run(rid) for rid in ResultStore(h5).runs()}
    for rid in before:
        assert before[rid].points == after[rid].points
        assert before[rid].attrs["updated"] == after[rid].attrs["updated"]
    # --fresh moves the old file aside and recomputes (same seed -> same counts)
    assert main(["run", path, "--out", str(out), "--json", "--fresh"]) == 0
    d3 = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in d3["parts"]} == {"finished"}
    assert len(list(out.glob("tiny.h5.*.bak"))) == 1
    assert_damage_detected(path, out, tmp_path, capsys)
    again = {rid: ResultStore(h5).read_run(rid).points for rid in ResultStore(h5).runs()}
    assert again == {rid: r.points for rid, r in before.items()}


def test_extending_a_grid_reruns_only_the_new_points(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", write(tmp_path, TINY), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    wider = TINY.replace('ebno_db = [6.0, 8.0]', 'ebno_db = [6.0, 8.0, 9.0]')
    assert main(["run", write(tmp_path, wider, "w.toml"), "--out", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    status = {r["label"]: r["status"] for r in d["parts"]}
    assert list(status.values()).count("finished") == 1 and list(status.values()).count("skipped") == 1
    rec = [ResultStore(out / "tiny.h5").read_run(r["key"][5:]) for r in d["parts"] if r["status"] == "finished"][0]
    assert [p.ebno_db for p in rec.points] == [2.0, 4.0, 6.0, 8.0, 9.0]
    assert sum(p.resumed for p in rec.points) == 0  # flags are not stored; counts are


def test_killed_study_resumes_without_recomputing(tmp_path):
    """SIGKILL the quick demo mid-way; the re-run skips every run completed before the kill."""
    out = tmp_path / "va"
    argv = [sys.executable, "-m", "scenarios", "run", "validate_analytic", "--quick", "--out", str(out),
            "--no-progress"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    h5 = out / "validate_analytic.h5"
    complete: list[str] = []
    deadline = time.time() + 240
    try:
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if not h5.exists():
                continue
            try:
                with h5py.File(h5, "r") as f:
                    complete = [rid for rid in f["runs"] if f["runs"][rid].attrs.get("complete", False)]
            except (OSError, KeyError):
                continue
            if len(complete) >= 3:
                proc.kill()
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the study finished before it could be killed: " + proc.stderr.read().decode()[-800:]
    n_total = len(load_study("validate_analytic", quick=True).unique_runs())
    assert 3 <= len(complete) < n_total
    store = ResultStore(h5)
    before = {rid: store.read_run(rid).points for rid in complete}
    res = subprocess.run(argv + ["--json"], capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    d = json.loads(res.stdout)
    status = {r["key"][5:]: r["status"] for r in d["parts"]}
    assert all(status[rid] == "skipped" for rid in complete)
    assert all(s == "finished" for rid, s in status.items() if rid not in complete)
    for rid in complete:
        assert store.read_run(rid).points == before[rid]
    assert len(store.runs()) == n_total
    assert (out / "report.md").exists() and len(d["figures"]) == 4
    # the coded run's gaps at the target BLER, one per reference curve, in the typed summary
    (gap,) = d["coded_gaps"]
    assert gap["label"] == "LDPC(128,256)" and gap["target_bler"] == 0.01
    assert [c["curve"] for c in gap["curves"]] == ["bler_na", "bler_converse", "bler_rcus"]
    assert 1.5 < gap["ebno_sim_db"] < 3.5 and all(c["gap_db"] > 0 for c in gap["curves"])


@pytest.mark.slow
def test_ray_executor_matches_local(tmp_path, capsys):
    pytest.importorskip("ray")
    path = write(tmp_path, TINY)
    assert main(["run", path, "--out", str(tmp_path / "local"), "--json", "--device", "cpu"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(["run", path, "--out", str(tmp_path / "ray"), "--json", "--executor", "ray"]) == 0
    viaray = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in viaray["parts"]} == {"finished"}
    a, b = ResultStore(tmp_path / "local" / "tiny.h5"), ResultStore(tmp_path / "ray" / "tiny.h5")
    assert a.runs() == b.runs()
    for rid in a.runs():
        # same seeds and the same (CPU) batch size: identical counts from any worker
        assert a.read_run(rid).points == b.read_run(rid).points
        assert a.read_run(rid).extras.keys() == b.read_run(rid).extras.keys()
    assert viaray["verdicts"] == local["verdicts"]


def test_report_finds_runs_whatever_batch_size_they_ran_with(tmp_path, capsys):
    """The batch size (and device kind) name a run in the file; the report, which is not told them
    (``semlink show``), still finds every run of the study and reports its points."""
    path = write(tmp_path, TINY)
    out = tmp_path / "b64"
    assert main(["run", path, "--out", str(out), "--json", "--batch-size", "64"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["runs"] == 2 and d["points"] == 8
    assert all(json.loads(ResultStore(out / "tiny.h5").read_run(r["key"][5:]).attrs["config"])["batch_size"] == 64
               for r in d["parts"])
    assert main(["show", str(out / "tiny.h5"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"] == {k: d[k] for k in shown["summary"]}
    points = [t for t in shown["tables"] if t["caption"].startswith("awgn: points")][0]
    assert len(points["rows"]) == 6 and points["headers"][3] == "BER [99% CI]"
    for row in points["rows"]:
        ber = row[3]
        assert ber["lo"] <= ber["value"] <= ber["hi"] and ber["unit"] == "bit" and ber["confidence"] == 0.99
