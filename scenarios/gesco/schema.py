"""The GESCO map study file: TOML tables -> the frozen :class:`GescoStudy` (``[study] kind = "gesco_maps"``).

Tables (each optional, defaults below): ``[maps]`` (where the label maps come from and their size),
``[fds]`` (Table 5's ablation at the map level), ``[compare]`` (analog vs digital at equal channel
uses and energy), ``[fading]`` (the analog maps beyond AWGN) and ``[generate]`` (images regenerated
from received maps). The kind has no ``[study]`` keys of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..study.images import image_inputs
from ..study.quantities import SNR_DB
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables

__all__ = ["GescoMaps", "GescoFDS", "GescoCompare", "GescoFading", "GescoGenerate", "GescoStudy", "load_gesco",
           "resolve_sources", "digital_configs", "TABLES", "STUDY_KEYS", "SOURCES", "FADING", "MAP_CODECS"]

#: The kind's top-level tables (one per part).
TABLES = ("maps", "fds", "compare", "fading", "generate")
#: The kind's own ``[study]`` keys (none).
STUDY_KEYS: tuple[str, ...] = ()
#: Where the label maps come from.
SOURCES = ("classical", "folder", "segformer")
#: ``[fading] channels``: name -> (channel block, OFDM).
FADING = {"rayleigh-block": ("rayleigh-block", False), "ofdm-rayleigh": ("rayleigh-block", True),
          "ofdm-tdl": ("tdl", True)}
#: Map codecs of the digital path: ``auto`` = the shortest of RLE planes, G4 planes and PNG.
MAP_CODECS = ("auto", "planes", "g4", "png")


@dataclass(frozen=True)
class GescoMaps:
    """``[maps]``: the label maps (``source``: :data:`SOURCES`), resized (nearest) to ``size`` = (H, W).

    ``source = "folder"`` reads label PNGs (:func:`genai.labelsets.read_label_set`): ``kind`` (one of
    :data:`genai.labelsets.LABEL_KINDS`; ``auto``: Cityscapes by file name, else indexed), ``palette`` (a
    palette file for indexed / RGB maps), ``ignore_index`` (unlabelled pixels, excluded from K and the
    scores; −1: none) and ``instances`` (send the instance-edge plane from the ``*_instanceIds.png``
    beside each map, as GESCO's released code does)."""

    source: str = "classical"
    images: str = "kodak"
    folder: str = ""
    pattern: str = "*.png"
    count: int = 6
    classes: int = 8
    size: tuple[int, ...] = (256, 384)
    random_weights: bool = False
    kind: str = "auto"
    palette: str = ""
    ignore_index: int = 255
    instances: bool = False


@dataclass(frozen=True)
class GescoFDS:
    """``[fds]``: mIoU vs PSNR with and without FDS (eq. (2)) on AWGN, under each noise ``conventions``
    (:data:`bridge.analog.CONVENTIONS`; ``released-code`` is the paper's: σ on the 0/1 planes, zero-padded
    AvgPool; ``unit-power`` normalizes the planes, 10·log10 K dB easier), with σ from the PSNR and, with
    ``paper_sigma``, from the authors' σ table."""

    psnrs: tuple[float, ...] = (-5.0, -2.0, 1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 100.0)
    seeds: int = 3
    paper_sigma: bool = True
    conventions: tuple[str, ...] = ("released-code", "unit-power")


@dataclass(frozen=True)
class GescoCompare:
    """``[compare]``: the coded map on 5G LDPC + QAM links (``digital`` = ``modulation:rate``) vs the
    analog map at the same channel uses and energy, vs Es/N0."""

    snrs_db: tuple[float, ...] = tuple(float(x) for x in range(-4, 21, 2))
    digital: tuple[str, ...] = ("qpsk:0.4", "qpsk:0.5", "16qam:0.5", "16qam:0.75", "64qam:0.75")
    policies: tuple[str, ...] = ("forward", "discard")
    channels: tuple[str, ...] = ("awgn", "rayleigh-block")
    seeds: int = 2
    map_codec: str = "auto"


@dataclass(frozen=True)
class GescoFading:
    """``[fading]``: the analog map over Rayleigh block fading and OFDM (:data:`FADING`), equalized."""

    psnrs: tuple[float, ...] = (1.0, 5.0, 10.0, 20.0)
    channels: tuple[str, ...] = tuple(FADING)
    seeds: int = 2


@dataclass(frozen=True)
class GescoGenerate:
    """``[generate]``: images regenerated from received maps by ControlNet-seg (off by default)."""

    enabled: bool = False
    random_weights: bool = False
    psnrs: tuple[float, ...] = (1.0, 10.0, 100.0)
    steps: int = 20
    prompt: str = "a photograph"
    maps: int = 2


@dataclass(frozen=True)
class GescoStudy(StudyHeader):
    """A validated GESCO study (the :class:`~scenarios.study.schema.StudyHeader` fields first)."""

    maps: GescoMaps = GescoMaps()
    fds: GescoFDS = GescoFDS()
    compare: GescoCompare = GescoCompare()
    fading: GescoFading = GescoFading()
    generate: GescoGenerate = GescoGenerate()


def digital_configs(specs: tuple[str, ...]) -> list[tuple[str, float]]:
    """``"modulation:rate"`` strings -> ``(modulation, rate)``.

    .. code-block:: python

        >>> digital_configs(("qpsk:0.5", "16qam:0.75"))
        [('qpsk', 0.5), ('16qam', 0.75)]
    """
    from linklevel.blocks.config import MODULATIONS

    out = []
    for s in specs:
        mod, _, rate = str(s).partition(":")
        try:
            r = float(rate)
        except ValueError:
            raise ValueError(f"digital config {s!r}: use MODULATION:RATE, e.g. qpsk:0.5") from None
        if mod not in MODULATIONS or not 1 / 3 < r < 1:
            raise ValueError(f"digital config {s!r}: modulation one of {', '.join(MODULATIONS)}, rate in (1/3, 1) "
                             "(5G LDPC without repetition)")
        out.append((mod, r))
    return out


def _check_maps(mp: GescoMaps, where: str) -> None:
    if mp.source not in SOURCES:
        raise StudyError(f"{where}: [maps] source must be one of {', '.join(SOURCES)}, got {mp.source!r}")
    if mp.source == "folder" and not mp.folder:
        raise StudyError(f"{where}: [maps] source = \"folder\" needs folder = <label-map folder>")
    if mp.count < 1 or not 2 <= mp.classes <= 65535:
        raise StudyError(f"{where}: [maps] needs count >= 1 and classes in [2, 65535]")
    if len(mp.size) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or not 8 <= v <= 4096 for v in mp.size):
        raise StudyError(f"{where}: [maps] size must be [H, W] with 8 <= H, W <= 4096, got {list(mp.size)}")
    from genai.labelsets import LABEL_KINDS, check_plane_memory

    if mp.kind not in LABEL_KINDS:
        raise StudyError(f"{where}: [maps] kind must be one of {', '.join(LABEL_KINDS)}, got {mp.kind!r}")
    if not -1 <= mp.ignore_index <= 65535:
        raise StudyError(f"{where}: [maps] ignore_index must be -1 (none) or in [0, 65535], got {mp.ignore_index}")
    if (mp.palette or mp.instances) and mp.source != "folder":
        raise StudyError(f"{where}: [maps] palette and instances apply to source = \"folder\"")
    try:
        check_plane_memory(mp.classes, tuple(mp.size))
    except ValueError as err:
        raise StudyError(f"{where}: [maps] {str(err).replace('--classes', 'classes')}") from None


