r"""The ``jscc_vs_separation`` study file: its tables as frozen dataclasses, validated
(``semlink run jscc_vs_separation``).

``[data]`` (the images, their centre crop, the coder family and DeepJSCC weight folders, LPIPS), ``[jscc]`` (the
bandwidth ratios c/48 of the SNR-adaptive models, the fixed-SNR models of the mismatch figure, channel draws
per image on AWGN) and ``[link]`` (the SNR grid, the channels, the real link's blocklength, target BLER and
MCS list, the Rayleigh fades and the OFDM-TDL thresholds' target and grid); ``[quick]`` overrides any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..study.images import image_inputs
from ..study.quantities import BLER, SNR_DB, SNR_STEP_DB
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables

__all__ = ["JSCCData", "JSCCModels", "JSCCLink", "JSCCMaps", "JSCCStudy", "load_jscc", "study_images", "parse_mcs", "TABLES",
           "STUDY_KEYS", "ALL_MCS", "OFDM_MCS"]

TABLES = ("data", "jscc", "link", "maps")
STUDY_KEYS: tuple[str, ...] = ()
#: Every MCS of :data:`scenarios.digital.mcs.MCS_RATES` by name (``"<modulation> <rate>"``).
ALL_MCS = ("qpsk 1/5", "qpsk 1/3", "qpsk 1/2", "qpsk 2/3", "qpsk 3/4", "16qam 1/2", "16qam 2/3", "16qam 3/4",
           "64qam 2/3", "64qam 3/4", "64qam 5/6")
#: The OFDM-TDL subset (each OFDM threshold costs ~10x an AWGN one on a CPU).
OFDM_MCS = ("qpsk 1/5", "qpsk 1/2", "qpsk 3/4", "16qam 1/2", "16qam 3/4", "64qam 3/4")


@dataclass(frozen=True)
class JSCCData:
    """``[data]``: images (``"kodak"``: ``$SEMLINK_KODAK``), centre crop (a multiple of 16), the hyperprior family
    folder and the DeepJSCC weights folder (``""``: the shipped ones); ``perceptual``: LPIPS ``auto`` (where
    its AlexNet weights are present), ``off`` or ``random`` (a random network: tests; also with ``random_weights``,
    tests only, unless ``off``)."""

    images: str = "kodak"
    count: int = 12
    crop: int = 256
    coders: str = ""
    models: str = ""
    perceptual: str = "auto"
    random_weights: bool = False


@dataclass(frozen=True)
class JSCCModels:
    """``[jscc]``: the SNR-adaptive models' channels c (bandwidth ratio c/48 complex uses per source value), the
    fixed-SNR models (``fixed_channels``, trained at ``fixed_snrs_db``) and the AWGN noise draws per image."""

    channels: tuple[int, ...] = (4, 8)
    fixed_channels: int = 8
    fixed_snrs_db: tuple[float, ...] = (5.0, 15.0)
    draws: int = 4


@dataclass(frozen=True)
class JSCCLink:
    """``[link]``: Es/N0 grid, channels, the separated system's blocklength (complex uses per codeword; OFDM-TDL
    uses one codeword per resource grid), target BLER and MCS grid step, its MCS list, quasi-static Rayleigh
    fades, and the OFDM-TDL thresholds' target, step and MCS list."""

    snrs_db: tuple[float, ...] = tuple(float(x) for x in range(0, 21, 2))
    channels: tuple[str, ...] = ("awgn", "rayleigh", "ofdm-tdl")
    blocklength: int = 1024
    target_bler: float = 1e-3
    mcs_step_db: float = 0.25
    mcs: tuple[str, ...] = ALL_MCS
    fades: int = 8
    ofdm_target_bler: float = 1e-2
    ofdm_step_db: float = 1.0
    ofdm_mcs: tuple[str, ...] = OFDM_MCS


@dataclass(frozen=True)
class JSCCMaps:
    """``[maps]``: the label-map comparison on AWGN (GESCO's maps: the study's images segmented into ``classes``
    colour classes by the classical segmenter, resized to ``size``): DeepJSCC for maps with ``channels`` (channel uses
    c·H·W/16), GESCO's analog one-hot map and the lossless digital map code at the same uses; ``count`` 0: none."""

    count: int = 12
    classes: int = 8
    size: tuple[int, ...] = (128, 192)
    channels: int = 4


