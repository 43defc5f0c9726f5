r"""The Qiao et al. study as one resumable job (``semlink run qiao_latency``).

A study file with ``[study] kind = "qiao_latency"`` is validated into the frozen :class:`QiaoStudy`
and run in parts, each stamped in ``<out>/<name>.h5`` (config, hash, seed, versions, git SHA) and
skipped on re-run when done:

1. ``/quality`` — Φj(BER1) with the prompt intact (:mod:`scenarios.qiao.measure`, resumable per
   sample), or a JSON table from a file; exported as ``quality_table.json``;
2. ``/designs/<rate_model>`` — Fig. 4 analogues: Lemma 1 vs γ̄ on the mean channel and averaged over
   Rayleigh draws, the semantic-unaware benchmark, and the solver vs the brute-force grid;
3. ``/table2`` — Table II analogue: per (CLIP, MS-SSIM) target pair, BER1* and the γ̄ range of each order;
4. ``/eq2`` — eq. (2) vs the real prompt link (AWGN and Rayleigh), {k, b} refitted, retransmissions;
5. ``/eq4`` — eq. (4)'s bound vs the exact Gray M-QAM BER and simulated uncoded M-QAM;
6. ``/end_to_end`` — designs on real links: achieved latency and edge BER (and quality) vs designed.

Format (all keys optional; defaults = the built-in ``qiao_latency.toml``)::

    [study]
    kind = "qiao_latency"
    name = "qiao_latency"
    prompt_bits = 800          # |v0| (or "measured": the cached prompts' mean)
    edge_bits = 7864           # |v1| (or "measured")

    [system]                   # Table I
    power_mw = 10.0
    ...

    [quality]
    source = "measured"        # measured | table:FILE | none
    images = "kodak"           # $SEMLINK_KODAK, or a folder with captions.json
    metrics = ["feature"]      # feature | regen-clip | regen-ms-ssim
    psis = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05]
    targets = [[0.999, 0.991], [0.997, 0.982], [0.978, 0.918]]   # (CLIP, MS-SSIM) pairs of Table II

    [designs]
    avg_snr_db = "0:1:30"
    ber_targets = [1e-6, 1e-5, 1e-4]
    realizations = 200

    [eq2] / [eq4] / [end_to_end]   (see the built-in file)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import numpy as np

from linklevel.store.h5io import open_result

from ..study.parts import Part, RunContext, group_part, write_group
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables, resolve_path
from ..study.images import caption_file, image_files
from ..study.quantities import (BANDWIDTH_HZ, BER, CODE_RATE, EQ2_B, EQ2_K, EQ4_ALPHA, EQ4_BETA, GAIN_DB, NOISE_DBM_HZ,
                          PATH_LOSS_EXPONENT, POWER_MW, SNR_DB, SNR_STEP_DB, STREAM_BITS)
from . import models as m

__all__ = ["QiaoSystem", "QiaoQuality", "QiaoDesigns", "QiaoEq2", "QiaoEq4", "QiaoE2E", "QiaoStudy", "load_qiao",
           "qiao_parts", "paper_implied_bers", "resolve_images", "stream_lengths", "ber_targets", "PARTS", "STUDY_KEYS"]

PARTS = ("system", "quality", "designs", "eq2", "eq4", "end_to_end")
STUDY_KEYS = ("prompt_bits", "edge_bits")
RATE_MODELS = ("continuous", "discrete")


@dataclass(frozen=True)
class QiaoSystem:
    """Table I (``power_mw`` = P_T in mW)."""

    power_mw: float = 10.0
    eps0_db: float = -30.0
    phi: float = 3.4
    n0_dbm_hz: float = -174.0
    b0_hz: float = 1e6
    b1_hz: float = 1e6
    r: float = 0.5
    k: float = 0.374
    b: float = -0.31
    alpha: float = 1.5
    beta: float = 5.0

    def params(self) -> m.QiaoParams:
        d = asdict(self)
        d["power_w"] = d.pop("power_mw") / 1e3
        return m.QiaoParams(**d)


@dataclass(frozen=True)
class QiaoQuality:
    source: str = "measured"
    images: str = "kodak"
    captions: str = ""
    count: int = 4
    metrics: tuple[str, ...] = ("feature",)
    random_weights: bool = False
    ntc_quality: int = 1
    psis: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05)
    repeats: int = 2
    targets: tuple = ((0.999, 0.991), (0.997, 0.982), (0.978, 0.918))


@dataclass(frozen=True)
class QiaoDesigns:
    avg_snr_db: tuple[float, ...] = tuple(float(x) for x in range(31))
    ber_targets: tuple[float, ...] = (1e-6, 1e-5, 1e-4)
    realizations: int = 200
    rate_models: tuple[str, ...] = RATE_MODELS
    unaware_ber: float = 1e-7
    check_snrs_db: tuple[float, ...] = (0.0, 10.0, 20.0, 30.0)
    check_points: int = 200
    table2_step_db: float = 0.1


@dataclass(frozen=True)
class QiaoEq2:
    lengths: tuple[int, ...] = (200, 800, 3200)
    awgn_snrs_db: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0)
    rayleigh_snrs_db: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0)
    target_errors: int = 100
    max_packets: int = 20000
    retx_length: int = 800
    retx_snrs_db: tuple[float, ...] = (1.5, 2.5)
    retx_prompts: int = 1000


@dataclass(frozen=True)
class QiaoEq4:
    ber_targets: tuple[float, ...] = (1e-7, 1e-6, 1e-5, 1e-4)
    sim_bers: tuple[float, ...] = (1e-2, 1e-3, 1e-4)
    target_bit_errors: int = 200
    max_bits: int = 20_000_000


@dataclass(frozen=True)
class QiaoE2E:
    avg_snr_db: tuple[float, ...] = (12.0, 18.0, 24.0, 30.0)
    draws: int = 50
    target_pair: int = 0
    ber: float = 1e-5


@dataclass(frozen=True)
class QiaoStudy(StudyHeader):
    """A validated Qiao latency study (``prompt_bits``/``edge_bits``: ``None`` = measured)."""

    prompt_bits: Optional[int] = 800
    edge_bits: Optional[int] = 7864
    system: QiaoSystem = QiaoSystem()
    quality: QiaoQuality = QiaoQuality()
    designs: QiaoDesigns = QiaoDesigns()
    eq2: QiaoEq2 = QiaoEq2()
    eq4: QiaoEq4 = QiaoEq4()
    end_to_end: QiaoE2E = QiaoE2E()


def _bits(v: Any, where: str, key: str) -> Optional[int]:
    if v == "measured":
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v not in STREAM_BITS:
        raise StudyError(f"{where}: [study] {key} must be an integer in {STREAM_BITS.text()} or \"measured\", got {v!r}")
    return int(v)


def _bers(vals: tuple, where: str, key: str, hi: float = 0.2) -> None:
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) or not BER.lo <= x < hi for x in vals):
        raise StudyError(f"{where}: {key} must be BERs in [{BER.lo:g}, {hi:g}), got {list(vals)}")


def load_qiao(doc: dict, header: StudyHeader) -> QiaoStudy:
    """Validate the Qiao tables of a study file (``[quick]`` merged with ``header.quick``)."""
    src = Path(header.source)
    where, tabs = kind_tables(doc, header, PARTS)
    sy: QiaoSystem = build_dataclass(QiaoSystem, tabs["system"], where, "system", bounds={
        "power_mw": POWER_MW, "eps0_db": GAIN_DB, "phi": PATH_LOSS_EXPONENT, "n0_dbm_hz": NOISE_DBM_HZ,
        "b0_hz": BANDWIDTH_HZ, "b1_hz": BANDWIDTH_HZ, "r": CODE_RATE, "k": EQ2_K, "b": EQ2_B, "alpha": EQ4_ALPHA,
        "beta": EQ4_BETA})
    qu: QiaoQuality = build_dataclass(QiaoQuality, tabs["quality"], where, "quality")
    de: QiaoDesigns = build_dataclass(QiaoDesigns, tabs["designs"], where, "designs",
                                      ranges={"avg_snr_db": "", "check_snrs_db": ""},
                                      bounds={"avg_snr_db": SNR_DB, "check_snrs_db": SNR_DB,
                                              "table2_step_db": SNR_STEP_DB})
    e2: QiaoEq2 = build_dataclass(QiaoEq2, tabs["eq2"], where, "eq2",
                                  bounds={k: SNR_DB for k in ("awgn_snrs_db", "rayleigh_snrs_db", "retx_snrs_db")})
    e4: QiaoEq4 = build_dataclass(QiaoEq4, tabs["eq4"], where, "eq4")
    ee: QiaoE2E = build_dataclass(QiaoE2E, tabs["end_to_end"], where, "end_to_end", ranges={"avg_snr_db": ""},
                                  bounds={"avg_snr_db": SNR_DB})
    try:
        sy.params()
    except ValueError as err:
        raise StudyError(f"{where}: [system] {err}") from None
    # ---- quality
    if qu.source.startswith("table:"):
        f_ = resolve_path(qu.source[6:], src)
        if not os.path.isfile(f_):
            raise StudyError(f"{where}: [quality] table {qu.source[6:]!r} not found")
        qu = dataclasses.replace(qu, source="table:" + os.path.abspath(f_))
    elif qu.source not in ("measured", "none"):
        raise StudyError(f"{where}: [quality] source must be measured, table:FILE or none, got {qu.source!r}")
    from .measure import METRICS

    bad = [x for x in qu.metrics if x not in METRICS]
    if bad:
        raise StudyError(f"{where}: [quality] unknown metric {bad[0]!r} (metrics: {', '.join(METRICS)})")
    if len({METRICS[x] for x in qu.metrics}) != len(qu.metrics):
        raise StudyError(f"{where}: [quality] metrics measure the same quality twice: {list(qu.metrics)}")
    if qu.count < 1 or qu.repeats < 1 or qu.ntc_quality < 1:
        raise StudyError(f"{where}: [quality] count, repeats and ntc_quality must be positive")
    _bers(qu.psis, where, "[quality] psis", 0.5 + 1e-12)
    if list(qu.psis) != sorted(set(qu.psis)) or len(qu.psis) < 2:
        raise StudyError(f"{where}: [quality] psis must be >= 2 strictly increasing BERs")
    pairs = []
    for t in qu.targets:
        if not (isinstance(t, (list, tuple)) and len(t) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                           and 0 < x <= 1 for x in t)):
            raise StudyError(f"{where}: [quality] targets must be [CLIP, MS-SSIM] pairs in (0, 1], got {t!r}")
        pairs.append((float(t[0]), float(t[1])))
    qu = dataclasses.replace(qu, targets=tuple(pairs))
    # ---- designs
    _bers(de.ber_targets, where, "[designs] ber_targets", 1 / sy.beta)
    _bers((de.unaware_ber,), where, "[designs] unaware_ber", 1 / sy.beta)
    if de.realizations < 1 or de.check_points < 10 or not 0 < de.table2_step_db <= 1:
        raise StudyError(f"{where}: [designs] needs realizations >= 1, check_points >= 10, 0 < table2_step_db <= 1")
    if any(r not in RATE_MODELS for r in de.rate_models):
        raise StudyError(f"{where}: [designs] rate_models must be continuous and/or discrete")
    # ---- eq2 / eq4 / e2e
    if any(isinstance(x, bool) or not isinstance(x, int) or x < 8 for x in e2.lengths + (e2.retx_length,)):
        raise StudyError(f"{where}: [eq2] lengths and retx_length must be integers >= 8")
    if e2.target_errors < 1 or e2.max_packets < 1 or e2.retx_prompts < 2:
        raise StudyError(f"{where}: [eq2] needs target_errors >= 1, max_packets >= 1, retx_prompts >= 2")
    _bers(e4.ber_targets, where, "[eq4] ber_targets", 1 / sy.beta)
    _bers(e4.sim_bers, where, "[eq4] sim_bers", 1 / sy.beta)
    if e4.target_bit_errors < 1 or e4.max_bits < 1000:
        raise StudyError(f"{where}: [eq4] needs target_bit_errors >= 1 and max_bits >= 1000")
    if ee.draws < 1:
        raise StudyError(f"{where}: [end_to_end] draws must be >= 1")
    _bers((ee.ber,), where, "[end_to_end] ber", 1 / sy.beta)
    if qu.source != "none" and not 0 <= ee.target_pair < len(qu.targets):
        raise StudyError(f"{where}: [end_to_end] target_pair must index [quality] targets (0..{len(qu.targets) - 1})")
    study = doc["study"]
    v0 = _bits(study.get("prompt_bits", 800), where, "prompt_bits")
    v1 = _bits(study.get("edge_bits", 7864), where, "edge_bits")
    if (v0 is None or v1 is None) and qu.source != "measured":
        raise StudyError(f"{where}: \"measured\" stream sizes need [quality] source = \"measured\"")
    return QiaoStudy(**header.fields(), prompt_bits=v0, edge_bits=v1, system=sy, quality=qu, designs=de, eq2=e2,
                     eq4=e4, end_to_end=ee)


def resolve_images(q: QiaoQuality) -> tuple[list[str], str]:
    """The image files (first ``count``, sorted) and the caption file."""
    files, folder = image_files(q.images, q.count, "[quality] images")
    return files, caption_file(folder, q.captions, "[quality] captions")


def stream_lengths(study: QiaoStudy, path: str) -> tuple[int, int]:
    """(|v0|, |v1|): as set, or the cached streams' mean bits."""
    v0, v1 = study.prompt_bits, study.edge_bits
    if v0 is None or v1 is None:
        from ..xu.perception import stream_bits

        b = stream_bits(path)
        v0 = v0 or int(round(b["prompt"].mean()))
        v1 = v1 or int(round(b["edge"].mean()))
    return int(v0), int(v1)


