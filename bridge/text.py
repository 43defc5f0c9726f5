"""Text stream codec: UTF-8 (optionally losslessly compressed) as bits.

Wire format: a repetition-protected header (:class:`~bridge.bits.Header`: compressor id
8 bits, payload byte length 32 bits) followed by the payload bytes.

Decoding corrupted bits never raises: the length field is clamped to the bytes that
actually arrived (a flipped bit cannot make the decoder read past the stream), a
corrupted compressed payload yields what decompresses before the damage (output
capped, so a corrupted stream cannot expand without bound), and invalid UTF-8 is
replaced by U+FFFD.
"""

from __future__ import annotations

import lzma
import zlib
from typing import Optional

import torch

from .bits import Header, as_bits, bits_to_bytes, bytes_to_bits

__all__ = ["TextCodec", "COMPRESSORS"]

COMPRESSORS = {None: 0, "zlib": 1, "lzma": 2}
_BY_ID = {v: k for k, v in COMPRESSORS.items()}
_MAX_EXPANSION = 64  # decoded bytes per received payload byte, at most (+ 4 KiB)


class TextCodec:
    """UTF-8 text <-> float bits.

    :param compress: ``None``, ``"zlib"`` or ``"lzma"`` (lossless).
    :param header_repeat: Repetition factor of the header bits (odd).

    :input text: str (non-empty).
    :output bits: [L] torch.float32 {0, 1}; ``L == codec.bit_count(text)``.

    .. code-block:: python

        >>> codec = TextCodec()
        >>> bits = codec.encode("a red bicycle")
        >>> codec.decode(bits)
        'a red bicycle'
        >>> bits.numel() == 120 + 8 * 13
        True
    """

    def __init__(self, compress: Optional[str] = None, header_repeat: int = 3) -> None:
        if compress not in COMPRESSORS:
            raise ValueError(f"compress must be one of {list(COMPRESSORS)}, got {compress!r}")
        self.compress = compress
        self.header = Header([8, 32], header_repeat)

    def _pack(self, data: bytes) -> bytes:
        if self.compress == "zlib":
            return zlib.compress(data, 9)
        if self.compress == "lzma":
            return lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2, "preset": 9}])
        return data

    def encode(self, text: str) -> torch.Tensor:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if not text:
            raise ValueError("empty text stream")
        payload = self._pack(text.encode("utf-8"))
        if len(payload) >= 2**32:
            raise ValueError("text too long (payload >= 4 GiB)")
        return torch.cat([self.header.encode([COMPRESSORS[self.compress], len(payload)]), bytes_to_bits(payload)])

    def bit_count(self, text: str) -> int:
        """Exact number of bits :meth:`encode` produces."""
        return self.header.bits + 8 * len(self._pack(text.encode("utf-8")))

    def decode(self, bits: torch.Tensor) -> str:
        """Bits -> text; never raises on corrupted or truncated bits (returns ``""`` if the header is gone)."""
        b = as_bits(bits)
        if b.numel() < self.header.bits:
            return ""
        comp_id, length = self.header.decode(b)
        payload = bits_to_bytes(b[self.header.bits :])
        payload = payload[: min(length, len(payload))]
        data = _unpack(_BY_ID.get(comp_id, self.compress), payload)
        return data.decode("utf-8", errors="replace")


def _unpack(kind: Optional[str], payload: bytes) -> bytes:
    limit = _MAX_EXPANSION * len(payload) + 4096
    if kind == "zlib":
        d = zlib.decompressobj()
        try:
            return d.decompress(payload, limit)
        except zlib.error:
            # keep what decoded before the damage: feed byte ranges until the error
            return _salvage(lambda: zlib.decompressobj(), payload, limit, zlib.error)
    if kind == "lzma":
        try:
            d = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}])
            return d.decompress(payload, max_length=limit)
        except lzma.LZMAError:
            return _salvage(lambda: lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}]),
                            payload, limit, lzma.LZMAError)
    return payload


def _salvage(make, payload: bytes, limit: int, error: type) -> bytes:
    """Decompress chunk by chunk and return the output produced before the first error."""
    d = make()
    out = bytearray()
    step = 4
    for i in range(0, len(payload), step):
        try:
            if isinstance(d, lzma.LZMADecompressor):
                out += d.decompress(payload[i : i + step], max_length=max(limit - len(out), 0))
            else:
                out += d.decompress(payload[i : i + step], max(limit - len(out), 1))
        except error:
            break
        except EOFError:
            break
        if len(out) >= limit:
            break
    return bytes(out[:limit])