@dataclass(frozen=True)
class JSCCStudy(StudyHeader):
    """A ``jscc_vs_separation`` study: the header and its four tables."""

    data: JSCCData = JSCCData()
    jscc: JSCCModels = JSCCModels()
    link: JSCCLink = JSCCLink()
    maps: JSCCMaps = JSCCMaps()


def parse_mcs(names: tuple[str, ...], where: str) -> tuple[tuple[str, float], ...]:
    """``("qpsk 1/2", ...)`` -> ``(("qpsk", 0.5), ...)`` (a :class:`StudyError` naming a bad entry)."""
    out = []
    for s in names:
        parts = str(s).split()
        try:
            mod, rate = parts[0].lower(), float(Fraction(parts[1]))
        except (IndexError, ValueError, ZeroDivisionError):
            raise StudyError(f"{where}: an MCS must read '<qpsk|16qam|64qam> <rate>', got {s!r}") from None
        if len(parts) != 2 or mod not in ("qpsk", "16qam", "64qam") or not 0.19 <= rate <= 0.95:
            raise StudyError(f"{where}: an MCS must read '<qpsk|16qam|64qam> <rate in [1/5, 0.95]>', got {s!r}")
        out.append((mod, rate))
    return tuple(out)


def _check(da: JSCCData, jm: JSCCModels, lk: JSCCLink, where: str) -> None:
    if da.count < 1 or da.crop % 16 or not 64 <= da.crop <= 2048:
        raise StudyError(f"{where}: [data] needs count >= 1 and crop a multiple of 16 in [64, 2048]")
    if da.perceptual not in ("auto", "off", "random"):
        raise StudyError(f"{where}: [data] perceptual must be auto, off or random, got {da.perceptual!r}")
    if any(c not in (1, 2, 4, 8, 12, 16, 24) for c in jm.channels + (jm.fixed_channels,)) or jm.draws < 1:
        raise StudyError(f"{where}: [jscc] channels must be in 1..24 (bandwidth ratio c/48) and draws >= 1")
    bad = [c for c in lk.channels if c not in ("awgn", "rayleigh", "ofdm-tdl")]
    if bad or len(set(lk.channels)) != len(lk.channels):
        raise StudyError(f"{where}: [link] channels must be distinct among awgn, rayleigh, ofdm-tdl, got {bad or lk.channels}")
    if lk.blocklength < 32 or lk.fades < 1 or not 0 < lk.ofdm_step_db <= 4:
        raise StudyError(f"{where}: [link] needs blocklength >= 32, fades >= 1 and ofdm_step_db in (0, 4]")
    if len(set(lk.snrs_db)) != len(lk.snrs_db) or list(lk.snrs_db) != sorted(lk.snrs_db):
        raise StudyError(f"{where}: [link] snrs_db must be increasing")
    parse_mcs(lk.mcs, where)
    parse_mcs(lk.ofdm_mcs, where)


def load_jscc(doc: dict, header: StudyHeader) -> JSCCStudy:
    """Validate the study's tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, TABLES)
    da: JSCCData = build_dataclass(JSCCData, tabs["data"], where, "data")
    jm: JSCCModels = build_dataclass(JSCCModels, tabs["jscc"], where, "jscc", bounds={"fixed_snrs_db": SNR_DB})
    lk: JSCCLink = build_dataclass(JSCCLink, tabs["link"], where, "link", ranges={"snrs_db": ""},
                                   bounds={"snrs_db": SNR_DB, "target_bler": BLER, "ofdm_target_bler": BLER,
                                           "mcs_step_db": SNR_STEP_DB})
    mp: JSCCMaps = build_dataclass(JSCCMaps, tabs["maps"], where, "maps")
    _check(da, jm, lk, where)
    if mp.count < 0 or not 2 <= mp.classes <= 64 or len(mp.size) != 2 or any(s % 16 or not 32 <= s <= 2048
                                                                            for s in mp.size) or not 1 <= mp.channels <= 64:
        raise StudyError(f"{where}: [maps] needs count >= 0, classes in 2..64, size [H, W] multiples of 16 in "
                         "[32, 2048] and channels in 1..64")
    if mp.count > da.count:
        raise StudyError(f"{where}: [maps] count ({mp.count}) exceeds [data] count ({da.count})")
    return JSCCStudy(**header.fields(), data=da, jscc=jm, link=lk, maps=mp)


def study_images(d: JSCCData) -> list[str]:
    """The image files of ``[data]`` (:func:`scenarios.study.images.image_inputs`)."""
    return list(image_inputs(d.images, d.count, "[data]").files)
