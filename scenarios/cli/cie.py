"""``semlink cie``: one image through the Huang et al. critical-information embedding (and Algorithm 1)."""

from __future__ import annotations

import argparse
import json
import math
import os

from ..study.quantities import BANDWIDTH_HZ, BLER, HVS_VARIANCE, LATENCY_MS, SNR_DB, UNIT
from .common import add_threads_option, bounded_float, bounded_int, check_output_path, json_default, pos_int

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    cp = sub.add_parser("cie", help="critical-information embedding of one image (Huang et al.): bits, GVIF, latency")
    cp.add_argument("image", help="image file (centre crop, --crop)")
    cp.add_argument("--alpha", type=bounded_float(UNIT), default=None,
                    help="filtering threshold alpha in [0, 1] (eq. 17; default 0.5; --optimize chooses it)")
    cp.add_argument("--coder", type=pos_int, default=None,
                    help="rate point of the coder family (default: the middle; --optimize chooses it)")
    cp.add_argument("--snr-db", type=bounded_float(SNR_DB), required=True,
                    help=f"receive SNR |h|^2/sigma^2 in {SNR_DB.text()}")
    cp.add_argument("--bandwidth", type=bounded_float(BANDWIDTH_HZ), default=1e6,
                    help=f"B (eq. 8) in {BANDWIDTH_HZ.text()}")
    cp.add_argument("--blocklength", type=bounded_int(8, 10**6), default=1024,
                    help="real link: complex uses per codeword (8..1000000)")
    cp.add_argument("--target-bler", type=bounded_float(BLER), default=1e-3,
                    help=f"real link: codeword error rate in {BLER.text()}")
    cp.add_argument("--mcs", default=None, metavar="MOD:RATE",
                    help="send the stream over the 5G LDPC link with this MCS (e.g. qpsk:0.5, 16qam:0.75; "
                         "--blocklength uses per codeword) with discard-with-error; default: normal approximation")
    cp.add_argument("--importance", default="spectral_residual", choices=("spectral_residual", "cam"))
    cp.add_argument("--importance-scale", default="rank", choices=("rank", "minmax"),
                    help="normalization of the offline substitute (rank: alpha ~ filtered fraction; CAM: min-max)")
    cp.add_argument("--inpaint", default="classical", choices=("classical", "sd"))
    cp.add_argument("--prompt", default="", help="text prompt for diffusion inpainting")
    cp.add_argument("--allow-download", action="store_true",
                    help="--inpaint sd: allow a Hugging Face Hub download of the inpainting weights")
    cp.add_argument("--gamma2", type=bounded_float(HVS_VARIANCE), default=0.1,
                    help=f"HVS noise variance of GVIF (eq. 27) in {HVS_VARIANCE.text()}")
    cp.add_argument("--crop", type=bounded_int(0, 4096), default=512, help="centre crop size (0: whole image; 0..4096)")
    cp.add_argument("--coder-weights", default=None, help="folder of hyperprior_rgb_q*.safetensors")
    cp.add_argument("--allow-random-weights", action="store_true", help="tiny random models (code-path tests)")
    cp.add_argument("--optimize", action="store_true", help="run Algorithm 1 for this SNR (needs --t-max-ms)")
    cp.add_argument("--t-max-ms", type=bounded_float(LATENCY_MS), default=None,
                    help=f"latency budget T_max for --optimize, in {LATENCY_MS.text()}")
    cp.add_argument("--d0-psnr-db", type=bounded_float(SNR_DB), default=30.0,
                    help=f"--optimize: distortion bound D0 as mask-PSNR on the critical region (eq. 31c), in {SNR_DB.text()}")
    cp.add_argument("--device", default="auto")
    cp.add_argument("--out", default=None, help="folder for partial.png, inpainted.png, mask.png")
    cp.add_argument("--json", action="store_true")
    add_threads_option(cp)
    cp.set_defaults(func=run)


def _parse_mcs(text: str, uses: int) -> object:
    from ..digital.mcs import MCS, MCS_RATES

    mod, _, rate = text.partition(":")
    try:
        r = float(rate)
    except ValueError:
        r = math.nan
    ok = {(m, round(x, 3)) for m, x in MCS_RATES}
    if (mod, round(r, 3)) not in ok:
        raise ValueError(f"--mcs {text!r}: use MOD:RATE, one of " + ", ".join(f"{m}:{x:.3g}" for m, x in MCS_RATES))
    if uses < 32:
        raise ValueError("--mcs needs --blocklength >= 32")
    return MCS(mod, next(x for m, x in MCS_RATES if m == mod and round(x, 3) == round(r, 3)), uses)


