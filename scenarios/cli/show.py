"""``semlink show``: the runs and points of a result file, with intervals."""

from __future__ import annotations

import argparse
import json
import os

from .common import json_default

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    show = sub.add_parser("show", help="table of the runs and points in a result file")
    show.add_argument("file", help="HDF5 result file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import h5py

    from linklevel.h5io import file_state, verify_file

    from ..ber.report import show_lines, show_runs

    if not os.path.isfile(args.file):
        raise ValueError(f"no such file {args.file!r}")
    if not h5py.is_hdf5(args.file):
        raise ValueError(f"{args.file!r} is not an HDF5 file")
    state = file_state(args.file)
    if state == "damaged":
        verify_file(args.file)  # raises the one-line damage message
    if state != "semlink":
        raise ValueError(f"{args.file!r} is not a semlink result file (an HDF5 file semlink did not write); "
                         "`semlink show` reads only semlink's files")
    verify_file(args.file)  # damage: one line naming the part
    data = show_runs(args.file)
    print(json.dumps(data, default=json_default) if args.json else "\n".join(show_lines(data)))
    return 0
