r"""The ``qiao_latency`` study file: TOML tables → the frozen :class:`QiaoStudy` (``semlink run qiao_latency``).

A study file with ``[study] kind = "qiao_latency"`` is validated here and run in parts
(:mod:`scenarios.qiao.parts`), each stamped in ``<out>/<name>.h5`` and skipped on re-run when done.

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
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from ..study.quantities import (BANDWIDTH_HZ, BER, CODE_RATE, EQ2_B, EQ2_K, EQ4_ALPHA, EQ4_BETA, GAIN_DB, NOISE_DBM_HZ,
                                PATH_LOSS_EXPONENT, POWER_MW, SNR_DB, SNR_STEP_DB, STREAM_BITS)
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables, resolve_path
from . import models as m

__all__ = ["QiaoSystem", "QiaoQuality", "QiaoDesigns", "QiaoEq2", "QiaoHarq", "QiaoEq4", "QiaoE2E", "QiaoStudy", "load_qiao",
           "TABLES", "STUDY_KEYS", "RATE_MODELS", "METRICS", "TIE_BREAKS"]

#: The study file's tables besides ``[study]`` and ``[quick]``.
TABLES = ("system", "quality", "designs", "eq2", "harq", "eq4", "end_to_end")
#: The kind's own ``[study]`` keys.
STUDY_KEYS = ("prompt_bits", "edge_bits")
RATE_MODELS = ("continuous", "discrete")
#: How the discrete design spends power the edge-limited optimum leaves free (:mod:`scenarios.qiao.lemma1`).
TIE_BREAKS = ("equal", "prompt-all")
#: ``[quality] metrics``: study metric name -> the paper's quality it stands for (:mod:`scenarios.qiao.measure`)
METRICS = {"feature": "ms_ssim", "regen-clip": "clip", "regen-ms-ssim": "ms_ssim"}


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
    """``[quality]``: where Φj(BER1) comes from and the (CLIP, MS-SSIM) target pairs."""

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
    """``[designs]``: the Fig. 4 sweep, the solver check and Table II's γ̄ grid step."""

    avg_snr_db: tuple[float, ...] = tuple(float(x) for x in range(31))
    ber_targets: tuple[float, ...] = (1e-6, 1e-5, 1e-4)
    realizations: int = 200
    rate_models: tuple[str, ...] = RATE_MODELS
    unaware_ber: float = 1e-7
    check_snrs_db: tuple[float, ...] = (0.0, 10.0, 20.0, 30.0)
    check_points: int = 200
    table2_step_db: float = 0.1
    orders: tuple[int, ...] = (4, 16, 64)
    tie_break: str = "equal"


@dataclass(frozen=True)
class QiaoEq2:
    """``[eq2]``: the prompt packet on the link: PER points on Rayleigh block fading at the mean SNR (the
    verdict) and on AWGN (a labelled diagnostic), at most ``max_bits`` information bits per point; CRC
    retransmissions on AWGN."""

    lengths: tuple[int, ...] = (200, 800, 3200)
    awgn_snrs_db: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0)
    rayleigh_snrs_db: tuple[float, ...] = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
    target_errors: int = 100
    max_packets: int = 20000
    max_bits: int = 4_000_000
    retx_length: int = 800
    retx_snrs_db: tuple[float, ...] = (1.5, 2.5)
    retx_prompts: int = 1000


@dataclass(frozen=True)
class QiaoHarq:
    """``[harq]``: the prompt with conv-code ARQ, 5G LDPC ARQ and LDPC HARQ-IR on Rayleigh block fading."""

    length: int = 800
    snrs_db: tuple[float, ...] = (0.0, 5.0, 10.0, 15.0)
    prompts: int = 300
    cap: int = 16


@dataclass(frozen=True)
class QiaoEq4:
    """``[eq4]``: eq. (4)'s bound at BER targets, simulated uncoded M-QAM at ``sim_bers``."""

    ber_targets: tuple[float, ...] = (1e-7, 1e-6, 1e-5, 1e-4)
    sim_bers: tuple[float, ...] = (1e-2, 1e-3, 1e-4)
    target_bit_errors: int = 200
    max_bits: int = 20_000_000


@dataclass(frozen=True)
class QiaoE2E:
    """``[end_to_end]``: designs per Rayleigh draw on the real links."""

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
    harq: QiaoHarq = QiaoHarq()
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


def _quality(qu: QiaoQuality, src: Path, where: str) -> QiaoQuality:
    """``[quality]`` checked: the table file made absolute, metrics known, BERs and target pairs valid."""
    if qu.source.startswith("table:"):
        f_ = resolve_path(qu.source[6:], src)
        if not os.path.isfile(f_):
            raise StudyError(f"{where}: [quality] table {qu.source[6:]!r} not found")
        qu = dataclasses.replace(qu, source="table:" + os.path.abspath(f_))
    elif qu.source not in ("measured", "none"):
        raise StudyError(f"{where}: [quality] source must be measured, table:FILE or none, got {qu.source!r}")
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
        if not (isinstance(t, (list, tuple)) and len(t) == 2 and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x <= 1 for x in t)):
            raise StudyError(f"{where}: [quality] targets must be [CLIP, MS-SSIM] pairs in (0, 1], got {t!r}")
        pairs.append((float(t[0]), float(t[1])))
    return dataclasses.replace(qu, targets=tuple(pairs))


