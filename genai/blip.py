"""``blip``: BLIP image captioning (default ``Salesforce/blip-image-captioning-large``).

``random_weights=True`` builds a tiny random BLIP from a config with the BERT vocabulary
(tests; its captions are meaningless and its ``note`` says so).
"""

from __future__ import annotations

import os
from typing import Optional, Union

from .clip import _pil
from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, resolve_hub_model
from .registry import register

__all__ = ["BlipCaptioner", "DEFAULT_MODEL"]

DEFAULT_MODEL = "Salesforce/blip-image-captioning-large"


@register("prompt", "blip")
class BlipCaptioner:
    """Image -> caption (the prompt stream).

    :param model_id: Hub id.
    :param path: Explicit model folder.
    :param allow_download: Allow a Hub download.
    :param random_weights: Tiny random BLIP instead (offline tests).
    :param max_new_tokens: Caption length limit.
    :param device: Torch device.
    """

    def __init__(self, model_id: str = DEFAULT_MODEL, path: Optional[Union[str, os.PathLike]] = None,
                 allow_download: bool = False, random_weights: bool = False, max_new_tokens: int = 30,
                 device: str = "cpu") -> None:
        from .compat import import_torchvision

        import_torchvision()
        if max_new_tokens < 1:
            raise ValueError("max_new_tokens must be positive")
        self.random_weights = bool(random_weights)
        self.max_new_tokens = int(max_new_tokens)
        self.device = device
        if random_weights:
            from .tiny import tiny_blip

            self.model, self.processor = tiny_blip()
            self.source, self.note = None, RANDOM_WEIGHTS_NOTE
        else:
            from transformers import BlipForConditionalGeneration, BlipProcessor

            src = resolve_hub_model(model_id, path, allow_download)
            try:
                self.model = BlipForConditionalGeneration.from_pretrained(src.location, local_files_only=True,
                                                                          use_safetensors=True)
                self.processor = BlipProcessor.from_pretrained(src.location, local_files_only=True)
            except (OSError, ValueError) as err:
                raise ModelNotAvailable(f"{model_id}: cannot load from {src.location}: {err}") from None
            if self.processor.tokenizer.vocab_size < 1000:
                raise ModelNotAvailable(f"{model_id}: tokenizer in {src.location} loaded empty")
            self.source, self.note = src, f"{model_id} ({src.kind})"
        self.model = self.model.eval().to(device)

    def __call__(self, image) -> str:
        import torch

        with torch.no_grad():
            inputs = self.processor(images=_pil(image), return_tensors="pt").to(self.device)
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens)
        return self.processor.decode(out[0], skip_special_tokens=True).strip()
