"""Run-time settings: threads (explicit > environment > 1) and the set-up's lock in the version stamp."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from linklevel.engine import runtime

ROOT = Path(__file__).resolve().parents[2]


def _threads_in_child(env_extra: dict, argv: str) -> int:
    env = {k: v for k, v in os.environ.items() if k not in runtime.THREAD_VARS}
    env.update(env_extra)
    code = ("import torch, sys\nfrom scenarios.cli import main\n"
            f"assert main({argv}) == 0\nprint(torch.get_num_threads(), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-800:]
    return int(out.stderr.strip().splitlines()[-1])


BER = '["ber", "--modulation", "bpsk", "--ebno", "0", "--max-bits", "2000", "--no-progress", "--json"]'


@pytest.mark.parametrize("env,extra,want", [({}, "", 1),
                                            ({"OMP_NUM_THREADS": "2"}, "", 2), ({"MKL_NUM_THREADS": "2"}, "", 2),
                                            ({"OMP_NUM_THREADS": "2"}, ', "--threads", "1"', 1)])
def test_threads_default_environment_and_explicit(env, extra, want):
    argv = BER[:-1] + extra + "]"
    assert _threads_in_child(env, argv) == want


def test_versions_record_the_lock():
    v = runtime.versions()
    assert len(v["lock_sha256"]) == 16 and v["lock_match"]
    text = runtime.LOCK_FILE.read_text()
    pins = [line for line in text.splitlines() if "==" in line and not line.startswith("#")]
    assert len(pins) > 50 and any(p.startswith("torch==") for p in pins) and any(p.startswith("numpy==") for p in pins)