def _check_out(out: str, image: str) -> None:
    """``--out`` can take partial.png, inpainted.png and mask.png (checked before any work; nothing left behind)."""
    for name in ("partial", "inpainted", "mask"):
        check_output_path(os.path.join(out, f"{name}.png"), (".png",), "--out", inputs=[("image", image)])
    created = not os.path.isdir(out)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as err:
        raise ValueError(f"cannot create --out {out!r}: {err.strerror}") from None
    if created:
        os.rmdir(out)  # nothing is left behind if a later check fails


def run(args: argparse.Namespace) -> int:
    from linklevel.engine.runtime import resolve_device

    from ..digital.codecs import load_family, load_image
    from ..huang.pipeline import importance_map, optimize_cie, run_cie

    if args.optimize and args.t_max_ms is None:
        raise ValueError(f"--optimize needs --t-max-ms in {LATENCY_MS.text()}")
    if args.optimize and (args.alpha is not None or args.coder is not None):
        raise ValueError("--optimize chooses alpha and the coder (Algorithm 1): drop --alpha / --coder")
    if args.allow_download and args.inpaint != "sd":
        raise ValueError("--allow-download only applies to --inpaint sd")
    mcs = _parse_mcs(args.mcs, args.blocklength) if args.mcs is not None else None
    if args.out is not None:
        _check_out(args.out, args.image)
    if not os.path.isfile(args.image):
        raise ValueError(f"no such image {args.image!r}")
    dev = resolve_device(args.device)
    image = load_image(args.image, args.crop)
    family = load_family(args.coder_weights, dev, random_weights=args.allow_random_weights)
    coder = args.coder if args.coder is not None else sorted(family)[(len(family) - 1) // 2]
    if coder not in family:
        raise ValueError(f"--coder {coder}: the family has rate points {sorted(family)}")
    inpaint = None
    if args.inpaint == "sd":  # before any work: missing weights fail first
        from genai.registry import load

        inpaint = load("inpainter", "sd_inpaint", random_weights=args.allow_random_weights, device=dev,
                       allow_download=args.allow_download)
    imp, note = importance_map(image, args.importance, args.allow_random_weights, dev,
                               args.importance_scale)
    alpha, opt = 0.5 if args.alpha is None else args.alpha, None
    if args.optimize:  # Algorithm 1 first: everything printed and written is for alpha*, coder*
        opt = optimize_cie(image, family, imp, args.snr_db, args.t_max_ms, args.bandwidth,
                           d0_mask_psnr_db=args.d0_psnr_db, gamma2=args.gamma2)
        alpha, coder = float(opt["alpha_star"]), int(opt["coder_star"])
    res = run_cie(image, family, coder, alpha, imp, args.snr_db, args.bandwidth, args.blocklength,
                  args.target_bler, args.gamma2, inpaint, args.prompt, mcs=mcs, device=dev)
    images = res.pop("_images")
    res["importance"] = note
    res["coder_note"] = family[coder].note
    if opt is not None:
        res["optimize"] = opt
    if args.out:
        from PIL import Image

        os.makedirs(args.out, exist_ok=True)
        for name in ("partial", "inpainted"):
            Image.fromarray((images[name] * 255).round().astype("uint8")).save(os.path.join(args.out, f"{name}.png"))
        Image.fromarray(images["mask"].astype("uint8") * 255).save(os.path.join(args.out, "mask.png"))
        res["out"] = args.out
    if args.json:
        print(json.dumps(res, default=json_default))
    else:
        print(f"coder q{coder}, alpha {alpha:g}: {res['bits']} bits ({res['selected_fraction']:.1%} selected), "
              f"GVIF {res['gvif']:.4f}, latency eq. (8) {res['latency_ms']:.3f} ms, real link "
              f"{res['latency_real_ms']:.3f} ms ({res['real_link']['model']})"
              + ("" if "link" not in res else f", {res['link']['codewords']} codewords, "
                 + ("LOST (discard-with-error)" if res["link"]["lost"] else "delivered")))
        if args.optimize:
            o = res["optimize"]
            print(f"Algorithm 1 at {args.snr_db:g} dB, T_max {args.t_max_ms:g} ms: alpha* = {o['alpha_star']:.3f}, "
                  f"coder* = {o['coder_star']}" + (f" ({o['note']})" if o["note"] else ""))
    return 0
