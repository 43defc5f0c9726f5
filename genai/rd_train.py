"""The rate-distortion training loop shared by semlink's learned codecs (CompressAI models).

Objective: CompressAI's ``λ · 255² · MSE + bpp`` (bpp from the likelihoods), Adam with gradient
clipping and a tenfold learning-rate drop at 80 % of the steps, plus the entropy bottleneck's
auxiliary loss on its own optimizer. One model per λ (sorted: ``q = 1`` is the lowest rate); each is
saved as safetensors with the training settings in its metadata. Used by :mod:`genai.ntc_train`
(1-channel sketches) and :mod:`genai.hyperprior_train` (RGB images).
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

__all__ = ["check_rd_settings", "train_rd_models", "skimage_photos"]


def skimage_photos(names: Sequence[str]) -> list[np.ndarray]:
    """The named photographs shipped inside scikit-image (nothing is downloaded) as uint8 RGB
    ``[H, W, 3]`` (greyscale replicated, alpha dropped, other ranges rescaled to 0..255)."""
    from pathlib import Path

    import skimage
    from skimage.io import imread

    root = Path(skimage.__file__).parent / "data"
    out = []
    for name in names:
        p = root / name
        if not p.is_file():
            continue
        img = imread(p)
        if img.ndim == 2:
            img = np.stack([img] * 3, axis=-1)
        img = img[..., :3]
        if img.dtype != np.uint8:
            img = (255 * (img.astype(np.float64) / max(float(img.max()), 1e-9))).astype(np.uint8)
        out.append(img)
    if not out:
        raise RuntimeError("no training photos found inside scikit-image")
    return out


def check_rd_settings(lambdas: Sequence[float], steps: int, batch: int, crop: int, lr: float) -> None:
    """Clear errors for settings no run could use."""
    if not 1 <= steps <= 10**7 or not 1 <= batch <= 1024 or not 64 <= crop <= 4096 or crop % 64:
        raise ValueError("need 1 <= steps <= 1e7, 1 <= batch <= 1024 and crop a multiple of 64 in [64, 4096]")
    if not lambdas or any(not (0 < lam < math.inf) for lam in lambdas):
        raise ValueError("lambdas must be positive and finite")
    if not 0 < lr < 1:
        raise ValueError(f"the learning rate must lie in (0, 1), got {lr}")


def train_rd_models(build: Callable[[], Any], sample: Callable[[np.random.Generator], torch.Tensor],
                    lambdas: Sequence[float], out_dir: str, file_name: str, meta: dict[str, str], steps: int,
                    lr: float, seed: int, device: str, log_every: int = 100, tag: str = "rd",
                    init: Optional[str] = None) -> list[dict]:
    """Train ``build()`` once per λ on batches from ``sample(rng)``; save ``file_name.format(q=q)``.

    ``init``: a ``.safetensors`` state to start from (fine-tuning; recorded in the metadata).

    :returns: One summary per model (quality, λ, final bpp and MSE, steps, seconds, path).
    """
    from safetensors.torch import save_file

    os.makedirs(out_dir, exist_ok=True)
    summaries = []
    for q, lam in enumerate(sorted(lambdas), start=1):
        torch.manual_seed(seed + q)
        rng = np.random.default_rng(seed + q)
        model = build()
        if init is not None:
            from safetensors.torch import load_file

            model.load_state_dict(load_file(init), strict=False)
        model = model.to(device).train()
        main = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
        aux = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
        opt = torch.optim.Adam(main, lr=lr)
        aux_opt = torch.optim.Adam(aux, lr=1e-3)
        t0 = time.perf_counter()
        hist = []
        for step in range(1, steps + 1):
            x = sample(rng).to(device)
            out = model(x)
            n_px = x.shape[0] * x.shape[2] * x.shape[3]
            bpp = sum(torch.log(lk).sum() for lk in out["likelihoods"].values()) / (-math.log(2) * n_px)
            mse = torch.mean((out["x_hat"] - x) ** 2)
            loss = lam * 255**2 * mse + bpp
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(main, 1.0)
            opt.step()
            aux_loss = model.aux_loss()
            aux_opt.zero_grad()
            aux_loss.backward()
            aux_opt.step()
            hist.append((float(loss.detach()), float(bpp.detach()), float(mse.detach())))
            if step == int(0.8 * steps):
                for g in opt.param_groups:
                    g["lr"] = lr / 10
            if log_every and step % log_every == 0:
                m = np.mean(hist[-log_every:], axis=0)
                print(f"[{tag} q{q} λ={lam:g}] step {step}/{steps} loss {m[0]:.4f} bpp {m[1]:.4f} "
                      f"mse {m[2]:.5f} ({time.perf_counter() - t0:.0f} s)", flush=True)
        model.eval()
        path = os.path.join(out_dir, file_name.format(q=q))
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        m = np.mean(hist[-min(200, len(hist)):], axis=0)
        save_file(state, path, metadata={**meta, "lambda": str(lam), "steps": str(steps), "seed": str(seed),
                                         "init": os.path.basename(init) if init else "",
                                         "final_bpp": f"{m[1]:.5f}", "final_mse": f"{m[2]:.6f}",
                                         "device": str(device)})
        summaries.append({"quality": q, "lambda": lam, "bpp": float(m[1]), "mse": float(m[2]), "steps": steps,
                          "seconds": time.perf_counter() - t0, "path": path, "device": str(device)})
    return summaries
