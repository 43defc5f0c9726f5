r"""``cam``: class activation mapping on a torchvision ResNet-50 (Huang et al. eqs. 14–16).

:math:`S_k = \sum_c w^k_c \sum_{ij} f_{ijc}` (eq. 14, the classifier's logits up to the average
pool's constant), :math:`I^k = \sum_c w^k_c f_c` (eq. 15) for :math:`k = \arg\max_k P_k` (eq. 16),
normalized to [0, 1] and resized to the latent grid. ``f`` is the last convolutional stage
(``layer4``), ``w`` the fully connected layer.

Weights (ImageNet, ``ResNet50_Weights.IMAGENET1K_V2`` or ``V1``) are resolved offline-first: an
explicit ``.pth`` path, else torch hub's cache (``$TORCH_HOME/hub/checkpoints/resnet50-*.pth``),
read with ``torch.load(weights_only=True)`` (no pickle execution); none present: a
:class:`~genai.loading.ModelNotAvailable` naming them. ``random_weights=True`` builds a tiny
random ResNet (tests; ``note`` says so).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, torchvision_checkpoint
from .registry import register
from .saliency import normalize_to_grid, rgb01

__all__ = ["CAMImportance", "find_resnet50_weights"]

_FILES = ("resnet50-11ad3fa6.pth", "resnet50-0676ba61.pth")  # IMAGENET1K_V2, IMAGENET1K_V1
_MEAN, _STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


def find_resnet50_weights(path: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The ResNet-50 ImageNet weight file (explicit path or torch hub's cache) or ModelNotAvailable."""
    return torchvision_checkpoint(_FILES, "torchvision ResNet-50 ImageNet weights (ResNet50_Weights.IMAGENET1K_V2)",
                                  path)


@register("importance", "cam")
class CAMImportance:
    """Image ``[H, W, 3]`` -> CAM importance ``[rows, cols]`` in [0, 1] (and ``last_label``).

    :param weights: Explicit ``.pth`` of the ImageNet ResNet-50.
    :param random_weights: Tiny random ResNet (tests).
    :param device: Torch device.
    """

    def __init__(self, weights: Optional[Union[str, os.PathLike]] = None, random_weights: bool = False,
                 device: str = "cpu") -> None:
        import torch

        from .compat import import_torchvision

        import_torchvision()
        from torchvision.models.resnet import BasicBlock, ResNet, resnet50

        if random_weights:
            torch.manual_seed(0)
            self.model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)
            self.note = RANDOM_WEIGHTS_NOTE
        else:
            p = find_resnet50_weights(weights)
            self.model = resnet50()
            self.model.load_state_dict(torch.load(p, map_location="cpu", weights_only=True))
            self.note = f"CAM on torchvision ResNet-50 ({p.name})"
        self.model = self.model.eval().to(device)
        self.device = device
        self.last_label: Optional[int] = None

    def __call__(self, image: np.ndarray, grid: Optional[tuple[int, int]] = None) -> np.ndarray:
        import torch

        img = rgb01(image)
        x = torch.from_numpy(((img - _MEAN) / _STD).transpose(2, 0, 1)[None]).float().to(self.device)
        m = self.model
        with torch.no_grad():
            f = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))[0]  # [C, Hf, Wf]
            w = m.fc.weight  # [K, C]
            s = w @ f.sum(dim=(1, 2))  # eq. (14) up to the pool's constant (softmax is monotone)
            k = int(torch.argmax(s))  # eq. (16)
            cam = torch.einsum("c,chw->hw", w[k], f)  # eq. (15)
        self.last_label = k
        return normalize_to_grid(cam.cpu().numpy(), grid if grid is not None else img.shape[:2])
