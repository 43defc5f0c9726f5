"""Coverage of the reported 95 % BER interval (issue: honest intervals), over independent seeds.

For each case, ``--seeds`` points at a fixed sample size (no error target) are simulated with
different seeds; the reported ``ber_ci`` covers the true BER or not. The true BER is the exact
formula where one exists (uncoded Rayleigh), else a long reference run with another seed range
(``--reference`` blocks). Also shown: the plain bit-level Clopper–Pearson interval on the same
points. Prints a table for benchmarks/RESULTS.md.

    python benchmarks/bench_coverage.py --seeds 24 --blocks 3000 --reference 60000
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from linklevel import Link, LinkConfig, analytic  # noqa: E402
from linklevel.engine.montecarlo import StopCriteria, simulate_point  # noqa: E402
from linklevel.theory.snr import ebno_to_esno  # noqa: E402
from linklevel.theory.stats import clopper_pearson  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=24)
    ap.add_argument("--blocks", type=int, default=3000, help="codewords / fades per point")
    ap.add_argument("--reference", type=int, default=60000, help="codewords of the LDPC reference runs")
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--only", default=None, help="run only the cases whose name contains this text")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ldpc = LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500)
    fading = LinkConfig(modulation="16qam", channel="rayleigh-block", coherence="codeword", k=1200)
    awgn = LinkConfig(modulation="16qam", k=1200)
    cases = [("LDPC(400,500) QPSK AWGN", ldpc, 2.75), ("LDPC(400,500) QPSK AWGN", ldpc, 3.25),
             ("uncoded 16QAM Rayleigh, fade per block", fading, 10.0),
             ("uncoded 16QAM Rayleigh, fade per block", fading, 20.0), ("uncoded 16QAM AWGN (i.i.d.)", awgn, 8.0)]
    print(f"seeds {args.seeds}, {args.blocks} blocks per point, nominal {args.confidence:.0%}")
    print(f"| link | Eb/N0 [dB] | true BER | reported ber_ci covers | method | plain bit-level CI covers |")
    print("|---|---:|---:|---:|---|---:|")
    for name, cfg, ebno in cases:
        if args.only and args.only not in name:
            continue
        link = Link(cfg, device="cpu")
        t0 = time.perf_counter()
        if cfg.code == "none":
            esno = float(ebno_to_esno(ebno, link.info_rate)) - 10 * np.log10(cfg.bits_per_symbol)
            truth = float((analytic.ber_rayleigh if cfg.channel != "awgn" else analytic.ber_awgn)(esno, cfg.modulation))
        else:
            ref = simulate_point(link, ebno, StopCriteria(target_bit_errors=None, target_block_errors=None,
                                                          max_blocks=args.reference), 500, seed=10**6)
            truth = ref.bit_errors / ref.bits
        stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=args.blocks)
        ours, plain, method = [], [], ""
        for s in range(args.seeds):
            p = simulate_point(link, ebno, stop, 200 if cfg.code != "none" else 100, seed=s)
            lo, hi = p.ber_ci(args.confidence)
            ours.append(lo <= truth <= hi)
            plo, phi = clopper_pearson(p.bit_errors, p.bits, args.confidence)
            plain.append(plo <= truth <= phi)
            method = p.ci_method("ber")
        print(f"| {name} | {ebno:g} | {truth:.3e} | {np.mean(ours):.0%} ({sum(ours)}/{len(ours)}) | {method} | "
              f"{np.mean(plain):.0%} | ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
