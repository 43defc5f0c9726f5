"""The Ray executor on a real local cluster: separate head and worker-node processes, a worker node
killed mid-run (slow; needs Ray: ``make test-all`` installs it).

``ray start --head`` and ``ray start --address`` (``--block``, its own process group, so that killing
the group takes the node's raylet and its workers down, as a machine failure would) each offer one
CPU. ``semlink run validate_analytic --quick --executor ray`` runs against the cluster through
``RAY_ADDRESS``; once a few parts have finished, the worker node is killed with SIGKILL. Ray retries
the lost tasks on the head node (``max_retries=1``); if the run fails anyway, a re-run resumes it.
Either way the stored counts must equal the local executor's, point for point.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linklevel.store.results import ResultStore

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _semlink(args: list[str], env: dict, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "semlink"), *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _points(path: Path) -> dict:
    store = ResultStore(path)
    return {rid: [(p.ebno_db, p.status, p.bits, p.bit_errors, p.blocks, p.block_errors)
                  for p in store.read_run(rid).points] for rid in store.runs()}


def test_ray_cluster_with_a_killed_worker_node_gives_the_local_counts(tmp_path):
    pytest.importorskip("ray")
    ray = shutil.which("ray", path=str(BIN)) or pytest.skip("the ray command is not installed beside Python")
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "SEMLINK_WORKERS": "1", "OMP_NUM_THREADS": "1"}
    local = _semlink(["run", "validate_analytic", "--quick", "--out", str(tmp_path / "local"), "--no-progress",
                      "--json", "--workers", "1"], env)
    out, err = local.communicate(timeout=900)
    assert local.returncode == 0, err[-2000:]
    head = subprocess.run([ray, "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                           "--disable-usage-stats"], env=env, capture_output=True, text=True, timeout=180)
    assert head.returncode == 0, head.stderr[-2000:]
    node = None
    try:
        node = subprocess.Popen([ray, "start", f"--address=127.0.0.1:{port}", "--num-cpus=1", "--block"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        env["RAY_ADDRESS"] = f"127.0.0.1:{port}"
        _wait_for_nodes(env, 2)
        t0 = time.perf_counter()
        argv = ["run", "validate_analytic", "--quick", "--out", str(tmp_path / "ray"), "--executor", "ray", "--json"]
        run = _semlink(argv, env)
        _wait_for_finished_parts(tmp_path / "ray", 3, run)
        os.killpg(node.pid, signal.SIGKILL)  # the worker node dies with its tasks
        node.wait(timeout=30)
        out, err = run.communicate(timeout=900)
        attempts = 1
        if run.returncode != 0:  # the retry could not save the run: a re-run resumes it
            rerun = _semlink(argv, env)
            out, err = rerun.communicate(timeout=900)
            attempts = 2
            assert rerun.returncode == 0, err[-2000:]
        wall = time.perf_counter() - t0
        doc = json.loads(out)
        print(f"ray cluster (head + 1 worker node, 1 CPU each; node killed after 3 parts): {attempts} attempt(s), "
              f"{wall:.0f} s, parts {[p['status'] for p in doc['parts']]}")
        got, want = _points(_only_h5(tmp_path / "ray")), _points(_only_h5(tmp_path / "local"))
        assert len(got) == len(want) >= 3 and got == want
    finally:
        if node is not None and node.poll() is None:
            os.killpg(node.pid, signal.SIGKILL)
        subprocess.run([ray, "stop", "--force"], env=env, capture_output=True, timeout=120)


def _only_h5(folder: Path) -> Path:
    files = sorted(folder.rglob("*.h5"))
    assert len(files) == 1, files
    return files[0]


def _wait_for_nodes(env: dict, n: int, timeout: float = 120) -> None:
    code = ("import ray, os; ray.init(address=os.environ['RAY_ADDRESS'], configure_logging=False); "
            "print(sum(1 for x in ray.nodes() if x['Alive']))")
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        if r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [str(n)]:
            return
        time.sleep(2)
    pytest.fail(f"the Ray cluster did not reach {n} live nodes")


def _wait_for_finished_parts(folder: Path, n: int, proc: subprocess.Popen, timeout: float = 600) -> None:
    """Until ``n`` parts are stored in the run's file (read-only looks, as ``semlink show`` does)."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        files = list(folder.glob("*.h5")) if folder.exists() else []
        if files:
            try:
                if len(ResultStore(files[0]).runs()) >= n:
                    return
            except Exception:  # noqa: BLE001 - the file is being replaced; look again
                pass
        time.sleep(0.5)
    pytest.fail(f"fewer than {n} parts finished before the kill (run exit {proc.poll()})")
