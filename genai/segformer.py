"""``segformer``: semantic segmentation through ``transformers`` (``AutoModelForSemanticSegmentation``).

Default ``nvidia/segformer-b0-finetuned-ade-512-512`` (ADE20K, 150 classes); any Hub model of
that auto class works (SegFormer, Mask2Former-style semantic heads with ``logits``). Weights are
resolved offline-first (:mod:`genai.loading`): a missing model fails at once naming it.
``random_weights=True`` builds a tiny random SegFormer from a config (tests; its maps are
meaningless and ``note`` says so). Output: the argmax of the logits upsampled (bilinear) to the
image size, ``[H, W]`` int64.
"""

from __future__ import annotations

import os
from typing import Optional, Union

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, resolve_hub_model
from .registry import register

__all__ = ["TransformersSegmenter", "DEFAULT_MODEL"]

DEFAULT_MODEL = "nvidia/segformer-b0-finetuned-ade-512-512"


def _tiny(classes: int, seed: int = 0):
    import torch
    from transformers import SegformerConfig, SegformerForSemanticSegmentation, SegformerImageProcessor

    torch.manual_seed(seed)
    cfg = SegformerConfig(num_channels=3, num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1],
                          hidden_sizes=[8, 16], patch_sizes=[7, 3], strides=[4, 2], num_attention_heads=[1, 2],
                          mlp_ratios=[2, 2], decoder_hidden_size=16, num_labels=classes)
    proc = SegformerImageProcessor(size={"height": 64, "width": 64})
    return SegformerForSemanticSegmentation(cfg).eval(), proc


@register("segmenter", "segformer")
class TransformersSegmenter:
    """Image ``[H, W, 3]`` -> label map ``[H, W]`` with a ``transformers`` semantic-segmentation model.

    :param model_id: Hub id.
    :param path: Explicit model folder.
    :param allow_download: Allow a Hub download.
    :param random_weights: Tiny random SegFormer (tests).
    :param classes: Classes of the tiny model.
    :param device: Torch device.
    """

    def __init__(self, model_id: str = DEFAULT_MODEL, path: Optional[Union[str, os.PathLike]] = None,
                 allow_download: bool = False, random_weights: bool = False, classes: int = 8,
                 device: str = "cpu") -> None:
        self.device = device
        if random_weights:
            self.model, self.processor = _tiny(classes)
            self.note = RANDOM_WEIGHTS_NOTE
        else:
            from transformers import AutoImageProcessor, AutoModelForSemanticSegmentation

            src = resolve_hub_model(model_id, path, allow_download)
            try:
                self.model = AutoModelForSemanticSegmentation.from_pretrained(src.location, local_files_only=True,
                                                                              use_safetensors=True)
                self.processor = AutoImageProcessor.from_pretrained(src.location, local_files_only=True)
            except (OSError, ValueError) as err:
                raise ModelNotAvailable(f"{model_id}: cannot load from {src.location}: {err}") from None
            self.note = f"{model_id} ({src.kind})"
        self.model = self.model.eval().to(device)
        self.num_classes = int(self.model.config.num_labels)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got shape {img.shape}")
        if img.dtype != np.uint8:
            img = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
        with torch.no_grad():
            inputs = self.processor(images=img, return_tensors="pt").to(self.device)
            logits = self.model(**inputs).logits
            up = F.interpolate(logits, size=img.shape[:2], mode="bilinear", align_corners=False)
        return up.argmax(dim=1)[0].cpu().numpy().astype(np.int64)
