r"""``fid``: Fréchet inception distance (Heusel et al. 2017) on torchvision's Inception-v3, offline-first.

:func:`frechet_distance` is :math:`\lVert\mu_1-\mu_2\rVert^2 + \mathrm{tr}(\Sigma_1 + \Sigma_2 -
2(\Sigma_1\Sigma_2)^{1/2})` (SciPy's ``sqrtm``, a small diagonal offset when the product is singular,
the imaginary round-off dropped). :class:`FIDFeatures` gives the 2048-d pool features of images
(resized to 299×299, ImageNet normalization) from torchvision's ImageNet Inception-v3
(``inception_v3_google-0cc3c7bd.pth``: explicit path or ``$TORCH_HOME/hub/checkpoints``; none: a
:class:`~genai.loading.ModelNotAvailable` naming it). These weights are torchvision's, not the TF
"pt_inception-2015-12-05" of pytorch-fid, so values are not comparable with published FIDs; with a few
images the covariance is rank-deficient and FID mostly measures that (outputs should say how many
images). ``random_weights=True`` uses a small random convolutional feature extractor (tests).

.. code-block:: python

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(500, 3)), rng.normal(1.0, 1.0, size=(500, 3))
    >>> abs(frechet_distance(a, a)) < 1e-6, 2.5 < frechet_distance(a, b) < 3.5   # |mu1 - mu2|^2 = 3
    (True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, torchvision_checkpoint
from .registry import register

__all__ = ["FIDFeatures", "frechet_distance", "find_inception_weights"]

_FILE = "inception_v3_google-0cc3c7bd.pth"  # torchvision Inception_V3_Weights.IMAGENET1K_V1
_MEAN, _STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """FID between two feature sets ``[n1, d]`` and ``[n2, d]`` (n ≥ 2 each)."""
    from scipy import linalg

    a, b = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError("need two feature arrays [n, d] with the same d and n >= 2")
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((s1 + off) @ (s2 + off))
    covmean = np.real(covmean)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def find_inception_weights(path: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The Inception-v3 ImageNet weight file (explicit path or torch hub's cache) or ModelNotAvailable."""
    return torchvision_checkpoint((_FILE,), "FID: torchvision's Inception-v3 ImageNet weights", path)


@register("metric", "fid")
class FIDFeatures:
    """Pool features of RGB images for FID; ``fid(real, generated)`` on two image lists.

    :param weights: Explicit path of the Inception-v3 ``.pth``.
    :param random_weights: A small random feature extractor (tests).
    :param device: Torch device.
    """

    def __init__(self, weights: Optional[Union[str, os.PathLike]] = None, random_weights: bool = False,
                 device: str = "cpu") -> None:
        import torch

        if random_weights:
            torch.manual_seed(0)
            self.model = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 5, stride=4), torch.nn.ReLU(),
                                             torch.nn.Conv2d(16, 32, 3, stride=2), torch.nn.ReLU(),
                                             torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
            self.size, self.note = 64, RANDOM_WEIGHTS_NOTE
        else:
            from .compat import import_torchvision

            import_torchvision()
            from torchvision.models import inception_v3

            p = find_inception_weights(weights)
            m = inception_v3(weights=None, aux_logits=True, init_weights=False)
            m.load_state_dict(torch.load(p, map_location="cpu", weights_only=True))
            m.fc = torch.nn.Identity()  # the 2048-d average-pool features
            self.model, self.size = m, 299
            self.note = f"FID on torchvision Inception-v3 ({p.name}; not pytorch-fid's TF weights)"
        self.model = self.model.eval().to(device)
        self.device = device

    def features(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``[n, d]`` features of RGB images ``[H, W, 3]`` in [0, 1] (or 0..255)."""
        import torch
        import torch.nn.functional as F

        from .saliency import rgb01

        out = []
        with torch.no_grad():
            for im in images:
                x = torch.from_numpy(((rgb01(im) - _MEAN) / _STD).transpose(2, 0, 1)[None]).float().to(self.device)
                x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
                out.append(self.model(x).reshape(-1).cpu().numpy())
        return np.stack(out).astype(np.float64)

    def fid(self, real: Sequence[np.ndarray], generated: Sequence[np.ndarray]) -> float:
        return frechet_distance(self.features(real), self.features(generated))
