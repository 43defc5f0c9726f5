"""``make gpu-check`` (benchmarks/gpu_check.py) runs its CPU-safe rows anywhere and marks the GPU
rows as skipped without CUDA (slow: it times real training steps of both learned codecs)."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_writes_one_table(tmp_path):
    out = tmp_path / "gpu_check.md"
    r = subprocess.run([sys.executable, "benchmarks/gpu_check.py", "--steps", "2", "--quick", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    table = out.read_text()
    assert table.count("\n| ") >= 6 and "| GPU tests | `pytest -m gpu` |" in table
    assert "hyperprior (image) training step" in table and "NTC (sketch) training step" in table
    if torch.cuda.is_available():
        assert "skipped: no CUDA device" not in table and "info Mb/s" in table and "Gb/s" in table
    else:
        assert table.count("skipped: no CUDA device") == 4 and "no CUDA device here" in r.stderr
