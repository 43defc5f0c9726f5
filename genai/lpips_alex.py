r"""``lpips``: the LPIPS perceptual distance (Zhang et al. 2018, v0.1, AlexNet), offline-first.

The ``lpips`` package supplies the network and its calibrated linear layers (shipped inside the wheel);
the AlexNet backbone needs torchvision's ImageNet weights (``alexnet-owt-7be5be79.pth``), resolved from
an explicit path or torch hub's cache (``$TORCH_HOME/hub/checkpoints``) and read with
``torch.load(weights_only=True)``. Nothing is downloaded: without the backbone,
:class:`~genai.loading.ModelNotAvailable` names the file. ``random_weights=True`` runs the same code
with a random backbone and random linear layers (tests; ``note`` says so).

.. code-block:: python

    >>> import numpy as np
    >>> d = LPIPSDistance(random_weights=True)
    >>> x = np.random.default_rng(0).random((64, 64, 3))
    >>> d(x, x), d(x, 1 - x) > 0
    (0.0, True)
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, torchvision_checkpoint
from .registry import register

__all__ = ["LPIPSDistance", "find_alexnet_weights"]

_FILE = "alexnet-owt-7be5be79.pth"  # torchvision AlexNet_Weights.IMAGENET1K_V1


def find_alexnet_weights(path: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The AlexNet ImageNet weight file (explicit path or torch hub's cache) or ModelNotAvailable."""
    return torchvision_checkpoint((_FILE,), "LPIPS: torchvision's AlexNet ImageNet weights", path)


@register("metric", "lpips")
class LPIPSDistance:
    """LPIPS between two RGB images ``[H, W, 3]`` in [0, 1] (or 0..255): lower is more similar.

    :param weights: Explicit path of the AlexNet ImageNet ``.pth``.
    :param random_weights: Random backbone and linear layers (tests).
    :param device: Torch device.
    """

    def __init__(self, weights: Optional[Union[str, os.PathLike]] = None, random_weights: bool = False,
                 device: str = "cpu") -> None:
        import torch

        from .compat import import_torchvision

        import_torchvision()
        try:
            import lpips
        except ImportError as err:  # pragma: no cover - a dependency of the project
            raise ModelNotAvailable(f"the 'lpips' package is not installed ({err})") from None
        with warnings.catch_warnings():  # lpips calls torchvision's deprecated alexnet(pretrained=False)
            warnings.filterwarnings("ignore", message=".*(pretrained|weight enum).*", category=UserWarning)
            self.model, self.note = self._build(lpips, torch, weights, random_weights)
        self.model = self.model.eval().to(device)
        self.device = device

    @staticmethod
    def _build(lpips: Any, torch: Any, weights: Optional[Union[str, os.PathLike]], random_weights: bool) -> tuple:
        """The network (random, or the package's linear layers with the AlexNet backbone file) and its note."""
        if random_weights:
            torch.manual_seed(0)
            model = lpips.LPIPS(net="alex", pretrained=False, pnet_rand=True, verbose=False)
            with torch.no_grad():  # non-negative channel weights, as the calibrated ones are (LPIPS >= 0)
                for p_ in model.lins.parameters():
                    p_.abs_()
            return model, RANDOM_WEIGHTS_NOTE
        p = find_alexnet_weights(weights)
        model = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False)  # the package's lin layers
        sd = torch.load(p, map_location="cpu", weights_only=True)
        with torch.no_grad():
            for k in range(1, 6):
                for name, mod in getattr(model.net, f"slice{k}").named_children():
                    for pn, prm in mod.named_parameters(recurse=False):
                        prm.copy_(sd[f"features.{name}.{pn}"])
        return model, f"LPIPS v0.1 (AlexNet, {p.name})"

    def __call__(self, a: np.ndarray, b: np.ndarray) -> float:
        import torch

        from .saliency import rgb01

        x, y = rgb01(a), rgb01(b)
        if x.shape != y.shape:
            raise ValueError(f"images differ in shape: {x.shape} vs {y.shape}")
        t = [torch.from_numpy(v.transpose(2, 0, 1)[None] * 2 - 1).float().to(self.device) for v in (x, y)]
        with torch.no_grad():
            return float(self.model(t[0], t[1]).reshape(()))
