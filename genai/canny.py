"""``canny``: weight-free edge maps by the Canny detector (scikit-image)."""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

from .registry import register

__all__ = ["CannyEdges"]


@register("edges", "canny")
class CannyEdges:
    """RGB image -> binary Canny edge map (as float32 0/1).

    :param sigma: Gaussian smoothing of :func:`skimage.feature.canny`.

    :input image: [H, W, 3] uint8 RGB.
    :output: [H, W] float32 in {0, 1}.
    """

    def __init__(self, sigma: float = 2.0, **_: object) -> None:
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.sigma = float(sigma)
        self.random_weights = False

    def __call__(self, image: Union[np.ndarray, torch.Tensor]) -> np.ndarray:
        from skimage.color import rgb2gray
        from skimage.feature import canny

        a = np.asarray(image)
        if a.ndim != 3 or a.shape[-1] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got {a.shape}")
        return canny(rgb2gray(a), sigma=self.sigma).astype(np.float32)
