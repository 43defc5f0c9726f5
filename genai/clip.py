"""``clip``: CLIP image-image cosine similarity (default ``openai/clip-vit-large-patch14``).

``metric(ref, rec)`` = cosine of the projected image embeddings, in [-1, 1], higher is
more similar (1 for identical images). A missing reconstruction (``None``: nothing was
regenerated) scores 0. ``random_weights=True`` builds a tiny random CLIP from a config
(tests; its scores are meaningless and it says so).
"""

from __future__ import annotations

import os
from typing import Optional, Union

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, resolve_hub_model
from .registry import register

__all__ = ["ClipSimilarity", "DEFAULT_MODEL"]

DEFAULT_MODEL = "openai/clip-vit-large-patch14"


def _pil(image):
    from PIL import Image

    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0, 1) * 255).round().astype(np.uint8)
    if a.ndim != 3 or a.shape[-1] != 3:
        raise ValueError(f"expected an RGB image [H, W, 3], got {a.shape}")
    return Image.fromarray(a)


@register("metric", "clip")
class ClipSimilarity:
    """CLIP image-image cosine similarity.

    :param model_id: Hub id of the CLIP model.
    :param path: Explicit model folder.
    :param allow_download: Allow a Hub download.
    :param random_weights: Tiny random CLIP instead (offline tests).
    :param device: Torch device.
    """

    def __init__(self, model_id: str = DEFAULT_MODEL, path: Optional[Union[str, os.PathLike]] = None,
                 allow_download: bool = False, random_weights: bool = False, device: str = "cpu") -> None:
        from .compat import import_torchvision

        import_torchvision()
        self.random_weights = bool(random_weights)
        self.device = device
        if random_weights:
            from .tiny import tiny_clip

            self.model, self.processor = tiny_clip()
            self.source = None
            self.note = RANDOM_WEIGHTS_NOTE
        else:
            from transformers import CLIPImageProcessor, CLIPModel

            src = resolve_hub_model(model_id, path, allow_download)
            try:
                self.model = CLIPModel.from_pretrained(src.location, local_files_only=True, use_safetensors=True)
                self.processor = CLIPImageProcessor.from_pretrained(src.location, local_files_only=True)
            except (OSError, ValueError) as err:
                raise ModelNotAvailable(f"{model_id}: cannot load from {src.location}: {err}") from None
            self.source = src
            self.note = f"{model_id} ({src.kind})"
        self.model = self.model.eval().to(device)

    def embed(self, image) -> np.ndarray:
        import torch

        with torch.no_grad():
            inputs = self.processor(images=_pil(image), return_tensors="pt").to(self.device)
            out = self.model.get_image_features(**inputs)
            e = out if isinstance(out, torch.Tensor) else out.pooler_output
        e = e[0].cpu().numpy().astype(np.float64)
        return e / np.linalg.norm(e)

    def __call__(self, ref, rec) -> float:
        if rec is None:
            return 0.0
        return float(np.clip(self.embed(ref) @ self.embed(rec), -1.0, 1.0))
