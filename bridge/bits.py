"""Bit-level helpers shared by the stream codecs: bytes <-> bits, integers <-> bits, headers.

Bits are float ``{0, 1}`` tensors (MSB first within a byte or a field), as everywhere in
semlink. Headers are a list of fixed-width unsigned fields sent with a bitwise
repetition code (each bit ``repeat`` times, majority vote at the receiver), so a header
survives the bit error rates at which a payload is still worth forwarding. All
conversions are vectorized (no Python loop over bits).
"""

from __future__ import annotations

import struct
from typing import Sequence

import numpy as np
import torch

__all__ = [
    "bytes_to_bits",
    "bits_to_bytes",
    "uint_to_bits",
    "bits_to_uint",
    "float64_to_uint",
    "uint_to_float64",
    "Header",
    "as_bits",
    "bpp",
]


def bpp(num_bits: int, height: int, width: int) -> float:
    """Bits per pixel of a stream of ``num_bits`` describing an ``height x width`` image."""
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    return float(num_bits) / (height * width)


def as_bits(bits: torch.Tensor) -> torch.Tensor:
    """Validate a received 1-D bit tensor and return it as float32 {0, 1} (values > 0.5 -> 1)."""
    if not isinstance(bits, torch.Tensor):
        raise TypeError(f"bits must be a torch.Tensor, got {type(bits).__name__}")
    if bits.dim() != 1:
        raise ValueError(f"bits must be 1-D, got shape {list(bits.shape)}")
    return (bits.detach().to("cpu", torch.float32) > 0.5).to(torch.float32)


def bytes_to_bits(data: bytes | bytearray | memoryview) -> torch.Tensor:
    """Bytes -> float bits ``[8 * len(data)]``, MSB first.

    .. code-block:: python

        >>> bytes_to_bits(b"A").tolist()
        [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    """
    arr = np.frombuffer(bytes(data), dtype=np.uint8)
    return torch.from_numpy(np.unpackbits(arr).astype(np.float32))


def bits_to_bytes(bits: torch.Tensor) -> bytes:
    """Float bits -> bytes (MSB first); a trailing partial byte is dropped."""
    b = as_bits(bits)
    n = (b.numel() // 8) * 8
    return np.packbits(b[:n].numpy().astype(np.uint8)).tobytes()


def uint_to_bits(values: torch.Tensor | np.ndarray | Sequence[int], width: int) -> torch.Tensor:
    """Unsigned integers -> ``[numel * width]`` float bits, MSB first (vectorized).

    .. code-block:: python

        >>> uint_to_bits([5, 1], 3).tolist()
        [1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    """
    if not 1 <= width <= 64:
        raise ValueError(f"width must lie in 1..64, got {width}")
    v = np.asarray(values, dtype=np.uint64).reshape(-1)
    if width < 64 and v.size and int(v.max()) >> width:
        raise ValueError(f"a value does not fit in {width} bits")
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    out = (v[:, None] >> shifts[None, :]) & np.uint64(1)
    return torch.from_numpy(out.reshape(-1).astype(np.float32))


def bits_to_uint(bits: torch.Tensor, width: int) -> np.ndarray:
    """``[m * width]`` bits -> ``m`` unsigned integers (uint64), MSB first."""
    if not 1 <= width <= 64:
        raise ValueError(f"width must lie in 1..64, got {width}")
    b = as_bits(bits).numpy().astype(np.uint64)
    m = b.size // width
    b = b[: m * width].reshape(m, width)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    return np.bitwise_or.reduce(b << shifts[None, :], axis=1) if m else np.zeros(0, dtype=np.uint64)


def float64_to_uint(x: float) -> int:
    """IEEE-754 double -> its 64-bit pattern."""
    return struct.unpack(">Q", struct.pack(">d", float(x)))[0]


def uint_to_float64(u: int) -> float:
    """64-bit pattern -> IEEE-754 double (may be NaN/inf for corrupted patterns)."""
    return struct.unpack(">d", struct.pack(">Q", int(u) & (2**64 - 1)))[0]


class Header:
    """Fixed-width unsigned fields, protected by a bitwise repetition code.

    :param widths: Bit width of each field.
    :param repeat: Odd repetition factor (1 = unprotected).

    .. code-block:: python

        >>> h = Header([8, 32], repeat=3)
        >>> bits = h.encode([7, 123456])
        >>> h.bits, bits.numel()
        (120, 120)
        >>> bits[0] = 1 - bits[0]            # one flipped bit is corrected
        >>> h.decode(bits)
        [7, 123456]
    """

    def __init__(self, widths: Sequence[int], repeat: int = 3) -> None:
        if repeat < 1 or repeat % 2 == 0:
            raise ValueError(f"repeat must be a positive odd number, got {repeat}")
        self.widths = [int(w) for w in widths]
        self.repeat = int(repeat)

    @property
    def bits(self) -> int:
        """Header length on the wire."""
        return sum(self.widths) * self.repeat

    def encode(self, values: Sequence[int]) -> torch.Tensor:
        if len(values) != len(self.widths):
            raise ValueError(f"expected {len(self.widths)} header fields, got {len(values)}")
        raw = torch.cat([uint_to_bits([int(v)], w) for v, w in zip(values, self.widths)])
        return raw.repeat_interleave(self.repeat)

    def decode(self, bits: torch.Tensor) -> list[int]:
        """Majority-vote the first :attr:`bits` bits into field values (needs ``bits.numel() >= self.bits``)."""
        b = as_bits(bits)[: self.bits]
        if b.numel() < self.bits:
            raise ValueError("stream shorter than its header")
        raw = (b.reshape(-1, self.repeat).sum(dim=1) > self.repeat / 2).to(torch.float32)
        out, pos = [], 0
        for w in self.widths:
            out.append(int(bits_to_uint(raw[pos : pos + w], w)[0]))
            pos += w
        return out
