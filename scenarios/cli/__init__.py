"""The ``semlink`` command line: one entry point, one module per subcommand (or group).

Handlers parse, call one library function and print. Errors in options or values print
one line to stderr and exit with code 2 before anything is written; ``--debug`` shows
tracebacks. Ctrl-C keeps finished work and exits with code 130 (the executable starts in
:mod:`scenarios.launch`, which handles Ctrl-C from the first line on).
"""

from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

from .common import Parser, UsageError

__all__ = ["main", "build_parser", "UsageError"]


def build_parser() -> Parser:
    """The ``semlink`` parser with every subcommand."""
    from . import allocate, ber, bounds, cie, jscc, latency, maps, run, segment, semantic, show, train_link, transmit

    parser = Parser(prog="semlink", description="Link-level simulation for generative semantic communication.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    sub.required = True
    ber.add_parser(sub)
    bounds.add_parser(sub)
    transmit.add_parser(sub)
    semantic.add_parsers(sub)
    allocate.add_parser(sub)
    latency.add_parser(sub)
    maps.add_parser(sub)
    segment.add_parser(sub)
    cie.add_parser(sub)
    run.add_parser(sub)
    show.add_parser(sub)
    train_link.add_parsers(sub)
    jscc.add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``semlink`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if hasattr(args, "threads") and not (args.command == "run" and args.threads is None):
            from linklevel.engine.runtime import set_threads

            set_threads(args.threads)  # once, before any work (`run` may take it from the study file)
        return int(args.func(args))
    except UsageError as err:
        print(f"semlink: error: {err}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError, ImportError, FileNotFoundError) as err:  # incl. missing weights
        if debug:
            raise
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"semlink: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("semlink: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `semlink show F | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:  # noqa: BLE001 - top-level reporter
        if debug:
            raise
        print(f"semlink: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
