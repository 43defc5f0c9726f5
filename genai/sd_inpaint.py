"""``sd_inpaint``: the diffusion inpainting decoder of the Huang et al. receiver (eqs. 10–11) through diffusers.

Default ``stable-diffusion-v1-5/stable-diffusion-inpainting`` (``StableDiffusionInpaintPipeline``):
the partial image :math:`\\bar m \\odot \\hat x` and the prompt guide the generation of the missing
pixels; the output keeps the received pixels, :math:`\\tilde x = \\bar m \\odot \\hat x + (1 - \\bar m)
\\odot x_0` (the caller composes). Weights are resolved offline-first (:mod:`genai.loading`); a
missing model fails at once naming it. ``random_weights=True`` builds a tiny random pipeline
(:func:`genai.tiny.tiny_inpaint_pipeline`; outputs say "random weights").

.. code-block:: python

    >>> import numpy as np
    >>> dec = SDInpainter(random_weights=True, steps=1)
    >>> img = np.zeros((40, 56, 3), np.float32); known = np.zeros((40, 56), bool); known[:, :20] = True
    >>> dec("a photo", img, known, seed=0).shape
    (40, 56, 3)
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, resolve_hub_model, resolve_weights
from .registry import register

__all__ = ["SDInpainter", "DEFAULT_INPAINT"]

DEFAULT_INPAINT = "stable-diffusion-v1-5/stable-diffusion-inpainting"
_PATTERNS = ["*.json", "*.txt", "*.safetensors", "tokenizer/*", "scheduler/*"]


@register("inpainter", "sd_inpaint")
class SDInpainter:
    """``(prompt, partial image [H, W, 3], known [H, W] bool, seed) -> x0 [H, W, 3]`` in [0, 1].

    :param model: Hub id or folder of an SD inpainting pipeline.
    :param allow_download: Allow Hub downloads.
    :param random_weights: Tiny random pipeline (tests).
    :param steps: Denoising steps.
    :param guidance: Classifier-free guidance scale.
    :param size: Working resolution (multiple of 8; 512 for SD, 64 for the tiny pipeline).
    :param device: Torch device.
    """

    def __init__(self, model: str = DEFAULT_INPAINT, allow_download: bool = False, random_weights: bool = False,
                 steps: int = 25, guidance: float = 7.5, size: Optional[int] = None, device: str = "cpu") -> None:
        if steps < 1:
            raise ValueError("steps must be positive")
        self.steps, self.guidance, self.device = int(steps), float(guidance), device
        if random_weights:
            from .tiny import tiny_inpaint_pipeline

            self.pipe, self.size, self.note = tiny_inpaint_pipeline(), size or 64, RANDOM_WEIGHTS_NOTE
        else:
            import torch
            from diffusers import StableDiffusionInpaintPipeline

            src = (resolve_weights(model, "no such folder", path=model) if os.path.isdir(model)
                   else resolve_hub_model(model, None, allow_download, _PATTERNS))
            try:
                dtype = torch.float16 if str(device).startswith("cuda") else torch.float32
                self.pipe = StableDiffusionInpaintPipeline.from_pretrained(src.location, local_files_only=True,
                                                                           use_safetensors=True, safety_checker=None,
                                                                           requires_safety_checker=False,
                                                                           torch_dtype=dtype)
            except (OSError, ValueError) as err:
                raise ModelNotAvailable(f"{model}: cannot load ({err})") from None
            self.pipe.set_progress_bar_config(disable=True)
            self.size, self.note = size or 512, model
        if self.size % 8:
            raise ValueError(f"size must be a multiple of 8, got {self.size}")
        self.pipe = self.pipe.to(device)

    def __call__(self, prompt: str, partial: np.ndarray, known: np.ndarray, seed: int = 0) -> np.ndarray:
        import torch
        from PIL import Image

        img = np.asarray(partial, dtype=np.float32)
        k = np.asarray(known, dtype=bool)
        if img.ndim != 3 or img.shape[2] != 3 or k.shape != img.shape[:2]:
            raise ValueError("partial must be [H, W, 3] and known [H, W]")
        h, w = k.shape
        pil = Image.fromarray((np.clip(img, 0, 1) * 255).round().astype(np.uint8)).resize((self.size, self.size))
        mask = Image.fromarray((~k).astype(np.uint8) * 255).resize((self.size, self.size), Image.NEAREST)
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        out = self.pipe(prompt=prompt or "", image=pil, mask_image=mask, num_inference_steps=self.steps,
                        guidance_scale=self.guidance, generator=gen, height=self.size, width=self.size,
                        output_type="np").images[0]
        res = Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8)).resize((w, h), Image.BICUBIC)
        return np.asarray(res, dtype=np.float32) / 255.0
