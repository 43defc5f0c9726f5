"""``ntc``: a learned nonlinear transform codec for 1-channel sketches (CompressAI scale hyperprior).

Ballé et al. (ICLR 2018) scale hyperprior with a 1-channel analysis/synthesis transform
(``N`` = 64, ``M`` = 96 channels), trained by ``semlink train-sketch-codec``
(:mod:`genai.ntc_train`) on HED edge maps of scikit-image photos (never Kodak), at several
rate points (λ). The weights ship with semlink as safetensors
(``genai/weights/ntc_sketch_q{1,2,...}.safetensors``) and load by default.

Bits are real: :meth:`NTCSketchCodec.compress` runs CompressAI's rANS entropy coder
(``compress``/``decompress``) and returns one byte string — a 9-byte header (height,
width, coding scale in percent, length of the latent string) followed by the latent and
hyper-latent strings — so ``8 * len(data)`` is the exact bit count.

By default the sketch is coded at half resolution (``scale=0.5``, area downsampling) and
upsampled bilinearly after decoding: the ControlNet sees its conditioning image at
512 px anyway, and HED maps are smooth at that scale. The scales the hyperprior predicts for an image
also feed the GVIF metric (:func:`NTCSketchCodec.scales`, :func:`genai.metrics.gvif`).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from .loading import load_codec_weights
from .registry import register

__all__ = ["NTCSketchCodec", "build_model", "WEIGHTS_DIR", "weights_path", "N_CHANNELS", "M_CHANNELS"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
N_CHANNELS, M_CHANNELS = 64, 96
_PAD = 64  # g_a (x16) and h_a (x4) downsampling
_MAX_PX_PER_BYTE = 1024  # coded pixels per byte, at most (trained rates: ~60 at 0.03 bpp on Kodak)


def build_model(N: int = N_CHANNELS, M: int = M_CHANNELS):
    """A CompressAI ``ScaleHyperprior`` whose transforms take and give one channel."""
    from .compat import import_compressai

    import_compressai()
    from compressai.models import ScaleHyperprior
    from compressai.models.utils import conv, deconv

    model = ScaleHyperprior(N, M)
    model.g_a[0] = conv(1, N)
    model.g_s[-1] = deconv(N, 1)
    return model


def weights_path(quality: int) -> Path:
    return WEIGHTS_DIR / f"ntc_sketch_q{int(quality)}.safetensors"


@register("sketch_codec", "ntc")
class NTCSketchCodec:
    """Sketch [H, W] in [0, 1] <-> entropy-coded bytes.

    :param quality: Rate point (1 = lowest rate); one of the shipped weight files.
    :param weights: Explicit ``.safetensors`` path instead.
    :param device: Torch device.
    :param random_weights: Untrained model (tests of the code path; says so).
    """

    def __init__(self, quality: int = 1, weights: Optional[Union[str, os.PathLike]] = None, device: str = "cpu",
                 random_weights: bool = False, scale: float = 0.5, **_: object) -> None:
        if not 0.05 <= float(scale) <= 1.0:
            raise ValueError(f"scale must lie in [0.05, 1], got {scale}")
        self.scale = round(float(scale), 2)
        self.model = build_model().eval()
        self.random_weights = bool(random_weights)
        if random_weights:
            self.source = None
        else:
            path = Path(weights) if weights is not None else weights_path(quality)
            load_codec_weights(self.model, path, list(WEIGHTS_DIR.glob("ntc_sketch_q*.safetensors")),
                               "ntc sketch codec", "semlink train-sketch-codec")
            self.source = str(path)
        self.model.update(force=True)
        self.model.to(device)
        self.device = device

    @staticmethod
    def _coded_size(h: int, w: int, pct: int) -> tuple[int, int]:
        return max(1, round(h * pct / 100)), max(1, round(w * pct / 100))

    def _prep(self, sketch) -> tuple[torch.Tensor, int, int, int, int]:
        import torch.nn.functional as F

        a = np.asarray(sketch.detach().cpu() if isinstance(sketch, torch.Tensor) else sketch, dtype=np.float32)
        if a.ndim != 2 or min(a.shape) < 1 or max(a.shape) >= 65536:
            raise ValueError(f"expected a 2-D sketch smaller than 65536 x 65536, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("sketch contains NaN or infinite values")
        h, w = a.shape
        x = torch.from_numpy(np.clip(a, 0, 1))[None, None]
        ch, cw = self._coded_size(h, w, round(self.scale * 100))
        if (ch, cw) != (h, w):
            x = F.interpolate(x, size=(ch, cw), mode="area")
        x = F.pad(x, (0, -cw % _PAD, 0, -ch % _PAD), mode="replicate")
        return x.to(self.device), h, w, ch, cw

    @torch.no_grad()
    def compress(self, sketch) -> bytes:
        x, h, w, _, _ = self._prep(sketch)
        out = self.model.compress(x)
        y, z = out["strings"][0][0], out["strings"][1][0]
        return struct.pack(">HHBI", h, w, round(self.scale * 100), len(y)) + y + z

    @torch.no_grad()
    def decompress(self, data: bytes) -> np.ndarray:
        """Bytes -> sketch in [0, 1]; never raises (undecodable data gives zeros; an implausible
        header, as from a corrupted stream, gives an empty ``(0, 0)`` map)."""
        import torch.nn.functional as F

        if len(data) < 9:
            return np.zeros((0, 0), np.float32)
        h, w, pct, ny = struct.unpack(">HHBI", data[:9])
        if h == 0 or w == 0:
            return np.zeros((h, w), np.float32)
        pct = pct if 5 <= pct <= 100 else 100
        ch, cw = self._coded_size(h, w, pct)
        hp, wp = ch + (-ch % _PAD), cw + (-cw % _PAD)
        budget = _MAX_PX_PER_BYTE * len(data) + 65536
        if hp * wp > budget or h * w > 16 * budget:
            # a corrupted header (the payload could never describe that many pixels): decoding it
            # would only allocate without bound; the caller sees the wrong shape and substitutes
            return np.zeros((0, 0), np.float32)
        try:
            y, z = data[9 : 9 + ny], data[9 + ny :]
            # CompressAI's rANS decoder does not check the end of its buffer: on a corrupted string
            # (bypass-coded garbage) it reads past it and can crash the process. Zero padding keeps
            # every read inside memory we own; zeros decode to short, terminating symbols.
            symbols = self.model.M * (hp // 16) * (wp // 16) + self.model.N * (hp // _PAD) * (wp // _PAD)
            pad = bytes(16 * symbols + 4096)
            out = self.model.decompress([[y + pad], [z + pad]], (hp // _PAD, wp // _PAD))
            # corrupted latents can blow up through the synthesis transform: keep the map finite
            x = torch.nan_to_num(out["x_hat"][:, :, :ch, :cw], nan=0.0, posinf=1.0, neginf=0.0).clamp(0, 1)
            if (ch, cw) != (h, w):
                x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
            return x[0, 0].cpu().numpy().astype(np.float32)
        except Exception:  # noqa: BLE001 - corrupted strings can fail inside the rANS decoder
            return np.zeros((h, w), np.float32)

    def bits(self, sketch) -> int:
        """Exact number of bits on the wire."""
        return 8 * len(self.compress(sketch))

    @torch.no_grad()
    def scales(self, sketch) -> np.ndarray:
        """Gaussian scales of the latents ``[M, h/16, w/16]`` as the entropy coder uses them (lower-bounded;
        ``h, w`` the coded size), the :math:`\theta^r` of GVIF."""
        x = self._prep(sketch)[0]
        y = self.model.g_a(x)
        z_hat = self.model.entropy_bottleneck.quantize(self.model.h_a(torch.abs(y)), "dequantize",
                                                       self.model.entropy_bottleneck._get_medians())
        scales = self.model.gaussian_conditional.lower_bound_scale(self.model.h_s(z_hat))  # as the coder uses them
        return scales[0].cpu().numpy()
