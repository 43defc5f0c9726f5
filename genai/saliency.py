"""``spectral_residual``: the offline substitute for CAM importance (Huang et al. eqs. 14–16) — no weights.

Spectral-residual saliency (Hou & Zhang, CVPR 2007): the grey image at ``width`` pixels wide, the
log-amplitude spectrum minus its 3×3 local average (the *spectral residual*) recombined with the
phase, the squared inverse FFT smoothed by a Gaussian, normalized to [0, 1] and resized (area) to the
latent grid. It marks regions that stand out from their surroundings, not a class: outputs say
**saliency substitute (spectral residual; not CAM)** (``note``).

.. code-block:: python

    >>> import numpy as np
    >>> img = np.random.default_rng(0).random((64, 96, 3))
    >>> imp = SpectralResidualImportance()(img, grid=(4, 6))
    >>> imp.shape, float(imp.min()), float(imp.max())
    ((4, 6), 0.0, 1.0)
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .registry import register

__all__ = ["SpectralResidualImportance", "normalize_to_grid", "SUBSTITUTE_NOTE"]

SUBSTITUTE_NOTE = "saliency substitute (spectral residual; not CAM: no ImageNet weights here)"


def normalize_to_grid(m: np.ndarray, grid: Optional[tuple[int, int]]) -> np.ndarray:
    """Min-max normalize to [0, 1] and resize (area) to ``grid`` = (rows, cols) (eq. 15's last step)."""
    import torch
    import torch.nn.functional as F

    a = np.asarray(m, dtype=np.float64)
    if grid is not None:
        a = F.interpolate(torch.from_numpy(a)[None, None], size=tuple(grid), mode="area")[0, 0].numpy()
    lo, hi = float(a.min()), float(a.max())
    return ((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)).astype(np.float32)


@register("importance", "spectral_residual")
class SpectralResidualImportance:
    """Image ``[H, W, 3]`` -> importance ``[rows, cols]`` in [0, 1].

    :param width: Width the saliency is computed at (the method's 64 px).
    :param sigma: Gaussian smoothing (pixels at that width).
    """

    def __init__(self, width: int = 64, sigma: float = 2.5) -> None:
        if width < 8 or sigma < 0:
            raise ValueError("width must be >= 8 and sigma >= 0")
        self.width, self.sigma, self.note = int(width), float(sigma), SUBSTITUTE_NOTE

    def __call__(self, image: np.ndarray, grid: Optional[tuple[int, int]] = None) -> np.ndarray:
        from scipy import ndimage
        from skimage.transform import resize

        img = np.asarray(image, dtype=np.float64)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got shape {img.shape}")
        if img.max() > 1.0:
            img = img / 255.0
        grey = img @ np.array([0.299, 0.587, 0.114])
        h, w = grey.shape
        small = resize(grey, (max(8, round(h * self.width / w)), self.width), anti_aliasing=True)
        spec = np.fft.fft2(small)
        log_amp = np.log(np.abs(spec) + 1e-12)
        residual = log_amp - ndimage.uniform_filter(log_amp, 3, mode="nearest")
        sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
        sal = ndimage.gaussian_filter(sal, self.sigma) if self.sigma > 0 else sal
        return normalize_to_grid(resize(sal, (h, w)), grid)
