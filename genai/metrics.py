r"""Pixel- and feature-level metrics as pure functions ``metric(ref, rec)``.

Images are float arrays/tensors ``[H, W]``, ``[H, W, C]`` (numpy layout) or
``[B, C, H, W]`` (torch layout) in ``[0, data_range]``.

========================  ==================  ==========================================
metric                    range               better
========================  ==================  ==========================================
:func:`psnr`              [0, inf) dB         higher (inf for identical images)
:func:`mask_psnr`         [0, inf) dB         higher (Huang et al. eq. 40)
:func:`ms_ssim`           [0, 1] (can be <0)  higher (1 for identical images)
:func:`gvif`              [0, 1]              higher (Huang et al. eq. 27)
:func:`miou`              [0, 1]              higher (label maps; classes in either map; ignore index)
:func:`pixel_accuracy`    [0, 1]              higher (label maps)
========================  ==================  ==========================================

Model-based metrics live in their own files: prompt text similarity
(:mod:`genai.minilm`), CLIP image similarity (:mod:`genai.clip`).
"""

from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np
import torch

__all__ = ["psnr", "mask_psnr", "ms_ssim", "gvif", "miou", "pixel_accuracy", "MS_SSIM_WEIGHTS"]

Array = Union[np.ndarray, torch.Tensor]
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003


def _np(x: Array) -> np.ndarray:
    a = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return a.astype(np.float64)


def _pair(ref: Array, rec: Array) -> tuple[np.ndarray, np.ndarray]:
    a, b = _np(ref), _np(rec)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        raise ValueError("empty images")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("images contain NaN or infinite values")
    return a, b


