"""Start-up time of the ``semlink`` commands that run no simulation (issue: light imports).

Runs each command ``--repeat`` times as a fresh process and reports the median wall time;
with ``--check S`` exits 1 when a median exceeds S seconds. Needs a result file for ``show``
(``--show-file``; default: a tiny one made first with ``semlink ber``).

    python benchmarks/bench_startup.py --repeat 5 --check 1.5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "--help": ["--help"],
    "bounds": ["bounds", "--channel", "biawgn", "--n", "1000", "--rate", "0.5", "--target-bler", "1e-3"],
    "allocate": ["allocate", "--scheme", "coded", "--method", "optimal", "--paper-constants", "clip", "--k",
                 "800,12227", "--rate", "0.8", "--gain-db", "-98,-98", "--noise-dbm", "-110", "--target", "0.45",
                 "--json"],
    "run --help": ["run", "--help"],
    "show": ["show", "{file}"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--check", type=float, default=None, help="fail if a median exceeds this many seconds")
    ap.add_argument("--show-file", default=None)
    args = ap.parse_args()
    exe = shutil.which("semlink", path=os.path.dirname(sys.executable)) or "semlink"
    tmp = tempfile.mkdtemp()
    show = args.show_file or os.path.join(tmp, "r.h5")
    if not args.show_file:
        subprocess.run([exe, "ber", "--modulation", "bpsk", "--ebno", "0:2:4", "--max-bits", "20000", "--out", show,
                        "--no-progress"], check=True, capture_output=True)
    worst = 0.0
    print(f"{'command':>12} {'median [s]':>11} {'min [s]':>8}")
    for name, argv in COMMANDS.items():
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run([exe] + [a.format(file=show) for a in argv], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        worst = max(worst, med)
        print(f"{name:>12} {med:11.2f} {min(times):8.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    if args.check is not None and worst > args.check:
        print(f"FAIL: slowest median {worst:.2f} s > {args.check} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
