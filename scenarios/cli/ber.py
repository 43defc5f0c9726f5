"""``semlink ber``: a Monte Carlo BER/BLER sweep with intervals and analytic verdicts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..study.quantities import CONFIDENCE, DURATION_S, SNR_DB
from .common import (add_link_options, add_threads_option, add_workers_option, cli_workers, bounded_float, bounded_int, check_output_path,
                     check_result_file, db_grid, json_default, link_config, seed_int)

#: Largest bit / block / error count of a point (10^15 bits: years of simulation).
MAX_COUNT = 10**15
_COUNT = bounded_int(0, MAX_COUNT)
_POS_COUNT = bounded_int(1, MAX_COUNT)

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    ber = sub.add_parser("ber", help="Monte Carlo BER/BLER sweep with confidence intervals")
    add_link_options(ber)
    snr = ber.add_mutually_exclusive_group()
    snr.add_argument("--ebno", type=db_grid, default=None,
                     help=f"Eb/N0 grid START:STEP:STOP in dB, inclusive (default 0:2:10), values in {SNR_DB.text()}")
    snr.add_argument("--esno", type=db_grid, default=None,
                     help=f"Es/N0 grid START:STEP:STOP in dB (converted to Eb/N0), values in {SNR_DB.text()}")
    mc = ber.add_argument_group("Monte Carlo")
    mc.add_argument("--target-bit-errors", type=_COUNT, default=None,
                    help="stop a point at this many bit errors (0 disables; default: 1000 on uncoded links "
                         "when no target is given)")
    mc.add_argument("--target-block-errors", type=_COUNT, default=None,
                    help="stop a point at this many block errors (0 disables; default: 100 on coded links "
                         "when no target is given)")
    mc.add_argument("--max-bits", type=_POS_COUNT, default=10**7, help=f"bits per point (1..{MAX_COUNT:.0e})")
    mc.add_argument("--max-blocks", type=_POS_COUNT, default=None, help=f"blocks per point (1..{MAX_COUNT:.0e})")
    mc.add_argument("--max-time", type=bounded_float(DURATION_S), default=None,
                    help=f"seconds per point, in {DURATION_S.text()}")
    mc.add_argument("--stop-after-zero", action="store_true", help="stop the sweep after an error-free point")
    mc.add_argument("--confidence", type=bounded_float(CONFIDENCE), default=0.95,
                    help=f"level of the confidence intervals, in {CONFIDENCE.text()}")
    mc.add_argument("--seed", type=seed_int, default=0)
    mc.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    mc.add_argument("--precision", default="single", choices=("single", "double"))
    mc.add_argument("--batch-size", type=bounded_int(1, 10**7), default=None,
                    help="frames per batch (default: automatic; 1..10^7)")
    mc.add_argument("--snr-batch", action="store_true",
                    help="simulate all SNR points in the same batches (fills a GPU with small links)")
    mc.add_argument("--compile", action="store_true",
                    help="torch.compile the link (uncoded: the whole link; coded: the decoder's check nodes)")
    out = ber.add_argument_group("output")
    out.add_argument("--out", default=None, help="HDF5 result file (finished points are resumed)")
    out.add_argument("--plot", default=None, help="plot of BER/BLER vs Eb/N0 (.png, .pdf or .svg)")
    out.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    out.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    out.add_argument("--no-analytic", action="store_true", help="no analytic overlay / verdicts")
    out.add_argument("--bound-gaps", action="store_true",
                     help="coded links: also the SNR gaps to the meta-converse and RCUs (slower)")
    add_threads_option(ber)
    add_workers_option(ber, "the SNR points")
    ber.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from linklevel.store.points import StopCriteria
    from ..ber.figures import plot_run
    from ..ber.sweep import BerRun, default_targets, ebno_grid, run_ber

    cfg = link_config(args)
    targets = {"target_bit_errors": args.target_bit_errors or None, "target_block_errors": args.target_block_errors or None}
    if args.target_bit_errors is None and args.target_block_errors is None:
        targets = default_targets(cfg)
    stop = StopCriteria(**targets, max_bits=args.max_bits,
                        max_blocks=args.max_blocks, max_time_s=args.max_time,
                        stop_after_zero_errors=args.stop_after_zero)
    grid = ebno_grid(cfg, ebno=args.ebno, esno=args.esno)
    run_ = BerRun(link=cfg, stop=stop, ebno_db=grid, seed=args.seed, confidence=args.confidence,
                  precision=args.precision, snr_batch=args.snr_batch, compile=args.compile).on(args.device, args.batch_size)
    if args.out:
        check_result_file(args.out, "--out")
    check_output_path(args.plot, (".png", ".pdf", ".svg"), "--plot")
    result = run_ber(run_, out=args.out, device=args.device, batch_size=args.batch_size,
                     progress=not args.no_progress and not args.json, analytic=not args.no_analytic,
                     bound_gaps=args.bound_gaps, workers=cli_workers(args.workers, args.device))
    if args.plot:
        plot_run(result, args.plot)
    if args.json:
        print(json.dumps(result.to_dict(), allow_nan=False, default=json_default))
    else:
        print("\n".join(_table_lines(result)))
    if result.interrupted:
        print("semlink: interrupted" + (f"; finished points kept in {args.out}" if args.out else ""), file=sys.stderr)
        return 130
    return 0


def _table_lines(result: Any) -> list[str]:
    """The terminal table of ``semlink ber`` (a :class:`~scenarios.ber.sweep.BerRunResult`)."""
    from ..ber.labels import link_title, verdict_word

    conf = result.run.confidence
    lines = [f"run {result.run_id}  device {result.device}  batch {result.batch_size}  {link_title(result.run.link)}",
             f"{'Eb/N0':>7} {'bits':>11} {'bit err':>9} {'BER':>10} {'BER CI':>23} "
             f"{'blocks':>8} {'blk err':>8} {'BLER':>9} {'iter':>5} {'status':>18}"]
    for p in result.points:
        lo, hi = p.ber_ci(conf)
        ber = f"{p.ber:.3e}" if p.bits else "-"
        bler = f"{p.bler:.3e}" if p.blocks else "-"
        tag = p.status + (" (resumed)" if p.resumed else "")
        values, v = result.point_analytic(p)
        extra = ""
        if v is not None:
            extra = f"  {v['against']}={values[v['against']]:.3e} " + verdict_word(v, short=True)
        it = f"{p.avg_iterations:5.2f}" if p.avg_iterations is not None else "    -"
        lines.append(f"{p.ebno_db:7.2f} {p.bits:11d} {p.bit_errors:9d} {ber:>10} [{lo:.3e}, {hi:.3e}] "
                     f"{p.blocks:8d} {p.block_errors:8d} {bler:>9} {it} {tag:>18}{extra}")
    return lines
