"""``semlink maps``: one semantic label map across an analog (GESCO eq. (1)) or digital channel."""

from __future__ import annotations

import argparse
import json
import os

from ..study.quantities import SNR_DB
from .common import (add_link_options, add_threads_option, bounded_float, bounded_int, check_output_path, json_default,
                     link_options, seed_int)

#: Class counts a label map may have (indices are stored as 16-bit values).
MAX_CLASSES = 65535

__all__ = ["add_parser", "maps_request", "MAX_CLASSES"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    mp = sub.add_parser("maps", help="send a semantic label map (PNG of class indices) analog or digital, score it")
    mp.add_argument("labels", help="indexed or greyscale PNG of class indices")
    mp.add_argument("--psnr", type=bounded_float(SNR_DB), required=True,
                    help=f"analog: PSNR of eq. (1) (P = 1); digital: Es/N0 of the link; in {SNR_DB.text()}")
    mp.add_argument("--channel", dest="mode", default="analog", choices=("analog", "digital"),
                    help="analog values (the paper) or the coded map over a real link")
    mp.add_argument("--classes", type=bounded_int(2, MAX_CLASSES), default=None,
                    help=f"number of classes C in [2, {MAX_CLASSES}] (default: the label set's, else largest label + 1)")
    mp.add_argument("--kind", default="auto", choices=("auto", "cityscapes-labelids", "cityscapes-trainids", "indexed",
                                                       "ade20k"),
                    help="label file kind (auto: Cityscapes *_labelIds / *_trainIds by name, else indexed)")
    mp.add_argument("--palette", default=None, help="palette file (JSON or 'r g b' lines) of an indexed or RGB map")
    mp.add_argument("--ignore-index", type=bounded_int(-1, MAX_CLASSES), default=255,
                    help="label of unlabelled pixels, excluded from K and the scores (-1: none; default 255)")
    mp.add_argument("--instances", default=None,
                    help="analog: instance-id PNG (e.g. *_instanceIds.png); its edge plane is sent too, as GESCO does")
    mp.add_argument("--no-fds", action="store_true", help="analog: skip the fast denoising semantic block (eq. 2)")
    mp.add_argument("--paper-sigma", action="store_true",
                    help="analog: the authors' PSNR->sigma table (sigma as a standard deviation)")
    mp.add_argument("--noise-convention", default="released-code", choices=("released-code", "unit-power"),
                    help="analog: released-code (the paper's code: sigma on the 0/1 planes, PSNR = -20 log10 sigma, "
                         "zero-padded AvgPool in FDS) or unit-power (planes normalized first: 10 log10 K dB easier)")
    mp.add_argument("--policy", default="forward", choices=("forward", "discard"), help="digital receiver")
    mp.add_argument("--map-codec", default="auto", choices=("auto", "planes", "g4", "png"),
                    help="digital: lossless codec (auto: the shortest of RLE planes, G4 planes and PNG)")
    add_link_options(mp, channel_flag="--fading")
    mp.set_defaults(code="ldpc", crc="CRC24A")  # --rate 0.5 unless --n or --k with --n is given
    mp.add_argument("--seed", type=seed_int, default=0)
    mp.add_argument("--device", default="auto")
    mp.add_argument("--out", default=None, help="write the received label map here (PNG)")
    mp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_threads_option(mp)
    mp.set_defaults(func=run)


def _check(args: argparse.Namespace) -> dict:
    """Every option checked before anything is read or imported; the link options."""
    from linklevel.blocks.config import MODULATIONS

    if args.modulation not in MODULATIONS:
        raise ValueError(f"--modulation must be one of {', '.join(MODULATIONS)}, got {args.modulation!r}")
    for what, path in (("label map", args.labels), ("palette", args.palette), ("instance map", args.instances)):
        if path is not None and not os.path.isfile(path):
            raise ValueError(f"no such {what} {path!r}")
    if args.instances and args.mode == "digital":
        raise ValueError("--instances applies to --channel analog (the edge plane is an analog plane)")
    check_output_path(args.out, (".png",), "--out", inputs=[("label map", args.labels)])
    if args.mode == "digital":
        if args.no_fds or args.paper_sigma or args.noise_convention != "released-code":
            raise ValueError("--no-fds, --paper-sigma and --noise-convention apply to --channel analog")
        if args.code == "ldpc" and args.rate is None and args.n is None:
            args.rate = 0.5
    return link_options(args, k_required=False)


def maps_request(args: argparse.Namespace) -> dict:
    """Validate, send, score; the JSON-ready result (the received map under ``"_received"``)."""
    opts = _check(args)
    from genai.labelsets import read_label_set

    lm = read_label_set(args.labels, kind=args.kind, palette=args.palette,
                        ignore_index=None if args.ignore_index < 0 else args.ignore_index, instance_path=args.instances)
    lab, ignore = lm.labels, lm.ignore_index
    top = int(lab[lm.valid()].max()) + 1 if lm.valid().any() else 1
    classes = max(lm.classes, top) if args.classes is None else args.classes
    if classes < top:
        raise ValueError(f"--classes {classes} is below the largest label + 1 ({top})")
    if classes > MAX_CLASSES:
        raise ValueError(f"the label map has {classes} classes; at most {MAX_CLASSES} are supported")
    from genai.labelsets import check_plane_memory

    check_plane_memory(classes, lab.shape)
    if args.mode == "analog":
        from bridge.analog import AnalogChannel

        from ..maps.analog import send_analog_map

        coh = opts["coherence"]
        ch = AnalogChannel(psnr_db=args.psnr, channel=opts["channel"], ofdm=opts["ofdm"], csi=opts["csi"],
                           paper_sigma=args.paper_sigma, convention=args.noise_convention,
                           coherence="frame" if coh == "codeword" else (int(coh) if coh.isdigit() else coh))
        out = send_analog_map(lab, classes, ch, not args.no_fds, args.seed, args.device, ignore_index=ignore,
                              edges=lm.edges())
    else:
        import torch

        from bridge.packets import code_blocks
        from linklevel import LinkConfig

        from ..gesco.reallink import map_codec, send_digital_map

        if opts["code"] == "ldpc" and opts["k"] is None:
            if args.rate is None:
                raise ValueError(f"--n {args.n} needs --k (or give --rate alone: blocks sized from the map)")
            from genai.labelsets import fill_ignored

            bits = map_codec(classes, args.map_codec).bit_count(torch.from_numpy(fill_ignored(lab, ignore)))
            opts["k"], opts["n"], _ = code_blocks(bits, args.rate)
        cfg = LinkConfig(**{**opts, "snr_type": "esno"})
        out = send_digital_map(lab, classes, cfg, args.psnr, args.policy, args.map_codec, args.seed, args.device,
                               ignore)
    res = {"mode": args.mode, "psnr_db": args.psnr, "classes": classes, "shape": list(lab.shape), **out.to_dict(),
           "noise_convention": args.noise_convention if args.mode == "analog" else None, "ignore_index": ignore,
           "classes_in_set": lm.classes}
    res["_received"] = out.received
    return res


def run(args: argparse.Namespace) -> int:
    res = maps_request(args)
    got = res.pop("_received")
    if args.out and got is not None:
        from genai.semmaps import write_label_map

        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        write_label_map(args.out, got)
        res["out"] = args.out
    if args.json:
        print(json.dumps(res, default=json_default))
    else:
        print(f"{res['mode']} at {res['psnr_db']:g} dB: mIoU {res['miou']:.4f}, pixel accuracy "
              f"{res['pixel_accuracy']:.4f}, {res['bits']} bits, {res['channel_uses']} channel uses"
              + (" (map lost: discarded)" if res["lost"] else ""))
    return 0
