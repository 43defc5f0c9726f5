"""The rows of the ``jscc_vs_separation`` study's ``jscc`` and ``separated`` tables and the inputs both parts share
(the images, the quasi-static Rayleigh fades)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .schema import JSCCStudy, study_images

__all__ = ["ROW_COLUMNS", "ROW_UNITS", "row", "load_images", "fade_gains"]

ROW_COLUMNS = ("channel", "c", "image", "snr_db", "draw", "gain", "system", "psnr", "msssim", "bits", "codewords",
               "lost", "mcs")
ROW_UNITS = {"snr_db": "dB", "psnr": "dB", "bits": "bit"}
# bits: the source bits sent (0 for DeepJSCC, whose symbols are analog, and for a lost or unsent stream's none)


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
    """One row of :data:`ROW_COLUMNS` (``sc``: PSNR, MS-SSIM)."""
    return dict(zip(ROW_COLUMNS, (channel, c, i, float(s), d, float(g), system, float(sc[0]), float(sc[1]),
                                  float(bits), int(cw), bool(lost), mcs)))
