"""``semlink run``: run a study of any kind (TOML file or built-in name)."""

from __future__ import annotations

import argparse
import json
import sys

from .common import add_threads_option, check_result_file, json_default, pos_int

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    rn = sub.add_parser("run", help="run a study (TOML) into one HDF5 file, figures and a Markdown report")
    rn.add_argument("study", help="study TOML file or built-in study name (e.g. validate_analytic)")
    rn.add_argument("--executor", default="local", choices=("local", "ray"),
                    help="local: serial (one worker per GPU when several); ray: a Ray cluster (RAY_ADDRESS)")
    again = rn.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an earlier execution (error if its result "
                       "file is missing); finished parts are always skipped")
    again.add_argument("--fresh", action="store_true", help="move earlier results aside (.bak) and start over")
    rn.add_argument("--quick", action="store_true", help="the study's small [quick] variant (into <out>-quick)")
    rn.add_argument("--out", default=None, help="output folder (default: the study's 'out')")
    rn.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    rn.add_argument("--batch-size", type=pos_int, default=None)
    rn.add_argument("--decoder", default=None, choices=("semlink", "sionna"),
                    help="LDPC decoder of every coded link (default: as the study says; semlink's if unset)")
    rn.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    rn.add_argument("--no-progress", action="store_true")
    add_threads_option(rn)
    rn.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from linklevel.runtime import resolve_device

    from ..kinds import get_kind, load_study
    from ..runner import run_study

    study = load_study(args.study, quick=args.quick, out=args.out, decoder=args.decoder)
    if args.threads is None:
        from linklevel.runtime import set_threads

        set_threads(study.threads)
    kind = get_kind(study.kind)
    if args.executor not in kind.executors:
        raise ValueError(f"the {kind.name} study runs with the {' or '.join(kind.executors)} executor")
    if args.executor == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("--executor ray needs Ray: pip install 'semlink[ray]'") from None
    resolve_device(args.device)
    if kind.preflight is not None:
        kind.preflight(study)
    check_result_file(study.result_file, "result file", must_exist=args.resume)
    quiet = args.no_progress or args.json
    result = run_study(study, executor=args.executor, device=args.device, batch_size=args.batch_size,
                       progress=not quiet, fresh=args.fresh, log=None if quiet else (lambda m: print(m, file=sys.stderr)))
    if args.json:
        print(json.dumps(result.to_dict(), default=json_default))
    else:
        for p in result.parts:
            print(f"{p['status']:>11}  {p['label']}")
        print("\n".join(kind.summary_lines(result.summary)))
        print(f"results: {study.result_file}" + (f"\nreport: {result.report}" if result.report else ""))
    if result.interrupted:
        print(f"semlink: interrupted; finished parts kept in {study.result_file} (re-run to resume)", file=sys.stderr)
        return 130
    return 0
