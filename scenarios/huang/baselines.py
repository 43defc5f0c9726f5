"""Baselines of the Huang et al. study: ROI JPEG2000 at a bit budget (Pillow's OpenJPEG; plain JPEG2000 at a
budget is :func:`scenarios.digital.codecs.jpeg2000_at_budget`) and the received-image GVIF used to compare
schemes that are not the hyperprior coder.

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

from typing import Any, Optional

import numpy as np

from ..digital.codecs import jpeg2000_at_budget

__all__ = ["roi_jpeg2000_at_budget", "received_gvif"]


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
