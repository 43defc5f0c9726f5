r"""The Xu et al. study as one declarative, resumable job (``semlink run xu_power_allocation``).

A study file with ``[study] kind = "xu_power_allocation"`` is validated into the frozen
:class:`XuStudy` and run in five parts, each stored in one HDF5 file
(``<out>/<name>.h5``) under its own group with the part's config, config hash, seed,
versions and git SHA as attributes. A part whose stored hash equals the current one is
skipped on re-run; the perception measurement resumes sample by sample.

1. ``/streams``, ``/perception``: the images' streams (cached once) and the perception
   samples of every condition (:mod:`scenarios.xu.perception`); the measured forward function
   is also exported as ``perception_table_<metric>.json`` (usable as a source ``table:FILE``
   here and by ``semlink allocate --perception-table``);
2. ``/curves/<source>/<scheme>/<method>``: total power vs target :math:`\bar P` at the
   path-loss gain (no fading) for the paper's constants (coded only: the paper publishes
   no forward-with-error constants), for the measured functions and for tables from files
   (e.g. measured with a regenerated-image metric on a GPU machine);
3. ``/realizations/<method>``: Rayleigh block fading per stream: minimum total power at
   one target per realization, and the perception reached under each power budget (the
   CDF of Fig. 9);
4. ``/real_link``: the coded design at one target simulated on 5G LDPC links
   (:mod:`scenarios.xu.check`).

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

import functools
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import numpy as np

from ..study.parts import Part, RunContext, group_part, write_group
from ..study.quantities import BER, CODE_RATE, DISTANCE_M, GAIN_DB, NOISE_DBM, PATH_LOSS_EXPONENT, POWER_W, STREAM_BITS
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables, resolve_path
from ..study.images import caption_file, image_files
from .allocation import METHODS, PAPER_CONSTANTS, DiscardPerception
from .sources import perception_source

__all__ = ["XuChannel", "XuMeasure", "XuCurves", "XuRealizations", "XuRealLink", "XuStudy", "load_xu",
           "source_key", "resolve_images", "xu_parts", "PARTS", "STUDY_KEYS"]

PARTS = ("channel", "measure", "curves", "realizations", "real_link")
STUDY_KEYS = ("k",)
SOURCES = tuple(f"paper:{m}" for m in PAPER_CONSTANTS) + ("measured",)


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
    methods: tuple[str, ...] = METHODS
    sources: tuple[str, ...] = SOURCES
    schemes: tuple[str, ...] = ("coded", "uncoded")


@dataclass(frozen=True)
class XuRealizations:
    count: int = 100
    target: float = 0.45
    budgets_w: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0)
    source: str = "paper:clip"
    methods: tuple[str, ...] = METHODS


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
    src = Path(header.source)
    study = doc["study"]
    where, tabs = kind_tables(doc, header, PARTS)
    ch: XuChannel = build_dataclass(XuChannel, tabs["channel"], where, "channel", bounds={
        "distance_m": DISTANCE_M, "pl0_db": GAIN_DB, "exponent": PATH_LOSS_EXPONENT, "noise_dbm": NOISE_DBM,
        "rate": CODE_RATE})
    me: XuMeasure = build_dataclass(XuMeasure, tabs["measure"], where, "measure")
    cu: XuCurves = build_dataclass(XuCurves, tabs["curves"], where, "curves", ranges={"targets": "targets"})
    re: XuRealizations = build_dataclass(XuRealizations, tabs["realizations"], where, "realizations",
                                         bounds={"budgets_w": POWER_W})
    rl: XuRealLink = build_dataclass(XuRealLink, tabs["real_link"], where, "real_link")
    # ---- values
    if ch.distance_m <= 0 or not 0 < ch.rate <= 1:
        raise StudyError(f"{where}: [channel] needs distance_m > 0 and rate in (0, 1]")
    if me.metric not in ("feature", "regen-clip", "regen-ms-ssim"):
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
    for tab, methods in (("curves", cu.methods), ("realizations", re.methods)):
        bad = [m for m in methods if m not in METHODS]
        if bad:
            raise StudyError(f"{where}: [{tab}] unknown method {bad[0]!r} (methods: {', '.join(METHODS)})")
    srcs = []
    for s_ in cu.sources + (re.source, rl.source):
        if s_.startswith("table:"):
            f_ = resolve_path(s_[6:], src)
            if not os.path.isfile(f_):
                raise StudyError(f"{where}: perception table {s_[6:]!r} not found")
            s_ = "table:" + f_
        elif s_ not in SOURCES:
            raise StudyError(f"{where}: unknown perception source {s_!r} (sources: {', '.join(SOURCES)}, table:FILE)")
        srcs.append(s_)
    n_cu = len(cu.sources)
    cu = XuCurves(targets=cu.targets, methods=cu.methods, sources=tuple(srcs[:n_cu]), schemes=cu.schemes)
    re = XuRealizations(**{**asdict(re), "source": srcs[n_cu], "budgets_w": re.budgets_w, "methods": re.methods})
    rl = XuRealLink(**{**asdict(rl), "source": srcs[n_cu + 1], "offsets_db": rl.offsets_db})
    if any(s not in ("coded", "uncoded") for s in cu.schemes):
        raise StudyError(f"{where}: [curves] schemes must be coded and/or uncoded")
    if any(not 0 < t <= 1 for t in cu.targets + (re.target, rl.target)):
        raise StudyError(f"{where}: targets must lie in (0, 1]")
    if re.count < 1 or any(b < 0 for b in re.budgets_w):
        raise StudyError(f"{where}: [realizations] needs count >= 1 and budgets_w >= 0")
    if rl.trials < 1 or rl.k_cw < 32 or rl.method not in METHODS:
        raise StudyError(f"{where}: [real_link] needs trials >= 1, k_cw >= 32 and a known method")
    k = study.get("k", "measured")
    if k == "measured":
        k = None
    elif not (isinstance(k, list) and len(k) == 2 and all(isinstance(x, int) and x in STREAM_BITS for x in k)):
        raise StudyError(f"{where}: [study] k must be \"measured\" or [K1, K2] (bits in {STREAM_BITS.text()}), got {k!r}")
    return XuStudy(**header.fields(), k=None if k is None else (int(k[0]), int(k[1])), channel=ch, measure=me,
                   curves=cu, realizations=re, real_link=rl)


def resolve_images(m: XuMeasure) -> tuple[list[str], str]:
    """The image files (first ``count``, sorted) and the caption file of a measurement."""
    files, folder = image_files(m.images, m.count, "[measure] images")
    return files, caption_file(folder, m.captions, "[measure] captions")


# --------------------------------------------------------------------------- parts
def metric_kwargs(me: XuMeasure, device: str) -> dict[str, Any]:
    """Keyword arguments of :func:`~scenarios.xu.perception.make_metric` for ``me``."""
    if me.metric == "feature":
        return {"weights": me.weights}
    return {"random_weights": me.random_weights, "device": device}


def _measure(study: XuStudy, ctx: RunContext) -> None:
    """Streams (cached once per image), perception samples (resumable per sample), fits."""
    from . import perception as pc

    me = study.measure
    images, caps = resolve_images(me)
    ctx.say(f"encoding {len(images)} images (cached)")
    pc.cache_streams(ctx.file, images, caps, quality=me.quality)
    metric = pc.make_metric(me.metric, **metric_kwargs(me, ctx.device))
    conds = list(dict.fromkeys(pc.single_conditions(me.psis) + pc.joint_conditions((0.0,) + me.joint_psis,
                               (0.0,) + me.joint_psis) + pc.one_correct_conditions(me.psis) + list(pc.OUTCOMES)))
    bar = _bar(ctx.progress, "perception samples")
    pc.measure(ctx.file, conds, metric, repeats=me.repeats, seed=study.seed, device=ctx.device, progress=bar)
    link_conds = [(p, pc.ABSENT) for p in me.link_psis] + [(pc.ABSENT, p) for p in me.link_psis]
    pc.measure(ctx.file, link_conds, metric, repeats=me.repeats, seed=study.seed, channel="link", device=ctx.device)
    pc.store_fits(ctx.file, metric.key)


def _curve(scheme: str, method: str, k: tuple[int, int], gain: float, noise: float, P: Any, sv: Any,
           study: XuStudy, grp: str, ctx: RunContext) -> None:
    from . import allocation as al

    streams = [al.StreamSpec(k[0], gain, noise), al.StreamSpec(k[1], gain, noise)]
    rows = [al.allocate(scheme, method, streams, P, t, rate=study.channel.rate, semantic_values=sv)
            for t in study.curves.targets]
    write_group(ctx.file, grp, {
        "target": np.array(study.curves.targets), "feasible": np.array([r.feasible for r in rows]),
        "total_power": np.array([r.total_power for r in rows]), "perception": np.array([r.perception for r in rows]),
        "errors": np.array([r.errors for r in rows]), "power": np.array([r.power for r in rows]),
        "snr": np.array([r.snr for r in rows])})


def _realizations(method: str, k: tuple[int, int], noise: float, P: Any, sv: Any, study: XuStudy,
                  ctx: RunContext) -> None:
    from . import allocation as al

    re, ch = study.realizations, study.channel
    ctx.say(f"realizations: {method}")
    draws = al.realization_study("coded", [method], k, P, re.target, realizations=re.count, rate=ch.rate,
                                 distance_m=ch.distance_m, noise_dbm=ch.noise_dbm, seed=study.seed,
                                 pl0_db=ch.pl0_db, exponent=ch.exponent, semantic_values=sv)
    reach = np.array([al.perception_under_budget(
        "coded", method, [al.StreamSpec(k[0], float(gg[0]), noise), al.StreamSpec(k[1], float(gg[1]), noise)], P,
        re.budgets_w, rate=ch.rate, semantic_values=sv) for gg in draws["gains"]])
    write_group(ctx.file, f"realizations/{method}", {"gains": draws["gains"], "total_power": draws[method],
                                                     "budgets_w": np.array(re.budgets_w),
                                                     "perception_under_budget": reach})


def _real_link(k: tuple[int, int], gain: float, noise: float, P: Any, sv: Any, study: XuStudy,
               ctx: RunContext) -> None:
    from . import allocation as al
    from .check import real_link_check

    rl, ch = study.real_link, study.channel
    ctx.say("real-link check (5G LDPC)")
    streams = [al.StreamSpec(k[0], gain, noise), al.StreamSpec(k[1], gain, noise)]
    design = al.allocate("coded", rl.method, streams, P, rl.target, rate=ch.rate, semantic_values=sv)
    attrs = {"design": json.dumps(design.to_dict())}
    if design.feasible:
        chk = real_link_check(design, k, P, rate=ch.rate, trials=rl.trials, offsets_db=rl.offsets_db, k_cw=rl.k_cw,
                              seed=study.seed, device=ctx.device, decoder=study.decoder or "semlink")
        attrs["check"] = json.dumps(chk.to_dict())
    write_group(ctx.file, "real_link", {}, attrs)


def _with_source(fn: Callable[..., None], key: str, name: str, scheme: str, head: tuple, tail: tuple,
                 ctx: RunContext) -> None:
    """``fn(*head, P, sv, *tail, ctx)`` with the perception functions ``P`` and semantic values ``sv``
    of source ``name`` rebuilt from the stored measurement (closures do not cross processes: a
    part's inputs are what the file holds)."""
    from . import perception as pc

    measured = (pc.read_fits(ctx.file, key)["discard"][0], pc.forward_table(ctx.file, key))
    P, sv = perception_source(name, scheme, measured=measured)
    fn(*head, P, sv, *tail, ctx)


def xu_parts(study: XuStudy, ctx: RunContext) -> Iterator[Part]:
    """The study's parts in order: measurement, power curves, realizations, real-link check.

    The later parts' configs depend on the measurement (measured K, fitted functions),
    so they are built after it has run (or was found done); they depend on nothing else, so
    ``--workers N`` runs them in parallel (:func:`~scenarios.study.parts.group_part`).
    """
    from . import allocation as al
    from . import perception as pc

    me, ch = study.measure, study.channel
    key = pc.metric_key(me.metric, me.weights, me.random_weights)
    yield Part(f"perception/{key}", asdict(me), functools.partial(_measure, study), label="perception samples",
               seed=study.seed)
    bits = pc.stream_bits(ctx.file)
    # every image cached in the file is part of the study (a larger `count` adds images, none is dropped)
    k_meas = (int(round(bits["prompt"].mean())), int(round(bits["edge"].mean())))
    k = study.k or k_meas
    discard = pc.read_fits(ctx.file, key)["discard"][0]
    forward = pc.forward_table(ctx.file, key)
    gain = 10 ** (al.path_loss_db(ch.distance_m, ch.pl0_db, ch.exponent) / 10)
    noise = 10 ** ((ch.noise_dbm - 30) / 10)

    def source(name: str, scheme: str) -> tuple[Any, Optional[list]]:
        return perception_source(name, scheme, measured=(discard, forward))

    def k_for(name: str) -> tuple[int, int]:
        return k_meas if name == "measured" else k

    cu = study.curves
    for src in cu.sources:
        for scheme in cu.schemes:
            if scheme == "uncoded" and src.startswith("paper:"):
                continue  # the paper publishes constants of the discard receiver only
            P, _ = source(src, scheme)
            for m in cu.methods:
                grp = f"curves/{source_key(src)}/{scheme}/{m}"
                cfg = {"targets": cu.targets, "k": k_for(src), "channel": asdict(ch), "perception": _desc(P),
                       "method": m, "scheme": scheme}
                run = functools.partial(_with_source, _curve, key, src, scheme, (scheme, m, k_for(src), gain, noise),
                                        (study, grp))
                yield group_part(grp, cfg, run, ctx, label=f"power curve {source_key(src)} {scheme} {m}",
                                 seed=study.seed)
    re = study.realizations
    P, _ = source(re.source, "coded")
    for m in re.methods:
        cfg = {"count": re.count, "target": re.target, "budgets_w": re.budgets_w, "k": k_for(re.source),
               "channel": asdict(ch), "perception": _desc(P), "method": m, "seed": study.seed}
        run = functools.partial(_with_source, _realizations, key, re.source, "coded", (m, k_for(re.source), noise),
                                (study,))
        yield group_part(f"realizations/{m}", cfg, run, ctx, label=f"realizations {m}", seed=study.seed)
    rl = study.real_link
    P, _ = source(rl.source, "coded")
    cfg = {**asdict(rl), "k": k_for(rl.source), "channel": asdict(ch), "perception": _desc(P), "seed": study.seed,
           "decoder": study.decoder or "semlink"}
    run = functools.partial(_with_source, _real_link, key, rl.source, "coded", (k_for(rl.source), gain, noise), (study,))
    yield group_part("real_link", cfg, run, ctx, label="real-link check", seed=study.seed)


def _desc(P: Any) -> str:
    """What a perception function is, for the config hash (a measured table: a digest of its values)."""
    if isinstance(P, DiscardPerception):
        return repr(P)
    return "table " + P.digest()


def _bar(progress: bool, what: str) -> Optional[Any]:
    if not progress:
        return None
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, desc=what, leave=False)
        state["bar"].n = done
        state["bar"].refresh()
        if done >= total:
            state["bar"].close()

    return update