def ber_targets(study: QiaoStudy, path: str) -> list[dict[str, Any]]:
    """Per (CLIP, MS-SSIM) target pair, BER1* = min_j Φj⁻¹(εj) over the metrics the source provides."""
    if study.quality.source == "none" or not _has(path, "quality"):
        return []
    from .measure import read_table
    from .quality import ber_for_quality

    t = read_table(path)
    out = []
    for pair in study.quality.targets:
        wanted = dict(zip(("clip", "ms_ssim"), pair))
        use = {k: v for k, v in wanted.items() if k in t.metrics}
        ber, per = ber_for_quality(t, use) if use else (None, {})
        out.append({"targets": wanted, "used": sorted(use), "missing": sorted(set(wanted) - set(use)),
                    "ber_star": ber, "ber_per_metric": per})
    return out


def _has(path: str, key: str) -> bool:
    if not os.path.exists(path):
        return False
    with open_result(path) as f:
        return key in f


# --------------------------------------------------------------------------- parts
def _quality(study: QiaoStudy, ctx: RunContext) -> None:
    from . import measure as ms
    from .quality import read_quality_table

    q = study.quality
    if q.source == "measured":
        images, caps = resolve_images(q)
        ctx.say(f"quality: {len(images)} images, metrics {', '.join(q.metrics)}")
        ms.measure_quality(ctx.file, images, caps, q.metrics, q.psis, q.repeats, study.seed, q.ntc_quality,
                           q.random_weights, ctx.device)
        doc = ms.quality_table(ctx.file, q.metrics, q.psis, q.random_weights, seed=study.seed)
        source = "measured, prompt intact: " + "; ".join(f"{k}: {v}" for k, v in doc["labels"].items())
    else:
        t = read_quality_table(q.source[6:])
        doc = {"ber": list(t.ber), "metrics": {k: list(v) for k, v in t.metrics.items()}}
        source = f"table {os.path.basename(q.source[6:])}: {t.source}"
    ms.store_table(ctx.file, doc, source)
    with open(os.path.join(study.out, "quality_table.json"), "w") as fh:
        json.dump({"ber": doc["ber"], "metrics": doc["metrics"], "source": source}, fh, indent=1)


