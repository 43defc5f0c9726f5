r"""``hyperprior``: a family of RGB image codecs — CompressAI's scale hyperprior (Ballé et al., ICLR 2018).

The Huang et al. study's coder family :math:`\Phi_1, \dots, \Phi_P` (the highest rate is the reference
coder :math:`\Phi^r`): ``ScaleHyperprior(N, M)`` trained by ``semlink train-image-codec``
(:mod:`genai.hyperprior_train`) on scikit-image photos only (never Kodak), one model per rate point
``quality`` = 1 (lowest rate) … P; weights ship as safetensors with their training metadata
(``genai/weights/hyperprior_rgb_q{q}.safetensors``).

Everything the study needs is exposed (:meth:`HyperpriorCoder.analyze`): the analysis latent
:math:`y`, its quantization :math:`\hat y` (eqs. 4–6: rounding), the Gaussian scales
:math:`\theta` the hyperprior predicts (what the entropy coder uses; the :math:`\theta^r`,
:math:`\theta^c` of GVIF, eq. 27), the hyper-latent :math:`z` and :math:`\hat z`. Bits are real:
CompressAI's rANS coder, :meth:`compress` returns one byte string (an 11-byte header + the latent
and hyper-latent strings), ``8 * len`` is the exact count. :meth:`compress_selected` codes only the
latent elements of a boolean selection (the semantic filtering of eqs. 17–18; the Gaussian
conditional on the selected elements' scale indexes, no bits for the others), the hyper-latent in
full; :meth:`decompress_selected` returns :math:`\hat y` with exactly the selected elements and
zeros elsewhere.

Images are float ``[H, W, 3]`` in [0, 1] (or uint8); they are padded (replicate) to a multiple of 64.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from .loading import load_codec_weights
from .registry import register

__all__ = ["HyperpriorCoder", "Latents", "build_image_model", "image_weights_path", "N_IMAGE", "M_IMAGE"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
N_IMAGE, M_IMAGE = 64, 96
_PAD = 64


def build_image_model(N: int = N_IMAGE, M: int = M_IMAGE):
    """A CompressAI ``ScaleHyperprior`` for RGB images."""
    from .compat import import_compressai

    import_compressai()
    from compressai.models import ScaleHyperprior

    return ScaleHyperprior(N, M)


def image_weights_path(quality: int) -> Path:
    return WEIGHTS_DIR / f"hyperprior_rgb_q{int(quality)}.safetensors"


@dataclass
class Latents:
    """One image's latents: ``y``, ``y_hat``, ``scales`` ``[M, h, w]``; ``z``, ``z_hat`` ``[N, h/4, w/4]``;
    the image size and the padded size."""

    y: torch.Tensor
    y_hat: torch.Tensor
    scales: torch.Tensor
    z: torch.Tensor
    z_hat: torch.Tensor
    size: tuple[int, int]
    padded: tuple[int, int]


def _image(img) -> torch.Tensor:
    a = np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img)
    if a.ndim != 3 or a.shape[2] != 3 or min(a.shape[:2]) < 1 or max(a.shape[:2]) >= 65536:
        raise ValueError(f"expected an RGB image [H, W, 3], got shape {a.shape}")
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    if not np.all(np.isfinite(a)):
        raise ValueError("image contains NaN or infinite values")
    return torch.from_numpy(np.clip(a, 0, 1)).permute(2, 0, 1)[None]


@register("image_codec", "hyperprior")
class HyperpriorCoder:
    """RGB image <-> bytes at one rate point of the family.

    :param quality: Rate point (1 = lowest); one of the shipped weight files.
    :param weights: Explicit ``.safetensors`` path instead.
    :param device: Torch device.
    :param random_weights: Untrained model (tests of the code path; ``note`` says so).
    """

    def __init__(self, quality: int = 1, weights: Optional[Union[str, os.PathLike]] = None, device: str = "cpu",
                 random_weights: bool = False, **_: object) -> None:
        from .loading import RANDOM_WEIGHTS_NOTE

        self.model = build_image_model().eval()
        self.quality = int(quality)
        self.random_weights = bool(random_weights)
        self.metadata: dict[str, str] = {}
        if random_weights:
            self.source, self.note = None, RANDOM_WEIGHTS_NOTE
        else:
            path = Path(weights) if weights is not None else image_weights_path(quality)
            shipped = list(WEIGHTS_DIR.glob("hyperprior_rgb_q*.safetensors"))
            self.metadata = load_codec_weights(self.model, path, shipped, "hyperprior image codec",
                                               "semlink train-image-codec")
            self.source, self.note = str(path), f"hyperprior q{quality} ({path.name})"
        self.model.update(force=True)
        self.model.to(device)
        self.device = device

    # ------------------------------------------------------------------ latents
    def _prep(self, img) -> tuple[torch.Tensor, int, int]:
        import torch.nn.functional as F

        x = _image(img)
        h, w = x.shape[2:]
        x = F.pad(x, (0, -w % _PAD, 0, -h % _PAD), mode="replicate")
        return x.to(self.device), h, w

    @torch.no_grad()
    def analyze(self, img) -> Latents:
        """The latents of an image (module docstring)."""
        m = self.model
        x, h, w = self._prep(img)
        y = m.g_a(x)
        z = m.h_a(torch.abs(y))
        z_hat = m.entropy_bottleneck.quantize(z, "dequantize", m.entropy_bottleneck._get_medians())
        scales = m.gaussian_conditional.lower_bound_scale(m.h_s(z_hat))
        y_hat = m.gaussian_conditional.quantize(y, "dequantize")
        return Latents(y[0], y_hat[0], scales[0], z[0], z_hat[0], (h, w), tuple(x.shape[2:]))

    @torch.no_grad()
    def synthesize(self, y_hat: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
        """Image ``[H, W, 3]`` in [0, 1] from a (possibly partial) ``ŷ`` ``[M, h, w]``."""
        x = self.model.g_s(y_hat[None].to(self.device)).clamp(0, 1)
        x = torch.nan_to_num(x, nan=0.0)
        return x[0, :, : size[0], : size[1]].permute(1, 2, 0).cpu().numpy()

    # ------------------------------------------------------------------ full stream
    @torch.no_grad()
    def compress(self, img) -> bytes:
        x, h, w = self._prep(img)
        out = self.model.compress(x)
        y, z = out["strings"][0][0], out["strings"][1][0]
        return struct.pack(">HHBI", h, w, self.quality, len(y)) + y + z

    @torch.no_grad()
    def decompress(self, data: bytes) -> np.ndarray:
        """Bytes of :meth:`compress` -> image (a corrupted stream gives a grey image or zeros, never raises)."""
        if len(data) < 9:
            return np.zeros((0, 0, 3), np.float32)
        h, w, _, ny = struct.unpack(">HHBI", data[:9])
        hp, wp = h + (-h % _PAD), w + (-w % _PAD)
        if h == 0 or w == 0 or hp * wp > 4096 * len(data) + 2**20:
            return np.zeros((0, 0, 3), np.float32)
        try:
            m = self.model
            pad = bytes(16 * (m.M * (hp // 16) * (wp // 16) + m.N * (hp // 64) * (wp // 64)) + 4096)
            out = m.decompress([[data[9: 9 + ny] + pad], [data[9 + ny:] + pad]], (hp // 64, wp // 64))
            x = torch.nan_to_num(out["x_hat"], nan=0.0).clamp(0, 1)
            return x[0, :, :h, :w].permute(1, 2, 0).cpu().numpy()
        except Exception:  # noqa: BLE001 - corrupted strings can fail inside the rANS decoder
            return np.full((h, w, 3), 0.5, np.float32)

    def bits(self, img) -> int:
        """Exact number of bits of :meth:`compress`."""
        return 8 * len(self.compress(img))

    # ------------------------------------------------------------------ selected elements (eqs. 17-18)
    @torch.no_grad()
    def compress_selected(self, lat: Latents, selected: torch.Tensor) -> tuple[bytes, bytes]:
        """Code only ``ŷ[selected]`` (``selected``: bool ``[M, h, w]``) with their Gaussian scales, and the
        hyper-latent in full; returns ``(y_string, z_string)``."""
        m = self.model
        sel = torch.as_tensor(selected, dtype=torch.bool, device=lat.y.device)
        if sel.shape != lat.y.shape:
            raise ValueError(f"selection shape {tuple(sel.shape)} != latent shape {tuple(lat.y.shape)}")
        z_str = m.entropy_bottleneck.compress(lat.z[None])[0]
        if not bool(sel.any()):
            return b"", z_str
        idx = m.gaussian_conditional.build_indexes(lat.scales[sel].reshape(1, -1))
        y_str = m.gaussian_conditional.compress(lat.y[sel].reshape(1, -1), idx)[0]
        return y_str, z_str

    @torch.no_grad()
    def decompress_selected(self, y_str: bytes, z_str: bytes, selected: torch.Tensor,
                            padded: tuple[int, int]) -> torch.Tensor:
        """``ŷ`` ``[M, h, w]`` with the selected elements decoded and zeros elsewhere (the receiver knows
        the selection from the mask and recomputes the scales from ``ẑ``)."""
        m = self.model
        hz, wz = padded[0] // 64, padded[1] // 64
        z_hat = m.entropy_bottleneck.decompress([z_str], (hz, wz))
        scales = m.gaussian_conditional.lower_bound_scale(m.h_s(z_hat))[0]
        sel = torch.as_tensor(selected, dtype=torch.bool, device=scales.device)
        y_hat = torch.zeros_like(scales)
        if bool(sel.any()):
            idx = m.gaussian_conditional.build_indexes(scales[sel].reshape(1, -1))
            vals = m.gaussian_conditional.decompress([y_str], idx)
            y_hat[sel] = vals.reshape(-1).to(y_hat.dtype)
        return y_hat
