r"""The ``huang_cie`` study file: its tables as frozen dataclasses, validated (``semlink run huang_cie``).

``[data]`` (images, crops, the coder family, importance, perceptual metrics, γ² of GVIF),
``[fig7]`` (the thresholds α of the Fig. 7 analogue) and ``[fig9]`` (the SNR sweep, the latency
budget :math:`T_{max}`, the real link's blocklength and target BLER, Algorithm 1's parameters, the
fades and the :math:`T_{max}` sweep of Fig. 9(b)); ``[quick]`` overrides any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..study.images import image_inputs
from ..study.quantities import BANDWIDTH_HZ, BLER, HVS_VARIANCE, LATENCY_MS, SNR_DB, SNR_STEP_DB, UNIT
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables

__all__ = ["HuangData", "HuangFig7", "HuangFig9", "HuangStudy", "load_huang", "study_images", "TABLES", "STUDY_KEYS",
           "FIG9_BOUNDS"]

#: The kind's TOML tables (besides ``[study]`` and ``[quick]``).
TABLES = ("data", "fig7", "fig9")
#: The kind's own ``[study]`` keys (none).
STUDY_KEYS: tuple[str, ...] = ()
#: Ranges of the physical [fig9] keys (:mod:`scenarios.study.quantities`, as ``semlink cie``).
FIG9_BOUNDS = {"snrs_db": SNR_DB, "t_max_ms": LATENCY_MS, "bandwidth_hz": BANDWIDTH_HZ, "target_bler": BLER,
               "d0_mask_psnr_db": SNR_DB, "latency_snr_db": SNR_DB, "t_max_sweep_ms": LATENCY_MS,
               "example_alphas": UNIT, "alpha_th": UNIT, "mcs_step_db": SNR_STEP_DB}


@dataclass(frozen=True)
class HuangData:
    """``[data]``: the images (``"kodak"``: ``$SEMLINK_KODAK``), centre crop, coder family folder
    (``""``: the shipped weights), importance model and its scale, perceptual metrics, γ² (eq. 27)."""

    images: str = "kodak"
    count: int = 6
    crop: int = 512
    coders: str = ""
    importance: str = "spectral_residual"
    importance_scale: str = "rank"
    perceptual: str = "auto"
    random_weights: bool = False
    gamma2: float = 0.1


@dataclass(frozen=True)
class HuangFig7:
    """``[fig7]``: the thresholds α (eq. 17) of the GVIF vs mask-PSNR figure."""

    alphas: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class HuangFig9:
    """``[fig9]``: the SNR sweep and the designs' parameters (Algorithm 1: ``penalty`` p, ``nu``, ``eta``,
    ``iters``, ``alpha_th``; the real link: ``blocklength`` uses per codeword, ``target_bler``)."""

    snrs_db: tuple[float, ...] = tuple(float(x) for x in range(-2, 21, 2))
    t_max_ms: float = 20.0
    bandwidth_hz: float = 1e6
    blocklength: int = 1024
    target_bler: float = 1e-3
    d0_mask_psnr_db: float = 30.0
    penalty: float = 10.0
    nu: float = 0.05
    eta: float = 0.05
    iters: int = 200
    alpha_th: float = 0.8
    fades: int = 16
    mcs_step_db: float = 0.25
    latency_snr_db: float = 10.0
    t_max_sweep_ms: tuple[float, ...] = (5.0, 10.0, 20.0, 30.0, 50.0)
    example_alphas: tuple[float, ...] = (0.0, 0.3, 0.5, 0.7)


@dataclass(frozen=True)
class HuangStudy(StudyHeader):
    """A ``huang_cie`` study: the header and its three tables."""

    data: HuangData = HuangData()
    fig7: HuangFig7 = HuangFig7()
    fig9: HuangFig9 = HuangFig9()


def _check_data(da: HuangData, where: str) -> None:
    if da.count < 1 or not (da.crop == 0 or 64 <= da.crop <= 4096) or da.gamma2 <= 0:
        raise StudyError(f"{where}: [data] needs count >= 1, crop 0 or in [64, 4096] and gamma2 > 0")
    if da.importance not in ("spectral_residual", "cam"):
        raise StudyError(f"{where}: [data] importance must be spectral_residual or cam, got {da.importance!r}")
    if da.perceptual not in ("auto", "off", "random"):
        raise StudyError(f"{where}: [data] perceptual must be auto, off or random, got {da.perceptual!r}")
    if da.importance_scale not in ("rank", "minmax"):
        raise StudyError(f"{where}: [data] importance_scale must be rank or minmax, got {da.importance_scale!r}")


def _check_fig9(f9: HuangFig9, where: str) -> None:
    if f9.t_max_ms <= 0 or f9.bandwidth_hz <= 0 or not 0 < f9.target_bler < 1 or f9.blocklength < 8:
        raise StudyError(f"{where}: [fig9] needs t_max_ms > 0, bandwidth_hz > 0, target_bler in (0, 1), blocklength >= 8")
    if f9.penalty <= 0 or f9.nu <= 0 or f9.eta <= 0 or f9.iters < 1 or not 0 < f9.alpha_th <= 1:
        raise StudyError(f"{where}: [fig9] needs positive penalty, nu, eta, iters and alpha_th in (0, 1]")
    if not f9.t_max_sweep_ms or any(not t > 0 for t in f9.t_max_sweep_ms):
        raise StudyError(f"{where}: [fig9] t_max_sweep_ms must be positive latencies (ms)")
    if f9.fades < 1 or not 0 < f9.mcs_step_db <= 2 or f9.blocklength < 32:
        raise StudyError(f"{where}: [fig9] needs fades >= 1, mcs_step_db in (0, 2], blocklength >= 32")


def load_huang(doc: dict, header: StudyHeader) -> HuangStudy:
    """Validate the Huang tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, TABLES)
    da: HuangData = build_dataclass(HuangData, tabs["data"], where, "data", bounds={"gamma2": HVS_VARIANCE})
    f7: HuangFig7 = build_dataclass(HuangFig7, tabs["fig7"], where, "fig7", ranges={"alphas": ""},
                                    bounds={"alphas": UNIT})
    f9: HuangFig9 = build_dataclass(HuangFig9, tabs["fig9"], where, "fig9", ranges={"snrs_db": "", "t_max_sweep_ms": ""},
                                    bounds=FIG9_BOUNDS)
    _check_data(da, where)
    if any(not 0 <= a <= 1 for a in f7.alphas + f9.example_alphas):
        raise StudyError(f"{where}: alphas must lie in [0, 1]")
    _check_fig9(f9, where)
    return HuangStudy(**header.fields(), data=da, fig7=f7, fig9=f9)


def study_images(d: HuangData) -> list[str]:
    """The image files of ``[data]`` (:func:`scenarios.study.images.image_inputs`)."""
    return list(image_inputs(d.images, d.count, "[data]").files)
