"""The rows of the ``jscc_vs_separation`` study's ``jscc`` and ``separated`` tables and the inputs the parts share
(the images, the quasi-static Rayleigh fades, the LPIPS network of ``[data] perceptual``)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .schema import JSCCStudy, study_images

__all__ = ["ROW_COLUMNS", "ROW_UNITS", "row", "load_images", "fade_gains", "perceptual", "perceptual_key"]

ROW_COLUMNS = ("channel", "c", "image", "snr_db", "draw", "gain", "system", "psnr", "msssim", "lpips", "bits",
               "codewords", "lost", "mcs")
ROW_UNITS = {"snr_db": "dB", "psnr": "dB", "bits": "bit"}
# lpips: NaN where LPIPS is not computed ([data] perceptual, or its weights absent); bits: the source bits sent
# (0 for DeepJSCC, whose symbols are analog, and for a lost or unsent stream's none)


def fade_gains(study: JSCCStudy) -> list[float]:
    """The quasi-static Rayleigh power gains (the same for every system and SNR)."""
    return [float(g) for g in np.random.default_rng(study.seed + 1).exponential(1.0, study.link.fades)]


def load_images(study: JSCCStudy) -> list[np.ndarray]:
    """The study's images: centre crops cut to multiples of 16, float RGB in [0, 1]."""
    from ..digital.codecs import load_image

    c = study.data.crop
    return [load_image(f, c)[: c // 16 * 16, : c // 16 * 16] for f in study_images(study.data)]


def row(channel: str, c: int, i: int, s: float, d: int, g: float, system: str, sc: Any, bits: float = 0.0,
         cw: int = 0, lost: bool = False, mcs: str = "") -> dict:
    """One row of :data:`ROW_COLUMNS` (``sc``: PSNR, MS-SSIM, LPIPS)."""
    return dict(zip(ROW_COLUMNS, (channel, c, i, float(s), d, float(g), system, float(sc[0]), float(sc[1]),
                                  float(sc[2]), float(bits), int(cw), bool(lost), mcs)))


def perceptual(study: JSCCStudy, device: str) -> tuple[Optional[Any], str]:
    """The LPIPS network of ``[data] perceptual`` (``None`` when off or its weights are absent) and a note
    saying which (the loader's message names a missing file)."""
    from genai.registry import load_optional

    if study.data.perceptual == "off":
        return None, "LPIPS: off ([data] perceptual)"
    rnd = study.data.perceptual == "random" or study.data.random_weights
    return load_optional("metric", "lpips", "LPIPS", random_weights=rnd, device=device)


def perceptual_key(study: JSCCStudy) -> str:
    """What LPIPS the parts compute, for their config hash: ``off``, ``random``, ``absent`` or the AlexNet weight
    file's name and size (weights that appear later re-run the parts that score images)."""
    from genai.loading import ModelNotAvailable
    from genai.lpips_alex import find_alexnet_weights

    if study.data.perceptual == "off":
        return "off"
    if study.data.perceptual == "random" or study.data.random_weights:
        return "random"
    try:
        p = find_alexnet_weights()
    except ModelNotAvailable:
        return "absent"
    return f"{p.name}:{p.stat().st_size}"

