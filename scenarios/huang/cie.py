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

__all__ = ["CIEStream", "CIEResult", "embed", "receive", "classical_inpaint", "critical_region", "gvif_of", "Evaluator",
           "INPAINT_NOTE", "BETA_MODES", "kept_psnr"]

#: How β of eq. (27) is formed (:class:`Evaluator`).
BETA_MODES = ("paper", "shared")

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


class Evaluator:
    """(GVIF, bits, selected fraction) of images × coders × α, with the latents and scales computed once per
    (image, coder) and results cached by the *effective* threshold — the smallest importance value ≥ α,
    which determines the selection exactly (α between two importance values selects the same set).

    ``beta``: how β of eq. (27) is formed (:data:`BETA_MODES`). ``"paper"``: eq. (29)–(30),
    :math:`\theta^c/\theta^r` with each coder's own hyper-synthesis — the ratio of two different feature
    spaces (the coders are trained separately), and :math:`\beta \equiv 1` for the reference coder itself.
    ``"shared"``: one feature extractor for both, the reference coder's: :math:`\beta =
    \theta^r(\hat x_c)/\theta^r(x)` with :math:`\hat x_c` the coder's full decode (clipped to [0, 1]) —
    how much of the reference features' scale survives the coder (as :func:`~scenarios.huang.baselines.
    received_gvif` does for JPEG2000)."""

    def __init__(self, images: list, importance: list, family: dict, gamma2: float = 0.1, lpips: Optional[Any] = None,
                 fid: Optional[Any] = None, beta: str = "paper") -> None:
        if beta not in BETA_MODES:
            raise ValueError(f"beta must be one of {BETA_MODES}, got {beta!r}")
        self.images, self.importance, self.family, self.gamma2, self.beta = images, importance, family, gamma2, beta
        self.ref = max(family)
        self._lat: dict[tuple[int, int], Any] = {}
        self._full: dict[tuple[int, int], np.ndarray] = {}
        self._theta: dict[tuple[int, int], np.ndarray] = {}
        self._res: dict[tuple[int, int, float], tuple[float, float, float]] = {}
        self._scores: dict[tuple[int, int, float], tuple] = {}
        self.lpips, self.fid, self._ref_feat = lpips, fid, None
        self._levels = [np.unique(np.asarray(m, dtype=np.float64)) for m in importance]

    def latents(self, i: int, q: int) -> Any:
        if (i, q) not in self._lat:
            self._lat[(i, q)] = self.family[q].analyze(self.images[i])
        return self._lat[(i, q)]

    def stream(self, i: int, q: int, alpha: float) -> CIEStream:
        """The sender's stream of image ``i`` with coder ``q`` at threshold ``alpha``."""
        return embed(self.images[i], self.family[q], self.importance[i], min(max(float(alpha), 0.0), 1.0),
                     lat=self.latents(i, q))[0]

    def with_beta(self, beta: str) -> "Evaluator":
        """The same images, coders and caches (latents, decodes, outputs) with β formed per ``beta``."""
        import copy

        if beta not in BETA_MODES:
            raise ValueError(f"beta must be one of {BETA_MODES}, got {beta!r}")
        other = copy.copy(self)
        other.beta, other._res = beta, {}
        return other

    def levels(self, images: Any = None) -> np.ndarray:
        """The distinct importance levels of ``images`` (default all), sorted: the only thresholds at which the
        selection changes (:func:`~scenarios.huang.algorithm1.exact_alpha`'s candidates)."""
        idx = range(len(self.images)) if images is None else images
        return np.unique(np.concatenate([self._levels[i] for i in idx]))

    def full_decode(self, i: int, q: int) -> np.ndarray:
        """Image ``i`` through coder ``q`` unfiltered (compress + decompress), cached."""
        if (i, q) not in self._full:
            c = self.family[q]
            self._full[(i, q)] = c.decompress(c.compress(self.images[i]))
        return self._full[(i, q)]

    def beta_of(self, i: int, q: int) -> np.ndarray:
        """β of eq. (27) for image ``i`` and coder ``q`` (``[M, h, w]``, in [0, 1]) per :attr:`beta`."""
        t_ref = self.latents(i, self.ref).scales.cpu().numpy()
        if self.beta == "paper":
            t_c = self.latents(i, q).scales.cpu().numpy()
        else:
            if (i, q) not in self._theta:
                self._theta[(i, q)] = self.family[self.ref].analyze(self.full_decode(i, q)).scales.cpu().numpy()
            t_c = self._theta[(i, q)]
        return np.clip(t_c / t_ref, 0.0, 1.0)

    def _effective(self, i: int, alpha: float) -> float:
        a = min(max(float(alpha), 0.0), 1.0)
        lv = self._levels[i]
        k = int(np.searchsorted(lv, a - 1e-12))
        return 0.0 if a <= 0 else (float(lv[k]) if k < lv.size else 2.0)  # 2.0: nothing selected

    def scores_of(self, i: int, out: Optional[np.ndarray]) -> tuple[float, float, Optional[np.ndarray]]:
        """A receiver output's scores against image ``i``: critical-region mask-PSNR (eq. 40), LPIPS (``nan``
        without the model) and the FID features (``None`` without the model). ``out=None``: nothing arrived —
        the classical stand-in's output for an empty set, mid-grey."""
        from genai.metrics import mask_psnr

        img = self.images[i]
        out = np.full_like(img, 0.5) if out is None else out
        mp = mask_psnr(img * 255, out * 255, critical_region(self.importance[i], img.shape[:2])[..., None]
                       .astype(np.float64))
        lp = float(self.lpips(img, out)) if self.lpips is not None else float("nan")
        ft = self.fid.features([out])[0] if self.fid is not None else None
        return mp, lp, ft

    def output_scores(self, i: int, q: int, alpha: float) -> tuple[float, float, Optional[np.ndarray]]:
        """:meth:`scores_of` the receiver's output (partial decode + classical inpainting) for (``i``, ``q``,
        ``alpha``), cached by the effective threshold."""
        return self._output(i, q, alpha)[:3]

    def kept_scores(self, i: int, q: int, alpha: float) -> tuple[float, float]:
        """PSNR on the kept set ℙ of the receiver's output and of the same coder's full decode (what zero-filling
        ŷ outside ℙ costs inside it); NaN when nothing is kept."""
        return self._output(i, q, alpha)[3:]

    def _output(self, i: int, q: int, alpha: float) -> tuple:
        key = (i, q, self._effective(i, alpha))
        if key not in self._scores:
            res = receive(self.stream(i, q, alpha), self.family[q])
            full = self.full_decode(i, q)
            self._scores[key] = (*self.scores_of(i, res.inpainted), kept_psnr(self.images[i], res.inpainted,
                                 res.pixel_mask), kept_psnr(self.images[i], full, res.pixel_mask))
        return self._scores[key]

    def reference_features(self) -> Optional[np.ndarray]:
        """FID features of the original images (``None`` without the model)."""
        if self.fid is None:
            return None
        if self._ref_feat is None:
            self._ref_feat = self.fid.features(self.images)
        return self._ref_feat

    def __call__(self, i: int, q: int, alpha: float) -> tuple[float, float, float]:
        a = min(max(float(alpha), 0.0), 1.0)
        eff = self._effective(i, a)
        key = (i, q, eff)
        if key not in self._res:
            from genai.metrics import gvif

            st, _ = embed(self.images[i], self.family[q], self.importance[i], a, lat=self.latents(i, q))
            t_ref = self.latents(i, self.ref).scales.cpu().numpy()
            kept = np.broadcast_to(st.selected.numpy().astype(bool)[None], t_ref.shape)
            self._res[key] = (gvif(t_ref, kept, self.beta_of(i, q), self.gamma2), float(st.bits), st.selected_fraction)
        return self._res[key]


def kept_psnr(image: np.ndarray, out: np.ndarray, mask: np.ndarray) -> float:
    """PSNR (eq. 40 with M = the pixel mask of ℙ) of ``out`` against ``image`` (both in [0, 1]); NaN for an
    empty mask."""
    from genai.metrics import mask_psnr

    m = np.asarray(mask, dtype=bool)
    return float(mask_psnr(image * 255, out * 255, m[..., None].astype(np.float64))) if m.any() else float("nan")