def _check_compare(cp: GescoCompare, where: str) -> None:
    try:
        digital_configs(cp.digital)
    except ValueError as err:
        raise StudyError(f"{where}: [compare] {err}") from None
    if any(p not in ("forward", "discard") for p in cp.policies):
        raise StudyError(f"{where}: [compare] policies must be forward and/or discard")
    if any(c not in ("awgn", "rayleigh-block") for c in cp.channels):
        raise StudyError(f"{where}: [compare] channels must be awgn and/or rayleigh-block")
    if cp.map_codec not in MAP_CODECS:
        raise StudyError(f"{where}: [compare] map_codec must be one of {', '.join(MAP_CODECS)}")


def _check_conventions(fd: GescoFDS, where: str) -> None:
    from bridge.analog import CONVENTIONS

    bad = [c for c in fd.conventions if c not in CONVENTIONS]
    if bad or len(set(fd.conventions)) != len(fd.conventions):
        raise StudyError(f"{where}: [fds] conventions must be distinct values among {', '.join(CONVENTIONS)}, "
                         f"got {list(fd.conventions)!r}")


def load_gesco(doc: dict, header: StudyHeader) -> GescoStudy:
    """Validate the GESCO tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, TABLES)
    snr = {"psnrs": SNR_DB, "snrs_db": SNR_DB}
    mp: GescoMaps = build_dataclass(GescoMaps, tabs["maps"], where, "maps")
    fd: GescoFDS = build_dataclass(GescoFDS, tabs["fds"], where, "fds", ranges={"psnrs": ""}, bounds=snr)
    cp: GescoCompare = build_dataclass(GescoCompare, tabs["compare"], where, "compare", ranges={"snrs_db": ""},
                                       bounds=snr)
    fa: GescoFading = build_dataclass(GescoFading, tabs["fading"], where, "fading", ranges={"psnrs": ""}, bounds=snr)
    ge: GescoGenerate = build_dataclass(GescoGenerate, tabs["generate"], where, "generate", ranges={"psnrs": ""},
                                        bounds=snr)
    _check_maps(mp, where)
    for name, n in (("fds", fd.seeds), ("compare", cp.seeds), ("fading", fa.seeds)):
        if n < 1:
            raise StudyError(f"{where}: [{name}] seeds must be >= 1")
    _check_compare(cp, where)
    _check_conventions(fd, where)
    if any(c not in FADING for c in fa.channels):
        raise StudyError(f"{where}: [fading] channels must be among {', '.join(FADING)}")
    if ge.steps < 1 or ge.maps < 1:
        raise StudyError(f"{where}: [generate] steps and maps must be >= 1")
    return GescoStudy(**header.fields(), maps=dataclasses.replace(mp, size=tuple(mp.size)), fds=fd, compare=cp,
                      fading=fa, generate=ge)


def resolve_sources(mp: GescoMaps) -> tuple[list[str], str]:
    """The input files (images, or label maps for ``folder``), first ``count`` sorted, and their kind
    (``"images"`` or ``"labels"``)."""
    if mp.source == "folder":
        from genai.semmaps import label_map_files

        files = label_map_files(mp.folder, mp.pattern)
        if not files:
            raise ValueError(f"no label maps matching {mp.pattern!r} in {mp.folder!r}")
        return files[: mp.count], "labels"
    return list(image_inputs(mp.images, mp.count, "[maps]").files), "images"