def _designs(study: QiaoStudy, v: tuple[int, int], bers: list[float], rate_model: str, ctx: RunContext) -> None:
    from .sweep import fig4_sweep, solver_gaps

    de, params = study.designs, study.system.params()
    ctx.say(f"designs ({rate_model}): {len(de.avg_snr_db)} SNRs x {len(bers)} targets x {de.realizations} draws")
    sw = fig4_sweep(v[0], v[1], de.avg_snr_db, bers, rate_model, de.realizations, study.seed, params, de.unaware_ber)
    gaps = solver_gaps(v[0], v[1], de.check_snrs_db, bers, rate_model, params, de.check_points)
    write_group(ctx.file, f"designs/{rate_model}", sw, {"solver_gaps": gaps})


def paper_implied_bers(params: m.QiaoParams) -> list[float]:
    r"""BER1* behind Table II: eq. (4)'s threshold solved for the BER at the paper's 64-QAM
    :math:`\bar\gamma_1` = 27 / 26 / 25 dB, :math:`\mathrm{BER} = e^{-\alpha\gamma_1/(M-1)}/\beta`."""
    return [math.exp(-params.alpha * 10 ** (g / 10) / 63) / params.beta for g in (27.0, 26.0, 25.0)]


def _table2(study: QiaoStudy, v: tuple[int, int], targets: list[dict[str, Any]], ctx: RunContext) -> None:
    from .sweep import table2_ranges

    de, params = study.designs, study.system.params()
    rows = []
    paper = [{"targets": dict(zip(("clip", "ms_ssim"), pair)), "used": ["paper-implied"], "missing": [],
              "ber_star": ber, "ber_per_metric": {}, "paper_implied": True}
             for pair, ber in zip(((0.999, 0.991), (0.997, 0.982), (0.978, 0.918)), paper_implied_bers(params))]
    for t in paper + targets:
        r = dict(t)
        r["ranges"] = table2_ranges(v[0], v[1], t["ber_star"], params, float(min(de.avg_snr_db)),
                                    float(max(de.avg_snr_db)), de.table2_step_db) if t["ber_star"] else []
        rows.append(r)
    write_group(ctx.file, "table2", {}, {"rows": rows})


