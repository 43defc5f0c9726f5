"""Sketch codecs on Kodak: bpp and MS-SSIM of the decoded vs the original HED sketch.

Reads the 24 Kodak images from $SEMLINK_KODAK (a folder with kodim01.png ...).
    SEMLINK_KODAK=/path/to/kodak .venv/bin/python benchmarks/bench_sketch_codecs.py [--json out.json]

bpp = 8 * len(codec bytes) / pixels (the codec's string only; the bridge adds a 96-bit
length header when it is sent). MS-SSIM is computed on [0, 1] maps at full resolution
(5 levels); for G4 the reference is both the soft HED map and the binarized map it codes.
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
    ap.add_argument("--json", default=None)
    ap.add_argument("--limit", type=int, default=24)
    args = ap.parse_args()
    root = os.environ.get("SEMLINK_KODAK")
    if not root or not os.path.isdir(root):
        print("set SEMLINK_KODAK to the Kodak folder", file=sys.stderr)
        return 2
    import warnings

    warnings.filterwarnings("ignore")
    from genai.g4 import G4Codec
    from genai.hed import HEDEdges
    from genai.metrics import ms_ssim
    from genai.ntc import NTCSketchCodec, WEIGHTS_DIR
    from scenarios.semantic import load_image

    files = sorted(Path(root).glob("kodim*.png"))[: args.limit]
    hed = HEDEdges()
    codecs = {"g4 (scale 1)": G4Codec(), "g4 (scale 0.5)": G4Codec(scale=0.5)}
    for q in sorted(int(p.stem.split("_q")[-1]) for p in WEIGHTS_DIR.glob("ntc_sketch_q*.safetensors")):
        codecs[f"ntc q{q} (scale 0.5)"] = NTCSketchCodec(quality=q)
        codecs[f"ntc q{q} (scale 1)"] = NTCSketchCodec(quality=q, scale=1.0)
    rows = {name: {"bpp": [], "ms_ssim": [], "ms_ssim_binary": [], "enc_s": [], "dec_s": []} for name in codecs}
    for f in files:
        img = load_image(str(f))
        sk = hed(img)
        for name, c in codecs.items():
            t0 = time.perf_counter()
            data = c.compress(sk)
            t1 = time.perf_counter()
            rec = c.decompress(data)
            t2 = time.perf_counter()
            r = rows[name]
            r["bpp"].append(8 * len(data) / sk.size)
            r["ms_ssim"].append(ms_ssim(sk, rec))
            if name.startswith("g4") and c.scale == 1.0:
                r["ms_ssim_binary"].append(ms_ssim(c.binarize(sk), rec))
            r["enc_s"].append(t1 - t0)
            r["dec_s"].append(t2 - t1)
    summary = {name: {k: float(np.mean(v)) for k, v in r.items() if v} for name, r in rows.items()}
    print(f"Kodak ({len(files)} images), {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print("| codec | mean bpp | MS-SSIM vs HED sketch | MS-SSIM vs coded binary map | encode s | decode s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        b = f"{s['ms_ssim_binary']:.4f}" if "ms_ssim_binary" in s else "–"
        print(f"| {name} | {s['bpp']:.4f} | {s['ms_ssim']:.4f} | {b} | {s['enc_s']:.3f} | {s['dec_s']:.3f} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"images": len(files), "summary": summary, "per_image": rows}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
