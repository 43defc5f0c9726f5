r"""The Xu et al. study file (``[study] kind = "xu_power_allocation"``): its tables, validated into the frozen
:class:`XuStudy` (the parts are in :mod:`scenarios.xu.parts`).

Format::

    [study]
    kind = "xu_power_allocation"
    name = "xu_power_allocation"
    out = "out/xu_power_allocation"
    seed = 0
    k = "measured"            # bits (prompt, edge) for the paper-constant parts, or [K1, K2]

    [channel]                 # the paper's Sec. VI setting
    distance_m = 100.0
    pl0_db = -30.0
    exponent = 3.4
    noise_dbm = -110.0
    rate = 0.8

    [measure]
    images = "kodak"          # $SEMLINK_KODAK, or a folder of images
    captions = ""             # default: <images>/captions.json
    count = 6                 # the first N images (sorted by name)
    metric = "feature"        # feature | regen-clip | regen-ms-ssim
    weights = [0.5, 0.5]      # feature metric: prompt and edge weights (sum 1)
    random_weights = false    # regen-*: tiny random-weight pipeline (tests; labelled as such)
    quality = 1               # ntc rate point
    psis = [1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5]
    joint_psis = [1e-4, 1e-3, 1e-2, 0.1, 0.5]   # 0 is added
    link_psis = [1e-3, 1e-2]  # full-link check of the BSC shortcut
    repeats = 2

    [curves]
    targets = "0.33:0.01:0.99"
    methods = ["unaware", "proportional", "bisection", "optimal"]
    sources = ["paper:clip", "paper:ms-ssim", "measured"]   # also "table:FILE" (JSON table)
    schemes = ["coded", "uncoded"]

    [realizations]
    count = 100
    target = 0.45
    budgets_w = [0.03, 0.1, 0.3, 1.0]
    source = "paper:clip"

    [real_link]
    source = "paper:clip"
    target = 0.36
    method = "optimal"        # the coded design to check
    trials = 100
    offsets_db = [0.0, 1.0, 2.0]
    k_cw = 1024

    [quick]                   # merged over the tables above with --quick
    measure = { count = 2, psis = [1e-3, 0.1], joint_psis = [0.1], repeats = 1 }
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np

from ..study.quantities import BER, CODE_RATE, DISTANCE_M, GAIN_DB, NOISE_DBM, PATH_LOSS_EXPONENT, POWER_W, STREAM_BITS
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables, resolve_path
from .allocation import METHODS, STUDY_METHODS
from .functions import PAPER_CONSTANTS

__all__ = ["XuChannel", "XuMeasure", "XuCurves", "XuRealizations", "XuRealLink", "XuStudy", "load_xu",
           "source_key", "TABLES", "STUDY_KEYS", "SOURCES"]

TABLES = ("channel", "measure", "curves", "realizations", "real_link")
STUDY_KEYS = ("k",)
SOURCES = tuple(f"paper:{m}" for m in PAPER_CONSTANTS) + ("measured",)
METRICS = ("feature", "regen-clip", "regen-ms-ssim")


@dataclass(frozen=True)
class XuChannel:
    distance_m: float = 100.0
    pl0_db: float = -30.0
    exponent: float = 3.4
    noise_dbm: float = -110.0
    rate: float = 0.8


@dataclass(frozen=True)
class XuMeasure:
    images: str = "kodak"
    captions: str = ""
    count: int = 6
    metric: str = "feature"
    weights: tuple[float, float] = (0.5, 0.5)
    random_weights: bool = False
    quality: int = 1
    psis: tuple[float, ...] = (1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5)
    joint_psis: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 0.1, 0.5)
    link_psis: tuple[float, ...] = (1e-3, 1e-2)
    repeats: int = 2


@dataclass(frozen=True)
class XuCurves:
    targets: tuple[float, ...] = tuple(np.round(np.arange(0.33, 0.995, 0.01), 4))
    methods: tuple[str, ...] = STUDY_METHODS
    sources: tuple[str, ...] = SOURCES
    schemes: tuple[str, ...] = ("coded", "uncoded")


@dataclass(frozen=True)
class XuRealizations:
    count: int = 100
    target: float = 0.45
    budgets_w: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0)
    source: str = "paper:clip"
    methods: tuple[str, ...] = STUDY_METHODS


@dataclass(frozen=True)
class XuRealLink:
    source: str = "paper:clip"
    target: float = 0.36
    method: str = "optimal"
    trials: int = 100
    offsets_db: tuple[float, ...] = (0.0, 1.0, 2.0)
    k_cw: int = 1024


@dataclass(frozen=True)
class XuStudy(StudyHeader):
    """A validated Xu power-allocation study."""

    k: Optional[tuple[int, int]] = None
    channel: XuChannel = XuChannel()
    measure: XuMeasure = XuMeasure()
    curves: XuCurves = XuCurves()
    realizations: XuRealizations = XuRealizations()
    real_link: XuRealLink = XuRealLink()


def source_key(src: str) -> str:
    """HDF5-safe name of a perception source (a table file by its base name)."""
    return "table:" + os.path.basename(src[6:]) if src.startswith("table:") else src


def load_xu(doc: dict, header: StudyHeader) -> XuStudy:
    """Validate the Xu tables of a study file (``[study]`` already checked; ``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, TABLES)
    ch: XuChannel = build_dataclass(XuChannel, tabs["channel"], where, "channel", bounds={
        "distance_m": DISTANCE_M, "pl0_db": GAIN_DB, "exponent": PATH_LOSS_EXPONENT, "noise_dbm": NOISE_DBM,
        "rate": CODE_RATE})
    me: XuMeasure = build_dataclass(XuMeasure, tabs["measure"], where, "measure")
    cu: XuCurves = build_dataclass(XuCurves, tabs["curves"], where, "curves", ranges={"targets": "targets"})
    re: XuRealizations = build_dataclass(XuRealizations, tabs["realizations"], where, "realizations",
                                         bounds={"budgets_w": POWER_W})
    rl: XuRealLink = build_dataclass(XuRealLink, tabs["real_link"], where, "real_link")
    _check_channel_and_measure(ch, me, where)
    for tab, methods in (("curves", cu.methods), ("realizations", re.methods)):
        bad = [m for m in methods if m not in METHODS]
        if bad:
            raise StudyError(f"{where}: [{tab}] unknown method {bad[0]!r} (methods: {', '.join(METHODS)})")
    srcs = [_source(s, Path(header.source), where) for s in cu.sources + (re.source, rl.source)]
    n_cu = len(cu.sources)
    cu = replace(cu, sources=tuple(srcs[:n_cu]))
    re = XuRealizations(**{**asdict(re), "source": srcs[n_cu], "budgets_w": re.budgets_w, "methods": re.methods})
    rl = XuRealLink(**{**asdict(rl), "source": srcs[n_cu + 1], "offsets_db": rl.offsets_db})
    _check_runs(cu, re, rl, where)
    k = _stream_bits(doc["study"].get("k", "measured"), where)
    return XuStudy(**header.fields(), k=k, channel=ch, measure=me, curves=cu, realizations=re, real_link=rl)