def _eq2(study: QiaoStudy, ctx: RunContext) -> None:
    from .eq2_check import fit_kb, simulate_per, verdict
    from .links import retransmission_check

    e, sy = study.eq2, study.system
    ctx.say(f"eq. (2): prompt packets on the conv-code link, L = {list(e.lengths)}")
    pts = simulate_per(e.lengths, e.awgn_snrs_db, "awgn", e.target_errors, e.max_packets, study.seed, ctx.device)
    pts += simulate_per(e.lengths, e.rayleigh_snrs_db, "rayleigh", e.target_errors, e.max_packets, study.seed,
                        ctx.device)
    kb = fit_kb(pts)
    retx = [retransmission_check(e.retx_length, s, e.retx_prompts, study.seed, ctx.device, sy.k, sy.b)
            for s in e.retx_snrs_db]
    write_group(ctx.file, "eq2", {}, {"points": verdict(pts), "fit_kb": kb, "retransmissions": retx})


def _eq4(study: QiaoStudy, ctx: RunContext) -> None:
    from .eq4_check import eq4_rows, upper_bound_region
    from .links import simulate_mqam

    e, sy = study.eq4, study.system
    ctx.say("eq. (4): bound vs exact vs simulated uncoded M-QAM")
    rows = eq4_rows(e.ber_targets, m.QAM_ORDERS, sy.alpha, sy.beta)
    sim = []
    for order in m.QAM_ORDERS:
        for r in eq4_rows(e.sim_bers, (order,), sy.alpha, sy.beta):
            pt = simulate_mqam(order, [r["bound_snr_db"]], e.target_bit_errors, e.max_bits, study.seed,
                               ctx.device)[0]
            pt.update(ber_target=r["ber_target"], exact_ber=r["exact_ber_at_bound"],
                      bound_holds=pt["ber_ci"][1] <= r["ber_target"],
                      exact_in_ci=pt["ber_ci"][0] <= r["exact_ber_at_bound"] <= pt["ber_ci"][1])
            sim.append(pt)
    grid = np.round(np.arange(-5.0, 45.0001, 0.05), 3)
    region = []
    for order in m.QAM_ORDERS:
        ok = upper_bound_region(order, grid, sy.alpha, sy.beta)
        # the bound is an upper bound from this SNR on (over the grid); does it also hold anywhere below?
        i = next((j for j in range(grid.size) if ok[j:].all()), None)
        region.append({"modulation_order": order, "upper_bound_from_db": None if i is None else float(grid[i]),
                       "holds_below": bool(ok[: grid.size if i is None else i].any())})
    write_group(ctx.file, "eq4", {}, {"rows": rows, "simulated": sim, "upper_bound_region": region})


