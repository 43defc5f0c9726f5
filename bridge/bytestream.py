"""Byte-string stream codec: any entropy-coded bitstream (e.g. a CompressAI string) as bits.

Wire format: a repetition-protected 32-bit byte length, then the bytes. Decoding
clamps the length to what arrived, so it never raises and never reads past the stream.
"""

from __future__ import annotations

import torch

from .bits import Header, as_bits, bits_to_bytes, bytes_to_bits

__all__ = ["BytesCodec"]


class BytesCodec:
    """``bytes`` <-> float bits.

    :param header_repeat: Repetition factor of the length header (odd).

    :input data: bytes / bytearray / memoryview (non-empty).
    :output bits: [L] torch.float32 {0, 1}.

    .. code-block:: python

        >>> c = BytesCodec()
        >>> c.decode(c.encode(b"\\x00\\xff entropy-coded"))
        b'\\x00\\xff entropy-coded'
    """

    def __init__(self, header_repeat: int = 3) -> None:
        self.header = Header([32], header_repeat)

    def encode(self, data: bytes | bytearray | memoryview) -> torch.Tensor:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, got {type(data).__name__}")
        data = bytes(data)
        if not data:
            raise ValueError("empty byte stream")
        if len(data) >= 2**32:
            raise ValueError("byte stream too long (>= 4 GiB)")
        return torch.cat([self.header.encode([len(data)]), bytes_to_bits(data)])

    def bit_count(self, data: bytes | bytearray | memoryview) -> int:
        """Exact number of bits :meth:`encode` produces."""
        return self.header.bits + 8 * len(bytes(data))

    def decode(self, bits: torch.Tensor) -> bytes:
        """Bits -> bytes; never raises on corrupted bits (``b""`` if the header is gone)."""
        b = as_bits(bits)
        if b.numel() < self.header.bits:
            return b""
        (length,) = self.header.decode(b)
        payload = bits_to_bytes(b[self.header.bits :])
        return payload[: min(length, len(payload))]
