"""Design by gradient (issue #27): `allocate --method gradient` against bisection (the paper's Algorithm 1) and the
certified optimum on the Xu study's cases: its sources and schemes at every ``--step`` of its target grid.

Run: ``.venv/bin/python benchmarks/bench_allocate_gradient.py [--study-file out/xu/xu_power_allocation.h5]``
(``--study-file``: a finished ``xu_power_allocation`` run whose measured perception functions give the
``measured`` source; without it only the paper's constants are run). Prints one Markdown table and the
per-case rows with ``--rows``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from scenarios.xu.allocation import StreamSpec, allocate
from scenarios.xu.models import dbm_to_w, path_loss_db
from scenarios.xu.sources import perception_source


def _measured(file: str) -> tuple:
    from scenarios.streams.metrics import metric_key
    from scenarios.xu.parts import measured_bits
    from scenarios.xu.perception import forward_table, read_fits

    import h5py

    with h5py.File(file, "r") as f:
        key = next(iter(f["perception"]))
    return (read_fits(file, key)["discard"][0], forward_table(file, key)), measured_bits(file)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study-file", default=None)
    ap.add_argument("--step", type=float, default=0.05, help="target grid step (the study's grid is 0.01)")
    ap.add_argument("--rows", action="store_true")
    args = ap.parse_args(argv)
    gain, noise = 10 ** (path_loss_db(100.0, -30.0, 3.4) / 10), dbm_to_w(-110.0)
    cases = [("paper:clip", "coded", None, (800, 12227)), ("paper:ms-ssim", "coded", None, (800, 12227))]
    if args.study_file:
        measured, k = _measured(args.study_file)
        cases += [("measured", "coded", measured, k), ("measured", "uncoded", measured, k)]
    targets = np.round(np.arange(0.20, 0.99 + 1e-9, args.step), 4)
    out = []
    for src, scheme, measured, k in cases:
        P, sv = perception_source(src, scheme, measured=measured)
        streams = [StreamSpec(int(k[0]), gain, noise), StreamSpec(int(k[1]), gain, noise)]
        for t in targets:
            opt = allocate(scheme, "optimal", streams, P, float(t), semantic_values=sv)
            if not opt.feasible:
                continue
            row = {"source": src, "scheme": scheme, "target": float(t), "optimal_w": opt.total_power,
                   "corner": any("no power" in n for n in opt.notes)}
            for m in ("bisection", "gradient"):
                t0 = time.perf_counter()
                a = allocate(scheme, m, streams, P, float(t), semantic_values=sv, check_optimum=True)
                row[f"{m}_s"] = time.perf_counter() - t0
                row[f"{m}_gap"] = a.excess_over_optimal if a.feasible else math.inf
                if m == "gradient":
                    row["gradient_iters"] = a.solver.get("lbfgs_iterations", 0)
            out.append(row)
            if args.rows:
                print(row, file=sys.stderr)
    print("| source / scheme | cases | corner optima | bisection gap ≤ 1 % | gradient gap ≤ 1 % | gradient ≤ 1 % "
          "at interior optima | worst gradient gap (interior) | median gradient s | median L-BFGS iterations |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for src, scheme, _, _ in cases:
        rs = [r for r in out if r["source"] == src and r["scheme"] == scheme]
        inner = [r for r in rs if not r["corner"]]
        print(f"| {src} / {scheme} | {len(rs)} | {sum(r['corner'] for r in rs)} | "
              f"{sum(r['bisection_gap'] <= 0.01 for r in rs)} | {sum(r['gradient_gap'] <= 0.01 for r in rs)} | "
              f"{sum(r['gradient_gap'] <= 0.01 for r in inner)}/{len(inner)} | "
              f"{max((r['gradient_gap'] for r in inner), default=float('nan')):.2e} | "
              f"{np.median([r['gradient_s'] for r in rs]):.2f} | {np.median([r['gradient_iters'] for r in rs]):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
