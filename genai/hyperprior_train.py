"""Training of the ``hyperprior`` RGB image codec family (``semlink train-image-codec``).

Data: the photographs shipped inside scikit-image (never Kodak, which is for evaluation), greyscale
ones replicated to three channels, at scales 1, 0.7 and 0.5; random crops, flips and 90° rotations on
the fly. Objective and schedule: :func:`genai.rd_train.train_rd_models` (``λ · 255² · MSE + bpp``).
One model per λ, ``hyperprior_rgb_q{q}.safetensors`` with ``q = 1`` for the smallest λ (the lowest
rate); the largest λ is the Huang et al. reference coder :math:`\\Phi^r`.
"""

from __future__ import annotations

import json
import os
from typing import Optional, Sequence

import numpy as np
import torch

from .ntc_train import TRAIN_PHOTOS

__all__ = ["training_images", "random_crops", "train_image_codec", "DEFAULT_LAMBDAS"]

#: four rate points (CompressAI's quality 1..4 use 0.0018, 0.0035, 0.0067, 0.0130)
DEFAULT_LAMBDAS = (0.0018, 0.0035, 0.0067, 0.013)


def training_images(scales: Sequence[float] = (1.0, 0.7, 0.5)) -> list[np.ndarray]:
    """The scikit-image photos as float32 RGB ``[H, W, 3]`` in [0, 1] at several scales."""
    from skimage.transform import rescale

    from .rd_train import skimage_photos

    out = []
    for img in skimage_photos(TRAIN_PHOTOS):
        img = img.astype(np.float64) / max(float(img.max()), 1e-9)  # per-photo range, as the shipped models saw
        for s in scales:
            im = img if s == 1.0 else rescale(img, s, channel_axis=-1, anti_aliasing=True)
            if min(im.shape[:2]) >= 64:
                out.append(np.clip(im, 0, 1).astype(np.float32))
    if not out:
        raise RuntimeError("no training photos found inside scikit-image")
    return out


def random_crops(images: list[np.ndarray], rng: np.random.Generator, batch: int, crop: int) -> torch.Tensor:
    """``[batch, 3, crop, crop]``: random crops of random photos, rotated by a multiple of 90° and mirrored at
    random (reflect-padded where a photo is smaller); the sampler of the image trainers (and ``train-jscc``)."""
    xs = []
    for _ in range(batch):
        im = images[int(rng.integers(len(images)))]
        h, w = im.shape[:2]
        c = min(crop, h, w)
        i, j = int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1))
        x = im[i: i + c, j: j + c]
        if c < crop:
            x = np.pad(x, ((0, crop - c), (0, crop - c), (0, 0)), mode="reflect")
        x = np.rot90(x, int(rng.integers(4)))
        if rng.random() < 0.5:
            x = x[:, ::-1]
        xs.append(np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32))
    return torch.from_numpy(np.stack(xs))


def train_image_codec(out_dir: str, lambdas: Sequence[float] = DEFAULT_LAMBDAS, steps: int = 3000, batch: int = 8,
                      crop: int = 128, lr: float = 1e-4, seed: int = 0, device: str = "cpu", log_every: int = 100,
                      images: Optional[list[np.ndarray]] = None, init: Optional[str] = None) -> list[dict]:
    """Train one RGB codec per λ; write ``hyperprior_rgb_q{q}.safetensors`` and ``hyperprior_training.json``."""
    from .hyperprior import build_image_model
    from .rd_train import check_rd_settings, train_rd_models

    check_rd_settings(lambdas, steps, batch, crop, lr)
    os.makedirs(out_dir, exist_ok=True)
    images = images if images is not None else training_images()
    meta = {"batch": str(batch), "crop": str(crop), "data": "scikit-image photos: " + ",".join(TRAIN_PHOTOS)}
    res = train_rd_models(build_image_model, lambda rng: random_crops(images, rng, batch, crop), lambdas, out_dir,
                          "hyperprior_rgb_q{q}.safetensors", meta, steps, lr, seed, device, log_every, "hyperprior",
                          init=init)
    with open(os.path.join(out_dir, "hyperprior_training.json"), "w") as fh:
        json.dump(res, fh, indent=1)
    return res
