"""The ``semlink`` command line: one entry point, one subcommand per task.

Errors in options or values print one line to stderr and exit with code 2 before
anything is written; ``--debug`` shows tracebacks. Ctrl-C keeps finished work and
exits with code 130.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, Optional, Sequence

__all__ = ["main", "UsageError"]


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


def _nonneg_int(text: str) -> int:
    try:
        value = int(float(text)) if "e" in text.lower() else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative count, got {value}")
    return value


def _pos_int(text: str) -> int:
    value = _nonneg_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_link_options(p: argparse.ArgumentParser) -> None:
    from linklevel.config import CRC_POLYNOMIALS, MODULATIONS

    g = p.add_argument_group("link")
    g.add_argument("--modulation", default="qpsk", help=f"one of {', '.join(MODULATIONS)} (Gray mapped)")
    g.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh-block", "tdl"),
                   help="tdl needs --ofdm")
    g.add_argument("--coherence", default="codeword",
                   help="rayleigh-block: 'codeword', 'iid' or symbols per fading block")
    g.add_argument("--csi", default="perfect", choices=("perfect", "ls"),
                   help="perfect CSI or pilot-based LS estimation")
    g.add_argument("--pilots", type=_pos_int, default=1, help="single-carrier pilots per fading block (--csi ls)")
    g.add_argument("--ofdm", action="store_true", help="transmit over an OFDM resource grid")
    g.add_argument("--fft-size", type=_pos_int, default=72)
    g.add_argument("--ofdm-symbols", type=_pos_int, default=14)
    g.add_argument("--cp-length", type=_nonneg_int, default=0)
    g.add_argument("--tdl-model", default="A")
    g.add_argument("--code", default="none", choices=("none", "ldpc"))
    g.add_argument("--k", type=_pos_int, default=None, help="LDPC code dimension incl. CRC (uncoded: block length)")
    g.add_argument("--n", type=_pos_int, default=None, help="codeword length")
    g.add_argument("--rate", type=float, default=None, help="code rate k/n (gives n from k)")
    g.add_argument("--crc", nargs="?", const="CRC24A", default=None,
                   help=f"append a CRC per block (default CRC24A; one of {', '.join(CRC_POLYNOMIALS)})")
    g.add_argument("--demapping", default="app", choices=("app", "maxlog"))
    g.add_argument("--bp-iterations", type=_nonneg_int, default=20)
    g.add_argument("--cn-update", default="boxplus-phi")


def _link_config(args: argparse.Namespace) -> Any:
    from linklevel import LinkConfig

    k, n = args.k, args.n
    if args.rate is not None:
        if not (math.isfinite(args.rate) and 0 < args.rate <= 1):
            raise ValueError(f"--rate must lie in (0, 1], got {args.rate}")
        if k is None:
            raise ValueError("--rate needs --k")
        if n is not None:
            raise ValueError("give either --n or --rate, not both")
        n = int(round(k / args.rate))
    coherence: Any = args.coherence
    return LinkConfig(
        modulation=args.modulation, channel=args.channel, coherence=coherence, csi=args.csi,
        pilots_per_block=args.pilots, ofdm=args.ofdm, code=args.code, k=k, n=n, crc=args.crc,
        demapping=args.demapping, bp_iterations=args.bp_iterations, cn_update=args.cn_update,
        fft_size=args.fft_size, num_ofdm_symbols=args.ofdm_symbols,
        cyclic_prefix_length=args.cp_length, tdl_model=args.tdl_model,
    )


def _build_parser() -> _Parser:
    parser = _Parser(prog="semlink", description="Link-level simulation for generative semantic communication.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True

    ber = sub.add_parser("ber", help="Monte Carlo BER/BLER sweep with confidence intervals")
    _add_link_options(ber)
    snr = ber.add_mutually_exclusive_group()
    snr.add_argument("--ebno", default=None, help="Eb/N0 grid START:STEP:STOP in dB, inclusive (default 0:2:10)")
    snr.add_argument("--esno", default=None, help="Es/N0 grid START:STEP:STOP in dB (converted to Eb/N0)")
    mc = ber.add_argument_group("Monte Carlo")
    mc.add_argument("--target-bit-errors", type=_nonneg_int, default=1000, help="0 disables")
    mc.add_argument("--target-block-errors", type=_nonneg_int, default=100, help="0 disables")
    mc.add_argument("--max-bits", type=_pos_int, default=10**7)
    mc.add_argument("--max-blocks", type=_pos_int, default=None)
    mc.add_argument("--max-time", type=float, default=None, help="seconds per point")
    mc.add_argument("--stop-after-zero", action="store_true", help="stop the sweep after an error-free point")
    mc.add_argument("--confidence", type=float, default=0.95)
    mc.add_argument("--seed", type=_nonneg_int, default=0)
    mc.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    mc.add_argument("--precision", default="single", choices=("single", "double"))
    mc.add_argument("--batch-size", type=_pos_int, default=None, help="frames per batch (default: automatic)")
    out = ber.add_argument_group("output")
    out.add_argument("--out", default=None, help="HDF5 result file (finished points are resumed)")
    out.add_argument("--plot", default=None, help="PNG plot of BER/BLER vs Eb/N0")
    out.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    out.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    out.add_argument("--no-analytic", action="store_true", help="no analytic overlay / verdicts")
    out.add_argument("--bound-gaps", action="store_true",
                     help="coded links: also the SNR gaps to the meta-converse and RCUs (slower)")
    ber.set_defaults(func=_cmd_ber)

    bd = sub.add_parser("bounds", help="finite-blocklength approximations and bounds")
    bd.add_argument("--channel", default="biawgn", choices=("awgn", "awgn-complex", "biawgn", "rayleigh-csir"))
    bd.add_argument("--n", type=_pos_int, required=True, help="blocklength in channel uses")
    kr = bd.add_mutually_exclusive_group(required=True)
    kr.add_argument("--k", type=_pos_int, help="information bits")
    kr.add_argument("--rate", type=float, help="bits per channel use (k = round(rate * n))")
    mode = bd.add_mutually_exclusive_group(required=True)
    mode.add_argument("--target-bler", type=float, help="solve for the SNR reaching this BLER")
    mode.add_argument("--ebno", help="evaluate the BLER on an Eb/N0 grid START:STEP:STOP (dB)")
    mode.add_argument("--esno", help="evaluate the BLER on an Es/N0 grid START:STEP:STOP (dB)")
    bd.add_argument("--bounds", default=None,
                    help="comma list of normal_approximation, metaconverse, rcus, shannon "
                         "(default: all that apply to the channel)")
    bd.add_argument("--coherence", type=_pos_int, default=1, help="rayleigh-csir: channel uses per fade")
    bd.add_argument("--no-log-term", action="store_true", help="normal approximation without 1/2 log2(n)")
    bd.add_argument("--json", action="store_true")
    bd.set_defaults(func=_cmd_bounds)

    tx = sub.add_parser("transmit", help="send a text prompt (or a file) across a link and decode it")
    what = tx.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="text to send (UTF-8)")
    what.add_argument("--file", help="any file, sent as bytes")
    _add_link_options(tx)
    tx.add_argument("--ebno", type=float, required=True, help="Eb/N0 in dB")
    tx.add_argument("--policy", default="forward", help="forward (deliver with errors) or discard (drop on CRC failure)")
    tx.add_argument("--compress", default=None, choices=("zlib", "lzma"), help="lossless text compression")
    tx.add_argument("--seed", type=_nonneg_int, default=0)
    tx.add_argument("--device", default="auto")
    tx.add_argument("--out", default=None, help="--file: write the received bytes here")
    tx.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    tx.set_defaults(func=_cmd_transmit)

    def _semantic_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("image", help="image file")
        sp.add_argument("--prompt-from", default="captions",
                        help="captions[:FILE] (default file: $SEMLINK_CAPTIONS) or blip")
        sp.add_argument("--edges", default="hed", help="hed or canny")
        sp.add_argument("--sketch-codec", default="ntc", help="ntc (learned) or g4 (CCITT Group 4)")
        sp.add_argument("--quality", type=_pos_int, default=1, help="ntc rate point")
        sp.add_argument("--sketch-scale", type=float, default=None,
                        help="code the sketch at this fraction of the image size (ntc default 0.5, g4 1.0)")
        sp.add_argument("--allow-download", action="store_true", help="allow Hugging Face Hub downloads")
        sp.add_argument("--json", action="store_true")

    enc = sub.add_parser("encode", help="semantic streams of an image (prompt + compressed edge map) and their bits")
    _semantic_options(enc)
    enc.set_defaults(func=_cmd_encode)

    reg = sub.add_parser("regenerate", help="encode -> (optional link) -> ControlNet decoder -> metrics")
    _semantic_options(reg)
    _add_link_options(reg)
    reg.add_argument("--ebno", type=float, default=None, help="send both streams over the link at this Eb/N0 (dB)")
    reg.add_argument("--policy", default="forward", help="forward or discard")
    reg.add_argument("--out", required=True, help="regenerated image (PNG)")
    reg.add_argument("--steps", type=_pos_int, default=20)
    reg.add_argument("--seed", type=_nonneg_int, default=0)
    reg.add_argument("--device", default="auto")
    reg.add_argument("--allow-random-weights", action="store_true",
                     help="without decoder weights, use a tiny random-weight pipeline (meaningless images)")
    reg.set_defaults(func=_cmd_regenerate)

    tr = sub.add_parser("train-sketch-codec", help="train the ntc sketch codec on HED sketches of scikit-image photos")
    tr.add_argument("--out", default="genai/weights", help="folder for ntc_sketch_q*.safetensors")
    tr.add_argument("--lambdas", default="0.0002,0.001", help="comma list of rate-distortion weights")
    tr.add_argument("--steps", type=_pos_int, default=2000)
    tr.add_argument("--lr", type=float, default=2e-4)
    tr.add_argument("--batch", type=_pos_int, default=8)
    tr.add_argument("--crop", type=_pos_int, default=128)
    tr.add_argument("--seed", type=_nonneg_int, default=0)
    tr.add_argument("--device", default="auto")
    tr.set_defaults(func=_cmd_train_sketch)

    al = sub.add_parser("allocate", help="semantic-aware power allocation for a prompt and an edge stream (Xu et al.)")
    al.add_argument("--scheme", default="coded", choices=("uncoded", "coded"))
    al.add_argument("--method", default="optimal", choices=("unaware", "proportional", "bisection", "optimal"))
    src = al.add_mutually_exclusive_group()
    src.add_argument("--discard-perception", default=None,
                     help="P_BOTH,P_PROMPT_ONLY,P_EDGE_ONLY of the discard receiver (coded)")
    src.add_argument("--perception-table", default=None, help="JSON perception table (see scenarios/allocation.py)")
    src.add_argument("--paper-constants", default=None, choices=("clip", "ms-ssim"),
                     help="the paper's P_best, L1, L2 (coded, default clip)")
    al.add_argument("--k", default="800,12227",
                    help="bits per stream K1,K2 (prompt, edge); default: the mean of the first 6 Kodak images "
                         "(caption prompt, HED + ntc q1 sketch)")
    al.add_argument("--rate", type=float, default=0.8, help="code rate K/N (coded)")
    al.add_argument("--gain-db", default="-98,-98", help="total channel power gain |h_i|^2 in dB per stream")
    al.add_argument("--noise-dbm", type=float, default=-110.0)
    al.add_argument("--target", type=float, required=True, help="maximum perception distance P-bar")
    al.add_argument("--json", action="store_true")
    al.set_defaults(func=_cmd_allocate)

    rn = sub.add_parser("run", help="run a study (TOML) into one HDF5 file, PNG figures and a Markdown report")
    rn.add_argument("study", help="study TOML file or built-in study name (e.g. validate_analytic)")
    rn.add_argument("--executor", default="local", choices=("local", "ray"),
                    help="local: serial (one worker per GPU when several); ray: a Ray cluster (RAY_ADDRESS)")
    again = rn.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue an earlier execution (error if its result file is missing); "
                            "completed runs are always skipped")
    again.add_argument("--fresh", action="store_true", help="move earlier results aside (.bak) and start over")
    rn.add_argument("--quick", action="store_true", help="the study's small [quick] variant (into <out>-quick)")
    rn.add_argument("--out", default=None, help="output folder (default: the study's 'out')")
    rn.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (local executor)")
    rn.add_argument("--batch-size", type=_pos_int, default=None)
    rn.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    rn.add_argument("--no-progress", action="store_true")
    rn.set_defaults(func=_cmd_run)

    show = sub.add_parser("show", help="table of the runs and points in a result file")
    show.add_argument("file", help="HDF5 result file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_cmd_show)
    return parser


def _check_output_path(path: Optional[str], suffixes: tuple[str, ...], what: str) -> None:
    if path is None:
        return
    if not path.lower().endswith(suffixes):
        raise ValueError(f"{what} must end with {' or '.join(suffixes)}, got {path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    probe = parent
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.access(probe, os.W_OK):
        raise ValueError(f"cannot write {what} {path!r}")
    if os.path.isdir(path):
        raise ValueError(f"{what} {path!r} is a directory")


def _cmd_ber(args: argparse.Namespace) -> int:
    from linklevel import Link
    from linklevel.montecarlo import StopCriteria
    from linklevel.plotting import plot_error_rates
    from linklevel.runtime import resolve_device

    from .ber import BerRun, parse_range, run_ber

    # ---- validate everything before anything is written
    link_cfg = _link_config(args)
    stop = StopCriteria(
        target_bit_errors=args.target_bit_errors or None,
        target_block_errors=args.target_block_errors or None,
        max_bits=args.max_bits, max_blocks=args.max_blocks, max_time_s=args.max_time,
        stop_after_zero_errors=args.stop_after_zero,
    )
    if args.esno is not None:
        esno = parse_range(args.esno)
        rate = Link(link_cfg, device="cpu").info_rate
        grid = tuple(round(v - 10 * math.log10(rate), 9) for v in esno)
    else:
        grid = parse_range(args.ebno if args.ebno is not None else "0:2:10")
    run = BerRun(link=link_cfg, stop=stop, ebno_db=grid, seed=args.seed,
                 confidence=args.confidence, precision=args.precision)
    resolve_device(args.device)
    _check_output_path(args.out, (".h5", ".hdf5"), "--out")
    _check_output_path(args.plot, (".png",), "--plot")
    if args.out and os.path.exists(args.out):
        import h5py

        if not h5py.is_hdf5(args.out):
            raise ValueError(f"--out {args.out!r} exists and is not an HDF5 file")

    result = run_ber(run, out=args.out, device=args.device, batch_size=args.batch_size,
                     progress=not args.no_progress and not args.json,
                     analytic=not args.no_analytic, bound_gaps=args.bound_gaps)
    if args.plot and any(p.bits for p in result.points):
        from linklevel.overlay import curve
        import numpy as np

        curves = None
        if result.model is not None:
            xs = np.linspace(min(grid), max(grid), 25 if result.model.metric == "ber" else 9)
            labels = {"ber": "exact BER", "bler_na": "normal approx.", "bler_converse": "meta-converse",
                      "bler_rcus": "RCUs"}
            curves = {labels[k]: (xs, v) for k, v in curve(result.model, xs).items()}
        title = (f"{link_cfg.modulation.upper()} {link_cfg.channel}"
                 f"{' OFDM' if link_cfg.ofdm else ''}, "
                 + (f"LDPC({link_cfg.k},{link_cfg.n})" if link_cfg.code == "ldpc" else "uncoded")
                 + (f" + {link_cfg.crc}" if link_cfg.crc else ""))
        plot_error_rates(result.points, args.plot, run.confidence, title=title, analytic=curves)
    if args.json:
        print(json.dumps(result.to_dict(), allow_nan=False, default=_json_default))
    else:
        _print_table(result)
    if result.interrupted:
        kept = f"; finished points kept in {args.out}" if args.out else ""
        print(f"semlink: interrupted{kept}", file=sys.stderr)
        return 130
    return 0


def _cmd_bounds(args: argparse.Namespace) -> int:
    from linklevel import fbl
    from linklevel.analytic import db2lin, lin2db

    from .ber import parse_range

    ch, n = args.channel, args.n
    if args.rate is not None:
        if not (math.isfinite(args.rate) and args.rate > 0):
            raise ValueError(f"--rate must be positive, got {args.rate}")
        k = int(round(args.rate * n))
        if k < 1:
            raise ValueError("--rate * --n gives no information bit")
    else:
        k = args.k
    applicable = ["normal_approximation", "shannon"] + (["metaconverse", "rcus"] if ch == "biawgn" else [])
    names = applicable if args.bounds is None else [b.strip() for b in args.bounds.split(",") if b.strip()]
    for b in names:
        if b not in ("normal_approximation", "metaconverse", "rcus", "shannon"):
            raise ValueError(f"unknown bound {b!r}")
        if b not in applicable:
            raise ValueError(f"{b} is not available for channel {ch!r} (BI-AWGN only)")
    dims = 2 if ch in ("awgn", "biawgn") else 1  # Es/N0 -> snr per use
    kw = {"coherence": args.coherence, "log_term": not args.no_log_term}

    def row(bound: str, snr: float, bler: Optional[float]) -> dict:
        return {"bound": bound, "channel": ch, "n": n, "k": k, "snr_db": float(lin2db(snr)),
                "esno_db": float(lin2db(snr / dims)), "ebno_db": float(fbl.snr_to_ebno(snr, n, k, ch)),
                "bler": bler}

    def shannon_snr() -> float:
        c = lambda x: float(fbl.capacity_dispersion(db2lin(x), ch, args.coherence)[0]) - k / n  # noqa: E731
        from scipy.optimize import brentq

        if c(60.0) < 0:
            raise ValueError(f"rate k/n = {k / n:.3f} exceeds the capacity of {ch} below 60 dB")
        return float(db2lin(brentq(c, -40.0, 60.0, xtol=1e-10)))

    results = []
    if args.target_bler is not None:
        if not 0 < args.target_bler < 1:
            raise ValueError(f"--target-bler must lie in (0, 1), got {args.target_bler}")
        for b in names:
            if b == "shannon":
                results.append(row(b, shannon_snr(), None))
                continue
            extra = kw if b == "normal_approximation" else {}
            results.append(row(b, float(db2lin(fbl.snr_for_bler(args.target_bler, n, k, ch, b, **extra))), args.target_bler))
    else:
        grid = parse_range(args.ebno if args.ebno is not None else args.esno)
        snrs = [float(fbl.ebno_to_snr(x, n, k, ch)) if args.ebno is not None else float(db2lin(x) * dims) for x in grid]
        for b in names:
            for snr in snrs:
                if b == "shannon":
                    bler = float(float(fbl.capacity_dispersion(snr, ch, args.coherence)[0]) * n < k)
                else:
                    extra = kw if b == "normal_approximation" else {}
                    bler = float(fbl.bler(b, n, k, snr, ch, **extra))
                results.append(row(b, snr, bler))
    if args.json:
        print(json.dumps({"results": results}, allow_nan=False))
    else:
        print(f"{'bound':>22} {'Eb/N0':>8} {'Es/N0':>8} {'BLER':>10}")
        for r in results:
            bl = "-" if r["bler"] is None else f"{r['bler']:.3e}"
            print(f"{r['bound']:>22} {r['ebno_db']:8.3f} {r['esno_db']:8.3f} {bl:>10}")
    return 0


def _cmd_transmit(args: argparse.Namespace) -> int:
    from bridge.bytestream import BytesCodec
    from bridge.text import TextCodec
    from bridge.transmit import POLICIES, LinkChannel, Transmitter

    if args.policy not in POLICIES:
        raise ValueError(f"unknown policy {args.policy!r}; use one of {', '.join(POLICIES)}")
    if args.k is None and args.code == "ldpc":
        raise ValueError("--code ldpc needs --k (with --n or --rate)")
    if args.policy == "discard" and args.code != "none" and args.crc is None:
        args.crc = "CRC24A"  # discard on a coded link: detect errors with a CRC by default
    if not math.isfinite(args.ebno):
        raise ValueError("--ebno must be finite")
    link_cfg = _link_config(args)
    if args.text is not None:
        codec, payload = TextCodec(compress=args.compress), args.text
    else:
        if not os.path.isfile(args.file):
            raise ValueError(f"no such file {args.file!r}")
        with open(args.file, "rb") as fh:
            payload = fh.read()
        codec = BytesCodec()
        _check_output_path(args.out, ("",), "--out")
    bits = codec.encode(payload)
    channel = LinkChannel(link_cfg, ebno_db=args.ebno)
    res = Transmitter(device=args.device, seed=args.seed).send(bits, channel, args.policy)
    received = None if res.bits is None else codec.decode(res.bits)
    st = res.stats
    out = {"sent": payload if args.text is not None else args.file, "received": None, "bits": st.bits,
           "bit_errors": st.bit_errors, "blocks": st.blocks, "block_errors": st.block_errors,
           "detected_block_errors": st.detected_block_errors, "lost": st.lost, "policy": args.policy,
           "ebno_db": args.ebno, "link": link_cfg.to_dict()}
    if received is not None:
        if args.text is not None:
            out["received"] = received
        else:
            if args.out:
                with open(args.out, "wb") as fh:
                    fh.write(received)
            out["received"] = args.out or f"{len(received)} bytes"
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"sent:     {out['sent']}")
        print(f"received: {out['received'] if not st.lost else '(lost: CRC failure, discarded)'}")
        print(f"bits {st.bits}, bit errors {st.bit_errors}, blocks {st.blocks}, block errors {st.block_errors}, "
              f"detected {st.detected_block_errors}")
    return 0


def _encoder_spec(args: argparse.Namespace, random_ok: bool = False) -> Any:
    from .semantic import EncoderSpec

    return EncoderSpec(prompt_from=args.prompt_from, edges=args.edges, sketch_codec=args.sketch_codec,
                       quality=args.quality, sketch_scale=args.sketch_scale, allow_download=args.allow_download,
                       allow_random_weights=random_ok)


def _cmd_encode(args: argparse.Namespace) -> int:
    from .semantic import encode_image, load_image

    spec = _encoder_spec(args)
    load_image(args.image)
    enc = encode_image(args.image, spec)
    d = enc.to_dict()
    if args.json:
        print(json.dumps(d))
    else:
        print(f"{args.image}: {enc.width}x{enc.height}")
        for st in d["streams"]:
            print(f"  {st['name']:>6}: {st['bits']:7d} bits  {st.get('text', st.get('codec', ''))}")
        print(f"  total {d['bits']} bits = {d['bpp']:.4f} bpp" + ("  (random weights)" if enc.random_weights else ""))
    return 0


def _cmd_regenerate(args: argparse.Namespace) -> int:
    from linklevel.runtime import resolve_device

    from .semantic import encode_image, load_image, regenerate

    spec = _encoder_spec(args, random_ok=args.allow_random_weights)
    load_image(args.image)
    _check_output_path(args.out, (".png",), "--out")
    if args.policy not in ("forward", "discard"):
        raise ValueError(f"unknown policy {args.policy!r}; use forward or discard")
    device = resolve_device(args.device)
    link = None
    if args.ebno is not None:
        from bridge import LinkChannel

        if args.policy == "discard" and args.crc is None:
            args.crc = "CRC24A"
        link = LinkChannel(_link_config(args), ebno_db=args.ebno)
    from genai.registry import load

    if not args.allow_random_weights:  # fail fast, before the encoders run
        load("decoder", "controlnet", allow_download=args.allow_download, steps=args.steps, device=device)
    enc = encode_image(args.image, spec)
    res = regenerate(enc, spec, args.out, link=link, policy=args.policy, seed=args.seed, steps=args.steps,
                     device=device)
    res["encoded"] = enc.to_dict()
    if args.json:
        print(json.dumps(res, default=_json_default))
    else:
        tag = "  [random weights: the image is meaningless]" if res["random_weights"] else ""
        print(f"decoder: {res['decoder']}{tag}")
        print(f"received prompt: {res['prompt_received']!r}; edge map: {'yes' if res['edge_received'] else 'lost'}")
        for k, v in res["metrics"].items():
            print(f"  {k}: {v if v is None else round(float(v), 4)}")
        if res["image_out"]:
            print(f"wrote {res['image_out']}")
    return 0


def _cmd_train_sketch(args: argparse.Namespace) -> int:
    from linklevel.runtime import resolve_device

    from genai.ntc_train import train_sketch_codec

    try:
        lambdas = [float(v) for v in args.lambdas.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--lambdas must be a comma list of numbers, got {args.lambdas!r}") from None
    res = train_sketch_codec(args.out, lambdas=lambdas, steps=args.steps, batch=args.batch, crop=args.crop, lr=args.lr,
                             seed=args.seed, device=resolve_device(args.device))
    print(json.dumps(res, indent=1))
    return 0


def _pair_floats(text: str, what: str) -> tuple[float, float]:
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be two comma-separated numbers, got {text!r}") from None
    if len(vals) != 2 or not all(math.isfinite(v) for v in vals):
        raise ValueError(f"{what} must be two comma-separated finite numbers, got {text!r}")
    return vals  # type: ignore[return-value]


def _cmd_allocate(args: argparse.Namespace) -> int:
    from .allocation import DiscardPerception, StreamSpec, TablePerception, allocate

    k1, k2 = _pair_floats(args.k, "--k")
    if k1 != int(k1) or k2 != int(k2) or min(k1, k2) < 1:
        raise ValueError(f"--k must be two positive integers, got {args.k!r}")
    g1, g2 = _pair_floats(args.gain_db, "--gain-db")
    if not math.isfinite(args.noise_dbm) or not math.isfinite(args.target):
        raise ValueError("--noise-dbm and --target must be finite")
    noise = 10 ** ((args.noise_dbm - 30) / 10)
    streams = [StreamSpec(int(k1), 10 ** (g1 / 10), noise), StreamSpec(int(k2), 10 ** (g2 / 10), noise)]
    sem = None
    if args.perception_table:
        if not os.path.isfile(args.perception_table):
            raise ValueError(f"no such file {args.perception_table!r}")
        try:
            perception = TablePerception.from_json(args.perception_table)
        except (json.JSONDecodeError, KeyError) as err:
            raise ValueError(f"{args.perception_table}: {err}") from None
        sem = perception.semantic_values()
        if args.method == "proportional" and sem is None:
            raise ValueError("proportional needs single-stream curves (single1, single2) in the table")
    elif args.discard_perception:
        if args.scheme != "coded":
            raise ValueError("--discard-perception describes the coded discard receiver; use --perception-table")
        perception = DiscardPerception(*_pair_or_three(args.discard_perception))
    else:
        if args.scheme != "coded":
            raise ValueError("the uncoded scheme needs --perception-table (the paper publishes only constants)")
        perception = DiscardPerception.from_paper(args.paper_constants or "clip")
    res = allocate(args.scheme, args.method, streams, perception, args.target, rate=args.rate, semantic_values=sem,
                   check_optimum=args.method != "optimal")
    d = res.to_dict()
    d.update(k=[int(k1), int(k2)], gain_db=[g1, g2], noise_dbm=args.noise_dbm,
             rate=args.rate if args.scheme == "coded" else None)
    if args.json:
        print(json.dumps(d))
    elif not res.feasible:
        print("; ".join(res.notes))
    else:
        key = "ber" if args.scheme == "uncoded" else "bler"
        print(f"{args.scheme} / {args.method}: total power {res.total_power:.6g} W, perception {res.perception:.4f}")
        for i, s in enumerate(d["streams"]):
            snr = "-inf" if s["snr_db"] is None else f"{s['snr_db']:.2f}"
            print(f"  stream {i + 1}: snr {snr} dB, {key} {s[key]:.3e}, power {s['power_w']:.6g} W")
        for n in res.notes:
            print(f"  note: {n}")
    return 0


def _pair_or_three(text: str) -> tuple[float, float, float]:
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--discard-perception must be P_BOTH,P_PROMPT_ONLY,P_EDGE_ONLY, got {text!r}") from None
    if len(vals) != 3:
        raise ValueError(f"--discard-perception needs three values, got {text!r}")
    return vals  # type: ignore[return-value]


def _cmd_run(args: argparse.Namespace) -> int:
    from linklevel.runtime import resolve_device

    from .runner import run_study
    from .study import load_study
    from .xu_study import KIND, study_kind

    if study_kind(args.study) == KIND:
        return _run_xu(args)
    study = load_study(args.study, quick=args.quick, out=args.out)
    resolve_device(args.device)
    out = study.result_file
    _check_study_file(out, args.resume)
    if args.executor == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("--executor ray needs Ray: pip install 'semlink[ray]'") from None
    result = run_study(study, executor=args.executor, device=args.device, batch_size=args.batch_size,
                       progress=not (args.no_progress or args.json), fresh=args.fresh)
    if args.json:
        print(json.dumps(result.to_dict(), default=_json_default))
    else:
        for r in result.runs:
            print(f"{r['run_id']}  {r['status']:>11}  {'; '.join(r['labels'])}")
        v = result.verdicts
        print(f"verdicts: uncoded vs exact formulas: {v.get('uncoded_consistent', 0)} consistent, "
              f"{v.get('uncoded_gap', 0)} gap; all points: {v.get('consistent', 0)} consistent, "
              f"{v.get('gap', 0)} gap, {v.get('none', 0)} no model")
        for g in result.coded_gaps:
            gaps = ", ".join(f"{k[4:-3]} {g[k]:+.2f} dB" for k in g if k.startswith("gap_") and g[k] is not None)
            print(f"coded gap at BLER {g['target_bler']:g}: {g['label']}: {gaps or 'target not bracketed'}")
        print(f"results: {out}" + (f"\nreport: {result.report}" if result.report else ""))
    if result.interrupted:
        print(f"semlink: interrupted; finished runs kept in {out} (re-run to resume)", file=sys.stderr)
        return 130
    return 0


def _check_study_file(out: str, resume: bool) -> None:
    """A study's result file: an HDF5 file if it exists (required with ``--resume``), writable."""
    if os.path.exists(out):
        import h5py

        if not h5py.is_hdf5(out):
            raise ValueError(f"{out!r} exists and is not an HDF5 file")
    elif resume:
        raise ValueError(f"--resume: no earlier results at {out!r}")
    _check_output_path(out, (".h5",), "result file")


