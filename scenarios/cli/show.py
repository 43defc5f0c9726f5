"""``semlink show``: the parts, summary and tables (with intervals) of a result file of any kind."""

from __future__ import annotations

import argparse
import json
import os

from .common import json_default

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    show = sub.add_parser("show", help="parts, summary and tables (with intervals) of a result file of any kind")
    show.add_argument("file", help="HDF5 result file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import h5py

    from linklevel.store.h5io import file_state, verify_file

    from ..study.kinds import REGISTRY, get_kind
    from ..study.show import show_file, show_lines

    if not os.path.isfile(args.file):
        raise ValueError(f"no such file {args.file!r}")
    if not h5py.is_hdf5(args.file):
        raise ValueError(f"{args.file!r} is not an HDF5 file")
    state = file_state(args.file)
    if state == "foreign":  # maybe a file from before the format attribute: the kinds name their groups
        for name in REGISTRY:
            get_kind(name)
        state = file_state(args.file)
    if state == "damaged":
        verify_file(args.file)  # raises the one-line damage message
    if state != "semlink":
        raise ValueError(f"{args.file!r} is not a semlink result file (an HDF5 file semlink did not write); "
                         "`semlink show` reads only semlink's files")
    verify_file(args.file)  # damage: one line naming the part
    data = show_file(args.file)
    print(json.dumps(data, default=json_default) if args.json else "\n".join(show_lines(data)))
    return 0
