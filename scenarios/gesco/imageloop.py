r"""GESCO's image-level loop (Grassucci et al., Tables 1-4) and its "full image over AWGN" baseline.

* :func:`regenerate_and_score`: the received map -> an image from the map-conditioned decoder (soft
  class planes when the decoder takes them, ``accepts_soft``, else the hard argmax labels; the result
  says which) -> that image re-segmented by the **same** segmenter that made the sent map -> the
  paper's mIoU of the re-segmented image vs the sent map, the pixel accuracy, and LPIPS vs the
  original (Table 2) when an LPIPS model is given. Scores are taken at the sent map's resolution: the
  generated image (square, the decoder's side) is resized to it (bicubic). :func:`score_image` is
  the scoring alone (e.g. for the baseline's received image).
* :func:`fid_over`: FID (Table 3) of a set of generated images vs the originals (:mod:`genai.fid`).
* :func:`analog_image_baseline`: the tables' first row, the RGB pixels in [0, 1] sent analog over
  AWGN (:func:`bridge.analog.send_analog`, ``convention`` as in :mod:`bridge.analog`) at **equal
  channel uses** to a map transmission: an image with more real values than ``2 * channel_uses`` is
  area-downsampled to the largest size that fits, sent, and upsampled bilinearly at the receiver;
  one that fits is sent once at full size (fewer uses; no repetition, no power boost). The received
  values are clipped to [0, 1].
* :func:`channel_use_table`: the analog regime's channel uses: one-hot planes K·H·W/2 (+ H·W/2 for an
  instance-edge plane) vs the RGB pixels 3·H·W/2.
The received planes come from :func:`scenarios.maps.analog.send_analog_map` (``MapOutcome.planes``,
``MapOutcome.present``).

.. code-block:: python

    >>> rows = channel_use_table((256, 384), 8, (256, 384, 3))
    >>> [(r["stream"], r["channel_uses"]) for r in rows]
    [('one-hot planes (8 present classes)', 393216), ('RGB pixels', 147456)]
    >>> round(rows[0]["vs_rgb"], 2)
    2.67
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from ..maps.analog import label_tensor, map_scores


def _label_array(a: Any) -> np.ndarray:
    """A label map as an ``[H, W]`` int64 array (validated by :func:`~scenarios.maps.analog.label_tensor`)."""
    return label_tensor(a).numpy()

__all__ = ["regenerate_and_score", "score_image", "fid_over", "analog_image_baseline", "channel_use_table"]

_LPIPS_MISSING = ("LPIPS not computed: no LPIPS model given (genai.lpips_alex.LPIPSDistance needs torchvision's "
                  "AlexNet ImageNet weights, alexnet-owt-7be5be79.pth)")


def _rgb01(image: Any) -> np.ndarray:
    """An RGB image ``[H, W, 3]`` as float64 in [0, 1]: integers (and floats above 2) are read as 0..255,
    other floats are clipped to [0, 1]."""
    img = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.size == 0:
        raise ValueError(f"expected an RGB image [H, W, 3], got shape {img.shape}")
    out = img.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError("the image has NaN or infinite values")
    if np.issubdtype(img.dtype, np.integer) or out.max() > 2.0:
        out = out / 255.0
    return np.clip(out, 0.0, 1.0)


def _resize(img: np.ndarray, shape: tuple[int, int], mode: str = "bicubic") -> np.ndarray:
    """``[H, W, 3]`` in [0, 1] -> ``[h, w, 3]`` (``bicubic``/``bilinear`` antialiased, ``area``), clipped."""
    if img.shape[:2] == tuple(shape):
        return img
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None]
    kw = {} if mode == "area" else {"align_corners": False, "antialias": True}
    y = F.interpolate(x, size=tuple(shape), mode=mode, **kw)[0]
    return np.clip(y.numpy().transpose(1, 2, 0), 0.0, 1.0)


def _is_random(model: Any) -> bool:
    return bool(getattr(model, "random_weights", False)) or "random weights" in str(getattr(model, "note", ""))


def score_image(image: Any, sent_labels: Any, segmenter: Any, reference: Any = None, lpips: Any = None,
                ignore_index: Optional[int] = None) -> dict[str, Any]:
    """Re-segment ``image`` ``[h, w, 3]`` and score it against the sent map ``[H, W]`` (the paper's mIoU).

    The image (and ``reference``, the original, for LPIPS) is resized (bicubic) to ``[H, W]`` first.
    Returns ``miou``, ``pixel_accuracy``, ``lpips`` (NaN without a model or reference), ``resegmented``
    ``[H, W]`` int64 and ``image`` ``[H, W, 3]`` float in [0, 1].
    """
    sent = _label_array(sent_labels)
    img = _resize(_rgb01(image), sent.shape)
    reseg = _label_array(segmenter(img))
    if reseg.shape != sent.shape:
        raise ValueError(f"the segmenter returned {reseg.shape} for a {sent.shape} image")
    m, pa = map_scores(sent, reseg, ignore_index)
    lp = math.nan
    if lpips is not None and reference is not None:
        lp = float(lpips(_resize(_rgb01(reference), sent.shape), img))
    return {"miou": m, "pixel_accuracy": pa, "lpips": lp, "resegmented": reseg, "image": img}


def _conditioning(received: Any, present: Any, soft: bool) -> tuple[Any, str, Optional[np.ndarray]]:
    """(what the decoder gets, its name, the hard received labels or None) from the received map."""
    from genai.semmaps import pad_planes

    if received is None:
        return None, "none (nothing arrived)", None
    r = received.detach().cpu() if isinstance(received, torch.Tensor) else torch.as_tensor(np.asarray(received))
    if r.dim() == 2:
        lab = _label_array(r)
        return lab, "hard labels (the received map is a label map)", lab
    if r.dim() != 3 or present is None:
        raise ValueError("the received map is a label map [H, W] or planes [K, H, W] with the presence vector [C]")
    pres = torch.as_tensor(np.asarray(present)).to(torch.bool).reshape(-1)
    if r.shape[0] == pres.numel():
        planes = r.float()  # already padded to all C classes
    elif r.shape[0] == int(pres.sum()):
        planes = pad_planes(r.float(), pres)
    else:
        raise ValueError(f"{r.shape[0]} planes for {int(pres.sum())} present of {pres.numel()} classes")
    lab = planes.argmax(dim=0).numpy().astype(np.int64)
    if soft:
        return planes.numpy(), "soft planes (the received planes, e.g. after FDS, padded to all classes)", lab
    return lab, "hard labels (argmax of the received planes; the decoder takes no soft planes)", lab


def regenerate_and_score(image_rgb: Any, sent_labels: Any, received: Any, present: Any, decoder: Any,
                         segmenter: Any, prompt: Optional[str], seed: int, lpips: Any = None,
                         ignore_index: Optional[int] = None) -> dict[str, Any]:
    """One image through the loop: received map -> regenerated image -> re-segmented -> scores.

    :param image_rgb: The original ``[H, W, 3]`` (float in [0, 1] or uint8), at the sent map's size.
    :param sent_labels: The sent map ``[H, W]`` (what ``segmenter`` made of the original).
    :param received: Received planes ``[K, H, W]`` (present classes) or ``[C, H, W]`` (padded), a hard
        label map ``[H, W]`` (e.g. the digital path), or ``None`` (nothing arrived: prompt only).
    :param present: The presence vector ``[C]`` (bool) for planes; ignored for a label map.
    :returns: ``miou`` / ``pixel_accuracy`` (re-segmented regenerated image vs the sent map: Table 1),
        ``lpips`` (vs the original: Table 2; NaN without ``lpips``), ``map_miou`` (received map vs
        sent), ``conditioning``, ``image`` ``[H, W, 3]``, ``resegmented``, ``random_weights`` and
        ``notes`` (each model's note; random weights and missing weights named).
    """
    sent = _label_array(sent_labels)
    cond, mode, rx_labels = _conditioning(received, present, bool(getattr(decoder, "accepts_soft", False)))
    gen = decoder(prompt, cond, seed=int(seed))
    notes = [f"decoder: {decoder.note}", f"segmenter: {segmenter.note}",
             f"LPIPS: {lpips.note}" if lpips is not None else _LPIPS_MISSING]
    out: dict[str, Any] = {"conditioning": mode, "notes": notes,
                           "random_weights": any(_is_random(m) for m in (decoder, segmenter, lpips) if m is not None),
                           "map_miou": math.nan if rx_labels is None else map_scores(sent, rx_labels, ignore_index)[0]}
    if gen.image is None:
        notes.append("no image regenerated (neither a map nor a prompt arrived): scores 0")
        return {**out, "miou": 0.0, "pixel_accuracy": 0.0, "lpips": math.nan, "image": None, "resegmented": None}
    return {**out, **score_image(gen.image, sent, segmenter, image_rgb, lpips, ignore_index)}


def fid_over(real_images: Sequence[Any], generated_images: Sequence[Any], fid_model: Any = None) -> dict[str, Any]:
    """FID (Table 3) between two image sets (``[H, W, 3]`` each) with :class:`genai.fid.FIDFeatures`.

    ``fid_model=None`` loads the real Inception-v3 offline; without its weights ``fid`` is NaN and
    ``note`` names the missing file. Also returns ``n_real``, ``n_generated`` and ``dims``.
    """
    from genai.fid import FIDFeatures, frechet_distance
    from genai.loading import ModelNotAvailable

    out: dict[str, Any] = {"fid": math.nan, "n_real": len(real_images), "n_generated": len(generated_images)}
    if min(len(real_images), len(generated_images)) < 2:
        return {**out, "dims": 0, "note": "FID not computed: needs at least 2 images in each set"}
    if fid_model is None:
        try:
            fid_model = FIDFeatures()
        except ModelNotAvailable as err:
            return {**out, "dims": 0, "note": f"FID not computed: {err}"}
    fr, fg = fid_model.features(real_images), fid_model.features(generated_images)
    n, d = min(len(fr), len(fg)), fr.shape[1]
    rank = f"; {n} images <= {d} feature dimensions: the covariances are rank-deficient" if n <= d else ""
    note = f"{fid_model.note}; {len(fr)} real vs {len(fg)} generated images{rank}"
    return {**out, "fid": frechet_distance(fr, fg), "dims": d, "note": note}


def _fit_shape(h: int, w: int, uses: int) -> tuple[int, int]:
    """The largest ``(h', w')`` with ``3 h' w' <= 2 uses`` (ties: the aspect closest to ``h : w``)."""
    if 3 * h * w <= 2 * uses:
        return h, w
    f = math.sqrt(3 * h * w / (2 * uses))
    best: tuple[float, float, int, int] = (0.0, 0.0, 0, 0)
    for hs in range(max(1, int(h / f) - 1), min(h, int(h / f) + 2) + 1):
        ws = min(w, (2 * uses) // (3 * hs))
        if ws >= 1:
            best = max(best, (hs * ws, -abs(math.log(hs * w / (ws * h))), hs, ws))
    if best[0] < 1:
        raise ValueError(f"{uses} channel uses cannot carry one RGB pixel (3 real values need 2 uses)")
    return best[2], best[3]


def analog_image_baseline(image_rgb: Any, channel_uses: int, snr_db: float, convention: str = "released-code",
                          seed: int = 0) -> dict[str, Any]:
    """The "full image over AWGN" row at ``channel_uses`` complex channel uses (module docstring).

    :returns: ``image`` ``[H, W, 3]`` (received, in [0, 1]), ``psnr_db``, ``ms_ssim`` (vs the original;
        NaN when too small), ``channel_uses`` (used, <= the budget), ``channel_uses_budget``,
        ``sent_shape``, ``downsample`` (per axis H/h', W/w'), ``downsample_factor`` (sqrt of the area
        ratio; 1 = full size), ``values``, ``sigma2``, ``side_bits``, ``convention``.
    """
    from bridge.analog import AnalogChannel, send_analog
    from genai.metrics import ms_ssim, psnr

    if isinstance(channel_uses, bool) or int(channel_uses) != channel_uses or channel_uses < 1:
        raise ValueError(f"channel_uses must be a positive integer, got {channel_uses!r}")
    img = _rgb01(image_rgb)
    h, w = img.shape[:2]
    hs, ws = _fit_shape(h, w, int(channel_uses))
    sent = _resize(img, (hs, ws), mode="area")
    ch = AnalogChannel(psnr_db=float(snr_db), convention=convention)
    rx, st = send_analog(torch.from_numpy(np.ascontiguousarray(sent.transpose(2, 0, 1))).float(), ch, seed=seed)
    if st.channel_uses > channel_uses:  # pragma: no cover - AWGN uses ceil(values / 2)
        raise RuntimeError(f"used {st.channel_uses} channel uses for a budget of {channel_uses}")
    rec = rx.double()
    if (hs, ws) != (h, w):
        rec = F.interpolate(rec[None], size=(h, w), mode="bilinear", align_corners=False)[0]
    rec_img = np.clip(rec.numpy().transpose(1, 2, 0), 0.0, 1.0)
    try:
        ms = ms_ssim(img, rec_img)
    except ValueError:
        ms = math.nan
    return {"image": rec_img, "psnr_db": psnr(img, rec_img), "ms_ssim": ms, "channel_uses": int(st.channel_uses),
            "channel_uses_budget": int(channel_uses), "sent_shape": (hs, ws), "downsample": (h / hs, w / ws),
            "downsample_factor": math.sqrt(h * w / (hs * ws)), "values": int(st.values), "sigma2": float(st.sigma2),
            "side_bits": int(st.side_bits), "convention": convention}


def channel_use_table(shape: Sequence[int], present_classes: Union[int, Sequence[Any], np.ndarray],
                      image_shape: Sequence[int], instance_edges: bool = False) -> list[dict[str, Any]]:
    """Complex channel uses of the analog streams, two real values per use: the one-hot planes of the
    K present classes of a ``shape`` = (H, W) map, with one instance-edge plane more when
    ``instance_edges``, and the RGB pixels of an ``image_shape`` = (H, W[, 3]) image.

    ``present_classes``: K, a presence vector ``[C]`` (bool) or the present class indices.
    Rows: ``stream``, ``planes``, ``values``, ``channel_uses``, ``vs_rgb`` (channel uses / the RGB row's).
    """
    if isinstance(present_classes, (int, np.integer)) and not isinstance(present_classes, bool):
        k = int(present_classes)
    else:
        arr = np.asarray(present_classes).reshape(-1)
        k = int(arr.sum()) if arr.dtype == bool else int(np.unique(arr).size)
    h, w = (int(v) for v in shape[:2])
    ih, iw = (int(v) for v in image_shape[:2])
    if k < 1 or min(h, w, ih, iw) < 1:
        raise ValueError("need at least one present class and positive map and image sides")
    rgb_uses = math.ceil(3 * ih * iw / 2)
    rows = [(f"one-hot planes ({k} present classes)", k)]
    if instance_edges:
        rows.append((f"one-hot planes ({k} present classes) + instance-edge plane", k + 1))
    out = [{"stream": s, "planes": p, "values": p * h * w, "channel_uses": math.ceil(p * h * w / 2)} for s, p in rows]
    out.append({"stream": "RGB pixels", "planes": 3, "values": 3 * ih * iw, "channel_uses": rgb_uses})
    return [{**r, "vs_rgb": r["channel_uses"] / rgb_uses} for r in out]
