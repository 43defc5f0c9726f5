"""DeepJSCC on evaluation images (e.g. Kodak through ``SEMLINK_KODAK``): PSNR per image and SNR through semlink's
channels, the image (with its channel draws averaged inside it) being the independent unit."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch

__all__ = ["psnr_vs_snr", "jscc_scores"]


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


def jscc_scores(model: Any, image: np.ndarray, enc_snr_db: Sequence[float], channel: Any,
                ch_snr_db: Sequence[float], dec_snr_db: Sequence[float], seed: int,
                lpips: Optional[Any] = None) -> np.ndarray:
    """``[draws, 3]`` (PSNR dB, MS-SSIM, LPIPS: NaN without the network ``lpips``) of ``model`` on one float RGB ``image`` (``[H, W, 3]``, H and W multiples
    of 4), one row per draw: the encoder is told ``enc_snr_db``, ``channel(symbols, snr)`` (:func:`~scenarios.jscc.
    train.jscc_channel`) runs at ``ch_snr_db`` and the decoder is told ``dec_snr_db`` (per draw; e.g. the mean
    Es/N0 at the encoder and the realized one at the receiver of a quasi-static fade)."""
    from sionna.phy import config

    from .separated import scores

    h, w = image.shape[:2]
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None].float()
    d = len(enc_snr_db)
    xs = x.expand(d, -1, -1, -1)
    as_t = lambda v: torch.tensor([float(s) for s in v])  # noqa: E731
    model.eval()
    config.seed = int(seed)
    with torch.no_grad():
        y = channel(model.encode(xs, as_t(enc_snr_db)), as_t(ch_snr_db))
        out = model.decode(y, (h, w), as_t(dec_snr_db)).numpy().transpose(0, 2, 3, 1)
    return np.array([scores(image, o, lpips) for o in out], dtype=np.float64)