def _run_xu(args: argparse.Namespace) -> int:
    from linklevel.runtime import resolve_device

    from .xu_study import load_xu_study, resolve_images, run_xu

    study = load_xu_study(args.study, quick=args.quick, out=args.out)
    if args.executor != "local":
        raise ValueError("the Xu study runs with the local executor")
    device = resolve_device(args.device)
    resolve_images(study.measure)  # fail early on a missing image folder
    out = study.result_file
    _check_study_file(out, args.resume)
    quiet = args.no_progress or args.json
    res = run_xu(study, progress=not quiet, fresh=args.fresh, device=device,
                 log=None if quiet else (lambda m: print(m, file=sys.stderr)))
    if args.json:
        print(json.dumps(res.to_dict(), default=_json_default))
        return 0
    for part, status in res.parts.items():
        print(f"{part:>13}: {status}")
    for r in res.summary.get("curves", []):
        c = r.get("corner")
        line = f"{r['source']}/{r['scheme']}: max saving optimal vs unaware " + (
            f"{100 * r['max_saving']['saving']:.1f} % at P-bar {r['max_saving']['target']:.2f}" if r["max_saving"] else "-")
        if c:
            line += (f"; {c['to']} from P-bar {c['target']:.2f}: {c['power_before_w']:.4g} W -> "
                     f"{c['power_at_w']:.4g} W")
            if c.get("saving_vs_unaware") is not None:
                line += f" ({100 * c['saving_vs_unaware']:.1f} % below unaware)"
        if r["bisection_misses"]:
            line += f"; bisection misses the optimum at {len(r['bisection_misses'])} targets"
        print(line)
    chk = res.summary.get("real_link", {}).get("check")
    if chk:
        print(f"real link: designed perception {chk['designed_perception']:.4f}, achieved "
              f"{chk['points'][0]['achieved_perception']:.4f} at the design SNRs (target {chk['target']}); backoff "
              + ("not reached" if chk["backoff_db"] is None else f"{chk['backoff_db']:.2f} dB"))
    print(f"results: {out}\nreport: {res.report}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    import h5py

    from linklevel.results import ResultStore

    if not os.path.isfile(args.file):
        raise ValueError(f"no such file {args.file!r}")
    if not h5py.is_hdf5(args.file):
        raise ValueError(f"{args.file!r} is not an HDF5 file")
    store = ResultStore(args.file)
    runs = []
    for run_id in store.runs():
        rec = store.read_run(run_id)
        conf = float(rec.attrs.get("confidence", 0.95))
        pts = []
        for i, p in enumerate(rec.points):
            d = p.to_dict(conf)
            d.pop("resumed", None)
            for name, col in rec.extras.items():
                d[name] = None if not math.isfinite(float(col[i])) else float(col[i])
            pts.append(d)
        runs.append({"run_id": run_id, "attrs": rec.attrs, "points": pts})
    if args.json:
        print(json.dumps({"file": args.file, "runs": runs}, default=_json_default))
        return 0
    for r in runs:
        cfg = json.loads(r["attrs"].get("config", "{}"))
        link = cfg.get("link", {})
        desc = " ".join(f"{k}={link[k]}" for k in ("modulation", "channel", "code", "k", "n", "crc") if k in link)
        print(f"run {r['run_id']}  {r['attrs'].get('kind', '')}  {desc}  seed={r['attrs'].get('seed')}  "
              f"git={r['attrs'].get('git_sha') or '-'}  device={r['attrs'].get('device')}")
        print(f"  {'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'blocks':>8} {'blk err':>8} {'BLER':>10}  status")
        for p in r["points"]:
            ber = f"{p['ber']:.3e}" if p["ber"] is not None else "-"
            bler = f"{p['bler']:.3e}" if p["bler"] is not None else "-"
            verdict = ""
            if p.get("verdict_consistent") is not None:
                verdict = "  consistent" if p["verdict_consistent"] else (
                    f"  gap {p['verdict_gap_db']:+.2f} dB" if p.get("verdict_gap_db") is not None else "  gap")
            print(f"  {p['ebno_db']:7.2f} {p['bits']:11d} {p['bit_errors']:9d} {ber:>10} {p['blocks']:8d} "
                  f"{p['block_errors']:8d} {bler:>10}  {p['status']}{verdict}")
    if not runs:
        print(f"{args.file}: no runs")
    return 0


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _print_table(result: Any) -> None:
    conf = result.run.confidence
    print(f"run {result.run_id}  device {result.device}  batch {result.batch_size}")
    print(f"{'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} "
          f"{'blocks':>8} {'blk err':>8} {'BLER':>9} {'status':>18}")
    for p in result.points:
        lo, hi = p.ber_ci(conf)
        ber = f"{p.ber:.3e}" if p.bits else "-"
        bler = f"{p.bler:.3e}" if p.blocks else "-"
        tag = p.status + (" (resumed)" if p.resumed else "")
        values, v = result.point_analytic(p)
        extra = ""
        if v is not None:
            ref = values[v["against"]]
            gap = v.get("gap_db")
            extra = (f"  {v['against']}={ref:.3e} "
                     + ("consistent" if v["status"] == "consistent" else
                        f"gap {gap:+.2f} dB" if gap is not None else "inconsistent"))
        print(f"{p.ebno_db:7.2f} {p.bits:11d} {p.bit_errors:9d} {ber:>10} "
              f"[{lo:.3e}, {hi:.3e}] {p.blocks:8d} {p.block_errors:8d} {bler:>9} {tag:>18}{extra}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``semlink`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args))
    except UsageError as err:
        print(f"semlink: error: {err}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError) as err:
        if debug:
            raise
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"semlink: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semlink: interrupted", file=sys.stderr)
        return 130
    except ImportError as err:
        if debug:
            raise
        print(f"semlink: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - top-level reporter
        if debug:
            raise
        print(f"semlink: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
