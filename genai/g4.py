"""``g4``: weight-free sketch codec — binarize, thin, and code with CCITT Group 4 (ITU-T T.6).

The bilevel coder is libtiff's Group 4 through Pillow. Only what a receiver needs
travels: a 64-bit header (original height and width, coded width and height, 16 bits
each) and the Group 4 strip bytes —
not the TIFF container, which the decoder rebuilds around the strip (a fixed 8-byte
header and one IFD). So ``len(compress(x)) * 8`` is the exact bit count.

With ``scale < 1`` the sketch is area-downsampled before binarization and the decoded
bilevel map is upsampled bilinearly to the original size (values in [0, 1]).

Corrupted strings never raise: a strip the T.6 decoder rejects decodes as an empty
(all-zero) sketch.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import sys
from typing import Iterator, Union

import numpy as np
import torch

from .registry import register

__all__ = ["G4Codec"]


def _tiff_around(strip: bytes, width: int, height: int) -> bytes:
    """A minimal little-endian TIFF holding one Group 4 strip (BlackIsZero, as Pillow writes mode "1")."""
    tags = [
        (256, 3, 1, width), (257, 3, 1, height), (258, 3, 1, 1), (259, 3, 1, 4), (262, 3, 1, 1),
        (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, height), (279, 4, 1, len(strip)),
    ]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(tags) + 4
    data_offset = ifd_offset + ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(tags))
    for tag, typ, count, value in tags:
        if tag == 273:
            value = data_offset
        fmt = "<HHIHH" if typ == 3 else "<HHII"
        out += struct.pack(fmt, tag, typ, count, value, 0) if typ == 3 else struct.pack(fmt, tag, typ, count, value)
    out += struct.pack("<I", 0)
    return bytes(out) + strip


@contextlib.contextmanager
def _quiet_libtiff() -> Iterator[None]:
    """Silence libtiff's C-level warnings ("Fax4Decode: Bad code word ...") on file descriptor 2
    while a corrupted strip is decoded; Python's own stderr is untouched."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (embedded interpreters): decode noisily
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@register("sketch_codec", "g4")
class G4Codec:
    """Sketch (edge probability map) <-> CCITT G4 bytes.

    :param threshold: Binarization threshold on the sketch in [0, 1].
    :param thin: Thin the binary edges to one-pixel width (:func:`skimage.morphology.thin`).

    :input sketch: [H, W] float in [0, 1] (numpy or torch), H, W < 65536.
    :output: ``compress`` -> bytes; ``decompress`` -> [H, W] float32 in {0, 1}.

    .. code-block:: python

        >>> import numpy as np
        >>> s = np.zeros((64, 64), np.float32); s[20, 5:60] = 1
        >>> c = G4Codec()
        >>> data = c.compress(s)
        >>> bool((c.decompress(data) == c.binarize(s)).all()), len(data) < 64 * 64 // 8
        (True, True)
    """

    def __init__(self, threshold: float = 0.5, thin: bool = True, scale: float = 1.0, **_: object) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
        if not 0.05 <= float(scale) <= 1.0:
            raise ValueError(f"scale must lie in [0.05, 1], got {scale}")
        self.scale = float(scale)
        self.threshold = float(threshold)
        self.thin = bool(thin)
        self.random_weights = False

    def binarize(self, sketch: Union[np.ndarray, torch.Tensor]) -> np.ndarray:
        """The binary (optionally thinned) map that the codec transmits exactly."""
        a = np.asarray(sketch.detach().cpu() if isinstance(sketch, torch.Tensor) else sketch, dtype=np.float32)
        if a.ndim != 2 or min(a.shape) < 1 or max(a.shape) >= 65536:
            raise ValueError(f"expected a 2-D sketch smaller than 65536 x 65536, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("sketch contains NaN or infinite values")
        if self.scale < 1.0:
            import torch.nn.functional as F

            size = (max(1, round(a.shape[0] * self.scale)), max(1, round(a.shape[1] * self.scale)))
            a = F.interpolate(torch.from_numpy(a)[None, None], size=size, mode="area")[0, 0].numpy()
        b = a > self.threshold
        if self.thin and b.any():
            from skimage.morphology import thin

            b = thin(b)
        return b.astype(np.float32)

    def compress(self, sketch: Union[np.ndarray, torch.Tensor]) -> bytes:
        from PIL import Image, TiffImagePlugin

        oh, ow = np.shape(sketch)[:2]
        b = self.binarize(sketch)
        h, w = b.shape
        img = Image.fromarray((b > 0).astype(np.uint8) * 255).convert("1")
        buf = io.BytesIO()
        TiffImagePlugin.WRITE_LIBTIFF = True
        try:
            img.save(buf, format="TIFF", compression="group4", tiffinfo={278: h})
        finally:
            TiffImagePlugin.WRITE_LIBTIFF = False
        buf.seek(0)
        with Image.open(buf) as t:
            offsets, counts = t.tag_v2[273], t.tag_v2[279]
            photometric = t.tag_v2.get(262)
        raw = buf.getvalue()
        strip = b"".join(raw[o : o + c] for o, c in zip(np.atleast_1d(offsets), np.atleast_1d(counts)))
        if len(np.atleast_1d(offsets)) != 1:
            raise RuntimeError("expected a single Group 4 strip")
        if photometric != 1:  # the decoder rebuilds a BlackIsZero TIFF
            raise RuntimeError(f"unexpected TIFF photometric interpretation {photometric}")
        return struct.pack(">HHHH", oh, ow, w, h) + strip

    def decompress(self, data: bytes) -> np.ndarray:
        """G4 bytes -> binary sketch; never raises (an undecodable strip gives zeros; an implausible
        header, as from a corrupted stream, an empty ``(0, 0)`` map)."""
        from PIL import Image

        if len(data) < 8:
            return np.zeros((0, 0), np.float32)
        oh, ow, w, h = struct.unpack(">HHHH", data[:8])
        if min(oh, ow) == 0:
            return np.zeros((oh, ow), np.float32)
        if oh * ow > 4096 * len(data) + 65536:  # corrupted header: no G4 strip this short codes that much
            return np.zeros((0, 0), np.float32)
        if min(w, h) == 0 or w > ow or h > oh:
            return np.zeros((oh, ow), np.float32)
        try:
            with _quiet_libtiff(), Image.open(io.BytesIO(_tiff_around(bytes(data[8:]), w, h))) as img:
                img.load()
                a = np.asarray(img.convert("L"), dtype=np.uint8)
            # BlackIsZero: edge pixels were written as 1 (white)
            b = (a == 255).astype(np.float32)
        except Exception:  # noqa: BLE001 - libtiff rejects corrupted strips in many ways
            return np.zeros((oh, ow), np.float32)
        if (h, w) == (oh, ow):
            return b
        import torch.nn.functional as F

        up = F.interpolate(torch.from_numpy(b)[None, None], size=(oh, ow), mode="bilinear", align_corners=False)
        return up[0, 0].clamp(0, 1).numpy()

    def bits(self, sketch: Union[np.ndarray, torch.Tensor]) -> int:
        """Exact number of bits on the wire."""
        return 8 * len(self.compress(sketch))
