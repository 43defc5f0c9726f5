"""The Huang et al. study's evaluator: GVIF, bits and receiver scores of images × coders × thresholds, cached.

:class:`Evaluator` computes each image's latents once per coder and caches every result by the effective
threshold (the set an α selects); ``beta`` chooses how β of eq. (27) is formed (:data:`BETA_MODES`: the
paper's eq. (29)–(30), or one shared feature extractor). :func:`kept_psnr` scores a reconstruction on ℙ.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .cie import CIEStream, critical_region, embed, receive

__all__ = ["Evaluator", "BETA_MODES", "kept_psnr"]

#: How β of eq. (27) is formed (:class:`Evaluator`).
BETA_MODES = ("paper", "shared")


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
