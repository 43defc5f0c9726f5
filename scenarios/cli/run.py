"""``semlink run``: run a study of any kind (TOML file or built-in name)."""

from __future__ import annotations

import argparse
import json
import sys

from .common import add_threads_option, add_workers_option, cli_workers, check_output_path, json_default, pos_int

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    rn = sub.add_parser("run", help="run a study (TOML) into one HDF5 file, figures and a Markdown report")
    rn.add_argument("study", help="study TOML file or built-in study name (e.g. validate_analytic)")
    rn.add_argument("--executor", default="local", choices=("local", "ray"),
                    help="local: serial (one worker per GPU when several); ray: a Ray cluster (RAY_ADDRESS)")
    again = rn.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an earlier execution (error if its result "
                       "file is missing); finished parts are always skipped")
    again.add_argument("--fresh", action="store_true",
                       help="move earlier semlink results aside (<file>.<time>.bak, never overwritten) and start "
                            "over; a file semlink did not write is never moved")
    rn.add_argument("--quick", action="store_true", help="the study's small [quick] variant (into <out>-quick)")
    rn.add_argument("--out", default=None, help="output folder (default: the study's 'out')")
    rn.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    add_workers_option(rn, "independent parts (local executor)")
    rn.add_argument("--batch-size", type=pos_int, default=None)
    rn.add_argument("--decoder", default=None, choices=("semlink", "sionna"),
                    help="LDPC decoder of every coded link (default: as the study says; semlink's if unset)")
    rn.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    rn.add_argument("--no-progress", action="store_true")
    add_threads_option(rn)
    rn.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from linklevel.store.h5io import ResultFileError
    from linklevel.engine.runtime import resolve_device

    from ..study.kinds import load_study
    from ..study.runner import run_study

    study = load_study(args.study, quick=args.quick, out=args.out, decoder=args.decoder)
    if args.threads is None:
        from linklevel.engine.runtime import set_threads

        set_threads(study.threads)
    resolve_device(args.device)
    check_output_path(study.result_file, (".h5", ".hdf5"), "result file")
    quiet = args.no_progress or args.json
    try:
        result = run_study(study, executor=args.executor, device=args.device, batch_size=args.batch_size,
                           progress=not quiet, fresh=args.fresh, resume=args.resume,
                           workers=cli_workers(args.workers, args.device),
                           log=None if quiet else (lambda m: print(m, file=sys.stderr)))
    except ResultFileError as err:
        hint = "" if args.fresh or "semlink never moves" in str(err) else \
            " (or re-run with --fresh: it keeps the file as <file>.<time>.bak and starts over)"
        raise ResultFileError(f"{err}{hint}") from None
    if args.json:
        print(json.dumps(result.to_dict(), default=json_default))
    else:
        for p in result.parts:
            print(f"{p['status']:>11}  {p['label']}")
        print("\n".join(result.summary.lines() if result.summary is not None else []))
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
        print(f"results: {study.result_file}" + (f"\nreport: {result.report}" if result.report else ""))
    if result.interrupted:
        print(f"semlink: interrupted; finished parts kept in {study.result_file} (re-run to resume)", file=sys.stderr)
        return 130
    return 0