def _e2e(study: QiaoStudy, v: tuple[int, int], ber: float, ctx: RunContext) -> None:
    from .links import E2E_COLUMNS, end_to_end

    ee, params = study.end_to_end, study.system.params()
    streams, quality = _edge_streams(study, v[1], ctx)
    rows = []
    for s in ee.avg_snr_db:
        ctx.say(f"end to end: avg SNR {s:g} dB, {ee.draws} draws")
        rows += [d.to_row() for d in end_to_end(v[0], streams, float(s), ber, ee.draws, params,
                                                study.seed + int(round(10 * s)), ctx.device, quality)]
    write_group(ctx.file, "end_to_end", {"draws": np.array(rows, dtype=np.float64)},
           {"columns": list(E2E_COLUMNS), "ber_target": ber, "prompt_bits": v[0],
            "edge_bits": [int(x.numel()) for x in streams]})


def _edge_streams(study: QiaoStudy, v1: int, ctx: RunContext) -> tuple[list, Any]:
    """The edge bit streams of the end-to-end check and its quality function."""
    import torch

    if study.quality.source == "measured":
        from bridge import BytesCodec
        from genai.metrics import ms_ssim
        from genai.registry import load

        from ..semantic import decode_sketch
        from ..xu.perception import load_items

        items = load_items(ctx.file)
        bc = BytesCodec()
        codec = load("sketch_codec", "ntc", quality=items[0].quality)
        clean = [codec.decompress(it.data) for it in items]
        ref = [ms_ssim(it.sketch, np.clip(c, 0, 1)) for it, c in zip(items, clean)]

        def quality(i: int, bits: Any) -> float:
            rx = decode_sketch(codec, bc.decode(bits.cpu()), items[i].sketch)
            return float(ms_ssim(items[i].sketch, np.clip(rx, 0, 1)) / ref[i])

        return [bc.encode(it.data).float().cpu() for it in items], quality
    g = torch.Generator().manual_seed(study.seed)
    streams = [torch.randint(0, 2, (v1,), generator=g).float()]
    if study.quality.source.startswith("table:"):
        from .measure import read_table

        t = read_table(ctx.file)
        name = "ms_ssim" if "ms_ssim" in t.metrics else sorted(t.metrics)[0]

        def from_table(i: int, bits: Any) -> float:
            errs = float((bits.cpu() != streams[i]).float().mean())
            return t.value(name, errs)

        return streams, from_table
    return streams, None


