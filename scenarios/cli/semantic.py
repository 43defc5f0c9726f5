"""``semlink encode`` / ``regenerate`` / ``train-sketch-codec``: the semantic streams of an image."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ..study.quantities import LEARNING_RATE, RD_LAMBDA, SKETCH_SCALE, SNR_DB
from .common import (add_link_options, add_threads_option, bounded_float, bounded_int, check_output_path,
                     check_safetensors, float_list, json_default, link_config, seed_int)

_STEPS = bounded_int(1, 10**7)
_BATCH = bounded_int(1, 4096)
_CROP = bounded_int(16, 4096)

__all__ = ["add_parsers"]


def _options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("image", help="image file")
    sp.add_argument("--prompt-from", default="captions", help="captions[:FILE] (default file: $SEMLINK_CAPTIONS) or blip")
    sp.add_argument("--edges", default="hed", help="hed or canny")
    sp.add_argument("--sketch-codec", default="ntc", help="ntc (learned) or g4 (CCITT Group 4)")
    sp.add_argument("--quality", type=bounded_int(1, 64), default=1, help="ntc rate point (1..64)")
    sp.add_argument("--sketch-scale", type=bounded_float(SKETCH_SCALE), default=None,
                    help=f"code the sketch at this fraction of the image size, in {SKETCH_SCALE.text()} "
                         "(ntc default 0.5, g4 1.0)")
    sp.add_argument("--allow-download", action="store_true", help="allow Hugging Face Hub downloads")
    sp.add_argument("--json", action="store_true")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    enc = sub.add_parser("encode", help="semantic streams of an image (prompt + compressed edge map) and their bits")
    _options(enc)
    add_threads_option(enc)
    enc.set_defaults(func=encode)
    reg = sub.add_parser("regenerate", help="encode -> (optional link) -> ControlNet decoder -> metrics")
    _options(reg)
    add_link_options(reg)
    reg.add_argument("--ebno", type=bounded_float(SNR_DB), default=None,
                     help=f"send both streams over the link at this Eb/N0, in {SNR_DB.text()}")
    reg.add_argument("--policy", default="forward", help="forward or discard")
    reg.add_argument("--out", required=True, help="regenerated image (PNG)")
    reg.add_argument("--steps", type=bounded_int(1, 1000), default=20, help="diffusion steps (1..1000)")
    reg.add_argument("--seed", type=seed_int, default=0)
    reg.add_argument("--device", default="auto")
    reg.add_argument("--allow-random-weights", action="store_true",
                     help="without decoder weights, use a tiny random-weight pipeline (meaningless images)")
    add_threads_option(reg)
    reg.set_defaults(func=regenerate)
    tr = sub.add_parser("train-sketch-codec", help="train the ntc sketch codec on HED sketches of scikit-image photos")
    tr.add_argument("--out", default="genai/weights", help="folder for ntc_sketch_q*.safetensors")
    tr.add_argument("--lambdas", default="0.0002,0.001", help=f"comma list of rate-distortion weights, each in {RD_LAMBDA.text()}")
    tr.add_argument("--steps", type=_STEPS, default=2000)
    tr.add_argument("--lr", type=bounded_float(LEARNING_RATE), default=2e-4, help=f"learning rate in {LEARNING_RATE.text()}")
    tr.add_argument("--batch", type=_BATCH, default=8, help="batch size (1..4096)")
    tr.add_argument("--crop", type=_CROP, default=128, help="training crop size (16..4096)")
    tr.add_argument("--seed", type=seed_int, default=0)
    tr.add_argument("--device", default="auto")
    add_threads_option(tr)
    tr.set_defaults(func=train_sketch)
    ti = sub.add_parser("train-image-codec",
                        help="train the hyperprior RGB codec family (Huang et al.) on scikit-image photos")
    ti.add_argument("--out", default="genai/weights", help="folder for hyperprior_rgb_q*.safetensors")
    ti.add_argument("--lambdas", default="0.0018,0.0035,0.0067,0.013", help=f"comma list of rate-distortion weights, each in {RD_LAMBDA.text()}")
    ti.add_argument("--steps", type=_STEPS, default=3000)
    ti.add_argument("--lr", type=bounded_float(LEARNING_RATE), default=1e-4, help=f"learning rate in {LEARNING_RATE.text()}")
    ti.add_argument("--batch", type=_BATCH, default=8, help="batch size (1..4096)")
    ti.add_argument("--crop", type=_CROP, default=128, help="training crop size (16..4096)")
    ti.add_argument("--seed", type=seed_int, default=0)
    ti.add_argument("--init", default=None, help="fine-tune from this .safetensors state (every lambda)")
    ti.add_argument("--device", default="auto")
    add_threads_option(ti)
    ti.set_defaults(func=train_image)


def _spec(args: argparse.Namespace, random_ok: bool = False) -> Any:
    from ..semantic import EncoderSpec

    return EncoderSpec(prompt_from=args.prompt_from, edges=args.edges, sketch_codec=args.sketch_codec,
                       quality=args.quality, sketch_scale=args.sketch_scale, allow_download=args.allow_download,
                       allow_random_weights=random_ok)


def encode(args: argparse.Namespace) -> int:
    from ..semantic import encode_image, load_image

    spec = _spec(args)
    load_image(args.image)
    enc = encode_image(args.image, spec)
    d = enc.to_dict()
    if args.json:
        print(json.dumps(d))
        return 0
    print(f"{args.image}: {enc.width}x{enc.height}")
    for st in d["streams"]:
        print(f"  {st['name']:>6}: {st['bits']:7d} bits  {st.get('text', st.get('codec', ''))}")
    print(f"  total {d['bits']} bits = {d['bpp']:.4f} bpp" + ("  (random weights)" if enc.random_weights else ""))
    return 0


def regenerate(args: argparse.Namespace) -> int:
    from linklevel.engine.runtime import resolve_device

    from ..semantic import encode_image, load_image, regenerate as regen

    spec = _spec(args, random_ok=args.allow_random_weights)
    load_image(args.image)
    check_output_path(args.out, (".png",), "--out", inputs=[("image", args.image)])
    if args.policy not in ("forward", "discard"):
        raise ValueError(f"unknown policy {args.policy!r}; use forward or discard")
    device = resolve_device(args.device)
    link = None
    if args.ebno is not None:
        from bridge import LinkChannel

        if args.policy == "discard" and args.crc is None:
            args.crc = "CRC24A"
        link = LinkChannel(link_config(args), ebno_db=args.ebno)
    if not args.allow_random_weights:  # fail fast, before the encoders run
        from genai.registry import load

        load("decoder", "controlnet", allow_download=args.allow_download, steps=args.steps, device=device)
    enc = encode_image(args.image, spec)
    res = regen(enc, spec, args.out, link=link, policy=args.policy, seed=args.seed, steps=args.steps, device=device)
    res["encoded"] = enc.to_dict()
    if args.json:
        print(json.dumps(res, default=json_default))
        return 0
    print(f"decoder: {res['decoder']}" + ("  [random weights: the image is meaningless]" if res["random_weights"] else ""))
    print(f"received prompt: {res['prompt_received']!r}; edge map: {'yes' if res['edge_received'] else 'lost'}")
    for k, v in res["metrics"].items():
        print(f"  {k}: {v if v is None else round(float(v), 4)}")
    if res["image_out"]:
        print(f"wrote {res['image_out']}")
    return 0


def train_sketch(args: argparse.Namespace) -> int:
    from linklevel.engine.runtime import resolve_device

    from genai.ntc_train import train_sketch_codec

    lambdas = float_list(args.lambdas, "--lambdas", rng=RD_LAMBDA)
    check_output_path(os.path.join(args.out, "ntc_sketch_q1.safetensors"), (".safetensors",), "--out")
    res = train_sketch_codec(args.out, lambdas=list(lambdas), steps=args.steps, batch=args.batch, crop=args.crop,
                             lr=args.lr, seed=args.seed, device=resolve_device(args.device))
    print(json.dumps(res, indent=1))
    return 0


def train_image(args: argparse.Namespace) -> int:
    from linklevel.engine.runtime import resolve_device

    from genai.hyperprior_train import train_image_codec

    lambdas = float_list(args.lambdas, "--lambdas", rng=RD_LAMBDA)
    check_output_path(os.path.join(args.out, "hyperprior_rgb_q1.safetensors"), (".safetensors",), "--out")
    if args.init is not None:
        check_safetensors(args.init, "--init")
        for q in range(1, len(lambdas) + 1):
            check_output_path(os.path.join(args.out, f"hyperprior_rgb_q{q}.safetensors"), (".safetensors",), "--out",
                              inputs=[("--init", args.init)])
    res = train_image_codec(args.out, lambdas=list(lambdas), steps=args.steps, batch=args.batch, crop=args.crop,
                            lr=args.lr, seed=args.seed, device=resolve_device(args.device), init=args.init)
    print(json.dumps(res, indent=1))
    return 0
