"""Process-parallel execution of the main job: ``--workers 2`` vs ``--workers 1``, idle and loaded.

    .venv/bin/python benchmarks/bench_parallel.py [--quick] [--check]

1. **Idle**: ``semlink run validate_analytic --fresh`` with ``--workers 1`` and ``--workers 2`` (one
   torch thread per process, nothing else running): the speed-up, and whether the stored counts are
   identical (they must be: every point has its own seed).
2. **Loaded**: the same with one busy-looping process per core beside it: semlink's *default*
   (no ``--workers``/``--threads``, ``SEMLINK_WORKERS`` and ``OMP_NUM_THREADS`` unset: one process per
   physical core, one thread each) against ``--workers 1 --threads 1``.

``--check`` exits 1 when the idle speed-up is below 1.7 (on 2 or more cores) or the loaded default
is more than 5 % slower than ``--workers 1 --threads 1``. ``--quick`` uses the study's ``[quick]``
variant (a smoke run: start-up dominates it, so no ``--check`` target applies).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEMLINK = Path(sys.executable).with_name("semlink")
CLEAN = ("SEMLINK_WORKERS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _spin() -> None:
    while True:
        pass


def timed(extra: list[str], out: str, quick: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    argv = [str(SEMLINK), "run", "validate_analytic", "--fresh", "--out", out, "--no-progress", "--json", *extra]
    if quick:
        argv.append("--quick")
    t = time.perf_counter()
    r = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t


def counts(folder: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from linklevel.store.results import ResultStore

    [path] = Path(folder).rglob("*.h5")
    store = ResultStore(path)
    return {r: [(p.ebno_db, p.bits, p.bit_errors, p.blocks, p.block_errors) for p in store.read_run(r).points]
            for r in store.runs()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        serial = timed(["--workers", "1"], f"{tmp}/w1", args.quick)
        two = timed(["--workers", "2"], f"{tmp}/w2", args.quick)
        same = counts(f"{tmp}/w1") == counts(f"{tmp}/w2")
        busy = [mp.get_context("spawn").Process(target=_spin, daemon=True) for _ in range(cores)]
        for b in busy:
            b.start()
        try:
            loaded_serial = timed(["--workers", "1", "--threads", "1"], f"{tmp}/l1", args.quick)
            loaded_default = timed([], f"{tmp}/ld", args.quick)
        finally:
            for b in busy:
                b.terminate()
    what = "validate_analytic" + (" --quick" if args.quick else "")
    print(f"Machine: {platform.processor() or platform.machine()}, {cores} logical CPUs; main job `{what}`.\n")
    print("| load | run | wall s | ratio |\n|---|---|---|---|")
    print(f"| idle | --workers 1 | {serial:.1f} | 1.00 |")
    print(f"| idle | --workers 2 | {two:.1f} | {serial / two:.2f}x faster (counts identical: {same}) |")
    print(f"| 1 busy process per core | --workers 1 --threads 1 | {loaded_serial:.1f} | 1.00 |")
    print(f"| 1 busy process per core | default | {loaded_default:.1f} | {loaded_serial / loaded_default:.2f}x faster |")
    if not same:
        print("FAIL: --workers 2 stored other counts than --workers 1", file=sys.stderr)
        return 1
    if args.check and not args.quick:
        if cores >= 2 and serial / two < 1.7:
            print(f"FAIL: --workers 2 only {serial / two:.2f}x --workers 1 (target 1.7x)", file=sys.stderr)
            return 1
        if loaded_default > 1.05 * loaded_serial:
            print("FAIL: under load the default is slower than --workers 1 --threads 1", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
