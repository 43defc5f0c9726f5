"""Result-store write cost: per-point append time must not grow with the file (issue: O(1) writes).

Writes ``--points`` points (``--runs`` runs of equal length, each consolidated when it ends, as
``run_ber`` does) and compares the mean append time of the first and the last 100 points;
``--check R`` fails when last/first exceeds R.

    python benchmarks/bench_results.py --points 10000 --runs 100 --check 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from linklevel.store.points import PointResult  # noqa: E402
from linklevel.store.results import ResultStore  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--check", type=float, default=None)
    args = ap.parse_args()
    path = os.path.join(tempfile.mkdtemp(), "bench.h5")
    store = ResultStore(path)
    per_run = args.points // args.runs
    appends, consolidations = [], []
    t_all = time.perf_counter()
    for r in range(args.runs):
        rid = f"run{r:04d}"
        store.ensure_run(rid, {"kind": "ber", "config": {"r": r}})
        for i in range(per_run):
            p = PointResult(float(i) / 10, bits=10**6 + i, bit_errors=i, blocks=1000, block_errors=i % 100,
                            batches=3, status="max_bits", frames=1000, bit_err_sq=i * i, bits_sq=10**9,
                            bit_err_bits=i * 1000)
            t = time.perf_counter()
            store.append_point(rid, p, 0.95, extras={"analytic_ber": 1e-3, "verdict_consistent": 1.0})
            appends.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.set_attrs(rid, runtime_s=1.0)  # the end of a run: attributes + consolidation
        consolidations.append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    first, last = statistics.mean(appends[:100]), statistics.mean(appends[-100:])
    size = os.path.getsize(path) / 2**20
    print(f"points {len(appends)}, runs {args.runs}, file {size:.1f} MiB, total {total:.1f} s")
    print(f"append per point: first 100 {first * 1e3:.2f} ms, last 100 {last * 1e3:.2f} ms, "
          f"ratio {last / first:.2f}; median {statistics.median(appends) * 1e3:.2f} ms")
    print(f"end-of-run consolidation: first {consolidations[0] * 1e3:.1f} ms, last {consolidations[-1] * 1e3:.1f} ms")
    n = len(ResultStore(path).read_run(f"run{args.runs - 1:04d}").points)
    assert n == per_run, n
    if args.check is not None and last / first > args.check:
        print(f"FAIL: last/first {last / first:.2f} > {args.check}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
