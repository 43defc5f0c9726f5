"""``semlink train-jscc``: train DeepJSCC through semlink's channel blocks (thin handler over
:mod:`scenarios.jscc.train`)."""

from __future__ import annotations

import argparse
import json
import sys

from ..study.quantities import LEARNING_RATE, SNR_DB
from .common import bounded_float, bounded_int, check_output_path, float_list, json_default, seed_int

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    tj = sub.add_parser("train-jscc", help="train a DeepJSCC image codec through semlink's channels (skimage photos)")
    tj.add_argument("--channels", type=bounded_int(1, 64), default=4,
                    help="complex symbols per 4x4 block: bandwidth ratio c/48 (4: 1/12, 8: 1/6)")
    tj.add_argument("--fixed-snr", action="store_true", help="the plain model (default: SNR-adaptive)")
    tj.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "ofdm-tdl"))
    tj.add_argument("--csi", default="perfect", choices=("perfect", "ls", "none"),
                    help="receiver CSI (rayleigh: none = no equalization; ofdm-tdl: perfect or ls)")
    tj.add_argument("--snr-db", default="0,20", help=f"training Es/N0 in dB: LOW,HIGH (uniform) or one value, in {SNR_DB.text()}")
    tj.add_argument("--steps", type=bounded_int(1, 10**7), default=1000)
    tj.add_argument("--batch", type=bounded_int(1, 4096), default=16)
    tj.add_argument("--crop", type=bounded_int(16, 1024), default=64, help="training crop (a multiple of 4)")
    tj.add_argument("--width", type=bounded_int(4, 512), default=64, help="hidden feature channels")
    tj.add_argument("--lr", type=bounded_float(LEARNING_RATE), default=1e-3)
    tj.add_argument("--loss", default="mse", choices=("mse", "ms-ssim"))
    tj.add_argument("--maps", type=bounded_int(2, 64), default=None,
                    help="train for one-hot label maps of this many classes (SLIC + k-means maps of the photos; mse)")
    tj.add_argument("--init", default=None, help="continue this train-jscc file (weights, Adam state, step count)")
    tj.add_argument("--seed", type=seed_int, default=0)
    tj.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    tj.add_argument("--out", required=True, help="weights (.safetensors) with the training metadata")
    tj.add_argument("--json", action="store_true")
    tj.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .common import check_safetensors

    check_output_path(args.out, (".safetensors",), "--out")
    snr = float_list(args.snr_db, "--snr-db", rng=SNR_DB)
    if len(snr) not in (1, 2) or snr[0] > snr[-1]:
        raise ValueError(f"--snr-db takes LOW,HIGH (LOW <= HIGH) or one value, got {args.snr_db!r}")
    if args.crop % 4:
        raise ValueError(f"--crop must be a multiple of 4, got {args.crop}")
    if args.channel == "ofdm-tdl" and args.csi == "none":
        raise ValueError("--channel ofdm-tdl needs --csi perfect or ls")
    if args.maps is not None and args.loss != "mse":
        raise ValueError("--maps trains with --loss mse (the Brier score of the one-hot planes)")
    if args.init is not None:
        check_safetensors(args.init, "--init")
    from linklevel.engine.runtime import resolve_device

    from ..jscc.train import train_jscc

    meta = train_jscc(args.out, channels=args.channels, adaptive=not args.fixed_snr, channel=args.channel,
                      csi=args.csi, snr_db=snr, steps=args.steps, batch=args.batch, crop=args.crop, lr=args.lr,
                      loss=args.loss, width=args.width, seed=args.seed, init=args.init,
                      device=resolve_device(args.device), maps=args.maps or 0,
                      progress=lambda m: print(f"semlink: {m}", file=sys.stderr, flush=True))
    meta["file"] = args.out
    if args.json:
        print(json.dumps(meta, default=json_default, allow_nan=False))
    else:
        first, last = meta["loss_history"][0][1], meta["loss_history"][-1][1]
        print(f"DeepJSCC c={args.channels} (k/n = {meta['bandwidth_ratio']:.4g}) on {args.channel} ({args.csi} CSI), "
              f"{meta['steps_done']} steps in total, {meta['seconds']:.1f} s; loss {first:.5f} -> {last:.5f}; "
              f"written: {args.out}")
    return 0
