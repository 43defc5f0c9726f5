"""``controlnet_seg``: the semantic-map-conditioned generator — ControlNet-seg on Stable Diffusion 1.5.

GESCO's own SPADE-based semantic diffusion model (Grassucci et al.) has no released weights usable
here; the map-conditioned decoder of the GESCO study is therefore ControlNet-seg
(``lllyasviel/sd-controlnet-seg``, trained on ADE20K colour maps) on SD 1.5 through diffusers, with
the same loading, missing-input and tiny-random conventions as the HED decoder
(:class:`genai.controlnet.ControlNetDecoder`, which this class extends). The control image is the
label map painted with the ADE20K palette (``genai/data/ade20k_palette.json``; class ``i`` takes
colour ``class_colors[i]``, by default ADE20K class ``i``), resized with nearest neighbours.
Labels that are not ADE20K classes (e.g. the classical stand-in's colour clusters) are painted
with ADE20K colours all the same; outputs are then conditioned on meaningless categories.

.. code-block:: python

    >>> import numpy as np
    >>> dec = ControlNetSegDecoder(random_weights=True, steps=1)
    >>> gen = dec("a street", np.array([[0, 1], [2, 3]]), seed=0)
    >>> gen.image.shape, gen.edges_used, "random weights" in gen.note
    ((64, 64, 3), True, True)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from .controlnet import DEFAULT_BASE, ControlNetDecoder
from .registry import register

__all__ = ["ControlNetSegDecoder", "DEFAULT_SEG_CONTROLNET", "ade20k_palette", "paint"]

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


@register("decoder", "controlnet_seg")
class ControlNetSegDecoder(ControlNetDecoder):
    """Prompt and/or label map -> image (keyword arguments as :class:`~genai.controlnet.ControlNetDecoder`).

    :param class_colors: ``[C, 3]`` colours of the label classes (default: the ADE20K palette).
    """

    def __init__(self, base: str = DEFAULT_BASE, controlnet: str = DEFAULT_SEG_CONTROLNET,
                 class_colors: Optional[Sequence[Sequence[int]]] = None, **kw: Any) -> None:
        super().__init__(base=base, controlnet=controlnet, **kw)
        self.colors = ade20k_palette() if class_colors is None else np.asarray(class_colors, dtype=np.uint8)

    def _control(self, edges: Optional[np.ndarray]):
        from PIL import Image

        if edges is None:
            return Image.fromarray(np.zeros((self.size, self.size, 3), np.uint8))
        img = Image.fromarray(paint(np.asarray(edges), self.colors))
        return img.resize((self.size, self.size), Image.NEAREST)
