r"""``controlnet_seg``: the semantic-map-conditioned generator — ControlNet-seg on Stable Diffusion 1.5.

GESCO's own SPADE-based semantic diffusion model (Grassucci et al.) has no released weights usable
here; the map-conditioned decoder of the GESCO study is therefore ControlNet-seg
(``lllyasviel/sd-controlnet-seg``, trained on ADE20K colour maps) on SD 1.5 through diffusers, with
the same loading, missing-input and tiny-random conventions as the HED decoder
(:class:`genai.controlnet.ControlNetDecoder`, which this class extends). The map arrives in one of
two forms (:func:`control_image`):

* a **hard label map** ``[H, W]`` of non-negative integers: painted with the ADE20K palette
  (``genai/data/ade20k_palette.json``; class ``i`` takes colour ``class_colors[i % len]``, by default
  ADE20K class ``i``);
* **soft class planes** ``[C, H, W]`` float (e.g. the FDS output of eq. (2) padded to all C classes,
  GESCO's own conditioning): each pixel's colour is the convex combination of the class colours
  weighted by the planes, :math:`\mathrm{rgb}(p) = \sum_c w_c(p)\,\mathrm{colour}_c / \sum_c w_c(p)`
  with :math:`w_c = \max(\mathrm{plane}_c, 0)` (negative noise clipped); a pixel whose weights are
  all zero is black. One-hot planes give exactly the painted hard map (tested).

Either is resized to the decoder's square side with nearest neighbours (so the two forms agree on
one-hot planes). Labels that are not ADE20K classes (e.g. the classical stand-in's colour clusters)
are painted with ADE20K colours all the same; outputs are then conditioned on meaningless
categories. ``accepts_soft = True`` tells callers that planes may be passed.

.. code-block:: python

    >>> import numpy as np
    >>> dec = ControlNetSegDecoder(random_weights=True, steps=1)
    >>> gen = dec("a street", np.array([[0, 1], [2, 3]]), seed=0)
    >>> gen.image.shape, gen.edges_used, "random weights" in gen.note
    ((64, 64, 3), True, True)
    >>> planes = np.stack([np.array([[1.0, 0.5]]), np.array([[0.0, 0.5]])])   # [C=2, H=1, W=2]
    >>> control_image(planes, np.array([[0, 0, 0], [200, 100, 50]])).tolist()
    [[[0, 0, 0], [100, 50, 25]]]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from .controlnet import DEFAULT_BASE, ControlNetDecoder
from .registry import register

__all__ = ["ControlNetSegDecoder", "DEFAULT_SEG_CONTROLNET", "ade20k_palette", "paint", "blend", "control_image"]

DEFAULT_SEG_CONTROLNET = "lllyasviel/sd-controlnet-seg"


def ade20k_palette() -> np.ndarray:
    """The ADE20K colour table ``[150, 3]`` uint8 (the colours ControlNet-seg was trained on)."""
    doc = json.loads((Path(__file__).parent / "data" / "ade20k_palette.json").read_text())
    return np.asarray(doc["palette"], dtype=np.uint8)


def paint(labels: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Label map ``[H, W]`` -> RGB ``[H, W, 3]`` uint8 (class ``i`` gets ``colors[i % len(colors)]``)."""
    lab = np.asarray(labels)
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer) or (lab.size and lab.min() < 0):
        raise ValueError(f"a label map is [H, W] of non-negative integers, got {lab.dtype} {lab.shape}")
    return np.asarray(colors, dtype=np.uint8)[lab % len(colors)]


def blend(planes: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """Soft class planes ``[C, H, W]`` -> RGB ``[H, W, 3]`` uint8: per pixel the convex combination of the
    class colours (plane ``c`` weights ``colors[c % len(colors)]``) with weights clipped to >= 0 and
    normalized to sum 1; an all-zero pixel is black."""
    w = np.asarray(planes, dtype=np.float64)
    if w.ndim != 3 or w.shape[0] < 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"soft class planes are a finite [C, H, W] array, got shape {w.shape}")
    w = np.clip(w, 0.0, None)
    pal = np.asarray(colors, dtype=np.float64)[np.arange(w.shape[0]) % len(colors)]  # [C, 3]
    total = w.sum(axis=0)  # [H, W]
    rgb = np.einsum("chw,ck->hwk", w, pal) / np.where(total > 0, total, 1.0)[..., None]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def control_image(cond: Any, colors: np.ndarray) -> np.ndarray:
    """The control colours ``[H, W, 3]`` uint8 of a hard label map ``[H, W]`` (int: :func:`paint`) or of
    soft class planes ``[C, H, W]`` (float, bool or int: :func:`blend`); torch tensors are accepted."""
    c = cond.detach().cpu().numpy() if hasattr(cond, "detach") else np.asarray(cond)
    if c.ndim == 3:
        return blend(c, colors)
    return paint(c, colors)


@register("decoder", "controlnet_seg")
class ControlNetSegDecoder(ControlNetDecoder):
    """Prompt and/or label map (hard ``[H, W]`` or soft planes ``[C, H, W]``) -> image (keyword arguments
    as :class:`~genai.controlnet.ControlNetDecoder`).

    :param class_colors: ``[C, 3]`` colours of the label classes (default: the ADE20K palette).
    """

    #: the decoder takes soft class planes ``[C, H, W]`` as well as hard label maps
    accepts_soft = True

    def __init__(self, base: str = DEFAULT_BASE, controlnet: str = DEFAULT_SEG_CONTROLNET,
                 class_colors: Optional[Sequence[Sequence[int]]] = None, **kw: Any) -> None:
        super().__init__(base=base, controlnet=controlnet, **kw)
        self.colors = ade20k_palette() if class_colors is None else np.asarray(class_colors, dtype=np.uint8)

    def _control(self, edges: Optional[np.ndarray]):
        from PIL import Image

        if edges is None:
            return Image.fromarray(np.zeros((self.size, self.size, 3), np.uint8))
        img = Image.fromarray(control_image(edges, self.colors))
        return img.resize((self.size, self.size), Image.NEAREST)
