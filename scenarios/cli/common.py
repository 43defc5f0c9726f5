"""Shared pieces of the ``semlink`` subcommands: the parser class, value types, link options.

Nothing here imports torch or Sionna, so ``semlink --help`` and the NumPy-only
subcommands start fast.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from typing import Any, Optional

__all__ = ["UsageError", "Parser", "add_threads_option", "nonneg_int", "pos_int", "float_list", "add_link_options",
           "link_config", "link_options",
           "check_output_path", "check_result_file", "json_default", "MAX_SEED",
           "seed_int"]

class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and negative numbers as option values.

    ``--gain-db -98,-98`` and ``--ebno -2:1:4`` are values, not options: any token that
    starts with ``-`` followed by a digit or ``.`` counts as a number (no semlink option
    looks like that).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


#: Largest seed accepted (seeds are stored as unsigned 64-bit integers).
MAX_SEED = 2**63 - 1


def seed_int(text: str) -> int:
    """A seed: an integer in [0, 2^63)."""
    value = nonneg_int(text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed must be below 2^63, got {text!r}")
    return value


def nonneg_int(text: str) -> int:
    """An integer >= 0 (``1e6`` accepted when it is whole)."""
    try:
        value = float(text) if "e" in text.lower() else int(text)
        if isinstance(value, float):
            if not math.isfinite(value) or value != int(value):
                raise ValueError
            value = int(value)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative count, got {value}")
    return value


def pos_int(text: str) -> int:
    """An integer >= 1."""
    value = nonneg_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def float_list(text: str, what: str, count: Optional[int] = None) -> tuple[float, ...]:
    """Comma-separated finite numbers (negative ones too), ``count`` of them if given."""
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"{what} must be finite numbers, got {text!r}")
    if count is not None and len(vals) != count:
        raise ValueError(f"{what} needs {count} comma-separated values, got {text!r}")
    return vals


def add_threads_option(p: argparse.ArgumentParser) -> None:
    """``--threads N``: torch threads, set once at start-up (default: the physical cores)."""
    p.add_argument("--threads", type=pos_int, default=None,
                   help="torch threads (default: physical cores; worker processes use 1 each)")


def add_link_options(p: argparse.ArgumentParser, channel_flag: str = "--channel") -> None:
    """The link options shared by ``ber``, ``transmit``, ``regenerate`` and ``maps``
    (``channel_flag``: the name of the fading-channel option, stored as ``channel``)."""
    from linklevel.config import CRC_POLYNOMIALS, MODULATIONS

    g = p.add_argument_group("link")
    g.add_argument("--modulation", default="qpsk", help=f"one of {', '.join(MODULATIONS)} (Gray mapped)")
    g.add_argument(channel_flag, dest="channel", default="awgn", choices=("awgn", "rayleigh-block", "tdl"),
                   help="tdl needs --ofdm")
    g.add_argument("--coherence", default="codeword",
                   help="rayleigh-block: 'codeword', 'iid' or symbols per fading block")
    g.add_argument("--csi", default="perfect", choices=("perfect", "ls"),
                   help="perfect CSI or pilot-based LS estimation")
    g.add_argument("--pilots", type=pos_int, default=1, help="single-carrier pilots per fading block (--csi ls)")
    g.add_argument("--ofdm", action="store_true", help="transmit over an OFDM resource grid")
    g.add_argument("--fft-size", type=pos_int, default=72)
    g.add_argument("--ofdm-symbols", type=pos_int, default=14)
    g.add_argument("--cp-length", type=nonneg_int, default=0)
    g.add_argument("--tdl-model", default="A")
    g.add_argument("--code", default="none", choices=("none", "ldpc", "conv"),
                   help="ldpc: 5G LDPC (--k, --n or --rate); conv: terminated rate-1/2 convolutional code (--k)")
    g.add_argument("--constraint-length", type=pos_int, default=7, help="convolutional code constraint length (3..8)")
    g.add_argument("--k", type=pos_int, default=None, help="LDPC code dimension incl. CRC (uncoded: block length)")
    g.add_argument("--n", type=pos_int, default=None, help="codeword length")
    g.add_argument("--rate", type=float, default=None, help="code rate k/n (gives n from k)")
    g.add_argument("--crc", nargs="?", const="CRC24A", default=None,
                   help=f"append a CRC per block (default CRC24A; one of {', '.join(CRC_POLYNOMIALS)})")
    g.add_argument("--demapping", default="app", choices=("app", "maxlog"))
    g.add_argument("--bp-iterations", type=nonneg_int, default=20,
                   help="LDPC BP iterations (the maximum with early stopping; default 20)")
    g.add_argument("--decoder", default="semlink", choices=("semlink", "sionna"),
                   help="LDPC decoder: semlink's batched decoder with early stopping (default) or Sionna's")
    g.add_argument("--cn-update", default="boxplus-phi",
                   choices=("boxplus-phi", "boxplus", "minsum", "normalized-minsum", "offset-minsum", "identity"),
                   help="check-node rule (default exact boxplus, as Sionna)")
    g.add_argument("--schedule", default="flooding", choices=("flooding", "layered"),
                   help="BP schedule (layered: row blocks of the base graph as layers)")
    g.add_argument("--no-early-stop", action="store_true",
                   help="always run --bp-iterations (semlink decoder; Sionna's never stops early)")
    g.add_argument("--minsum-scale", type=float, default=0.8, help="alpha of normalized-minsum (default 0.8)")
    g.add_argument("--minsum-offset", type=float, default=0.5, help="beta of offset-minsum (default 0.5)")
    g.add_argument("--message-dtype", default="float32", choices=("float32", "float16", "bfloat16"),
                   help="LDPC message precision (semlink decoder; half precision is meant for CUDA)")


def link_config(args: argparse.Namespace) -> Any:
    """The :class:`~linklevel.LinkConfig` of the link options (ranges checked up front)."""
    from linklevel.config import LinkConfig

    return LinkConfig(**link_options(args))


def link_options(args: argparse.Namespace, k_required: bool = True) -> dict[str, Any]:
    """The link options as :class:`~linklevel.LinkConfig` keywords, ranges checked.

    :param k_required: ``--rate`` needs ``--k`` (``transmit`` can size code blocks itself).
    """
    k, n = args.k, args.n
    if args.rate is not None:
        if not (math.isfinite(args.rate) and 0 < args.rate <= 1):
            raise ValueError(f"--rate must lie in (0, 1], got {args.rate}")
        if n is not None:
            raise ValueError("give either --n or --rate, not both")
        if k is None and k_required:
            raise ValueError("--rate needs --k")
        n = None if k is None else int(round(k / args.rate))
    return dict(
        modulation=args.modulation, channel=args.channel, coherence=args.coherence, csi=args.csi,
        pilots_per_block=args.pilots, ofdm=args.ofdm, code=args.code, k=k, n=n, crc=args.crc,
        demapping=args.demapping, bp_iterations=args.bp_iterations, cn_update=args.cn_update,
        decoder=args.decoder, schedule=args.schedule, early_stop=False if args.no_early_stop else None,
        minsum_scale=args.minsum_scale, minsum_offset=args.minsum_offset, message_dtype=args.message_dtype,
        constraint_length=args.constraint_length,
        fft_size=args.fft_size, num_ofdm_symbols=args.ofdm_symbols,
        cyclic_prefix_length=args.cp_length, tdl_model=args.tdl_model,
    )


def check_output_path(path: Optional[str], suffixes: tuple[str, ...], what: str) -> None:
    """An output path semlink may create: right suffix, writable (missing parent folders are created
    on write), not a directory."""
    if path is None:
        return
    if not path.lower().endswith(suffixes):
        raise ValueError(f"{what} must end with {' or '.join(suffixes)}, got {path!r}")
    if os.path.isdir(path):
        raise ValueError(f"{what} {path!r} is a directory")
    probe = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK):
        raise ValueError(f"cannot write {what} {path!r}")


def check_result_file(path: str, what: str, must_exist: bool = False) -> None:
    """A result file to write into: HDF5 if it exists (required with ``must_exist``)."""
    if os.path.exists(path):
        import h5py

        if not h5py.is_hdf5(path):
            raise ValueError(f"{what} {path!r} exists and is not an HDF5 file")
    elif must_exist:
        raise ValueError(f"--resume: no earlier results at {path!r}")
    check_output_path(path, (".h5", ".hdf5"), what)


def json_default(obj: Any) -> Any:
    """``json.dumps`` fallback for NumPy scalars."""
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
