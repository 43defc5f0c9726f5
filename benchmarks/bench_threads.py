"""Effect of torch's thread count on a coded link (issue: --threads), idle and with the other core busy.

    python benchmarks/bench_threads.py --blocks 2000

For each thread count, simulates LDPC(400,500) QPSK/AWGN at 3 dB for ``--blocks`` codewords in a
fresh process (threads are set once at start-up, as semlink does) and reports codewords/s and
CPU seconds; then repeats with one busy-looping process per extra core beside it ("loaded").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = """
import json, sys, time, resource
from linklevel.engine.runtime import set_threads
threads = None if sys.argv[1] == "default" else int(sys.argv[1])
import torch
n = set_threads(threads) if threads else torch.get_num_threads()
from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import StopCriteria, simulate_point
link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), device="cpu")
stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=int(sys.argv[2]))
simulate_point(link, 3.0, StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=200), 100, 0)
r0 = resource.getrusage(resource.RUSAGE_SELF); t = time.perf_counter()
p = simulate_point(link, 3.0, stop, 100, 1)
dt = time.perf_counter() - t; r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print(json.dumps({"threads": n, "blocks": p.blocks, "cw_per_s": p.blocks / dt, "wall_s": dt, "cpu_s": cpu}))
"""


def _run(threads: str, blocks: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, threads, str(blocks)], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=2000)
    ap.add_argument("--threads", default="1,2,default")
    args = ap.parse_args()
    print(f"{'load':>7} {'threads':>8} {'cw/s':>9} {'wall [s]':>9} {'CPU [s]':>8}")
    for load in ("idle", "loaded"):
        hogs = []
        if load == "loaded":
            hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(max(1, os.cpu_count() - 1))]
            time.sleep(0.5)
        try:
            for t in args.threads.split(","):
                r = _run(t, args.blocks)
                print(f"{load:>7} {t + ('=' + str(r['threads']) if t == 'default' else ''):>8} {r['cw_per_s']:9.0f} "
                      f"{r['wall_s']:9.2f} {r['cpu_s']:8.2f}")
        finally:
            for h in hogs:
                h.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
