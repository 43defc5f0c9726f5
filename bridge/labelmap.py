"""Label-map stream codec: a semantic map (``[H, W]`` class indices) <-> bits, losslessly (GESCO, digital path).

Wire format: a repetition-protected header (height 16, width 16, classes 16, mode 8; each bit
sent ``header_repeat`` times), the class-presence vector (``classes`` bits, one per class: the
side information, counted), then

* ``planes``: the binary plane of every present class but the last, each with the
  :class:`~bridge.binarymap.BinaryMapCodec` (bit-packed or run-length coded, whichever is shorter);
  the last present class is every pixel no earlier plane claims (so K − 1 planes are exact);
* ``png``: the label map as a greyscale PNG (zlib, ``optimize``), its bytes with a 32-bit length;
* ``planes-ext``: the planes coded by a caller-supplied ``plane_codec`` (an object with
  ``encode(mask) -> bits``, ``decode(bits) -> mask`` and ``bit_count(mask)``, e.g. CCITT G4 from
  :mod:`genai.g4` wrapped by the GESCO study; ``bridge`` itself imports no model code).

``mode="auto"`` encodes every available mode and keeps the shortest (:meth:`LabelMapCodec.payloads`
gives all sizes).
Decoding never raises on corrupted bits: planes decode as far as they go (unclaimed pixels take the
last present class); a PNG that no longer parses decodes to a map of the first present class.

.. code-block:: python

    >>> import torch
    >>> lab = torch.zeros(16, 24, dtype=torch.long); lab[4:9, 3:20] = 2; lab[12:, :5] = 5
    >>> c = LabelMapCodec(classes=8)
    >>> bits = c.encode(lab)
    >>> bool((c.decode(bits) == lab).all()), bits.numel() == c.bit_count(lab)
    (True, True)
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import torch

from .binarymap import BinaryMapCodec
from .bits import Header, as_bits, bits_to_bytes, bits_to_uint, bytes_to_bits, uint_to_bits

__all__ = ["LabelMapCodec", "MODES"]

MODES = ("planes", "png", "planes-ext")
_MAX_SIDE = 2**16 - 1


class LabelMapCodec:
    """Label map <-> float bits (format in the module docstring).

    :param classes: Number of classes C (presence vector length; labels must lie in [0, C)).
    :param mode: ``"planes"``, ``"png"`` or ``"auto"`` (the shorter).
    :param header_repeat: Repetition factor of the header (odd).
    :param plane_codec: Codec of binary planes for ``planes-ext`` (see the module docstring).
    """

    def __init__(self, classes: int, mode: str = "auto", header_repeat: int = 3, plane_codec: Any = None) -> None:
        if isinstance(classes, bool) or not isinstance(classes, int) or not 1 <= classes <= 2**16 - 1:
            raise ValueError(f"classes must be an integer in [1, 65535], got {classes!r}")
        if mode not in MODES + ("auto",):
            raise ValueError(f"mode must be one of {', '.join(MODES)} or auto, got {mode!r}")
        if mode == "planes-ext" and plane_codec is None:
            raise ValueError("mode 'planes-ext' needs a plane_codec")
        self.classes, self.mode, self.header_repeat = classes, mode, header_repeat
        self.modes = MODES if plane_codec is not None else MODES[:2]
        self._ext = plane_codec
        self.last_mode: str | None = None  #: the mode :meth:`encode` used last
        self._head = Header([16, 16, 16, 8], header_repeat)
        self._planes = BinaryMapCodec("auto", header_repeat)

    def _check(self, labels: torch.Tensor) -> np.ndarray:
        lab = np.asarray(labels.detach().cpu() if isinstance(labels, torch.Tensor) else labels)
        if lab.ndim != 2 or lab.size == 0 or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(f"a label map is a non-empty [H, W] integer array, got {lab.dtype} {lab.shape}")
        if max(lab.shape) > _MAX_SIDE:
            raise ValueError(f"label maps are at most {_MAX_SIDE} pixels a side")
        if lab.min() < 0 or lab.max() >= self.classes:
            raise ValueError(f"class indices must lie in [0, {self.classes}), got [{lab.min()}, {lab.max()}]")
        return lab.astype(np.int64)

    def _payload(self, lab: np.ndarray, mode: str) -> torch.Tensor:
        present = np.unique(lab)
        if mode in ("planes", "planes-ext"):
            pc = self._planes if mode == "planes" else self._ext
            parts = [pc.encode(torch.from_numpy(lab == c)).float() for c in present[:-1]]
            return torch.cat(parts) if parts else torch.zeros(0)
        from PIL import Image

        buf = io.BytesIO()
        img = Image.fromarray(lab.astype(np.uint8)) if self.classes <= 256 else Image.fromarray(
            lab.astype(np.uint16))
        img.save(buf, format="PNG", optimize=True)
        data = buf.getvalue()
        return torch.cat([uint_to_bits([len(data)], 32), bytes_to_bits(data)])

    def payloads(self, labels: torch.Tensor) -> dict[str, int]:
        """Total bits of each mode (header and presence vector included)."""
        lab = self._check(labels)
        fixed = self._head.bits + self.classes
        return {m: fixed + int(self._payload(lab, m).numel()) for m in self.modes}

    def encode(self, labels: torch.Tensor) -> torch.Tensor:
        """``[H, W]`` labels -> bits ``[L]`` float32."""
        lab = self._check(labels)
        if self.mode == "auto":
            pay = {m: self._payload(lab, m) for m in self.modes}
            mode = min(self.modes, key=lambda m: pay[m].numel())
            payload = pay[mode]
        else:
            mode, payload = self.mode, self._payload(lab, self.mode)
        self.last_mode = mode
        presence = np.zeros(self.classes, dtype=np.float32)
        presence[np.unique(lab)] = 1
        head = self._head.encode([lab.shape[0], lab.shape[1], self.classes, MODES.index(mode)])
        return torch.cat([head, torch.from_numpy(presence), payload.float()])

    def bit_count(self, labels: torch.Tensor) -> int:
        """Exact number of bits :meth:`encode` produces."""
        sizes = self.payloads(labels)
        return min(sizes.values()) if self.mode == "auto" else sizes[self.mode]

    def decode(self, bits: torch.Tensor, shape: tuple[int, int] | None = None) -> torch.Tensor:
        """Bits -> ``[H, W]`` int64 labels; never raises on corrupted bits.

        :param shape: The map size if the receiver knows it (a corrupted header is then overridden).
        """
        bt = as_bits(bits)
        if bt.numel() < self._head.bits + self.classes:
            h, w = shape or (1, 1)
            return torch.zeros(h, w, dtype=torch.long)
        h, w, _, mode = self._head.decode(bt)
        if shape is not None:
            h, w = shape
        h, w = max(1, min(int(h), 4096)), max(1, min(int(w), 4096))
        pos = self._head.bits
        presence = np.nonzero(bt[pos: pos + self.classes].numpy() > 0.5)[0]
        pos += self.classes
        if presence.size == 0:
            presence = np.array([0])
        payload = bt[pos:]
        if mode == MODES.index("png"):
            return torch.from_numpy(self._decode_png(payload, h, w, int(presence[0])))
        pc = self._ext if mode == MODES.index("planes-ext") and self._ext is not None else self._planes
        out = np.full((h, w), -1, dtype=np.int64)
        for c in presence[:-1]:
            if payload.numel() == 0:
                break
            plane = torch.as_tensor(pc.decode(payload)) > 0.5
            used = pc.bit_count(plane) if plane.numel() else payload.numel()
            payload = payload[used:]
            flat = np.zeros(h * w, dtype=bool)
            got = plane.reshape(-1).numpy()[: h * w]
            flat[: got.size] = got
            out[(out < 0) & flat.reshape(h, w)] = c
        out[out < 0] = presence[-1]
        return torch.from_numpy(out)

    @staticmethod
    def _decode_png(payload: torch.Tensor, h: int, w: int, fill: int) -> np.ndarray:
        from PIL import Image

        blank = np.full((h, w), fill, dtype=np.int64)
        if payload.numel() < 32:
            return blank
        n = int(bits_to_uint(payload[:32], 32)[0])
        data = bits_to_bytes(payload[32: 32 + 8 * min(n, (payload.numel() - 32) // 8)])
        try:
            img = np.asarray(Image.open(io.BytesIO(data)), dtype=np.int64)
        except Exception:  # noqa: BLE001 - any corruption of the PNG means "nothing usable arrived"
            return blank
        if img.shape != (h, w):
            return blank
        return img
