r"""Semantic label maps for the GESCO study (Grassucci et al.): reading, one-hot of the present
classes, and the fast denoising semantic (FDS) block, eq. (2).

* A *label map* is an ``[H, W]`` integer array of class indices in ``[0, C)``.
* :func:`one_hot_present`: the one-hot planes of the classes present only (the paper sends no plane
  for an absent class), ``[K, H, W]`` float, plus the class-presence vector ``[C]`` (side information).
* :func:`fds`: :math:`\mathbf y = \mathrm{Pad}(\mathrm{MaxPool}(\mathrm{AvgPool}(\hat{\mathbf y})))`,
  eq. (2): AvgPool 3×3 then MaxPool 3×3, stride 1, size preserving. **Padding**, which the paper does
  not state: the authors' released code (``ispamm/GESCO`` ``image_sample.py``, ``preprocess_input_FDS``:
  ``th.nn.AvgPool2d(kernel_size=3, stride=1, padding=1)``) uses PyTorch's default
  ``count_include_pad=True``: the zero padding counts in the average, so a class touching the image
  border is pulled towards 0 there (``scipy.ndimage.uniform_filter(ŷ, 3, mode="constant")``).
  ``count_include_pad=False`` (this module's default before the released code was matched, kept as an
  option) averages over the window's pixels inside the image (``uniform_filter(ŷ, 3,
  mode="constant") / uniform_filter(1, 3, mode="constant")``). On a 7×9 map the two differ within one
  pixel of the border only. The max pool pads with −∞ (PyTorch's), i.e. the maximum over the window's
  pixels inside the image (``maximum_filter(·, 3, mode="nearest")``). Both are tested against
  ``scipy.ndimage``. ``Pad`` puts the planes back at their class
  indices with absent classes as all-zero planes.
* :func:`to_labels`: argmax over the (padded) planes; ties go to the lower class index.

.. code-block:: python

    >>> import numpy as np
    >>> lab = np.array([[0, 0, 3], [3, 3, 3]])
    >>> planes, present = one_hot_present(lab, 5)
    >>> planes.shape, present.tolist()
    (torch.Size([2, 2, 3]), [True, False, False, True, False])
    >>> to_labels(planes, present).tolist() == lab.tolist()
    True
"""

from __future__ import annotations

import os
from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["read_label_map", "write_label_map", "one_hot_present", "pad_planes", "fds", "to_labels",
           "label_map_files"]

Array = Union[np.ndarray, torch.Tensor]


def read_label_map(path: Union[str, os.PathLike], palette: Optional[np.ndarray] = None) -> np.ndarray:
    """An indexed ("P") or greyscale ("L"/"I") PNG of class indices as ``[H, W]`` int64.

    An RGB image needs ``palette`` (``[C, 3]`` uint8): each pixel's colour is looked up in it
    (:func:`genai.labelsets.rgb_to_labels`); a colour not in the palette is an error. For class counts,
    ignore indices, Cityscapes ids and instances use :func:`genai.labelsets.read_label_set`.
    """
    from .labelsets import read_label_image, rgb_to_labels

    px = read_label_image(path)
    if px.ndim == 3:
        if palette is None:
            raise ValueError(f"{path} is an RGB image: give the palette of its classes (--palette FILE, or save "
                             "class indices)")
        return rgb_to_labels(px, palette, str(path))
    return px.astype(np.int64)


def write_label_map(path: Union[str, os.PathLike], labels: Array) -> None:
    """Save class indices as a greyscale PNG (8 bit when the classes fit, else 16 bit)."""
    from PIL import Image

    lab = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    if lab.ndim != 2 or lab.size and lab.min() < 0:
        raise ValueError("a label map is [H, W] of non-negative class indices")
    img = Image.fromarray(lab.astype(np.uint8)) if lab.max(initial=0) < 256 else Image.fromarray(
        lab.astype(np.uint16))
    img.save(path)


def label_map_files(folder: Union[str, os.PathLike], pattern: str = "*.png") -> list[str]:
    """Label-map files in a folder (e.g. Cityscapes ``*_labelIds.png``), sorted."""
    from pathlib import Path

    if not os.path.isdir(folder):
        raise ValueError(f"no label-map folder {folder!r}")
    return sorted(str(p) for p in Path(folder).glob(pattern))


def _labels(labels: Array) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels)
    if t.dim() != 2 or t.dtype.is_floating_point or t.dtype == torch.bool:
        raise ValueError("a label map is an [H, W] integer array")
    return t.long()


def one_hot_present(labels: Array, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot planes of the present classes ``[K, H, W]`` (float32, in class order) and the
    presence vector ``[C]`` (bool)."""
    lab = _labels(labels)
    if lab.numel() and (int(lab.min()) < 0 or int(lab.max()) >= num_classes):
        raise ValueError(f"class indices must lie in [0, {num_classes}), got [{int(lab.min())}, {int(lab.max())}]")
    present = torch.zeros(num_classes, dtype=torch.bool)
    present[torch.unique(lab)] = True
    idx = torch.nonzero(present).reshape(-1)
    planes = (lab.unsqueeze(0) == idx.reshape(-1, 1, 1)).float()
    return planes, present


def pad_planes(planes: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """``Pad`` of eq. (2): ``[..., K, H, W]`` present planes -> ``[..., C, H, W]`` (absent classes all 0)."""
    idx = torch.nonzero(present.to(torch.bool)).reshape(-1)
    if planes.shape[-3] != idx.numel():
        raise ValueError(f"{planes.shape[-3]} planes for {idx.numel()} present classes")
    out = planes.new_zeros(planes.shape[:-3] + (present.numel(),) + planes.shape[-2:])
    out[..., idx, :, :] = planes
    return out


def fds(planes: torch.Tensor, kernel: int = 3, count_include_pad: bool = True) -> torch.Tensor:
    """Eq. (2) without the final ``Pad``: AvgPool then MaxPool (``kernel`` × ``kernel``, stride 1,
    size preserving) on ``[..., K, H, W]``, batched. ``count_include_pad``: the released code's
    average (``True``) or the in-image average (``False``); module docstring."""
    if kernel < 1 or kernel % 2 == 0:
        raise ValueError("the FDS kernel must be an odd positive size")
    shape = planes.shape
    x = planes.reshape((-1,) + shape[-3:]).float()
    pad = kernel // 2
    x = F.avg_pool2d(x, kernel, stride=1, padding=pad, count_include_pad=count_include_pad)
    x = F.max_pool2d(x, kernel, stride=1, padding=pad)
    return x.reshape(shape)


def to_labels(planes: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Label map(s) ``[..., H, W]`` (int64) from received present planes: ``Pad`` then argmax."""
    return pad_planes(planes, present).argmax(dim=-3)
