"""Speed of the finite-blocklength functions: NA points/s, meta-converse and RCUs per point.

Run: ``.venv/bin/python benchmarks/bench_fbl.py [--points 2000000]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from linklevel.theory import fbl


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check", type=float, default=None, help="fail if NA points/s is below this")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    n = rng.integers(100, 5000, args.points).astype(float)
    k = np.floor(n * rng.uniform(0.2, 0.9, args.points))
    snr = 10 ** (rng.uniform(-5, 15, args.points) / 10)
    rows = []
    for ch in ("awgn", "awgn-complex", "rayleigh-csir", "biawgn"):
        m = args.points if ch in ("awgn", "awgn-complex") else args.points // 20
        ts = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fbl.normal_approximation(n[:m], k[:m], snr[:m], ch)
            ts.append(time.perf_counter() - t0)
        rows.append((f"normal approximation, {ch}", m / statistics.median(ts), "points/s"))
    for name, fn in (("meta-converse, BI-AWGN", fbl.metaconverse_biawgn), ("RCUs, BI-AWGN", fbl.rcus_biawgn)):
        ts = []
        for nn, kk, s in ((1000, 500, 1.29), (128, 64, 2.5), (2000, 1600, 4.0)):
            t0 = time.perf_counter()
            fn(nn, kk, s)
            ts.append(time.perf_counter() - t0)
        rows.append((f"{name} (n=128..2000)", statistics.median(ts) * 1e3, "ms/point"))
    print("| function | value | unit |\n| --- | ---: | --- |")
    for name, v, unit in rows:
        print(f"| {name} | {v:.3g} | {unit} |")
    na = rows[0][1]
    if args.check is not None and na < args.check:
        print(f"FAIL: {na:.3g} NA points/s < {args.check:.3g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
