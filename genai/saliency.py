"""``spectral_residual``: the offline substitute for CAM importance (Huang et al. eqs. 14–16) — no weights.

Spectral-residual saliency (Hou & Zhang, CVPR 2007): the grey image at ``width`` pixels wide, the
log-amplitude spectrum minus its 3×3 local average (the *spectral residual*) recombined with the
phase, the squared inverse FFT smoothed by a Gaussian, resized (area) to the latent grid and normalized
to [0, 1]. It marks regions that stand out from their surroundings, not a class: outputs say
**saliency substitute (spectral residual; not CAM)** (``note``).

Normalization (``scale``): ``"rank"`` (default) maps each position to its quantile among the grid's
positions, in steps of 1/``levels`` (ties share the higher quantile), so the threshold α keeps the
fraction ≈ 1 − α of the positions; ``"minmax"`` is eq. (15)'s (x − min)/(max − min). The rank form is
this substitute's deviation from the paper, made because the min-max spectral residual is
concentrated (on Kodak crops most positions lie below 0.1): the set ℙ, and with it GVIF and the
bits, then hardly change for α in [0.3, 0.8], eq. (33) is flat there and Algorithm 1's two-point
estimates (eqs. 36–37) are zero. The CAM importance keeps eq. (15)'s min-max form.

.. code-block:: python

    >>> import numpy as np
    >>> img = np.random.default_rng(0).random((64, 96, 3))
    >>> imp = SpectralResidualImportance()(img, grid=(4, 6))
    >>> imp.shape, round(float(imp.min()), 6), float(imp.max()), len(set(imp.ravel().tolist()))  # 24 quantiles
    ((4, 6), 0.05, 1.0, 24)
    >>> mm = SpectralResidualImportance(scale="minmax")(img, grid=(4, 6))
    >>> float(mm.min()), float(mm.max())
    (0.0, 1.0)
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .registry import register

__all__ = ["SpectralResidualImportance", "normalize_to_grid", "SUBSTITUTE_NOTE", "SCALES", "rgb01"]

SUBSTITUTE_NOTE = "saliency substitute (spectral residual; not CAM: no ImageNet weights here)"


SCALES = ("rank", "minmax")


def rgb01(image: np.ndarray) -> np.ndarray:
    """An RGB image ``[H, W, 3]`` as float64 in [0, 1] (8-bit values are scaled; anything else is refused)."""
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an RGB image [H, W, 3], got shape {img.shape}")
    return img / 255.0 if img.max() > 1.0 else img


def normalize_to_grid(m: np.ndarray, grid: Optional[tuple[int, int]], scale: str = "minmax",
                      levels: int = 100) -> np.ndarray:
    """Resize (area) to ``grid`` = (rows, cols) and normalize to [0, 1]: ``"minmax"`` (eq. 15's last step) or
    ``"rank"`` (the quantile of each position, rounded up to a multiple of 1/``levels``)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    import torch
    import torch.nn.functional as F

    a = np.asarray(m, dtype=np.float64)
    if grid is not None:
        a = F.interpolate(torch.from_numpy(a)[None, None], size=tuple(grid), mode="area")[0, 0].numpy()
    if scale == "rank":
        from scipy.stats import rankdata

        r = rankdata(a.ravel(), method="max").reshape(a.shape) / a.size  # fraction of positions <= this one
        return (np.ceil(np.round(r * levels, 9)) / levels).astype(np.float32)
    lo, hi = float(a.min()), float(a.max())
    return ((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)).astype(np.float32)


@register("importance", "spectral_residual")
class SpectralResidualImportance:
    """Image ``[H, W, 3]`` -> importance ``[rows, cols]`` in [0, 1].

    :param width: Width the saliency is computed at (the method's 64 px).
    :param sigma: Gaussian smoothing (pixels at that width).
    :param scale: ``"rank"`` (quantiles, default) or ``"minmax"`` (see the module notes).
    :param levels: Quantile steps of the rank scale.
    """

    def __init__(self, width: int = 64, sigma: float = 2.5, scale: str = "rank", levels: int = 100) -> None:
        if width < 8 or sigma < 0 or scale not in SCALES or levels < 2:
            raise ValueError(f"width must be >= 8, sigma >= 0, levels >= 2 and scale one of {', '.join(SCALES)}")
        self.width, self.sigma, self.scale, self.levels = int(width), float(sigma), scale, int(levels)
        self.note = SUBSTITUTE_NOTE + (f"; rank-normalized in steps of 1/{self.levels}" if scale == "rank" else
                                       "; min-max normalized")

    def __call__(self, image: np.ndarray, grid: Optional[tuple[int, int]] = None) -> np.ndarray:
        from scipy import ndimage
        from skimage.transform import resize

        img = rgb01(image)
        grey = img @ np.array([0.299, 0.587, 0.114])
        h, w = grey.shape
        small = resize(grey, (max(8, round(h * self.width / w)), self.width), anti_aliasing=True)
        spec = np.fft.fft2(small)
        log_amp = np.log(np.abs(spec) + 1e-12)
        residual = log_amp - ndimage.uniform_filter(log_amp, 3, mode="nearest")
        sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
        sal = ndimage.gaussian_filter(sal, self.sigma) if self.sigma > 0 else sal
        return normalize_to_grid(resize(sal, (h, w)), grid, self.scale, self.levels)
