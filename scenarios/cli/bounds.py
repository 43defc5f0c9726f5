"""``semlink bounds``: finite-blocklength approximations and bounds (NumPy only)."""

from __future__ import annotations

import argparse
import json

from ..study.quantities import BITS_PER_USE, BLER
from .common import bounded_float, bounded_int, db_grid

__all__ = ["add_parser"]

#: Largest blocklength / coherence evaluated (the bounds are per-letter sums: larger is a typo).
MAX_FBL_LENGTH = 10**7


def add_parser(sub: argparse._SubParsersAction) -> None:
    bd = sub.add_parser("bounds", help="finite-blocklength approximations and bounds")
    bd.add_argument("--channel", default="biawgn", choices=("awgn", "awgn-complex", "biawgn", "rayleigh-csir"))
    length = bounded_int(1, MAX_FBL_LENGTH)
    bd.add_argument("--n", type=length, required=True, help=f"blocklength in channel uses (1..{MAX_FBL_LENGTH})")
    kr = bd.add_mutually_exclusive_group(required=True)
    kr.add_argument("--k", type=length, help=f"information bits (1..{MAX_FBL_LENGTH})")
    kr.add_argument("--rate", type=bounded_float(BITS_PER_USE),
                    help=f"bits per channel use (k = round(rate * n)), in {BITS_PER_USE.text()}")
    mode = bd.add_mutually_exclusive_group(required=True)
    mode.add_argument("--target-bler", type=bounded_float(BLER), help=f"solve for the SNR reaching this BLER in {BLER.text()}")
    mode.add_argument("--ebno", type=db_grid, help="evaluate the BLER on an Eb/N0 grid START:STEP:STOP (dB)")
    mode.add_argument("--esno", type=db_grid, help="evaluate the BLER on an Es/N0 grid START:STEP:STOP (dB)")
    bd.add_argument("--bounds", default=None, help="comma list of normal_approximation, metaconverse, rcus (biawgn), outage (rayleigh-csir), "
                    "shannon (default: all that apply to the channel)")
    bd.add_argument("--coherence", type=length, default=1, help=f"rayleigh-csir: channel uses per fade (1..{MAX_FBL_LENGTH})")
    bd.add_argument("--no-log-term", action="store_true", help="normal approximation without 1/2 log2(n)")
    bd.add_argument("--json", action="store_true")
    bd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from linklevel.theory import fbl
    from linklevel.theory.analytic import db2lin

    from ..study.schema import parse_range

    n, k = args.n, args.k
    if args.rate is not None:
        k = int(round(args.rate * n))
        if k < 1:
            raise ValueError(f"--rate {args.rate:g} * --n {n} gives no information bit")
    names = fbl.applicable_bounds(args.channel) if args.bounds is None else tuple(
        b.strip() for b in args.bounds.split(",") if b.strip())
    kw = {"coherence": args.coherence, "log_term": not args.no_log_term}
    if args.target_bler is not None:
        rows = fbl.evaluate_bounds(args.channel, n, k, names, target_bler=args.target_bler, **kw)
    elif args.ebno is not None:
        rows = fbl.evaluate_bounds(args.channel, n, k, names, snrs=fbl.ebno_to_snr(parse_range(args.ebno), n, k,
                                                                                    args.channel), **kw)
    else:
        snrs = db2lin(parse_range(args.esno)) * fbl.channel_dims(args.channel)
        rows = fbl.evaluate_bounds(args.channel, n, k, names, snrs=snrs, **kw)
    if args.json:
        print(json.dumps({"results": rows}, allow_nan=False))
        return 0
    for note in dict.fromkeys(r["note"] for r in rows if r.get("note")):
        print(f"note: {note}")
    print(f"{'bound':>22} {'Eb/N0':>8} {'Es/N0':>8} {'BLER':>10}")
    for r in rows:
        print(f"{r['bound']:>22} {r['ebno_db']:8.3f} {r['esno_db']:8.3f} "
              f"{'-' if r['bler'] is None else format(r['bler'], '.3e'):>10}")
    return 0
