"""GPU readiness in one command (``make gpu-check``): one Markdown table of what a lent GPU does.

Sections (each row says where it ran; without CUDA the GPU rows say "skipped: no CUDA device"):

1. ``pytest -m gpu``: the GPU tests (device placement, CPU-vs-GPU two-sample agreement of three
   links, decoder words CPU vs CUDA, sync intervals, joint SNR batches).
2. LDPC decoders on CUDA, LDPC(400,500) and (8448,16896) at BLER ~ 1e-2 on the same LLRs: Sionna's
   decoder, semlink's with float32 and float16 messages: codewords/s and information Mb/s
   (``bench_decoders.decode_point``).
3. Uncoded BPSK / 16QAM through the engine: information bits/s next to the memory-bandwidth bound.
   The bound is the measured device-to-device copy bandwidth (``clone`` of 256 MiB: bytes read +
   written per second) divided by the bytes the engine's pipeline must move per information bit:
   the bit (float32) written and read back for the count (8 B), the complex64 symbol, its noise and
   the received symbol each written once and the received one read by the demapper (4 x 8 B per
   symbol, / m bits per symbol), and the LLR written and read for the decision (8 B): 48 B/bit for
   BPSK, 24 B/bit for 16QAM. A rate near the bound means the engine is memory-bound as it should be.
4. CPU vs GPU: the same coded link (LDPC(400,500) QPSK, 2.75 dB) simulated on both with the same
   seed (different generators): block error rates and the two-sample z (|z| < 4 expected).
5. Learned codecs: seconds per training step of each shipped trainer (``semlink train-image-codec``,
   ``semlink train-sketch-codec``: batch 8, crops 128) on the CPU (one thread) and on CUDA.
6. The differentiable link (issue #27): seconds per gradient step of ``semlink train-constellation``
   (64 points, 4096 symbols per step) and ``semlink train-decoder`` (weighted BP, LDPC(64,128), 10
   iterations, 256 codewords per step) on the CPU and on CUDA.

Run: ``.venv/bin/python benchmarks/gpu_check.py [--out FILE.md] [--quick]``; exit 1 when a step
that ran failed (the GPU tests, the agreement check). Budget: under 8 minutes on one GPU.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

NO_GPU = "skipped: no CUDA device"
BYTES_PER_BIT = {"bpsk": 48.0, "16qam": 24.0}


def gpu_tests() -> tuple[list[str], bool]:
    r = subprocess.run([sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                       capture_output=True, text=True, timeout=420)
    tail = [ln for ln in r.stdout.strip().splitlines() if ln.strip()][-1:] or ["(no output)"]
    ok = r.returncode in (0, 5) and "failed" not in tail[0]
    where = "cuda" if torch.cuda.is_available() else "cpu (GPU tests skip themselves)"
    return [f"| GPU tests | `pytest -m gpu` | {where} | {tail[0].strip('= ')} |"], ok


def decoders(device: str, quick: bool) -> list[str]:
    from bench_decoders import POINTS, decode_point

    if not device.startswith("cuda"):
        return [f"| LDPC decoders | CUDA codewords/s | - | {NO_GPU} |"]
    rows = []
    for (k, n), words in (((400, 500), 20000), ((8448, 16896), 2000)):
        p = decode_point(k, n, POINTS[(k, n)][1], words // (4 if quick else 1), 0, 60.0, device, False, True, seed=7)
        for name, r in p["decoders"].items():
            if name in ("sionna", "semlink", "semlink float16"):
                rows.append(f"| LDPC({k},{n}) {POINTS[(k, n)][1]:g} dB | {name} | {device} | "
                            f"{r['cw_per_s']:.0f} cw/s, {r['info_mbps']:.1f} info Mb/s, BLER {r['bler']:.2e} |")
    return rows


def copy_bandwidth(device: str) -> float:
    """Bytes read + written per second by a device-to-device copy of 256 MiB."""
    x = torch.empty(64 << 20, dtype=torch.float32, device=device)
    x.clone()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        x.clone()
    torch.cuda.synchronize()
    return 2 * x.numel() * 4 * 10 / (time.perf_counter() - t)


def uncoded(device: str, quick: bool) -> list[str]:
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point

    if not device.startswith("cuda"):
        return [f"| uncoded BPSK/16QAM | info bits/s vs bandwidth bound | - | {NO_GPU} |"]
    bw = copy_bandwidth(device)
    rows = [f"| memory bandwidth | device-to-device copy | {device} | {bw / 1e9:.0f} GB/s |"]
    for mod in ("bpsk", "16qam"):
        link = Link(LinkConfig(mod), device=device)
        batch = (1 << 24) // link.coded_bits_per_frame
        simulate_point(link, 6.0, StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None,
                                               max_blocks=2 * batch), batch, seed=0)
        stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None,
                            max_time_s=2.0 if quick else 5.0)
        p = simulate_point(link, 6.0, stop, batch, seed=1)
        rate, bound = p.bits / p.runtime_s, bw / BYTES_PER_BIT[mod]
        rows.append(f"| uncoded {mod.upper()} AWGN | info bits/s (bound at {BYTES_PER_BIT[mod]:g} B/bit) | {device} | "
                    f"{rate / 1e9:.2f} Gb/s = {rate / bound:.0%} of {bound / 1e9:.2f} Gb/s |")
    return rows


def agreement(device: str) -> tuple[list[str], bool]:
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point

    if not device.startswith("cuda"):
        return [f"| CPU vs GPU | two-sample z, LDPC(400,500) | - | {NO_GPU} |"], True
    cfg = LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500)
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=6000)
    a = simulate_point(Link(cfg, device="cpu"), 2.75, stop, 500, seed=11)
    b = simulate_point(Link(cfg, device=device), 2.75, stop, 500, seed=11)
    p = (a.block_errors + b.block_errors) / (a.blocks + b.blocks)
    z = (a.block_errors / a.blocks - b.block_errors / b.blocks) / math.sqrt(max(p * (1 - p) * 2 / a.blocks, 1e-300))
    ok = abs(z) < 4
    return [f"| CPU vs GPU | BLER LDPC(400,500) QPSK 2.75 dB, {a.blocks} words each | cpu / {device} | "
            f"{a.block_errors / a.blocks:.3e} / {b.block_errors / b.blocks:.3e}, z = {z:+.2f} "
            f"({'agree' if ok else 'DISAGREE'}) |"], ok


def training(device: str, steps: int) -> list[str]:
    from genai.hyperprior_train import train_image_codec
    from genai.ntc_train import train_sketch_codec

    rows = []
    devices = ["cpu"] + ([device] if device.startswith("cuda") else [])
    for dev in devices:
        for name, train in (("hyperprior (image)", train_image_codec), ("NTC (sketch)", train_sketch_codec)):
            with tempfile.TemporaryDirectory() as tmp:
                res = train(tmp, lambdas=[0.01], steps=steps, device=dev, log_every=0)
            s = res[0]["seconds"] / steps
            rows.append(f"| {name} training step | batch 8, crop 128, {steps} steps | {dev} | {s * 1e3:.0f} ms/step |")
    if not device.startswith("cuda"):
        rows.append(f"| learned codecs on CUDA | training step | - | {NO_GPU} |")
    return rows


def gradient_steps(device: str, steps: int) -> list[str]:
    from linklevel.learn.training import train_constellation, train_decoder

    rows = []
    for dev in ["cpu"] + ([device] if device.startswith("cuda") else []):
        _, _, r = train_constellation(6, 16.0, steps, eval_symbols=2000, device=dev)
        rows.append(f"| constellation gradient step | 64 points, 4096 symbols, {steps} steps | {dev} | "
                    f"{r['seconds'] / steps * 1e3:.1f} ms/step |")
        _, r = train_decoder(64, 128, 3.0, steps, device=dev)
        rows.append(f"| weighted-BP gradient step | LDPC(64,128), 10 it., 256 cw, {steps} steps | {dev} | "
                    f"{r['seconds'] / steps * 1e3:.1f} ms/step |")
    if not device.startswith("cuda"):
        rows.append(f"| differentiable link on CUDA | gradient step | - | {NO_GPU} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None, help="also write the table to this Markdown file")
    ap.add_argument("--quick", action="store_true", help="fewer codewords, shorter timings")
    ap.add_argument("--steps", type=int, default=10, help="training steps timed per codec and device")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    device = "cuda:0" if torch.cuda.is_available() else "cpu"
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs"
    if device != "cpu":
        machine += f", {torch.cuda.get_device_name(0)}"
    else:
        print("gpu-check: no CUDA device here: the CPU-safe parts run, the GPU rows are skipped", file=sys.stderr)
    t0 = time.perf_counter()
    rows, ok = gpu_tests()
    more, agree = agreement(device)
    rows += decoders(device, args.quick) + uncoded(device, args.quick) + more + training(device, args.steps)
    rows += gradient_steps(device, args.steps)
    table = "\n".join([f"GPU check, {time.strftime('%Y-%m-%d')}: {machine}; torch {torch.__version__}; "
                       f"{time.perf_counter() - t0:.0f} s.", "", "| what | measure | device | result |",
                       "|---|---|---|---|", *rows])
    print(table)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table + "\n")
    return 0 if ok and agree else 1


if __name__ == "__main__":
    sys.exit(main())