def _check_channel_and_measure(ch: XuChannel, me: XuMeasure, where: str) -> None:
    if ch.distance_m <= 0 or not 0 < ch.rate <= 1:
        raise StudyError(f"{where}: [channel] needs distance_m > 0 and rate in (0, 1]")
    if me.metric not in METRICS:
        raise StudyError(f"{where}: [measure] metric must be feature, regen-clip or regen-ms-ssim, got {me.metric!r}")
    if me.count < 1 or me.repeats < 1 or me.quality < 1:
        raise StudyError(f"{where}: [measure] count, repeats and quality (the ntc rate point) must be positive")
    for key in ("psis", "joint_psis", "link_psis"):
        vals = getattr(me, key)
        hi = 0.5 if key != "link_psis" else 0.4999
        if any(not BER.lo <= x <= hi for x in vals):
            raise StudyError(f"{where}: [measure] {key} must be BERs in [{BER.lo:g}, {hi:g}], got {list(vals)}")
    if len(me.weights) != 2 or abs(sum(me.weights) - 1) > 1e-9 or min(me.weights) < 0:
        raise StudyError(f"{where}: [measure] weights must be two non-negative numbers summing to 1")


def _source(s: str, src: Path, where: str) -> str:
    """A perception source as the parts use it (a table file resolved against the study file)."""
    if s.startswith("table:"):
        f = resolve_path(s[6:], src)
        if not os.path.isfile(f):
            raise StudyError(f"{where}: perception table {s[6:]!r} not found")
        return "table:" + f
    if s not in SOURCES:
        raise StudyError(f"{where}: unknown perception source {s!r} (sources: {', '.join(SOURCES)}, table:FILE)")
    return s


def _check_runs(cu: XuCurves, re: XuRealizations, rl: XuRealLink, where: str) -> None:
    if any(s not in ("coded", "uncoded") for s in cu.schemes):
        raise StudyError(f"{where}: [curves] schemes must be coded and/or uncoded")
    if any(not 0 < t <= 1 for t in cu.targets + (re.target, rl.target)):
        raise StudyError(f"{where}: targets must lie in (0, 1]")
    if re.count < 1 or any(b < 0 for b in re.budgets_w):
        raise StudyError(f"{where}: [realizations] needs count >= 1 and budgets_w >= 0")
    if rl.trials < 1 or rl.k_cw < 32 or rl.method not in METHODS:
        raise StudyError(f"{where}: [real_link] needs trials >= 1, k_cw >= 32 and a known method")


def _stream_bits(k: object, where: str) -> Optional[tuple[int, int]]:
    """``[study] k``: ``"measured"`` (``None``) or two stream sizes in bits."""
    if k == "measured":
        return None
    if not (isinstance(k, list) and len(k) == 2 and all(isinstance(x, int) and x in STREAM_BITS for x in k)):
        raise StudyError(f"{where}: [study] k must be \"measured\" or [K1, K2] (bits in {STREAM_BITS.text()}), got {k!r}")
    return int(k[0]), int(k[1])
