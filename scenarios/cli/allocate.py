"""``semlink allocate``: semantic-aware power allocation for a prompt and an edge stream (Xu et al.)."""

from __future__ import annotations

import argparse
import json

from ..study.quantities import CODE_RATE, GAIN_DB, NOISE_DBM, PERCEPTION, STREAM_BITS, UNIT
from .common import bounded_float, float_list

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    al = sub.add_parser("allocate", help="semantic-aware power allocation for a prompt and an edge stream (Xu et al.)")
    al.add_argument("--scheme", default="coded", choices=("uncoded", "coded"))
    al.add_argument("--method", default="optimal", choices=("unaware", "proportional", "bisection", "optimal", "gradient"),
                    help="gradient: augmented Lagrangian through the differentiable error-rate and perception models")
    src = al.add_mutually_exclusive_group()
    src.add_argument("--discard-perception", default=None,
                     help=f"P_BOTH,P_PROMPT_ONLY,P_EDGE_ONLY of the discard receiver (coded), each in {UNIT.text()}")
    src.add_argument("--perception-table", default=None, help="JSON perception table (see scenarios/xu/functions.py)")
    src.add_argument("--paper-constants", default=None, choices=("clip", "ms-ssim"),
                     help="the paper's P_best, L1, L2 (coded, default clip)")
    al.add_argument("--k", default="800,12227", help="bits per stream K1,K2 (prompt, edge), each in "
                    f"{STREAM_BITS.text()}; default: the mean of the first 6 Kodak images (caption prompt, HED + "
                    "ntc q1 sketch)")
    al.add_argument("--rate", type=bounded_float(CODE_RATE), default=0.8, help=f"code rate K/N (coded), in {CODE_RATE.text()}")
    al.add_argument("--gain-db", default="-98,-98",
                    help=f"total channel power gain |h_i|^2 per stream, G1,G2 in {GAIN_DB.text()}")
    al.add_argument("--noise-dbm", type=bounded_float(NOISE_DBM), default=-110.0, help=f"noise power in {NOISE_DBM.text()}")
    al.add_argument("--target", type=bounded_float(PERCEPTION), required=True,
                    help=f"maximum perception distance P-bar in {PERCEPTION.text()}")
    al.add_argument("--json", action="store_true")
    al.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..xu.sources import allocation_request

    k = float_list(args.k, "--k", 2, rng=STREAM_BITS)
    if any(v != int(v) for v in k):
        raise ValueError(f"--k must be two whole numbers of bits, got {args.k!r}")
    gain = float_list(args.gain_db, "--gain-db", 2, rng=GAIN_DB)
    if args.perception_table:
        source = "table:" + args.perception_table
    elif args.discard_perception:
        float_list(args.discard_perception, "--discard-perception", 3, rng=UNIT)
        source = "discard:" + args.discard_perception
    else:
        source = "paper:" + (args.paper_constants or "clip")
    d = allocation_request(args.scheme, args.method, source, k, gain, args.noise_dbm, args.target, args.rate)
    if args.json:
        print(json.dumps(d))
    elif not d["feasible"]:
        print("; ".join(d["notes"]))
    else:
        key = "ber" if args.scheme == "uncoded" else "bler"
        print(f"{args.scheme} / {args.method}: total power {d['total_power_w']:.6g} W, perception {d['perception']:.4f}")
        for i, s in enumerate(d["streams"]):
            snr = "-inf" if s["snr_db"] is None else f"{s['snr_db']:.2f}"
            print(f"  stream {i + 1}: snr {snr} dB, {key} {s[key]:.3e}, power {s['power_w']:.6g} W")
        for n in d["notes"]:
            print(f"  note: {n}")
    return 0
