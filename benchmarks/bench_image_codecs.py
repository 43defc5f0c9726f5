"""The hyperprior RGB coder family (Huang et al. study) on Kodak: bpp, PSNR, MS-SSIM, times; monotonicity.

Reads the Kodak images from $SEMLINK_KODAK; centre crops 512x512 (as the study).
    SEMLINK_KODAK=/path/to/kodak .venv/bin/python benchmarks/bench_image_codecs.py [--limit 24] [--check]

bpp = 8 * len(codec bytes) / pixels (the full stream: header + latent + hyper-latent strings, exact).
``--check`` exits 1 unless rate and PSNR both increase with the rate point (the family is usable as
Phi_1 .. Phi_P with Phi^r the highest).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=24)
    ap.add_argument("--weights", default=None, help="folder of hyperprior_rgb_q*.safetensors (default: shipped)")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    root = os.environ.get("SEMLINK_KODAK")
    if not root or not os.path.isdir(root):
        print("set SEMLINK_KODAK to the Kodak folder", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    from genai.metrics import ms_ssim, psnr
    from scenarios.digital.codecs import load_family, load_image

    family = load_family(args.weights)
    files = sorted(Path(root).glob("kodim*.png"))[: args.limit]
    rows = {q: {"bpp": [], "psnr": [], "ms_ssim": [], "enc_s": [], "dec_s": []} for q in family}
    for f in files:
        img = load_image(str(f), 512)
        for q, c in family.items():
            t0 = time.perf_counter()
            data = c.compress(img)
            t1 = time.perf_counter()
            rec = c.decompress(data)
            t2 = time.perf_counter()
            r = rows[q]
            r["bpp"].append(8 * len(data) / (img.shape[0] * img.shape[1]))
            r["psnr"].append(psnr(img, rec))
            r["ms_ssim"].append(ms_ssim(img, rec))
            r["enc_s"].append(t1 - t0)
            r["dec_s"].append(t2 - t1)
    out = {"machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs".strip(),
           "images": len(files), "models": {}}
    print("| rate point | λ | mean bpp | PSNR (dB) | MS-SSIM | encode s | decode s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for q, r in rows.items():
        m = {k: float(np.mean(v)) for k, v in r.items()}
        out["models"][q] = {**m, "lambda": family[q].metadata.get("lambda")}
        print(f"| q{q} | {family[q].metadata.get('lambda', '?')} | {m['bpp']:.4f} | {m['psnr']:.2f} | "
              f"{m['ms_ssim']:.4f} | {m['enc_s']:.3f} | {m['dec_s']:.3f} |")
    qs = sorted(rows)
    mono = all(out["models"][a]["bpp"] < out["models"][b]["bpp"] and out["models"][a]["psnr"] < out["models"][b]["psnr"]
               for a, b in zip(qs, qs[1:]))
    print(f"monotone in rate and distortion: {mono}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0 if (mono or not args.check) else 1


if __name__ == "__main__":
    raise SystemExit(main())
