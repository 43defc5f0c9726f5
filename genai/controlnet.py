"""``controlnet``: the generative decoder — ControlNet on Stable Diffusion (diffusers).

Default: SD 1.5 (``stable-diffusion-v1-5/stable-diffusion-v1-5``) + ``lllyasviel/sd-controlnet-hed``;
any base / ControlNet pair of the same family works (e.g. SD 2.1 with an SD2 HED
ControlNet). Inputs may be missing, as after a discard-with-error receiver:

* prompt and edge map: the usual conditioned generation;
* prompt only: the ControlNet is switched off (conditioning scale 0 on an empty map);
* edge map only: an empty prompt;
* nothing: no image (``None``) — the papers' "no regeneration" case (perception distance 1).

``random_weights=True`` builds a tiny random pipeline from configs (:mod:`genai.tiny`) so
the same code runs offline; its images are noise-like and flagged ``random weights``.
Weights load from safetensors only (no pickle execution).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable, resolve_hub_model, resolve_weights
from .registry import register

__all__ = ["ControlNetDecoder", "DEFAULT_BASE", "DEFAULT_CONTROLNET", "Generation"]

DEFAULT_BASE = "stable-diffusion-v1-5/stable-diffusion-v1-5"
DEFAULT_CONTROLNET = "lllyasviel/sd-controlnet-hed"
_PATTERNS = ["*.json", "*.txt", "*.safetensors", "tokenizer/*", "scheduler/*"]


@dataclass
class Generation:
    """One decoder output: the image ``[H, W, 3]`` float in [0, 1] (``None``: nothing to decode) and what made it."""

    image: Optional[np.ndarray]
    prompt_used: bool
    edges_used: bool
    note: str


@register("decoder", "controlnet")
class ControlNetDecoder:
    """Prompt and/or edge map -> image.

    :param base: Stable Diffusion repo id or folder.
    :param controlnet: ControlNet repo id or folder.
    :param allow_download: Allow Hub downloads.
    :param random_weights: Tiny random pipeline instead (offline tests).
    :param steps: Denoising steps.
    :param guidance: Classifier-free guidance scale.
    :param size: Output side in pixels (a multiple of 8; 64 for the tiny pipeline).
    :param device: Torch device.
    """

    def __init__(self, base: str = DEFAULT_BASE, controlnet: str = DEFAULT_CONTROLNET, allow_download: bool = False,
                 random_weights: bool = False, steps: int = 20, guidance: float = 7.5, size: Optional[int] = None,
                 device: str = "cpu") -> None:
        if steps < 1:
            raise ValueError("steps must be positive")
        self.random_weights = bool(random_weights)
        self.steps, self.guidance, self.device = int(steps), float(guidance), device
        if random_weights:
            from .tiny import tiny_controlnet_pipeline

            self.pipe = tiny_controlnet_pipeline()
            self.size = size or 64
            self.note = RANDOM_WEIGHTS_NOTE
        else:
            import torch
            from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

            srcs = {}
            for rid in (base, controlnet):
                local = os.path.isdir(rid)
                srcs[rid] = (resolve_weights(rid, "no such folder", path=rid) if local
                             else resolve_hub_model(rid, None, allow_download, _PATTERNS))
            try:
                cn_dir = srcs[controlnet].location
                cn = ControlNetModel.from_pretrained(cn_dir, local_files_only=True, use_safetensors=True)
                dtype = torch.float16 if str(device).startswith("cuda") else torch.float32
                base_dir = srcs[base].location
                self.pipe = StableDiffusionControlNetPipeline.from_pretrained(base_dir, local_files_only=True,
                                                                              use_safetensors=True, controlnet=cn,
                                                                              safety_checker=None, torch_dtype=dtype,
                                                                              requires_safety_checker=False)
            except (OSError, ValueError) as err:
                raise ModelNotAvailable(f"{base} + {controlnet}: cannot load ({err})") from None
            self.pipe.set_progress_bar_config(disable=True)
            self.size = size or 512
            self.note = f"{base} + {controlnet}"
        if self.size % 8:
            raise ValueError(f"size must be a multiple of 8, got {self.size}")
        self.pipe = self.pipe.to(device)

    def _control(self, edges: Optional[np.ndarray]):
        from PIL import Image

        if edges is None:
            return Image.fromarray(np.zeros((self.size, self.size, 3), np.uint8))
        e = np.asarray(edges, dtype=np.float32)
        if e.ndim != 2 or not np.all(np.isfinite(e)):
            raise ValueError(f"edge map must be a finite [H, W] array, got shape {e.shape}")
        img = Image.fromarray((np.clip(e, 0, 1) * 255).round().astype(np.uint8)).convert("RGB")
        return img.resize((self.size, self.size), Image.BILINEAR)

    def __call__(self, prompt: Optional[str], edges: Optional[np.ndarray], seed: int = 0) -> Generation:
        """One image from whatever arrived (``None`` for a lost stream)."""
        return self.generate([prompt], [edges], seed=seed)[0]

    def generate(self, prompts: Sequence[Optional[str]], edges: Sequence[Optional[np.ndarray]],
                 seed: int = 0) -> list[Generation]:
        """A batch; items with neither stream give ``image=None``. Same seed, same images."""
        import torch

        if len(prompts) != len(edges):
            raise ValueError("prompts and edges must have the same length")
        out: list[Optional[Generation]] = [None] * len(prompts)
        for i, (p, e) in enumerate(zip(prompts, edges)):
            if not p and e is None:
                out[i] = Generation(None, False, False, self.note)
        todo = [i for i in range(len(prompts)) if out[i] is None]
        # prompt-only items run with the ControlNet off; group by that setting
        for with_edges in (True, False):
            idx = [i for i in todo if (edges[i] is not None) == with_edges]
            if not idx:
                continue
            gen = torch.Generator(device="cpu").manual_seed(int(seed))
            res = self.pipe(
                [prompts[i] or "" for i in idx], image=[self._control(edges[i]) for i in idx],
                num_inference_steps=self.steps, guidance_scale=self.guidance, generator=gen,
                height=self.size, width=self.size, output_type="np",
                controlnet_conditioning_scale=1.0 if with_edges else 0.0,
            )
            for j, i in enumerate(idx):
                out[i] = Generation(np.asarray(res.images[j], dtype=np.float32), bool(prompts[i]), with_edges,
                                    self.note)
        return out  # type: ignore[return-value]
