"""DeepJSCC on evaluation images (e.g. Kodak through ``SEMLINK_KODAK``): PSNR per image and SNR through semlink's
channels, the image (with its channel draws averaged inside it) being the independent unit."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

__all__ = ["psnr_vs_snr"]


def psnr_vs_snr(model: Any, images: Sequence[np.ndarray], snrs_db: Sequence[float], channel: str = "awgn",
                csi: str = "perfect", draws: int = 4, seed: int = 0) -> np.ndarray:
    """``[images, snrs]`` PSNR (dB) of ``model`` (a :class:`genai.deepjscc.DeepJSCC`) on float RGB ``images``
    (``[H, W, 3]``, cropped to multiples of 4), each the mean MSE over ``draws`` channel draws turned into dB."""
    from sionna.phy import config

    from .train import jscc_channel

    ch = jscc_channel(channel, csi)
    out = np.zeros((len(images), len(snrs_db)))
    model.eval()
    with torch.no_grad():
        for i, img in enumerate(images):
            h, w = (img.shape[0] // 4) * 4, (img.shape[1] // 4) * 4
            x = torch.from_numpy(np.ascontiguousarray(img[:h, :w].transpose(2, 0, 1)))[None].float()
            for j, s in enumerate(snrs_db):
                st = torch.full((draws,), float(s))
                config.seed = seed + 1000 * i + j
                xs = x.expand(draws, -1, -1, -1)
                x_hat = model.decode(ch(model.encode(xs, st), st), (h, w), st)
                mse = float(torch.mean((x_hat - xs) ** 2))
                out[i, j] = 10 * np.log10(1.0 / max(mse, 1e-12))
    return out