def qiao_parts(study: QiaoStudy, ctx: RunContext) -> Iterator[Part]:
    """The parts in order; designs/Table II/end-to-end are built after the quality part (their
    targets come from it). Each later part reads only the quality part's results, so ``--workers N``
    runs them in parallel (:func:`~scenarios.study.parts.group_part`)."""
    q, sy = study.quality, study.system
    if q.source != "none":
        cfg = {**asdict(q), "seed": study.seed}
        if q.source.startswith("table:"):
            with open(q.source[6:], "rb") as fh:
                cfg["table_digest"] = hashlib.sha256(fh.read()).hexdigest()
        yield Part("quality", cfg, functools.partial(_quality, study), label="quality Φ(BER1)", seed=study.seed)
    v = stream_lengths(study, ctx.file)
    targets = ber_targets(study, ctx.file)
    bers = sorted(set(study.designs.ber_targets) | {t["ber_star"] for t in targets if t["ber_star"]})
    bers = [min(b, 0.999 / sy.beta) for b in bers]
    base = {"bits": v, "system": asdict(sy), "seed": study.seed}
    for rm in study.designs.rate_models:
        cfg = {**base, "designs": asdict(study.designs), "bers": bers, "rate_model": rm}
        yield group_part(f"designs/{rm}", cfg, functools.partial(_designs, study, v, bers, rm), ctx,
                         label=f"designs {rm}", seed=study.seed)
    # Table II from the paper's implied BER1* always, and from the quality source when there is one
    cfg = {**base, "targets": targets, "grid": [min(study.designs.avg_snr_db), max(study.designs.avg_snr_db),
                                                study.designs.table2_step_db], "paper_implied": True}
    yield group_part("table2", cfg, functools.partial(_table2, study, v, targets), ctx, label="Table II",
                     seed=study.seed)
    yield group_part("eq2", {**asdict(study.eq2), "system": asdict(sy), "seed": study.seed},
                     functools.partial(_eq2, study), ctx, label="eq. (2) on the link", seed=study.seed)
    yield group_part("eq4", {**asdict(study.eq4), "system": asdict(sy), "seed": study.seed},
                     functools.partial(_eq4, study), ctx, label="eq. (4) on the link", seed=study.seed)
    ber: Union[float, None] = study.end_to_end.ber
    if targets:
        ber = targets[study.end_to_end.target_pair]["ber_star"]
    if ber:
        ber = min(float(ber), 0.999 / sy.beta)
        cfg = {**base, "end_to_end": asdict(study.end_to_end), "ber": ber, "quality": q.source}
        yield group_part("end_to_end", cfg, functools.partial(_e2e, study, v, ber), ctx, label="end to end",
                         seed=study.seed)
