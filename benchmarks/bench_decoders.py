"""LDPC decoders side by side, the main job with each decoder, and the uncoded link eager vs compiled.

1. **Decoders** (default section): for 5G LDPC (128,256), (400,500), (512,1024) and (8448,16896)
   with QPSK on AWGN, at Eb/N0 points where semlink's default decoder has BLER ~ 1e-1, 1e-2,
   1e-3, the same channel LLRs (drawn by :class:`linklevel.Link`) go through Sionna's
   ``LDPC5GDecoder`` (20 iterations, exact boxplus, flooding: the reference) and semlink's
   :class:`~linklevel.blocks.ldpc.BatchLDPC5GDecoder` variants: the default (the same algorithm plus
   early stopping), without early stopping, layered offset min-sum, and optionally compiled or
   in half precision. Chunks are decoded by every decoder in a shuffled order per chunk (machine
   drift hits all alike). Reported: codewords/s, information Mb/s, average iterations, block
   errors, BLER with a 95 % Clopper-Pearson interval (codewords are independent on AWGN), the
   speed-up over Sionna, and for the default decoder the paired comparison with Sionna on the same
   LLRs (words only one of them gets wrong) and a one-sided two-sample z test at 99 % that its
   BLER is not worse (``--min-errors 100`` decodes until Sionna has 100 block errors per point,
   within ``--max-seconds``).
2. ``--demo``: wall time of the main job (``semlink run validate_analytic --fresh``) with
   ``--decoder sionna`` and with the default decoder, one after the other in this run.
3. ``--uncoded``: information bits/s of the uncoded BPSK and 16QAM links through the engine,
   eager vs ``torch.compile`` (:class:`~linklevel.Link` ``compile=True``).

Run: ``.venv/bin/python benchmarks/bench_decoders.py [--device cuda] [--threads 1] [--demo] [--uncoded]``;
``--check 8`` exits 1 when the default decoder is less than 8x Sionna at BLER ~ 1e-2 on LDPC(400,500).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

import torch

from linklevel import Link, LinkConfig
from linklevel.engine.runtime import resolve_device, seed_everything, versions
from linklevel.theory.stats import clopper_pearson

#: Eb/N0 (dB) where the default decoder has BLER ~ 1e-1, 1e-2, 1e-3 (QPSK, AWGN; measured with
#: ``semlink ber``, see RESULTS.md).
POINTS = {
    (128, 256): (2.0, 2.65, 3.3),
    (400, 500): (3.25, 3.75, 4.2),
    (512, 1024): (1.45, 1.8, 2.15),
    (8448, 16896): (1.1, 1.2, 1.3),
}
#: Codewords decoded per point by default (long codes need fewer for the same time).
CODEWORDS = {(128, 256): 6000, (400, 500): 4000, (512, 1024): 2000, (8448, 16896): 200}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _decoders(k: int, n: int, device: str, compile_: bool, half: bool, parity_only: bool = False) -> dict:
    from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder

    from linklevel.blocks.ldpc import BatchLDPC5GDecoder

    enc = LDPC5GEncoder(k, n, device=device)
    decs = {
        "sionna": LDPC5GDecoder(enc, num_iter=20, device=device),
        "semlink": BatchLDPC5GDecoder(enc, num_iter=20, device=device),
        "semlink no-ET": BatchLDPC5GDecoder(enc, num_iter=20, early_stop=False, device=device),
        "semlink layered OMS": BatchLDPC5GDecoder(enc, num_iter=20, schedule="layered", cn_update="offset-minsum",
                                                  device=device),
    }
    if parity_only:
        return {name: decs[name] for name in ("sionna", "semlink")}
    if compile_:
        decs["semlink compiled"] = BatchLDPC5GDecoder(enc, num_iter=20, compile=True, device=device)
    if half:
        dt = "bfloat16" if not device.startswith("cuda") else "float16"
        decs[f"semlink {dt}"] = BatchLDPC5GDecoder(enc, num_iter=20, message_dtype=dt, device=device)
    return decs


def decode_point(k: int, n: int, ebno: float, codewords: int, min_errors: int, max_seconds: float, device: str,
                 compile_: bool, half: bool, seed: int, parity_only: bool = False) -> dict:
    """Decode the same LLR chunks with every decoder; counts, times and the paired comparison."""
    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=k, n=n, bp_iterations=0), device=device)
    decs = _decoders(k, n, device, compile_, half, parity_only)
    chunk = max(1, min(codewords, (1 << 17) // n if not device.startswith("cuda") else (1 << 21) // n))
    seed_everything(seed)
    no = link.snr_to_no(ebno)
    stats = {name: {"time": 0.0, "cw": 0, "err": 0, "iters": 0} for name in decs}
    only_sionna = only_semlink = 0
    rng = random.Random(seed)
    t_start = time.perf_counter()
    warm = True
    while True:
        with torch.inference_mode():
            out = link.transmit(link.draw_bits(chunk), no, return_llr=True)
            u, llr = out.bits[:, 0], out.llr[:, 0]
            if warm:  # first use: lazy builds, allocator, compilation
                for dec in decs.values():
                    dec(llr[: min(64, chunk)])
                warm = False
            wrong = {}
            names = list(decs)
            rng.shuffle(names)
            for name in names:
                _sync(device)
                t0 = time.perf_counter()
                u_hat = decs[name](llr)
                _sync(device)
                s = stats[name]
                s["time"] += time.perf_counter() - t0
                wrong[name] = (u_hat != u).any(-1)
                s["cw"] += chunk
                s["err"] += int(wrong[name].sum())
                it = getattr(decs[name], "last_iterations", None)
                s["iters"] += int(it.sum()) if it is not None else 20 * chunk
            only_sionna += int((wrong["sionna"] & ~wrong["semlink"]).sum())
            only_semlink += int((wrong["semlink"] & ~wrong["sionna"]).sum())
        done = stats["sionna"]["cw"] >= codewords and stats["sionna"]["err"] >= min_errors
        if done or time.perf_counter() - t_start > max_seconds:
            break
    ref = stats["sionna"]
    rows = {}
    for name, s in stats.items():
        lo, hi = clopper_pearson(s["err"], s["cw"], 0.95)
        rows[name] = {"codewords": s["cw"], "block_errors": s["err"], "bler": s["err"] / s["cw"],
                      "bler_ci95": [float(lo), float(hi)], "cw_per_s": s["cw"] / s["time"],
                      "info_mbps": s["cw"] * k / s["time"] / 1e6, "avg_iterations": s["iters"] / s["cw"],
                      "speedup_vs_sionna": ref["time"] / s["time"] * s["cw"] / ref["cw"]}
    # one-sided two-sample z test (pooled) that semlink's BLER exceeds Sionna's, at 99 %
    a, b, m = stats["semlink"]["err"], ref["err"], ref["cw"]
    pooled = (a + b) / (2 * m)
    z = (a - b) / m / math.sqrt(max(pooled * (1 - pooled) * 2 / m, 1e-300))
    return {"k": k, "n": n, "ebno_db": ebno, "decoders": rows, "paired": {
        "only_sionna_wrong": only_sionna, "only_semlink_wrong": only_semlink, "z_semlink_worse": z,
        "not_worse_at_99": z < 2.326}}


def run_demo(threads: int) -> dict:
    """Wall time of the main job with each decoder (same study, same stopping targets)."""
    out = {}
    for decoder in ("sionna", "semlink"):
        with tempfile.TemporaryDirectory() as d:
            cmd = [sys.executable, "-m", "scenarios", "run", "validate_analytic", "--fresh", "--out", d,
                   "--no-progress", "--json", "--decoder", decoder, "--threads", str(threads)]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            out[decoder] = time.perf_counter() - t0
    out["speedup"] = out["sionna"] / out["semlink"]
    return out


def run_uncoded(device: str, seconds: float = 3.0) -> list[dict]:
    from linklevel.engine.montecarlo import StopCriteria, simulate_point

    rows = []
    for mod in ("bpsk", "16qam"):
        row = {"modulation": mod}
        for label, comp in (("eager", False), ("compiled", True)):
            link = Link(LinkConfig(mod), device=device, compile=comp)
            batch = (1 << 17 if not device.startswith("cuda") else 1 << 21) // link.coded_bits_per_frame
            stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None, max_blocks=batch * 2)
            simulate_point(link, 6.0, stop, batch, seed=0)  # warm-up / compilation
            stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None, max_time_s=seconds)
            p = simulate_point(link, 6.0, stop, batch, seed=1)
            row[f"{label}_mbps"] = p.bits / p.runtime_s / 1e6
        row["compiled_over_eager"] = row["compiled_mbps"] / row["eager_mbps"]
        rows.append(row)
    return rows


def markdown(res: dict) -> str:
    lines = [f"Machine: {res['machine']}; device {res['device']}; torch threads {res['threads']}.", "",
             "| code | Eb/N0 | decoder | codewords | blk err | BLER [95 % CI] | avg it | cw/s | info Mb/s | "
             "x Sionna |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in res["points"]:
        for name, r in p["decoders"].items():
            lo, hi = r["bler_ci95"]
            lines.append(f"| ({p['k']},{p['n']}) | {p['ebno_db']:g} | {name} | {r['codewords']} | {r['block_errors']} "
                         f"| {r['bler']:.2e} [{lo:.1e}, {hi:.1e}] | {r['avg_iterations']:.2f} | {r['cw_per_s']:.0f} "
                         f"| {r['info_mbps']:.3f} | {r['speedup_vs_sionna']:.1f} |")
    lines += ["", "| code | Eb/N0 | words only Sionna gets wrong | only semlink | z (semlink worse) | "
                  "not worse at 99 % |", "|---|---|---|---|---|---|"]
    for p in res["points"]:
        q = p["paired"]
        lines.append(f"| ({p['k']},{p['n']}) | {p['ebno_db']:g} | {q['only_sionna_wrong']} | {q['only_semlink_wrong']} "
                     f"| {q['z_semlink_worse']:+.2f} | {'yes' if q['not_worse_at_99'] else 'NO'} |")
    if res.get("demo"):
        d = res["demo"]
        lines += ["", f"Main job (`semlink run validate_analytic --fresh`): --decoder sionna {d['sionna']:.0f} s, "
                      f"default {d['semlink']:.0f} s: {d['speedup']:.2f}x."]
    if res.get("uncoded"):
        lines += ["", "| uncoded link | eager Mb/s | compiled Mb/s | compiled / eager |", "|---|---|---|---|"]
        for r in res["uncoded"]:
            lines.append(f"| {r['modulation']} | {r['eager_mbps']:.1f} | {r['compiled_mbps']:.1f} | "
                         f"{r['compiled_over_eager']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--codes", default="128x256,400x500,512x1024,8448x16896")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the codewords per point")
    ap.add_argument("--min-errors", type=int, default=0, help="decode until Sionna has this many block errors")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="time cap per point")
    ap.add_argument("--ebno", default=None, help="comma-separated Eb/N0 points instead of the code's three")
    ap.add_argument("--parity-only", action="store_true", help="only Sionna's and the default decoder (long parity runs)")
    ap.add_argument("--compile", action="store_true", help="also the compiled semlink decoder")
    ap.add_argument("--half", action="store_true", help="also half-precision messages")
    ap.add_argument("--demo", action="store_true", help="also time the main job with each decoder")
    ap.add_argument("--uncoded", action="store_true", help="also the uncoded link eager vs compiled")
    ap.add_argument("--json", default=None, help="write the raw numbers here")
    ap.add_argument("--check", type=float, default=None,
                    help="exit 1 if the default decoder is below this speed-up at BLER ~ 1e-2 on LDPC(400,500)")
    args = ap.parse_args(argv)
    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs"
    if device.startswith("cuda"):
        machine += f", GPU {torch.cuda.get_device_name(device)}"
    res = {"machine": machine, "device": device, "threads": args.threads, "versions": versions(), "points": []}
    codes = [tuple(int(v) for v in c.split("x")) for c in args.codes.split(",") if c]
    for code in codes:
        points = POINTS[code] if args.ebno is None else [float(v) for v in args.ebno.split(",")]
        for i, ebno in enumerate(points):
            p = decode_point(*code, ebno, int(CODEWORDS[code] * args.scale * 10 ** (i / 2)), args.min_errors,
                             args.max_seconds, device, args.compile, args.half, seed=100 + i,
                             parity_only=args.parity_only)
            res["points"].append(p)
            r = p["decoders"]
            print(f"({code[0]},{code[1]}) {ebno:g} dB: " + ", ".join(
                f"{n} {v['cw_per_s']:.0f} cw/s err {v['block_errors']}" for n, v in r.items()), file=sys.stderr)
    if args.uncoded:
        res["uncoded"] = run_uncoded(device)
    if args.demo:
        res["demo"] = run_demo(args.threads)
    print(markdown(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    if args.check is not None:
        mid = [p for p in res["points"] if (p["k"], p["n"]) == (400, 500) and p["ebno_db"] == POINTS[(400, 500)][1]]
        if not mid:
            print("--check needs the LDPC(400,500) points", file=sys.stderr)
            return 1
        got = mid[0]["decoders"]["semlink"]["speedup_vs_sionna"]
        if got < args.check:
            print(f"FAIL: default decoder {got:.1f}x Sionna at BLER ~ 1e-2 on LDPC(400,500) < {args.check}x",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
