"""Shared pieces of the ``semlink`` subcommands: the parser class, value types, link options.

Nothing here imports torch or Sionna, so ``semlink --help`` and the NumPy-only
subcommands start fast.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from typing import Any, Callable, Optional, Sequence

from ..study.quantities import CODE_RATE, MINSUM_OFFSET, MINSUM_SCALE, SNR_DB, Range

__all__ = ["UsageError", "Parser", "add_threads_option", "add_workers_option", "cli_workers", "nonneg_int", "pos_int", "bounded_int", "bounded_float",
           "float_list", "db_grid", "coherence_arg", "add_link_options", "link_config", "link_options",
           "check_output_path", "check_result_file", "check_safetensors", "json_default", "MAX_SEED",
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


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``[lo, hi]`` (``1e6`` accepted when whole)."""

    def parse(text: str) -> int:
        value = nonneg_int(text) if lo >= 0 else _signed_int(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected an integer in [{lo}, {hi}], got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


def _signed_int(text: str) -> int:
    neg = text.strip().startswith("-")
    return -nonneg_int(text.strip()[1:]) if neg else nonneg_int(text)


def bounded_float(rng: Range) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in ``rng`` (:mod:`scenarios.study.quantities`); the error names the
    range (argparse prefixes the option)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number in {rng.text()}, got {text!r}") from None
        if value not in rng:
            raise argparse.ArgumentTypeError(f"must be a finite number in {rng.text()}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def float_list(text: str, what: str, count: Optional[int] = None, rng: Optional[Range] = None) -> tuple[float, ...]:
    """Comma-separated finite numbers (negative ones too), ``count`` of them if given, each in ``rng`` if given."""
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"{what} must be finite numbers, got {text!r}")
    if count is not None and len(vals) != count:
        raise ValueError(f"{what} needs {count} comma-separated values, got {text!r}")
    if rng is not None and not all(v in rng for v in vals):
        raise ValueError(f"{what} values must lie in {rng.text()}, got {text!r}")
    return vals


def db_grid(text: str) -> str:
    """An argparse ``type``: an SNR grid ``START:STEP:STOP`` or comma list in dB, each value in
    :data:`~scenarios.study.quantities.SNR_DB` (returned as given)."""
    from ..study.schema import parse_range

    try:
        values = parse_range(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not all(v in SNR_DB for v in values):
        raise argparse.ArgumentTypeError(f"values must lie in {SNR_DB.text()}, got {text!r}")
    return text


def coherence_arg(text: str) -> str:
    """An argparse ``type``: ``codeword``, ``iid`` or a whole number of symbols per fading block in
    [1, 10^6] (returned as a digit string)."""
    if text in ("codeword", "iid"):
        return text
    try:
        value = nonneg_int(text)
    except argparse.ArgumentTypeError:
        value = -1
    if not 1 <= value <= 10**6:
        raise argparse.ArgumentTypeError(f"expected 'codeword', 'iid' or symbols per fading block in "
                                         f"[1, 1000000], got {text!r}")
    return str(value)


def add_threads_option(p: argparse.ArgumentParser) -> None:
    """``--threads N``: torch threads, set once at start-up (default: ``OMP_NUM_THREADS`` /
    ``MKL_NUM_THREADS`` if set, else 1: :func:`linklevel.engine.runtime.default_threads`)."""
    p.add_argument("--threads", type=pos_int, default=None,
                   help="torch threads per process (default: OMP_NUM_THREADS or MKL_NUM_THREADS if set, else 1)")


def add_workers_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--workers N``: processes, one torch thread each (default: ``SEMLINK_WORKERS``, else the
    physical cores: :func:`linklevel.engine.runtime.default_workers`)."""
    p.add_argument("--workers", type=bounded_int(1, 1024), default=None,
                   help=f"processes running {what} in parallel, one torch thread each, this one included "
                        "(default: SEMLINK_WORKERS, else the physical cores; 1: serial; counts are identical "
                        "for any N)")


def cli_workers(workers: Optional[int], device: Optional[str]) -> int:
    """``--workers`` as given, else the default: one process on a CUDA device (the GPU is the parallel
    unit), :func:`linklevel.engine.runtime.default_workers` on the CPU."""
    if workers is not None:
        return workers
    from linklevel.engine.runtime import default_workers, resolve_device

    return 1 if resolve_device(device).startswith("cuda") else default_workers()


def add_link_options(p: argparse.ArgumentParser, channel_flag: str = "--channel") -> None:
    """The link options shared by ``ber``, ``transmit``, ``regenerate`` and ``maps``
    (``channel_flag``: the name of the fading-channel option, stored as ``channel``)."""
    from linklevel.blocks.config import CRC_POLYNOMIALS, MAX_BP_ITERATIONS, MAX_LENGTH, MODULATIONS

    length = bounded_int(1, MAX_LENGTH)
    g = p.add_argument_group("link")
    g.add_argument("--modulation", default="qpsk", help=f"one of {', '.join(MODULATIONS)} (Gray mapped)")
    g.add_argument(channel_flag, dest="channel", default="awgn", choices=("awgn", "rayleigh-block", "tdl"),
                   help="tdl needs --ofdm")
    g.add_argument("--coherence", type=coherence_arg, default="codeword",
                   help="rayleigh-block: 'codeword', 'iid' or symbols per fading block (1..10^6)")
    g.add_argument("--csi", default="perfect", choices=("perfect", "ls"),
                   help="perfect CSI or pilot-based LS estimation")
    g.add_argument("--pilots", type=length, default=1, help="single-carrier pilots per fading block (--csi ls)")
    g.add_argument("--ofdm", action="store_true", help="transmit over an OFDM resource grid")
    g.add_argument("--fft-size", type=length, default=72, help=f"subcarriers (1..{MAX_LENGTH})")
    g.add_argument("--ofdm-symbols", type=bounded_int(1, 10_000), default=14, help="OFDM symbols per grid (1..10000)")
    g.add_argument("--cp-length", type=bounded_int(0, MAX_LENGTH), default=0)
    g.add_argument("--tdl-model", default="A")
    g.add_argument("--code", default="none", choices=("none", "ldpc", "conv"),
                   help="ldpc: 5G LDPC (--k, --n or --rate); conv: terminated rate-1/2 convolutional code (--k)")
    g.add_argument("--constraint-length", type=bounded_int(3, 8), default=7,
                   help="convolutional code constraint length (3..8)")
    g.add_argument("--k", type=length, default=None,
                   help=f"LDPC code dimension incl. CRC (uncoded: block length; 1..{MAX_LENGTH})")
    g.add_argument("--n", type=length, default=None, help=f"codeword length (1..{MAX_LENGTH})")
    g.add_argument("--rate", type=bounded_float(CODE_RATE), default=None,
                   help=f"LDPC code rate k/n in {CODE_RATE.text()} (gives n from k)")
    g.add_argument("--crc", nargs="?", const="CRC24A", default=None,
                   help=f"append a CRC per block (default CRC24A; one of {', '.join(CRC_POLYNOMIALS)})")
    g.add_argument("--demapping", default="app", choices=("app", "maxlog", "neural"),
                   help="neural: the MLP trained with --constellation's points (train-constellation --demapper neural)")
    g.add_argument("--bp-iterations", type=bounded_int(0, MAX_BP_ITERATIONS), default=20,
                   help=f"LDPC BP iterations (the maximum with early stopping; default 20; 0..{MAX_BP_ITERATIONS})")
    g.add_argument("--decoder", default="semlink", choices=("semlink", "sionna"),
                   help="LDPC decoder: semlink's batched decoder with early stopping (default) or Sionna's")
    g.add_argument("--cn-update", default="boxplus-phi",
                   choices=("boxplus-phi", "boxplus", "minsum", "normalized-minsum", "offset-minsum", "identity"),
                   help="check-node rule (default exact boxplus, as Sionna)")
    g.add_argument("--schedule", default="flooding", choices=("flooding", "layered"),
                   help="BP schedule (layered: row blocks of the base graph as layers)")
    g.add_argument("--no-early-stop", action="store_true",
                   help="always run --bp-iterations (semlink decoder; Sionna's never stops early)")
    g.add_argument("--minsum-scale", type=bounded_float(MINSUM_SCALE), default=0.8,
                   help=f"alpha of normalized-minsum in {MINSUM_SCALE.text()} (default 0.8)")
    g.add_argument("--minsum-offset", type=bounded_float(MINSUM_OFFSET), default=0.5,
                   help=f"beta of offset-minsum in {MINSUM_OFFSET.text()} (default 0.5)")
    g.add_argument("--message-dtype", default="float32", choices=("float32", "float16", "bfloat16"),
                   help="LDPC message precision (semlink decoder; half precision is meant for CUDA)")
    g.add_argument("--constellation", default=None, metavar="FILE",
                   help="a constellation trained by `semlink train-constellation` (.safetensors) instead of Gray QAM")
    g.add_argument("--bp-weights", default=None, metavar="FILE",
                   help="weighted-BP weights trained by `semlink train-decoder` (.safetensors; same code, iterations)")


def link_config(args: argparse.Namespace) -> Any:
    """The :class:`~linklevel.LinkConfig` of the link options (ranges checked up front)."""
    from linklevel.blocks.config import LinkConfig

    return LinkConfig(**link_options(args))


def _check_lengths(args: argparse.Namespace, k: Optional[int], n: Optional[int]) -> None:
    """Contradictions between --code, --k, --n and --rate, named as the user gave them."""
    if args.rate is not None and args.code != "ldpc":
        raise ValueError(f"--rate {args.rate:g} applies to --code ldpc, not --code {args.code}")
    if k is None or n is None:
        return
    if args.code == "ldpc" and k >= n:
        raise ValueError(f"--k {k} must be below --n {n}" if args.rate is None
                         else f"--rate {args.rate:g} with --k {k} gives n = {n}: an LDPC rate must be below 1")
    if args.code == "none" and k != n:
        raise ValueError(f"--k {k} and --n {n} differ: an uncoded link (--code none) has k == n")
    if args.code == "conv":
        n_conv = 2 * (k + args.constraint_length - 1)
        if n != n_conv:
            raise ValueError(f"--n {n}: the rate-1/2 convolutional code of --k {k} and --constraint-length "
                             f"{args.constraint_length} has n = {n_conv}")


def link_options(args: argparse.Namespace, k_required: bool = True) -> dict[str, Any]:
    """The link options as :class:`~linklevel.LinkConfig` keywords, ranges checked.

    :param k_required: ``--rate`` needs ``--k`` (``transmit`` can size code blocks itself).
    """
    k, n = args.k, args.n
    if args.rate is not None:
        if not (math.isfinite(args.rate) and 0 < args.rate <= 1):
            raise ValueError(f"--rate must lie in {CODE_RATE.text()}, got {args.rate}")
        if n is not None:
            raise ValueError(f"give either --n {n} or --rate {args.rate:g}, not both")
        if k is None and k_required:
            raise ValueError(f"--rate {args.rate:g} needs --k")
        n = None if k is None else int(round(k / args.rate))
    _check_lengths(args, k, n)
    return dict(
        modulation=args.modulation, channel=args.channel, coherence=args.coherence, csi=args.csi,
        pilots_per_block=args.pilots, ofdm=args.ofdm, code=args.code, k=k, n=n, crc=args.crc,
        demapping=args.demapping, bp_iterations=args.bp_iterations, cn_update=args.cn_update,
        decoder=args.decoder, schedule=args.schedule, early_stop=False if args.no_early_stop else None,
        minsum_scale=args.minsum_scale, minsum_offset=args.minsum_offset, message_dtype=args.message_dtype,
        constraint_length=args.constraint_length,
        fft_size=args.fft_size, num_ofdm_symbols=args.ofdm_symbols,
        cyclic_prefix_length=args.cp_length, tdl_model=args.tdl_model,
        **{k: v for k, v in (("constellation_file", getattr(args, "constellation", None)),
                             ("bp_weights_file", getattr(args, "bp_weights", None))) if v is not None},
    )


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(path: Optional[str], suffixes: tuple[str, ...], what: str,
                      inputs: Sequence[tuple[str, Optional[str]]] = ()) -> None:
    """An output path semlink may create: right suffix, writable (missing parent folders are created
    on write), not a directory, and not one of the ``inputs`` (``(option, path)`` pairs: an output
    must never overwrite what the command reads)."""
    if path is None:
        return
    for name, src in inputs:
        if src is not None and _same_file(path, src):
            raise ValueError(f"{what} {path!r} is the input {name}; write the output elsewhere")
    if not path.lower().endswith(suffixes):
        raise ValueError(f"{what} must end with {' or '.join(suffixes)}, got {path!r}")
    if os.path.isdir(path):
        raise ValueError(f"{what} {path!r} is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    probe, missing = parent, []
    while not os.path.exists(probe):
        missing.append(probe)
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK):
        raise ValueError(f"cannot write {what} {path!r}")
    if missing:  # the folders must be creatable (os.access says yes on /proc to root): try, then undo
        try:
            os.makedirs(parent)
        except OSError as err:
            raise ValueError(f"cannot write {what} {path!r}: {err.strerror}") from None
        for folder in missing:
            os.rmdir(folder)


def check_result_file(path: str, what: str, must_exist: bool = False) -> None:
    """A result file to write into: HDF5 if it exists (required with ``must_exist``)."""
    if os.path.exists(path):
        import h5py

        if not h5py.is_hdf5(path):
            raise ValueError(f"{what} {path!r} exists and is not an HDF5 file")
    elif must_exist:
        raise ValueError(f"--resume: no earlier results at {path!r}")
    check_output_path(path, (".h5", ".hdf5"), what)


def check_safetensors(path: str, what: str) -> None:
    """``path`` is a readable ``.safetensors`` file (its header parses), else one line naming it."""
    if not os.path.isfile(path):
        raise ValueError(f"{what}: no such file {path!r}")
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(path, framework="numpy") as fh:
            fh.keys()
    except (SafetensorError, OSError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{what} {path!r} is not a readable .safetensors file ({reason})") from None


def json_default(obj: Any) -> Any:
    """``json.dumps`` fallback for NumPy scalars."""
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
