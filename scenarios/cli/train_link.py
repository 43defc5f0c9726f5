"""``semlink train-constellation`` and ``semlink train-decoder``: train link parts through the differentiable link.

Thin handlers over :mod:`linklevel.learn.training`: options validated first, progress on stderr (every ~5 s),
the trained part written as safetensors with its training metadata and results (``--out``), the result as one
JSON object with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any

from ..study.quantities import LEARNING_RATE, SNR_DB
from .common import bounded_float, bounded_int, check_output_path, db_grid, json_default, seed_int

__all__ = ["add_parsers"]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    tc = sub.add_parser("train-constellation", help="geometric shaping: train constellation points on AWGN (BMI loss)")
    tc.add_argument("--points", type=int, choices=(4, 16, 64, 256), default=16, help="constellation size")
    tc.add_argument("--snr-db", type=bounded_float(SNR_DB), required=True, help=f"Es/N0 in dB, in {SNR_DB.text()}")
    tc.add_argument("--steps", type=bounded_int(1, 10**6), default=1000, help="Adam steps (1..10^6)")
    tc.add_argument("--batch", type=bounded_int(16, 10**6), default=4096, help="symbols per step (16..10^6)")
    tc.add_argument("--lr", type=bounded_float(LEARNING_RATE), default=0.01, help=f"learning rate in {LEARNING_RATE.text()}")
    tc.add_argument("--init", default="qam", choices=("qam", "random"), help="initial points (qam: Gray QAM)")
    tc.add_argument("--demapper", default="app", choices=("app", "neural"), help="APP on the points or a trained MLP")
    tc.add_argument("--eval-symbols", type=bounded_int(1000, 10**8), default=200_000,
                    help="symbols of the BMI evaluation (1000..10^8)")
    tc.add_argument("--seed", type=seed_int, default=0)
    tc.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (the bits are drawn on the CPU either way)")
    tc.add_argument("--out", required=True, help="trained constellation (.safetensors); a figure beside it (.png/.pdf/.svg)")
    tc.add_argument("--json", action="store_true")
    tc.set_defaults(func=run_constellation)

    td = sub.add_parser("train-decoder", help="weighted BP: train per-edge / per-iteration weights of the LDPC decoder")
    td.add_argument("--code", default="ldpc", choices=("ldpc",))
    td.add_argument("--k", type=bounded_int(12, 8448), default=64, help="information bits (12..8448)")
    td.add_argument("--n", type=bounded_int(20, 20000), default=128, help="codeword bits (20..20000)")
    td.add_argument("--ebno", type=bounded_float(SNR_DB), required=True, help="training Eb/N0 in dB (BPSK, AWGN)")
    td.add_argument("--steps", type=bounded_int(1, 10**6), default=500, help="Adam steps (1..10^6)")
    td.add_argument("--iterations", type=bounded_int(1, 100), default=10, help="BP iterations (1..100)")
    td.add_argument("--per", default="edge", choices=("edge", "iteration"), help="one weight per edge or per iteration")
    td.add_argument("--cn-update", default="boxplus-phi", choices=("boxplus-phi", "minsum", "offset-minsum"),
                    help="check-node rule the weights act on (min-sum: the weights learn its normalization)")
    td.add_argument("--batch", type=bounded_int(1, 10**5), default=256, help="codewords per step")
    td.add_argument("--lr", type=bounded_float(LEARNING_RATE), default=1e-3, help=f"learning rate in {LEARNING_RATE.text()}")
    td.add_argument("--eval-ebno", type=db_grid, default=None,
                    help="Eb/N0 grid START:STEP:STOP of the BLER comparison (default: training Eb/N0 -1:0.5:+1)")
    td.add_argument("--min-errors", type=bounded_int(1, 10**6), default=100, help="block errors per point")
    td.add_argument("--max-codewords", type=bounded_int(1000, 10**9), default=2_000_000, help="codewords per point at most")
    td.add_argument("--seed", type=seed_int, default=0)
    td.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    td.add_argument("--out", required=True, help="trained weights (.safetensors)")
    td.add_argument("--json", action="store_true")
    td.set_defaults(func=run_decoder)


def _say(msg: str) -> None:
    print(f"semlink: {msg}", file=sys.stderr, flush=True)


def _emit(res: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(res, default=json_default, allow_nan=False))
    else:
        print("\n".join(lines))


def _iv(d: dict[str, Any]) -> str:
    return f"{d['value']:.4f} [{d['lo']:.4f}, {d['hi']:.4f}]"


def _device(name: str) -> str:
    from linklevel.engine.runtime import resolve_device

    return resolve_device(name)


def run_constellation(args: argparse.Namespace) -> int:
    check_output_path(args.out, (".safetensors",), "--out")
    device = _device(args.device)
    from linklevel.learn.checkpoint import save_trained
    from linklevel.learn.training import train_constellation

    bits = int(math.log2(args.points))
    tc, neural, res = train_constellation(bits, args.snr_db, args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
                                          init=args.init, demapper=args.demapper, eval_symbols=args.eval_symbols,
                                          progress=_say, device=device)
    res["below_capacity"] = res["bmi"]["hi"] <= res["capacity"] or res["bmi"]["value"] <= res["capacity"]
    tensors = {"points": tc.raw.detach().cpu()}
    if neural is not None:
        tensors.update({f"demapper.{k}": v.cpu() for k, v in neural.state_dict().items()})
    save_trained(args.out, tensors, {"kind": "constellation", "num_bits": bits,
                                     **{k: v for k, v in res.items() if k != "points"}})
    res["file"] = args.out
    res["figure"] = _constellation_figure(tc, res, os.path.splitext(args.out)[0] + ".png")
    _emit(res, args.json, [f"{args.points}-point constellation trained at Es/N0 {args.snr_db:g} dB ({args.steps} steps, "
                           f"{res['seconds']:.1f} s)", f"BMI {_iv(res['bmi'])} bit/use (95 % over symbols)",
                           f"Gray QAM {_iv(res['qam_bmi'])}; gain {_iv(res['bmi_gain'])} (paired)",
                           f"capacity log2(1+SNR) {res['capacity']:.4f}", f"written: {args.out}, {res['figure']}"])
    return 0


def _constellation_figure(tc: Any, res: dict[str, Any], path: str) -> str:
    from matplotlib.figure import Figure

    from linklevel.learn.constellation import TrainableConstellation
    from linklevel.plotting import save_figure

    fig = Figure(figsize=(9, 4.4), dpi=110)
    ax = fig.subplots(1, 2)
    qam = TrainableConstellation(tc.num_bits, init="qam", device="cpu").points().detach()
    for a, pts, title in ((ax[0], qam, f"Gray QAM: BMI {res['qam_bmi']['value']:.3f}"),
                          (ax[1], tc.points().detach().cpu(), f"trained: BMI {res['bmi']['value']:.3f}")):
        a.scatter(pts.real, pts.imag, s=12)
        if tc.num_bits <= 4:
            for p, lab in zip(pts, tc.labels()):
                a.annotate(lab, (float(p.real), float(p.imag)), fontsize=7, xytext=(2, 2), textcoords="offset points")
        a.set(title=f"{title} bit/use at {res['snr_db']:g} dB", xlabel="in-phase", ylabel="quadrature", aspect="equal")
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, ("png", "pdf", "svg"))[0]


def run_decoder(args: argparse.Namespace) -> int:
    check_output_path(args.out, (".safetensors",), "--out")
    device = _device(args.device)
    if args.k >= args.n:
        raise ValueError(f"--k {args.k} must be below --n {args.n}")
    from sionna.phy.fec.ldpc import LDPC5GEncoder

    try:
        LDPC5GEncoder(args.k, args.n)
    except (ValueError, AssertionError) as err:
        raise ValueError(f"no 5G LDPC code with --k {args.k} --n {args.n}: {str(err).splitlines()[0]}") from None
    import torch

    from linklevel.learn.checkpoint import save_trained
    from linklevel.learn.training import bler_curve, gain_at_bler, train_decoder

    from ..study.schema import parse_range

    grid = [args.ebno + d for d in (-1.0, -0.5, 0.0, 0.5, 1.0)] if args.eval_ebno is None else \
        [float(x) for x in parse_range(args.eval_ebno)]
    wbp, res = train_decoder(args.k, args.n, args.ebno, args.steps, num_iter=args.iterations, per=args.per,
                             cn_update=args.cn_update, batch=args.batch, lr=args.lr, seed=args.seed, progress=_say,
                             device=device)
    kw = dict(min_errors=args.min_errors, max_codewords=args.max_codewords, seed=args.seed + 10, progress=_say)
    _say("BLER of the untrained decoder")
    res["untrained"] = bler_curve(wbp, grid, weights=torch.ones_like(wbp.weights), **kw)
    _say("BLER of the trained decoder")
    res["trained"] = bler_curve(wbp, grid, **kw)
    res["gain_at_1e-2"] = gain_at_bler(res["untrained"], res["trained"], 1e-2, seed=args.seed)
    res["never_significantly_worse"] = all(t["ci_low"] <= u["ci_high"] for t, u in zip(res["trained"], res["untrained"]))
    save_trained(args.out, {"weights": wbp.weights.detach().cpu()}, {"kind": "weighted_bp", **res})
    res["file"] = args.out
    g = res["gain_at_1e-2"]
    lines = [f"weighted BP ({args.cn_update}) on LDPC({args.k},{args.n}), {args.iterations} iterations, per {args.per}, trained at "
             f"{args.ebno:g} dB ({args.steps} steps, {res['seconds']:.1f} s)"]
    for u, t in zip(res["untrained"], res["trained"]):
        lines.append(f"Eb/N0 {u['ebno_db']:5.2f} dB: untrained {u['bler']:.3e} [{u['ci_low']:.2e}, {u['ci_high']:.2e}] "
                     f"trained {t['bler']:.3e} [{t['ci_low']:.2e}, {t['ci_high']:.2e}]")
    lines.append("gain at BLER 1e-2: " + ("not bracketed by the grid" if g["value"] is None else
                                          f"{g['value']:.3f} dB" + (f" [{g['lo']:.3f}, {g['hi']:.3f}]" if g['lo'] is not None else "")))
    lines.append(f"written: {args.out}")
    _emit(res, args.json, lines)
    return 0
