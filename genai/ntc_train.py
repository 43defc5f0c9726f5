"""Training of the ``ntc`` sketch codec (``semlink train-sketch-codec``).

Data: the photographs shipped inside scikit-image (never Kodak, which is for evaluation),
turned into sketches by the real HED model (:mod:`genai.hed`) at three scales, then
heavily augmented on the fly (random crops, flips, 90° rotations, random thresholds /
gamma of the edge strength). Objective: CompressAI's rate-distortion loss
``λ · 255² · MSE + bpp`` (bpp from the likelihoods), Adam, plus the entropy bottleneck's
auxiliary loss. One model per λ; weights saved as safetensors with the training settings
in their metadata.
"""

from __future__ import annotations

import json
import os
from typing import Optional, Sequence

import numpy as np
import torch

__all__ = ["TRAIN_PHOTOS", "training_sketches", "train_sketch_codec"]

# file names inside skimage/data (shipped with the package; nothing is downloaded)
TRAIN_PHOTOS = ("astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
                "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg", "ihc.png", "logo.png",
                "microaneurysms.png", "moon.png", "motorcycle_left.png", "page.png", "retina.jpg",
                "rocket.jpg", "text.png", "clock_motion.png", "cell.png")


def training_sketches(scales: Sequence[float] = (1.0, 0.7, 0.5), device: str = "cpu") -> list[np.ndarray]:
    """HED sketches of the scikit-image photos at several scales (float32 [H, W] in [0, 1])."""
    from skimage.transform import rescale

    from .hed import HEDEdges
    from .rd_train import skimage_photos

    hed = HEDEdges(device=device)
    out = []
    for img in skimage_photos(TRAIN_PHOTOS):
        for s in scales:
            im = img if s == 1.0 else (rescale(img, s, channel_axis=-1, anti_aliasing=True) * 255).astype(np.uint8)
            if min(im.shape[:2]) < 96:
                continue
            out.append(hed(im).astype(np.float32))
    return out


def _batch(sketches: list[np.ndarray], rng: np.random.Generator, batch: int, crop: int) -> torch.Tensor:
    xs = []
    for _ in range(batch):
        s = sketches[int(rng.integers(len(sketches)))]
        h, w = s.shape
        c = min(crop, h, w)
        i, j = int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1))
        x = s[i : i + c, j : j + c]
        if c < crop:
            x = np.pad(x, ((0, crop - c), (0, crop - c)), mode="reflect")
        x = np.rot90(x, int(rng.integers(4)))
        if rng.random() < 0.5:
            x = x[:, ::-1]
        x = np.clip(x, 0, 1) ** float(rng.uniform(0.6, 1.6))  # edge-strength augmentation
        if rng.random() < 0.2:  # occasionally a hard (binarized) sketch
            x = (x > rng.uniform(0.3, 0.7)).astype(np.float32)
        xs.append(np.ascontiguousarray(x, dtype=np.float32))
    return torch.from_numpy(np.stack(xs))[:, None]


def train_sketch_codec(
    out_dir: str,
    lambdas: Sequence[float] = (0.0002, 0.001),
    steps: int = 2000,
    batch: int = 8,
    crop: int = 128,
    lr: float = 2e-4,
    seed: int = 0,
    device: str = "cpu",
    log_every: int = 100,
    sketches: Optional[list[np.ndarray]] = None,
) -> list[dict]:
    """Train one codec per λ; write ``ntc_sketch_q{i}.safetensors`` (i = 1 for the smallest λ).

    :returns: One summary per model (λ, final loss terms, steps, seconds, path).
    """
    from .ntc import build_model
    from .rd_train import check_rd_settings, train_rd_models

    check_rd_settings(lambdas, steps, batch, crop, lr)
    os.makedirs(out_dir, exist_ok=True)
    sketches = sketches if sketches is not None else training_sketches(device=device)
    meta = {"batch": str(batch), "crop": str(crop),
            "data": "HED sketches of scikit-image photos: " + ",".join(TRAIN_PHOTOS)}
    summaries = train_rd_models(build_model, lambda rng: _batch(sketches, rng, batch, crop), lambdas, out_dir,
                                "ntc_sketch_q{q}.safetensors", meta, steps, lr, seed, device, log_every, "ntc")
    with open(os.path.join(out_dir, "ntc_training.json"), "w") as fh:
        json.dump(summaries, fh, indent=1)
    return summaries
