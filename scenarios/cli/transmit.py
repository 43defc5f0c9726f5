"""``semlink transmit``: a text prompt (or any file) across a link, decoded at the receiver."""

from __future__ import annotations

import argparse
import json
import os

from ..study.quantities import SNR_DB
from .common import (add_link_options, add_threads_option, bounded_float, check_output_path, link_config, link_options,
                     seed_int)

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    tx = sub.add_parser("transmit", help="send a text prompt (or a file) across a link and decode it")
    what = tx.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="text to send (UTF-8)")
    what.add_argument("--file", help="any file, sent as bytes")
    add_link_options(tx)
    tx.add_argument("--ebno", type=bounded_float(SNR_DB), required=True, help=f"Eb/N0 in {SNR_DB.text()}")
    tx.add_argument("--policy", default="forward", help="forward (deliver with errors) or discard (drop on CRC failure)")
    tx.add_argument("--compress", default=None, choices=("zlib", "lzma"), help="lossless text compression")
    tx.add_argument("--seed", type=seed_int, default=0)
    tx.add_argument("--device", default="auto")
    tx.add_argument("--out", default=None, help="--file: write the received bytes here")
    tx.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_threads_option(tx)
    tx.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bridge.transmit import send_payload

    if args.policy == "discard" and args.code != "none" and args.crc is None:
        args.crc = "CRC24A"  # discard on a coded link: detect errors with a CRC by default
    rate = None
    if args.code == "ldpc" and args.k is None:  # code blocks sized from the stream (bridge.packets.code_blocks)
        if args.rate is None or args.n is not None:
            given = f"--n {args.n} needs --k" if args.n is not None else "--code ldpc needs --k with --n or --rate"
            raise ValueError(f"{given} (or give --rate alone: blocks sized from the stream)")
        rate, args.rate = args.rate, None
        cfg = link_options(args, k_required=False)
    else:
        cfg = link_config(args)
    if args.text is not None:
        payload: object = args.text
    else:
        if not os.path.isfile(args.file):
            raise ValueError(f"no such file {args.file!r}")
        check_output_path(args.out, ("",), "--out", inputs=[("--file", args.file)])
        with open(args.file, "rb") as fh:
            payload = fh.read()
    res = send_payload(payload, cfg, args.ebno, args.policy, compress=args.compress, seed=args.seed,
                       device=args.device, rate=rate)
    res["sent"] = payload if args.text is not None else args.file
    got = res["received"]
    if isinstance(got, bytes):
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "wb") as fh:
                fh.write(got)
        res["received"] = args.out or f"{len(got)} bytes"
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        print(f"sent:     {res['sent']}")
        print(f"received: {res['received'] if not res['lost'] else '(lost: CRC failure, discarded)'}")
        print(f"bits {res['bits']} ({res['payload_bits']} payload + {res['header_bits']} header), bit errors "
              f"{res['bit_errors']}, blocks {res['blocks']}, block errors "
              f"{res['block_errors']}, detected {res['detected_block_errors']}")
    return 0
