"""Engine throughput vs a bare loop over the same Sionna blocks vs ``sionna.phy.utils.sim_ber``.

All three run the same :class:`linklevel.Link` for the same number of batches of the
same size at the same Eb/N0, interleaved (one of each per repeat) in a shuffled order per
repeat so that machine drift hits all equally; the median of the repeats is reported. Output: a Markdown table
(information bits/s, codewords/s, overhead of the engine over the bare loop) and,
with ``--json``, the raw numbers.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--device cuda] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time

import torch

from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import StopCriteria, simulate_point
from linklevel.engine.runtime import resolve_device, seed_everything, versions


def bare_loop(link: Link, batches: int, batch_size: int, ebno_db: float) -> tuple[int, int]:
    """The minimal hand-written loop: call the blocks, count errors, sync once per batch."""
    bit_err = blk_err = 0
    with torch.inference_mode():
        for _ in range(batches):
            b, b_hat = link.mc_fun(batch_size, ebno_db)
            err = b != b_hat
            bit_err += int(err.sum().item())
            blk_err += int(err.any(dim=-1).sum().item())
    return bit_err, blk_err


def engine(link: Link, batches: int, batch_size: int, ebno_db: float) -> tuple[int, int]:
    blocks = batches * batch_size * link.codewords_per_frame
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None, max_blocks=blocks)
    p = simulate_point(link, ebno_db, stop, batch_size, seed=0)
    assert p.batches == batches
    return p.bit_errors, p.block_errors


def sionna_sim_ber(link: Link, batches: int, batch_size: int, ebno_db: float) -> tuple[int, int]:
    from sionna.phy.utils import sim_ber

    sim_ber(link.mc_fun, torch.tensor([ebno_db]), batch_size=batch_size, max_mc_iter=batches,
            early_stop=False, verbose=False, device=link.device)
    return 0, 0


def measure(cfg: LinkConfig, ebno_db: float, batch_size: int, batches: int, repeats: int, device: str) -> dict:
    link = Link(cfg, device=device)
    runners = {"bare loop": bare_loop, "semlink engine": engine, "sionna sim_ber": sionna_sim_ber}
    for fn in runners.values():  # warm-up (lazy builds, allocator)
        fn(link, 2, batch_size, ebno_db)
    times: dict[str, list[float]] = {k: [] for k in runners}
    order = list(runners.items())
    rng = random.Random(0)
    for _ in range(repeats):
        rng.shuffle(order)  # no runner always goes first (drift, turbo, caches)
        for name, fn in order:
            seed_everything(0)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn(link, batches, batch_size, ebno_db)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
    info_bits = batches * batch_size * link.info_bits_per_frame
    cws = batches * batch_size * link.codewords_per_frame
    out = {}
    for name, ts in times.items():
        med = statistics.median(ts)
        out[name] = {"median_s": med, "all_s": ts, "info_bits_per_s": info_bits / med, "codewords_per_s": cws / med}
    base = out["bare loop"]["median_s"]
    for name in out:
        out[name]["overhead_vs_bare"] = out[name]["median_s"] / base - 1
    return out


CASES = [
    ("uncoded QPSK AWGN, 1200-bit blocks", LinkConfig(modulation="qpsk"), 4.0),
    ("LDPC(400,500) QPSK AWGN, 20 BP it.", LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), 3.0),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--scale", type=int, default=1, help="multiply batch sizes (e.g. 64 on a GPU)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", type=float, default=None, metavar="FRACTION",
                    help="exit 1 if the engine is slower than the bare loop by more than this (e.g. 0.05)")
    args = ap.parse_args(argv)
    device = resolve_device(args.device)
    results = {}
    for title, cfg, ebno in CASES:
        bs = (256 if cfg.code == "none" else 128) * args.scale
        results[title] = {"batch_size": bs, "ebno_db": ebno,
                          **measure(cfg, ebno, bs, args.batches, args.repeats, device)}
    dev_name = torch.cuda.get_device_name(device) if device.startswith("cuda") else platform.processor() or platform.machine()
    meta = {"device": device, "device_name": dev_name, "threads": torch.get_num_threads(),
            "batches": args.batches, "repeats": args.repeats, "versions": versions()}
    worst = max(r["semlink engine"]["overhead_vs_bare"] for r in results.values())
    status = 0 if args.check is None or worst <= args.check else 1
    if args.json:
        print(json.dumps({"meta": meta, "results": results, "worst_engine_overhead": worst}, indent=1))
        return status
    print(f"device {device} ({dev_name}), torch threads {meta['threads']}, "
          f"{args.batches} batches x {args.repeats} repeats (median)\n")
    print("| link | batch | runner | info bits/s | codewords/s | time vs bare loop |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for title, r in results.items():
        for name in ("bare loop", "semlink engine", "sionna sim_ber"):
            x = r[name]
            print(f"| {title} | {r['batch_size']} | {name} | {x['info_bits_per_s']:.3e} | "
                  f"{x['codewords_per_s']:.3e} | {x['overhead_vs_bare']:+.1%} |")
    print(f"\nworst engine overhead vs bare loop: {worst:+.1%}")
    if status:
        print(f"FAIL: above the allowed {args.check:.1%}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