def psnr(ref: Array, rec: Array, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / MSE)``."""
    a, b = _pair(ref, rec)
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def mask_psnr(ref: Array, rec: Array, mask: Array, data_range: float = 255.0) -> float:
    r"""PSNR over the masked region (Huang et al., eq. 40).

    .. math::
        \text{mask PSNR} = 10\log_{10}\frac{255^2}{\frac{1}{\sum M_{ijc}}\,\|M\odot(x-\hat x)\|^2}

    :param mask: Same shape as the images (or broadcastable), values in {0, 1}; must select
        at least one element.
    """
    a, b = _pair(ref, rec)
    m = np.broadcast_to(_np(mask), a.shape)
    if not np.all((m == 0) | (m == 1)):
        raise ValueError("mask values must be 0 or 1")
    n = float(m.sum())
    if n == 0:
        raise ValueError("mask selects no element")
    mse = float(np.sum((m * (a - b)) ** 2)) / n
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def _to_bchw(a: np.ndarray) -> torch.Tensor:
    if a.ndim == 2:
        a = a[None, None]
    elif a.ndim == 3:
        a = a.transpose(2, 0, 1)[None]
    elif a.ndim != 4:
        raise ValueError(f"expected [H, W], [H, W, C] or [B, C, H, W], got {a.shape}")
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float64)


def ms_ssim(ref: Array, rec: Array, data_range: float = 1.0, levels: Optional[int] = None,
            win_size: int = 11) -> float:
    """Multi-scale SSIM (Wang et al. 2003) via pytorch-msssim, averaged over the batch.

    MS-SSIM halves the image ``levels - 1`` times and needs the smaller side to exceed
    ``(win_size - 1) * 2^(levels - 1)`` (160 px for the standard 5 levels). With
    ``levels=None`` the largest admissible number of levels (<= 5) is used, with the
    first weights of :data:`MS_SSIM_WEIGHTS` renormalized to sum to 1; images smaller
    than one window raise ``ValueError``.
    """
    from pytorch_msssim import ms_ssim as _ms_ssim

    a, b = _pair(ref, rec)
    x, y = _to_bchw(a), _to_bchw(b)
    side = min(x.shape[-2:])
    fit = 1
    while fit < 5 and side > (win_size - 1) * 2**fit:
        fit += 1
    if levels is None:
        levels = fit
    if not 1 <= levels <= fit:
        raise ValueError(f"{levels} MS-SSIM levels need a side > {(win_size - 1) * 2 ** (levels - 1)} px, got {side}")
    if side < win_size:
        raise ValueError(f"images must be at least {win_size} px on each side for MS-SSIM, got {side}")
    w = torch.tensor(MS_SSIM_WEIGHTS[:levels], dtype=torch.float64)
    w = w / w.sum()
    if levels == 5:
        return float(_ms_ssim(x, y, data_range=data_range, win_size=win_size, size_average=True))
    # pytorch-msssim insists on 5 levels; the same recursion with fewer levels and its _ssim
    import torch.nn.functional as F
    from pytorch_msssim.ssim import _fspecial_gauss_1d, _ssim

    win = _fspecial_gauss_1d(win_size, 1.5).to(x.dtype).repeat([x.shape[1]] + [1] * (x.dim() - 1))
    mcs = []
    for i in range(levels):
        ssim_pc, cs = _ssim(x, y, win=win, data_range=data_range, size_average=False, K=(0.01, 0.03))
        if i < levels - 1:
            mcs.append(torch.relu(cs))
            pad = [s % 2 for s in x.shape[2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=pad)
            y = F.avg_pool2d(y, kernel_size=2, padding=pad)
    vals = torch.stack(mcs + [torch.relu(ssim_pc)], dim=0)
    return float(torch.prod(vals ** w.view(-1, 1, 1), dim=0).mean())


def gvif(theta_ref: Array, kept: Optional[Array] = None, beta: Optional[Array] = None, gamma2: float = 0.1) -> float:
    r"""Generative visual information fidelity (Huang et al., eq. 27).

    .. math::
        \text{GVIF} = \frac{\sum_{(i,j,c)\in\mathbb{P}} \log_2\!\left(1 + (\beta_{ijc}\theta^r_{ijc})^2/\gamma^2\right)}
                           {\sum_{(i,j,c)\in\mathbb{U}} \log_2\!\left(1 + (\theta^r_{ijc})^2/\gamma^2\right)}

    :param theta_ref: Scales :math:`\theta^r` of the reference image's latent features, e.g.
        the Gaussian scales a CompressAI scale hyperprior predicts (:func:`hyperprior_scales`).
    :param kept: Boolean mask of the kept set :math:`\mathbb{P}` (default: everything).
    :param beta: Scaling :math:`\beta = \theta^c/\theta^r` of the distorted features (default 1).
    :param gamma2: Variance :math:`\gamma^2` of the visual (HVS) noise; the issue's 0.1 by
        default (the paper's Fig. 6 quotes :math:`\gamma = 0.1`, i.e. ``gamma2=0.01``).
    """
    t = _np(theta_ref)
    if t.size == 0 or not np.all(np.isfinite(t)):
        raise ValueError("theta_ref must be a non-empty finite array")
    if not gamma2 > 0:
        raise ValueError(f"gamma2 must be positive, got {gamma2}")
    k = np.ones(t.shape, bool) if kept is None else np.broadcast_to(_np(kept) != 0, t.shape)
    bt = np.ones(t.shape) if beta is None else np.broadcast_to(_np(beta), t.shape)
    if np.any(bt < 0) or np.any(bt > 1 + 1e-9):
        raise ValueError("beta must lie in [0, 1]")
    den = float(np.sum(np.log2(1 + t**2 / gamma2)))
    if den == 0:
        raise ValueError("theta_ref is all zero: GVIF undefined")
    num = float(np.sum(np.log2(1 + (bt * t) ** 2 / gamma2)[k]))
    return num / den


def _label_pair(ref: Array, rec: Array, ignore_index: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    a = (ref.detach().cpu().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)).astype(np.int64)
    b = (rec.detach().cpu().numpy() if isinstance(rec, torch.Tensor) else np.asarray(rec)).astype(np.int64)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"label maps must be non-empty and of the same shape, got {a.shape} vs {b.shape}")
    a, b = a.reshape(-1), b.reshape(-1)
    if ignore_index is not None:
        keep = a != ignore_index
        if not keep.any():
            raise ValueError(f"every reference pixel is the ignore index {ignore_index}")
        a, b = a[keep], b[keep]
    return a, b


def miou(ref: Array, rec: Array, ignore_index: Optional[int] = None) -> float:
    r"""Mean intersection over union of two label maps over the classes present in *either*:
    :math:`\frac{1}{|\mathcal C|}\sum_{c\in\mathcal C} \frac{|R_c \cap S_c|}{|R_c \cup S_c|}`.

    :param ignore_index: Pixels whose *reference* label is this index are left out (from both maps), and
        it is never a class: a received pixel with this label at a kept pixel is a miss of its reference
        class. ``None``: every label is a class.

    .. code-block:: python

        >>> import numpy as np
        >>> round(miou(np.array([[0, 0, 1, 1]]), np.array([[0, 1, 1, 2]])), 4)   # (1/2 + 1/3 + 0) / 3
        0.2778
        >>> round(miou(np.array([[0, 0, 1, 255]]), np.array([[0, 255, 1, 2]]), ignore_index=255), 4)  # (1/2 + 1) / 2
        0.75
    """
    a, b = _label_pair(ref, rec, ignore_index)
    classes = np.union1d(np.unique(a), np.unique(b))
    if ignore_index is not None:
        classes = classes[classes != ignore_index]
    k = int(max(classes.max(), b.max())) + 1
    conf = np.bincount(a * k + b, minlength=k * k).reshape(k, k)
    inter = np.diag(conf)[classes]
    union = conf.sum(1)[classes] + conf.sum(0)[classes] - inter
    return float(np.mean(inter / union))


def pixel_accuracy(ref: Array, rec: Array, ignore_index: Optional[int] = None) -> float:
    """Fraction of pixels with the same class (over the pixels whose reference label is not
    ``ignore_index``, when given)."""
    a, b = _label_pair(ref, rec, ignore_index)
    return float(np.mean(a == b))
