r"""Critical-information embedding (Huang et al. Sections II–III): sender, receiver and GVIF for one image.

Sender: the coder's latents (:meth:`genai.hyperprior.HyperpriorCoder.analyze`), the importance map
resized to the latent grid (the image's own ⌈H/16⌉ × ⌈W/16⌉ positions; the padding positions have importance 0, so α = 0
sends everything and equals the unfiltered coder), the set :math:`\mathbb P = \{(i, j, c): I_{ij} \ge \alpha\}` (eq. 17, all
channels of a selected position), only :math:`\hat y_{\mathbb P}` entropy coded with its Gaussian
scales (eq. 18; none of the others), the hyper-latent :math:`\hat s` in full, and the spatial mask
:math:`m_{\mathbb P}` run-length coded by :class:`bridge.BinaryMapCodec` (Section III-C).
``bits = feature_bits + hyper_bits + mask_bits + 64`` (the two string lengths, 32 bits each), exact.

Receiver: :math:`\hat y` with the selected elements and zeros elsewhere
(:meth:`~genai.hyperprior.HyperpriorCoder.decompress_selected`), the partial image
:math:`\hat x = F^{-1}(\hat y)` (eq. 9), the pixel mask :math:`\bar m` (the latent mask upsampled ×16,
nearest), and the inpainted :math:`\tilde x = \bar m \odot \hat x + (1 - \bar m) \odot x_0` (eq. 11's
output) with ``x_0`` from an inpainting model — offline the classical default, scikit-image's
biharmonic inpainting (labelled **classical inpainting stand-in**).

GVIF (eqs. 27–30): :math:`\theta^r` from the reference coder, :math:`\beta = \theta^c/\theta^r` from
the coder used, clipped to [0, 1] (eq. 27's distortion model attenuates; a lower-rate coder cannot
add information the reference lacks — the clipping is this implementation's reading, stated), and
:math:`\mathbb P` (:func:`genai.metrics.gvif`, γ² = 0.1 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch

__all__ = ["CIEStream", "CIEResult", "embed", "receive", "classical_inpaint", "critical_region", "gvif_of",
           "INPAINT_NOTE"]

INPAINT_NOTE = "classical inpainting stand-in (scikit-image biharmonic; not a diffusion model)"


@dataclass
class CIEStream:
    """What the sender transmits for one image, with exact bit counts."""

    y_str: bytes
    z_str: bytes
    mask_bits: torch.Tensor
    selected: torch.Tensor  # [h, w] bool: the spatial set P
    size: tuple[int, int]
    padded: tuple[int, int]

    @property
    def feature_bits(self) -> int:
        return 8 * len(self.y_str)

    @property
    def hyper_bits(self) -> int:
        return 8 * len(self.z_str)

    @property
    def bits(self) -> int:
        return self.feature_bits + self.hyper_bits + int(self.mask_bits.numel()) + 64

    @property
    def selected_fraction(self) -> float:
        return float(self.selected.float().mean())

    def to_bits(self) -> torch.Tensor:
        """The transmitted stream ``[bits]``: the two string lengths (32 bits each), ŷ's string, ŝ's string,
        the run-length-coded mask (the image size is known at the receiver)."""
        from bridge.bits import bytes_to_bits, uint_to_bits

        head = uint_to_bits([len(self.y_str), len(self.z_str)], 32).reshape(-1)
        return torch.cat([head.float(), bytes_to_bits(self.y_str).float(), bytes_to_bits(self.z_str).float(),
                          self.mask_bits.float().reshape(-1)])

    @classmethod
    def from_bits(cls, bits: torch.Tensor, size: tuple[int, int], padded: tuple[int, int]) -> "CIEStream":
        """Parse :meth:`to_bits` (``ValueError`` on a stream whose lengths do not fit)."""
        from bridge import BinaryMapCodec
        from bridge.bits import bits_to_bytes, bits_to_uint

        b = torch.as_tensor(bits).reshape(-1).round()
        if b.numel() < 64:
            raise ValueError("stream shorter than its 64-bit header")
        ny, nz = (int(v) for v in bits_to_uint(b[:64], 32))
        end = 64 + 8 * (ny + nz)
        if end > b.numel():
            raise ValueError("stream shorter than its header says")
        y_str, z_str = bits_to_bytes(b[64:64 + 8 * ny]), bits_to_bytes(b[64 + 8 * ny:end])
        mask = b[end:]
        sel = BinaryMapCodec("auto").decode(mask).bool()
        return cls(y_str, z_str, mask, sel, tuple(size), tuple(padded))


@dataclass
class CIEResult:
    """Receiver outputs and metrics."""

    partial: np.ndarray
    inpainted: np.ndarray
    pixel_mask: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""


def _grid_importance(importance: np.ndarray, size: tuple[int, int], grid: tuple[int, int]) -> np.ndarray:
    """Importance on the latent grid: resized (area) to the image's own latent extent ⌈H/16⌉ × ⌈W/16⌉,
    the padding rows/columns of the grid set to 0 (selected only at α = 0, where everything is sent)."""
    import torch.nn.functional as F

    own = (-(-size[0] // 16), -(-size[1] // 16))
    imp = np.asarray(importance, dtype=np.float64)
    if imp.shape != own:
        imp = F.interpolate(torch.from_numpy(imp)[None, None], size=own, mode="area")[0, 0].numpy()
    out = np.zeros(grid)
    out[: own[0], : own[1]] = imp
    return out


def embed(image: np.ndarray, coder: Any, importance: np.ndarray, alpha: float,
          lat: Optional[Any] = None) -> tuple[CIEStream, Any]:
    """Sender for threshold ``alpha`` (``importance``: [0, 1] map of any size, resized to the latent grid;
    ``lat``: the image's latents if already computed)."""
    from bridge import BinaryMapCodec

    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    lat = coder.analyze(image) if lat is None else lat
    grid = tuple(lat.y.shape[1:])
    sel = torch.from_numpy(_grid_importance(importance, lat.size, grid) >= alpha)  # eq. (17), spatial
    y_str, z_str = coder.compress_selected(lat, sel.unsqueeze(0).expand_as(lat.y).to(lat.y.device))
    mask_bits = BinaryMapCodec("auto").encode(sel)
    return CIEStream(y_str, z_str, mask_bits, sel, lat.size, lat.padded), lat


def critical_region(importance: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The critical ("interested") region in pixels: latent positions with importance ≥ 0.5, upsampled ×16
    (everything when no position qualifies); D(Φ) and the schemes' mask-PSNR are measured on it."""
    h, w = size
    crit = (np.asarray(importance) >= 0.5).repeat(16, 0).repeat(16, 1)[:h, :w]
    return crit if crit.any() else np.ones((h, w), bool)


def classical_inpaint(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill the pixels where ``known`` is False (biharmonic); everything known: the image itself."""
    from skimage.restoration import inpaint_biharmonic

    if known.all():
        return image.copy()
    if not known.any():
        return np.full_like(image, 0.5)
    return np.clip(inpaint_biharmonic(image, ~known, channel_axis=-1), 0, 1).astype(np.float32)


def receive(stream: CIEStream, coder: Any, inpaint: Optional[Any] = None, prompt: str = "",
            seed: int = 0) -> CIEResult:
    """Receiver: partial decode, pixel mask, inpainting (``inpaint(prompt, partial, mask, seed)`` or classical)."""
    from bridge import BinaryMapCodec

    sel = BinaryMapCodec("auto").decode(stream.mask_bits).bool()
    grid_sel = sel.unsqueeze(0).expand(coder.model.M, *sel.shape)
    y_hat = coder.decompress_selected(stream.y_str, stream.z_str, grid_sel, stream.padded)
    partial = coder.synthesize(y_hat, stream.size)
    h, w = stream.size
    pix = sel.numpy().repeat(16, 0).repeat(16, 1)[:h, :w].copy()
    if inpaint is None:
        filled, note = classical_inpaint(partial, pix), INPAINT_NOTE
    else:
        filled, note = inpaint(prompt, partial, pix, seed), getattr(inpaint, "note", "")
    out = np.where(pix[..., None], partial, filled).astype(np.float32)  # x~ = m (.) x^ + (1 - m) (.) x0
    return CIEResult(partial, out, pix, note=note)


def gvif_of(image: np.ndarray, coder: Any, reference: Any, selected: torch.Tensor, gamma2: float = 0.1,
            theta_r: Optional[np.ndarray] = None, theta_c: Optional[np.ndarray] = None) -> float:
    """GVIF (eq. 27) of the coder's stream restricted to the spatial set ``selected`` (eqs. 28–30);
    ``theta_r`` / ``theta_c``: the scales if already computed."""
    from genai.metrics import gvif

    theta_r = reference.analyze(image).scales.cpu().numpy() if theta_r is None else theta_r
    theta_c = coder.analyze(image).scales.cpu().numpy() if theta_c is None else theta_c
    beta = np.clip(theta_c / theta_r, 0.0, 1.0)
    kept = np.broadcast_to(np.asarray(selected, dtype=bool)[None], theta_r.shape)
    return gvif(theta_r, kept, beta, gamma2)
