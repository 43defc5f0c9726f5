r"""The Xu et al. study as one declarative, resumable job (``semlink run xu_power_allocation``).

A study file with ``[study] kind = "xu_power_allocation"`` is validated into the frozen
:class:`XuStudy` and run in five parts, each stored in one HDF5 file
(``<out>/<name>.h5``) under its own group with the part's config, config hash, seed,
versions and git SHA as attributes. A part whose stored hash equals the current one is
skipped on re-run; the perception measurement resumes sample by sample.

1. ``/streams``, ``/perception``: the images' streams (cached once) and the perception
   samples of every condition (:mod:`scenarios.perception`); the measured forward function
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
   (:mod:`scenarios.xu_check`).

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

import json
import os
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import h5py
import numpy as np

from linklevel.results import atomic_h5, config_hash

from .allocation import METHODS, PAPER_CONSTANTS, DiscardPerception
from .study import StudyError, _check_keys, _merge, _table, resolve_study_path

__all__ = ["KIND", "XuChannel", "XuMeasure", "XuCurves", "XuRealizations", "XuRealLink", "XuStudy", "study_kind",
           "load_xu_study", "source_key", "resolve_images", "run_xu", "XuResult"]

KIND = "xu_power_allocation"
SOURCES = tuple(f"paper:{m}" for m in PAPER_CONSTANTS) + ("measured",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


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
class XuStudy:
    """A validated Xu power-allocation study."""

    name: str
    description: str
    source: str
    out: str
    seed: int
    quick: bool
    k: Optional[tuple[int, int]]
    channel: XuChannel
    measure: XuMeasure
    curves: XuCurves
    realizations: XuRealizations
    real_link: XuRealLink

    @property
    def result_file(self) -> str:
        return os.path.join(self.out, f"{self.name}.h5")


def source_key(src: str) -> str:
    """HDF5-safe name of a perception source (a table file by its base name)."""
    return "table:" + os.path.basename(src[6:]) if src.startswith("table:") else src


def study_kind(path: Union[str, os.PathLike]) -> str:
    """``[study] kind`` of a study file (``ber`` when absent)."""
    src = resolve_study_path(path)
    try:
        with open(src, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{src.name}: invalid TOML: {err}") from None
    study = doc.get("study", {})
    return str(study.get("kind", "ber")) if isinstance(study, dict) else "ber"


def _targets(v: Any, where: str) -> tuple[float, ...]:
    if isinstance(v, str):
        try:
            a, s, b = (float(x) for x in v.split(":"))
        except ValueError:
            raise StudyError(f"{where}: [curves] targets must be START:STEP:STOP or a list, got {v!r}") from None
        if s <= 0 or b < a:
            raise StudyError(f"{where}: [curves] targets: need STEP > 0 and STOP >= START")
        v = list(np.round(np.arange(a, b + s / 2, s), 10))
    return tuple(float(x) for x in v)


def _build(cls: type, d: dict, where: str, table: str) -> Any:
    d = _table(d, where, f"[{table}]")
    names = tuple(f for f in cls.__dataclass_fields__)
    _check_keys(d, names, where, f"[{table}]")
    kw = {}
    for k, v in d.items():
        default = getattr(cls(), k)
        if isinstance(default, tuple):
            if not isinstance(v, (list, str)) or (isinstance(v, list) and not v):
                raise StudyError(f"{where}: [{table}] {k} must be a non-empty list, got {v!r}")
            v = _targets(v, where) if k == "targets" else tuple(v)
        elif isinstance(default, bool):
            if not isinstance(v, bool):
                raise StudyError(f"{where}: [{table}] {k} must be true or false, got {v!r}")
        elif isinstance(default, (int, float)) and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise StudyError(f"{where}: [{table}] {k} must be a number, got {v!r}")
        elif isinstance(default, str) and not isinstance(v, str):
            raise StudyError(f"{where}: [{table}] {k} must be a string, got {v!r}")
        kw[k] = type(default)(v) if isinstance(default, (int, float)) and not isinstance(default, bool) else v
    return cls(**kw)


def load_xu_study(path: Union[str, os.PathLike], quick: bool = False, out: Optional[str] = None) -> XuStudy:
    """Read and validate a Xu study file (``[quick]`` merged over it with ``quick``)."""
    from .perception import make_metric  # noqa: F401  (metric names checked below)

    src = resolve_study_path(path)
    where = src.name
    with open(src, "rb") as fh:
        try:
            doc = tomllib.load(fh)
        except tomllib.TOMLDecodeError as err:
            raise StudyError(f"{where}: invalid TOML: {err}") from None
    parts = ("channel", "measure", "curves", "realizations", "real_link")
    _check_keys(doc, ("study", "quick") + parts, where, "top level")
    study = _table(doc.get("study"), where, "[study]")
    _check_keys(study, ("kind", "name", "description", "out", "seed", "k"), where, "[study]")
    if study.get("kind") != KIND:
        raise StudyError(f"{where}: [study] kind must be {KIND!r}")
    name = study.get("name")
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ ") or name.startswith("."):
        raise StudyError(f"{where}: [study] name must be a non-empty word without '/' or spaces, got {name!r}")
    quick_tab = _table(doc.get("quick", {}), where, "[quick]")
    _check_keys(quick_tab, parts, where, "[quick]")
    tabs = {p: _table(doc.get(p, {}), where, f"[{p}]") for p in parts}
    if quick:
        tabs = {p: _merge(tabs[p], _table(quick_tab.get(p, {}), where, f"[quick.{p}]")) for p in parts}
    ch: XuChannel = _build(XuChannel, tabs["channel"], where, "channel")
    me: XuMeasure = _build(XuMeasure, tabs["measure"], where, "measure")
    cu: XuCurves = _build(XuCurves, tabs["curves"], where, "curves")
    re: XuRealizations = _build(XuRealizations, tabs["realizations"], where, "realizations")
    rl: XuRealLink = _build(XuRealLink, tabs["real_link"], where, "real_link")
    # ---- values
    if ch.distance_m <= 0 or not 0 < ch.rate <= 1:
        raise StudyError(f"{where}: [channel] needs distance_m > 0 and rate in (0, 1]")
    if me.metric not in ("feature", "regen-clip", "regen-ms-ssim"):
        raise StudyError(f"{where}: [measure] metric must be feature, regen-clip or regen-ms-ssim, got {me.metric!r}")
    if me.count < 1 or me.repeats < 1:
        raise StudyError(f"{where}: [measure] count and repeats must be positive")
    for key in ("psis", "joint_psis", "link_psis"):
        vals = getattr(me, key)
        hi = 0.5 if key != "link_psis" else 0.4999
        if any(not isinstance(x, (int, float)) or not 0 < x <= hi for x in vals):
            raise StudyError(f"{where}: [measure] {key} must be BERs in (0, {hi:g}], got {list(vals)}")
    if len(me.weights) != 2 or abs(sum(me.weights) - 1) > 1e-9 or min(me.weights) < 0:
        raise StudyError(f"{where}: [measure] weights must be two non-negative numbers summing to 1")
    for tab, methods in (("curves", cu.methods), ("realizations", re.methods)):
        bad = [m for m in methods if m not in METHODS]
        if bad:
            raise StudyError(f"{where}: [{tab}] unknown method {bad[0]!r} (methods: {', '.join(METHODS)})")
    srcs = []
    for s_ in cu.sources + (re.source, rl.source):
        if s_.startswith("table:"):
            f_ = s_[6:]
            if not os.path.isfile(f_) and os.path.isfile(src.parent / f_):
                f_ = str(src.parent / f_)
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
    elif not (isinstance(k, list) and len(k) == 2 and all(isinstance(x, int) and x > 0 for x in k)):
        raise StudyError(f"{where}: [study] k must be \"measured\" or [K1, K2] (positive bits), got {k!r}")
    out_dir = out if out is not None else study.get("out", os.path.join("out", name))
    if not isinstance(out_dir, str) or not out_dir:
        raise StudyError(f"{where}: [study] out must be a folder path, got {out_dir!r}")
    if quick and out is None:
        out_dir = out_dir.rstrip("/\\") + "-quick"
    seed = study.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise StudyError(f"{where}: [study] seed must be an integer")
    return XuStudy(name=name, description=str(study.get("description", "")), source=str(src), out=out_dir,
                   seed=seed, quick=quick, k=None if k is None else (int(k[0]), int(k[1])), channel=ch,
                   measure=me, curves=cu, realizations=re, real_link=rl)


def resolve_images(m: XuMeasure) -> tuple[list[str], str]:
    """The image files (first ``count``, sorted) and the caption file of a measurement."""
    folder = m.images
    if folder == "kodak":
        folder = os.environ.get("SEMLINK_KODAK", "")
        if not folder:
            raise ValueError("[measure] images = \"kodak\" needs SEMLINK_KODAK=<folder with kodim*.png and "
                             "captions.json> (or set [measure] images to a folder)")
    if not os.path.isdir(folder):
        raise ValueError(f"no image folder {folder!r}")
    files = sorted(str(p) for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no images in {folder!r}")
    caps = m.captions or os.path.join(folder, "captions.json")
    if not os.path.isfile(caps):
        raise ValueError(f"no caption file {caps!r} (set [measure] captions)")
    return files[: m.count], caps


# --------------------------------------------------------------------------- running
@dataclass
class XuResult:
    """What a run produced (``parts``: name -> ``computed`` / ``skipped``)."""

    study: XuStudy
    parts: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    report: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study.name, "kind": KIND, "out": self.study.out, "results": self.study.result_file,
                "quick": self.study.quick, "parts": self.parts, "figures": self.figures, "report": self.report,
                **self.summary}


def _stamp(g: h5py.Group, cfg: dict, seed: int) -> None:
    from linklevel.runtime import git_sha, versions

    g.attrs["config"] = json.dumps(cfg, sort_keys=True, default=str)
    g.attrs["config_hash"] = config_hash(cfg)
    g.attrs["seed"] = seed
    g.attrs["versions"] = json.dumps(versions(), sort_keys=True)
    g.attrs["git_sha"] = git_sha() or "unknown"
    g.attrs["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _done(path: str, group: str, cfg: dict) -> bool:
    if not os.path.exists(path):
        return False
    with h5py.File(path, "r") as f:
        return group in f and f[group].attrs.get("config_hash") == config_hash(cfg) and \
            bool(f[group].attrs.get("complete", False))


def run_xu(study: XuStudy, progress: bool = True, fresh: bool = False, device: str = "cpu",
           log: Optional[Callable[[str], None]] = None) -> XuResult:
    """Run (or resume) every part of the study, then write figures and the report."""
    from . import allocation as al
    from . import perception as pc
    from .xu_report import write_xu_report

    say = log or (lambda s: None)
    h5 = study.result_file
    os.makedirs(study.out, exist_ok=True)
    if fresh and os.path.exists(h5):
        os.replace(h5, h5 + ".bak")
    res = XuResult(study)
    me = study.measure
    # ---- 1. streams and perception samples (resumable per sample)
    images, caps = resolve_images(me)
    say(f"encoding {len(images)} images (cached)")
    pc.cache_streams(h5, images, caps, quality=me.quality)
    mkw: dict[str, Any] = {"weights": me.weights} if me.metric == "feature" else {
        "random_weights": me.random_weights, "device": device}
    metric = pc.make_metric(me.metric, **mkw)
    conds = list(dict.fromkeys(pc.single_conditions(me.psis) + pc.joint_conditions((0.0,) + me.joint_psis,
                               (0.0,) + me.joint_psis) + pc.one_correct_conditions(me.psis) + list(pc.OUTCOMES)))
    bar = _bar(progress, "perception samples")
    n_new = pc.measure(h5, conds, metric, repeats=me.repeats, seed=study.seed, device=device, progress=bar)
    link_conds = [(p, pc.ABSENT) for p in me.link_psis] + [(pc.ABSENT, p) for p in me.link_psis]
    n_new += pc.measure(h5, link_conds, metric, repeats=me.repeats, seed=study.seed, channel="link", device=device)
    res.parts["perception"] = f"computed ({n_new} new samples)" if n_new else "skipped"
    with atomic_h5(h5) as f:
        _stamp(f.require_group(f"perception/{metric.key}"), asdict(me), study.seed)
    pc.export_table(h5, metric.key, os.path.join(study.out, f"perception_table_{metric.key}.json"))
    pc.store_fits(h5, metric.key)
    bits = pc.stream_bits(h5)
    # every image cached in the file is part of the study (a larger `count` adds images, none is dropped)
    k_meas = (int(round(bits["prompt"].mean())), int(round(bits["edge"].mean())))
    k = study.k or k_meas
    discard = pc.read_fits(h5, metric.key)["discard"][0]
    forward = pc.forward_table(h5, metric.key)
    ch = study.channel
    gain = 10 ** (al.path_loss_db(ch.distance_m, ch.pl0_db, ch.exponent) / 10)
    noise = 10 ** ((ch.noise_dbm - 30) / 10)

    def source(name: str, scheme: str) -> tuple[Any, Optional[list]]:
        if name.startswith("paper:"):
            return al.DiscardPerception.from_paper(name[6:]), None
        if name.startswith("table:"):
            table = al.TablePerception.from_json(name[6:])
            return table, table.semantic_values()
        if scheme == "coded":
            return discard, None
        return forward, forward.semantic_values()

    def k_for(name: str) -> tuple[int, int]:
        return k_meas if name == "measured" else k

    # ---- 2. power vs target curves
    cu = study.curves
    computed = 0
    for src in cu.sources:
        for scheme in cu.schemes:
            if scheme == "uncoded" and src.startswith("paper:"):
                continue  # the paper publishes constants of the discard receiver only
            P, sv = source(src, scheme)
            for m in cu.methods:
                grp = f"curves/{source_key(src)}/{scheme}/{m}"
                cfg = {"targets": cu.targets, "k": k_for(src), "channel": asdict(ch), "perception": _desc(P),
                       "method": m, "scheme": scheme}
                if _done(h5, grp, cfg):
                    continue
                streams = [al.StreamSpec(k_for(src)[0], gain, noise), al.StreamSpec(k_for(src)[1], gain, noise)]
                rows = [al.allocate(scheme, m, streams, P, t, rate=ch.rate, semantic_values=sv) for t in cu.targets]
                with atomic_h5(h5) as f:
                    if grp in f:
                        del f[grp]
                    g = f.create_group(grp)
                    g["target"] = np.array(cu.targets)
                    g["feasible"] = np.array([r.feasible for r in rows])
                    g["total_power"] = np.array([r.total_power for r in rows])
                    g["perception"] = np.array([r.perception for r in rows])
                    g["errors"] = np.array([r.errors for r in rows])
                    g["power"] = np.array([r.power for r in rows])
                    g["snr"] = np.array([r.snr for r in rows])
                    _stamp(g, cfg, study.seed)
                    g.attrs["complete"] = True
                computed += 1
    res.parts["curves"] = f"computed ({computed} curves)" if computed else "skipped"
    say("power curves done")
    # ---- 3. realizations: power at a target, perception under budgets
    re = study.realizations
    P, sv = source(re.source, "coded")
    computed = 0
    for m in re.methods:
        grp = f"realizations/{m}"
        cfg = {"count": re.count, "target": re.target, "budgets_w": re.budgets_w, "k": k_for(re.source),
               "channel": asdict(ch), "perception": _desc(P), "method": m, "seed": study.seed}
        if _done(h5, grp, cfg):
            continue
        say(f"realizations: {m}")
        draws = al.realization_study("coded", [m], k_for(re.source), P, re.target, realizations=re.count,
                                     rate=ch.rate, distance_m=ch.distance_m, noise_dbm=ch.noise_dbm, seed=study.seed,
                                     pl0_db=ch.pl0_db, exponent=ch.exponent, semantic_values=sv)
        reach = np.array([al.perception_under_budget(
            "coded", m, [al.StreamSpec(k_for(re.source)[0], float(gg[0]), noise),
                         al.StreamSpec(k_for(re.source)[1], float(gg[1]), noise)], P, re.budgets_w, rate=ch.rate,
            semantic_values=sv) for gg in draws["gains"]])
        with atomic_h5(h5) as f:
            if grp in f:
                del f[grp]
            g = f.create_group(grp)
            g["gains"] = draws["gains"]
            g["total_power"] = draws[m]
            g["budgets_w"] = np.array(re.budgets_w)
            g["perception_under_budget"] = reach
            _stamp(g, cfg, study.seed)
            g.attrs["complete"] = True
        computed += 1
    res.parts["realizations"] = f"computed ({computed} methods)" if computed else "skipped"
    # ---- 4. real-link check of the coded design
    rl = study.real_link
    P, sv = source(rl.source, "coded")
    cfg = {**asdict(rl), "k": k_for(rl.source), "channel": asdict(ch), "perception": _desc(P), "seed": study.seed}
    if _done(h5, "real_link", cfg):
        res.parts["real_link"] = "skipped"
    else:
        from .xu_check import real_link_check

        say("real-link check (5G LDPC)")
        streams = [al.StreamSpec(k_for(rl.source)[0], gain, noise), al.StreamSpec(k_for(rl.source)[1], gain, noise)]
        design = al.allocate("coded", rl.method, streams, P, rl.target, rate=ch.rate, semantic_values=sv)
        with atomic_h5(h5) as f:
            if "real_link" in f:
                del f["real_link"]
            g = f.create_group("real_link")
            g.attrs["design"] = json.dumps(design.to_dict())
            if design.feasible:
                chk = real_link_check(design, k_for(rl.source), P, rate=ch.rate, trials=rl.trials,
                                      offsets_db=rl.offsets_db, k_cw=rl.k_cw, seed=study.seed, device=device)
                g.attrs["check"] = json.dumps(chk.to_dict())
            _stamp(g, cfg, study.seed)
            g.attrs["complete"] = True
        res.parts["real_link"] = "computed"
    # ---- 5. figures and report
    res.summary, res.figures, res.report = write_xu_report(study, metric.key, k_meas, k)
    return res


def _desc(P: Any) -> str:
    """What a perception function is, for the config hash (a measured table: a digest of its values)."""
    if isinstance(P, DiscardPerception):
        return repr(P)
    return "table " + P.digest()



def _bar(progress: bool, what: str) -> Optional[Callable[[int, int], None]]:
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
