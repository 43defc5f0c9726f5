r"""Source coders of a separated (digital) system, shared by the studies that send images over the real link.

* :func:`coder_files` lists the learned coder family's weights (``hyperprior_rgb_q*.safetensors`` in a folder)
  and :func:`load_family` loads it (``{quality: HyperpriorCoder}``, the rate points of
  :mod:`genai.hyperprior`);
* :func:`load_image`: an RGB image as floats in [0, 1], optionally its centre crop;
* :func:`jpeg2000_at_budget`: the largest-quality JPEG2000 codestream (Pillow's OpenJPEG, irreversible 9/7,
  one layer) whose size fits a bit budget, by bisection on the compression ratio; exact bits.

.. code-block:: python

    >>> import numpy as np
    >>> img = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    >>> dec, bits = jpeg2000_at_budget(img, 8000)
    >>> dec.shape, 0 < bits <= 8000
    ((64, 64, 3), True)
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Optional

import numpy as np

__all__ = ["coder_files", "load_family", "load_image", "jpeg2000_encode", "jpeg2000_stream", "jpeg2000_decode", "jpeg2000_at_budget"]


def coder_files(folder: Optional[str] = None) -> list[Path]:
    """The coder family's weight files ``hyperprior_rgb_q*.safetensors`` in ``folder`` (default: the shipped
    weights), by rate point; :class:`~genai.loading.ModelNotAvailable` when there are none (a cheap check:
    nothing is loaded)."""
    from genai.hyperprior import WEIGHTS_DIR
    from genai.loading import ModelNotAvailable

    root = Path(folder) if folder else WEIGHTS_DIR
    files = sorted(root.glob("hyperprior_rgb_q*.safetensors"), key=lambda p: int(p.stem.split("_q")[-1]))
    if not files:
        raise ModelNotAvailable(f"no hyperprior coder weights (hyperprior_rgb_q*.safetensors) in {root}; "
                                "train them with `semlink train-image-codec`")
    return files


def load_family(folder: Optional[str] = None, device: str = "cpu", random_weights: bool = False) -> dict[int, Any]:
    """``{quality: HyperpriorCoder}`` from ``folder`` (default: the shipped weights)."""
    from genai.hyperprior import HyperpriorCoder

    if random_weights:
        return {q: HyperpriorCoder(quality=q, random_weights=True, device=device) for q in (1, 2)}
    family = {int(p.stem.split("_q")[-1]): p for p in coder_files(folder)}
    return {q: HyperpriorCoder(quality=q, weights=p, device=device) for q, p in family.items()}


def load_image(path: str, crop: int = 512) -> np.ndarray:
    """RGB float image; ``crop`` > 0: the centre ``crop`` × ``crop`` (smaller images are used whole)."""
    from PIL import Image

    try:
        img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read the image {path}: {err}") from None
    if crop > 0:
        h, w = img.shape[:2]
        ch, cw = min(crop, h), min(crop, w)
        i, j = (h - ch) // 2, (w - cw) // 2
        img = img[i: i + ch, j: j + cw]
    return np.ascontiguousarray(img)


def jpeg2000_encode(img8: np.ndarray, ratio: float) -> bytes:
    """One JPEG2000 codestream (irreversible 9/7, one layer) of a uint8 RGB image at compression ratio ``ratio``."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img8).save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[ratio],
                               irreversible=True)
    return buf.getvalue()


def jpeg2000_stream(image: np.ndarray, budget_bits: float) -> Optional[bytes]:
    """The largest-quality JPEG2000 codestream of ``image`` (``[H, W, 3]``, float in [0, 1] or uint8) whose size
    fits ``budget_bits``; ``None`` when not even the coarsest one fits."""
    img = np.asarray(image)
    img8 = img if img.dtype == np.uint8 else (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
    lo, hi = 1.0, 5000.0  # compression ratios: lo = large file, hi = tiny file
    best = jpeg2000_encode(img8, hi)
    if 8 * len(best) > budget_bits:
        return None
    for _ in range(30):
        mid = (lo * hi) ** 0.5
        data = jpeg2000_encode(img8, mid)
        if 8 * len(data) <= budget_bits:
            best, hi = data, mid
        else:
            lo = mid
        if hi / lo < 1.01:
            break
    if budget_bits >= img8.size * 8:
        best = jpeg2000_encode(img8, 1.0) if 8 * len(jpeg2000_encode(img8, 1.0)) <= budget_bits else best
    return best


def jpeg2000_decode(data: bytes) -> np.ndarray:
    """A JPEG2000 codestream decoded to ``[H, W, 3]`` floats in [0, 1] (``ValueError`` when it does not decode)."""
    from PIL import Image

    try:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32) / 255.0
    except (OSError, ValueError, SyntaxError) as err:
        raise ValueError(f"the JPEG2000 codestream does not decode: {err}") from None


def jpeg2000_at_budget(image: np.ndarray, budget_bits: float) -> tuple[Optional[np.ndarray], int]:
    """``(decoded [H, W, 3] in [0, 1], bits)``; ``(None, 0)`` when not even the coarsest codestream fits."""
    data = jpeg2000_stream(image, budget_bits)
    return (None, 0) if data is None else (jpeg2000_decode(data), 8 * len(data))