def _check_rest(sy: QiaoSystem, qu: QiaoQuality, de: QiaoDesigns, e2: QiaoEq2, e4: QiaoEq4, ee: QiaoE2E,
                where: str, hq: QiaoHarq = QiaoHarq()) -> None:
    """``[designs]``, ``[eq2]``, ``[eq4]`` and ``[end_to_end]`` beyond their types and ranges."""
    _bers(de.ber_targets, where, "[designs] ber_targets", 1 / sy.beta)
    _bers((de.unaware_ber,), where, "[designs] unaware_ber", 1 / sy.beta)
    if de.realizations < 1 or de.check_points < 10 or not 0 < de.table2_step_db <= 1:
        raise StudyError(f"{where}: [designs] needs realizations >= 1, check_points >= 10, 0 < table2_step_db <= 1")
    if any(r not in RATE_MODELS for r in de.rate_models):
        raise StudyError(f"{where}: [designs] rate_models must be continuous and/or discrete")
    if not de.orders or any(o not in m.QAM_ORDERS for o in de.orders) or list(de.orders) != sorted(set(de.orders)):
        raise StudyError(f"{where}: [designs] orders must be increasing QAM orders from {list(m.QAM_ORDERS)}")
    if de.tie_break not in TIE_BREAKS:
        raise StudyError(f"{where}: [designs] tie_break must be one of {', '.join(TIE_BREAKS)}, got {de.tie_break!r}")
    if isinstance(hq.length, bool) or not isinstance(hq.length, int) or hq.length < 8 or hq.prompts < 2 \
            or not 1 <= hq.cap <= 64:
        raise StudyError(f"{where}: [harq] needs an integer length >= 8, prompts >= 2 and 1 <= cap <= 64")
    if any(isinstance(x, bool) or not isinstance(x, int) or x < 8 for x in e2.lengths + (e2.retx_length,)):
        raise StudyError(f"{where}: [eq2] lengths and retx_length must be integers >= 8")
    if e2.target_errors < 1 or e2.max_packets < 1 or e2.retx_prompts < 2 or e2.max_bits < 1:
        raise StudyError(f"{where}: [eq2] needs target_errors >= 1, max_packets >= 1, max_bits >= 1, retx_prompts >= 2")
    _bers(e4.ber_targets, where, "[eq4] ber_targets", 1 / sy.beta)
    _bers(e4.sim_bers, where, "[eq4] sim_bers", 1 / sy.beta)
    if e4.target_bit_errors < 1 or e4.max_bits < 1000:
        raise StudyError(f"{where}: [eq4] needs target_bit_errors >= 1 and max_bits >= 1000")
    if ee.draws < 1:
        raise StudyError(f"{where}: [end_to_end] draws must be >= 1")
    _bers((ee.ber,), where, "[end_to_end] ber", 1 / sy.beta)
    if qu.source != "none" and not 0 <= ee.target_pair < len(qu.targets):
        raise StudyError(f"{where}: [end_to_end] target_pair must index [quality] targets (0..{len(qu.targets) - 1})")


def load_qiao(doc: dict, header: StudyHeader) -> QiaoStudy:
    """Validate the Qiao tables of a study file (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, TABLES)
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
    hq: QiaoHarq = build_dataclass(QiaoHarq, tabs["harq"], where, "harq", bounds={"snrs_db": SNR_DB})
    e4: QiaoEq4 = build_dataclass(QiaoEq4, tabs["eq4"], where, "eq4")
    ee: QiaoE2E = build_dataclass(QiaoE2E, tabs["end_to_end"], where, "end_to_end", ranges={"avg_snr_db": ""},
                                  bounds={"avg_snr_db": SNR_DB})
    try:
        sy.params()
    except ValueError as err:
        raise StudyError(f"{where}: [system] {err}") from None
    qu = _quality(qu, Path(header.source), where)
    _check_rest(sy, qu, de, e2, e4, ee, where, hq)
    study = doc["study"]
    v0 = _bits(study.get("prompt_bits", 800), where, "prompt_bits")
    v1 = _bits(study.get("edge_bits", 7864), where, "edge_bits")
    if (v0 is None or v1 is None) and qu.source != "measured":
        raise StudyError(f"{where}: \"measured\" stream sizes need [quality] source = \"measured\"")
    return QiaoStudy(**header.fields(), prompt_bits=v0, edge_bits=v1, system=sy, quality=qu, designs=de, eq2=e2,
                     harq=hq, eq4=e4, end_to_end=ee)
