"""Baselines of the Huang et al. study: JPEG2000 at a bit budget (Pillow's OpenJPEG) and the
received-image GVIF used to compare schemes that are not the hyperprior coder.

* :func:`jpeg2000_at_budget`: the largest-quality JPEG2000 codestream (irreversible 9/7, one layer)
  whose size fits ``budget_bits``, found by bisection on the compression ratio; exact bits.
* :func:`roi_jpeg2000_at_budget`: region-of-interest JPEG2000 — the critical region (importance ≥ 0.5, the
  region mask-PSNR is measured on) gets ``roi_share`` of the budget as its own codestream (its bounding box),
  the whole image the rest (plus what the ROI left unused), the latent-grid mask run-length coded as CIE's
  (:class:`bridge.BinaryMapCodec`) and two 32-bit lengths; the receiver pastes the ROI decode over the
  background decode inside the mask. (Pillow's OpenJPEG has no MAXSHIFT ROI; two codestreams are the
  standard's ROI by tiling, stated.)
* :func:`received_gvif`: eq. (27) with :math:`\\mathbb P = \\mathbb U` and
  :math:`\\beta = \\min(1, \\theta^r(\\tilde x)/\\theta^r(x))` — the reference coder's scales of what the
  receiver outputs against those of the original (eqs. 28–30 with the reference coder as the
  feature model of any decoded image; this generalization to non-neural schemes is semlink's,
  stated wherever it is reported).
"""

from __future__ import annotations

import io
from typing import Any, Optional

import numpy as np

__all__ = ["jpeg2000_at_budget", "roi_jpeg2000_at_budget", "received_gvif"]


def _encode(img8: np.ndarray, ratio: float) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img8).save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[ratio],
                               irreversible=True)
    return buf.getvalue()


def jpeg2000_at_budget(image: np.ndarray, budget_bits: float) -> tuple[Optional[np.ndarray], int]:
    """``(decoded [H, W, 3] in [0, 1], bits)``; ``(None, 0)`` when not even the coarsest codestream fits."""
    from PIL import Image

    img = np.asarray(image)
    img8 = img if img.dtype == np.uint8 else (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
    raw_bits = img8.size * 8
    lo, hi = 1.0, 5000.0  # compression ratios: lo = large file, hi = tiny file
    best = _encode(img8, hi)
    if 8 * len(best) > budget_bits:
        return None, 0
    for _ in range(30):
        mid = (lo * hi) ** 0.5
        data = _encode(img8, mid)
        if 8 * len(data) <= budget_bits:
            best, hi = data, mid
        else:
            lo = mid
        if hi / lo < 1.01:
            break
    if budget_bits >= raw_bits:
        best = _encode(img8, 1.0) if 8 * len(_encode(img8, 1.0)) <= budget_bits else best
    dec = np.asarray(Image.open(io.BytesIO(best)).convert("RGB"), dtype=np.float32) / 255.0
    return dec, 8 * len(best)


def roi_jpeg2000_at_budget(image: np.ndarray, importance: np.ndarray, budget_bits: float,
                           roi_share: float = 0.75) -> tuple[Optional[np.ndarray], int]:
    """``(decoded [H, W, 3] in [0, 1], bits)`` of ROI JPEG2000 (module notes); ``(None, 0)`` when nothing fits."""
    import torch

    from bridge import BinaryMapCodec

    from .cie import critical_region

    if not 0 < roi_share < 1:
        raise ValueError(f"roi_share must lie in (0, 1), got {roi_share}")
    img = np.asarray(image, dtype=np.float32)
    crit = np.asarray(importance) >= 0.5
    side = int(BinaryMapCodec("auto").encode(torch.from_numpy(crit)).numel()) + 64
    rest = budget_bits - side
    if rest <= 0:
        return None, 0
    pix = critical_region(importance, img.shape[:2])
    rows, cols = np.flatnonzero(pix.any(1)), np.flatnonzero(pix.any(0))
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    roi, roi_bits = jpeg2000_at_budget(img[box], roi_share * rest)
    bg, bg_bits = jpeg2000_at_budget(img, rest - roi_bits)
    if roi is None and bg is None:
        return None, 0
    out = np.full_like(img, 0.5) if bg is None else bg.copy()
    if roi is not None:
        inner = pix[box]
        out[box][inner] = roi[inner]
    return out, side + roi_bits + bg_bits


def received_gvif(original: np.ndarray, received: Optional[np.ndarray], reference: Any, gamma2: float = 0.1) -> float:
    """Received-image GVIF (module docstring); 0 when nothing was received."""
    from genai.metrics import gvif

    if received is None:
        return 0.0
    t_ref = reference.analyze(original).scales.cpu().numpy()
    t_rx = reference.analyze(received).scales.cpu().numpy()
    return gvif(t_ref, None, np.clip(t_rx / t_ref, 0.0, 1.0), gamma2)
