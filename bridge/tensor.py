"""Tensor stream codec: a uniform scalar quantizer with b bits per element and a small header.

Wire format: a repetition-protected header (dtype id 8, bits per element 8, ndim 8,
then ndim sizes of 32 bits, offset and step as IEEE-754 doubles) followed by the
elements' codes, ``b`` bits each, MSB first.

* floating tensors (float16/bfloat16/float32/float64): ``q = round((x - min) / step)``
  with ``step = (max - min) / (2^b - 1)``; reconstruction ``min + q * step``
  (error at most ``step / 2``);
* integer and bool tensors: lossless, ``b`` = bits needed for ``max - min``
  (``bits`` is ignored).

Decoding corrupted bits never raises: an implausible header shape falls back to a
flat vector of the elements that arrived, missing elements are filled with the
offset, non-finite offset/step become 0, and integer results are clamped to the dtype.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .bits import Header, as_bits, bits_to_uint, float64_to_uint, uint_to_bits, uint_to_float64

__all__ = ["TensorCodec", "DTYPES"]

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.uint8, torch.int8,
          torch.int16, torch.int32, torch.int64, torch.bool]
_ID = {dt: i for i, dt in enumerate(DTYPES)}
_MAX_NDIM = 8
_MAX_NUMEL = 2**31


class TensorCodec:
    """Torch tensor <-> float bits by uniform scalar quantization.

    :param bits: Bits per element for floating tensors (1..32).
    :param header_repeat: Repetition factor of the header (odd).

    :input x: torch.Tensor of a dtype in :data:`DTYPES`, at least one element, finite.
    :output bits: [L] torch.float32 {0, 1}.

    .. code-block:: python

        >>> codec = TensorCodec(bits=4)
        >>> x = torch.linspace(-1, 1, 16).reshape(4, 4)
        >>> y = codec.decode(codec.encode(x))
        >>> y.shape, bool((y - x).abs().max() <= (2 / 15) / 2 + 1e-6)
        (torch.Size([4, 4]), True)
    """

    def __init__(self, bits: int = 8, header_repeat: int = 3) -> None:
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 32:
            raise ValueError(f"bits must be an integer in 1..32, got {bits!r}")
        self.bits = bits
        self.header_repeat = header_repeat

    def _header(self, ndim: int) -> Header:
        return Header([8, 8, 8] + [32] * ndim + [64, 64], self.header_repeat)

    def _params(self, x: torch.Tensor) -> tuple[int, float, float, np.ndarray]:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
        if x.dtype not in _ID:
            raise TypeError(f"unsupported dtype {x.dtype}; use one of {[str(d) for d in DTYPES]}")
        if x.numel() == 0:
            raise ValueError("empty tensor stream")
        if x.dim() > _MAX_NDIM or any(s >= 2**32 for s in x.shape):
            raise ValueError(f"at most {_MAX_NDIM} dimensions of < 2^32 elements")
        v = x.detach().to("cpu")
        if v.is_floating_point():
            a = v.to(torch.float64).numpy().reshape(-1)
            if not np.all(np.isfinite(a)):
                raise ValueError("tensor contains NaN or infinite values")
            lo, hi = float(a.min()), float(a.max())
            b = self.bits
            step = (hi - lo) / (2**b - 1) if hi > lo else 0.0
            q = np.zeros(a.shape, dtype=np.uint64) if step == 0 else np.rint((a - lo) / step).astype(np.uint64)
            return b, lo, step, q
        a = v.to(torch.int64).numpy().reshape(-1)
        lo, hi = int(a.min()), int(a.max())
        if hi - lo >= 2**53 or abs(lo) >= 2**53:
            raise ValueError("integer tensors need min and max - min within 2^53 (decoded through doubles)")
        b = max(1, int(hi - lo).bit_length())
        return b, float(lo), 1.0, (a - lo).astype(np.uint64)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        b, lo, step, q = self._params(x)
        head = self._header(x.dim()).encode(
            [_ID[x.dtype], b, x.dim(), *x.shape, float64_to_uint(lo), float64_to_uint(step)])
        return torch.cat([head, uint_to_bits(q, b)])

    def bit_count(self, x: torch.Tensor) -> int:
        """Exact number of bits :meth:`encode` produces."""
        b, _, _, q = self._params(x)
        return self._header(x.dim()).bits + b * q.size

    def decode(self, bits: torch.Tensor) -> torch.Tensor:
        """Bits -> tensor; never raises on corrupted bits (an empty float32 tensor if the header is gone)."""
        bt = as_bits(bits)
        pre = Header([8, 8, 8], self.header_repeat)
        if bt.numel() < pre.bits:
            return torch.zeros(0)
        dt_id, b, ndim = pre.decode(bt)
        ndim = ndim if ndim <= _MAX_NDIM else 1
        head = self._header(ndim)
        if bt.numel() < head.bits:
            return torch.zeros(0)
        fields = head.decode(bt)
        shape = [int(s) for s in fields[3 : 3 + ndim]]
        lo, step = uint_to_float64(fields[-2]), uint_to_float64(fields[-1])
        dtype = DTYPES[dt_id] if dt_id < len(DTYPES) else torch.float32
        b = b if 1 <= b <= 64 else 8
        lo = lo if math.isfinite(lo) else 0.0
        step = step if math.isfinite(step) else 0.0
        avail = (bt.numel() - head.bits) // b
        numel = math.prod(shape) if shape else 1
        if numel > _MAX_NUMEL or numel > avail + max(avail, 1) * 4 or numel == 0:
            shape, numel = [avail], avail  # implausible header: keep what arrived, flat
        q = bits_to_uint(bt[head.bits : head.bits + min(numel, avail) * b], b)
        if q.size < numel:
            q = np.concatenate([q, np.zeros(numel - q.size, dtype=np.uint64)])
        with np.errstate(over="ignore", invalid="ignore"):
            vals = np.nan_to_num(lo + q.astype(np.float64) * step, nan=0.0)
        if dtype.is_floating_point:
            finfo = torch.finfo(dtype)
            vals = np.clip(vals, finfo.min, finfo.max)
            return torch.from_numpy(vals).to(dtype).reshape(shape)
        if dtype == torch.bool:
            return torch.from_numpy(vals != 0).reshape(shape)
        info = torch.iinfo(dtype)
        hi = np.nextafter(float(info.max), 0.0) if dtype == torch.int64 else info.max  # 2^63 is not an int64
        vals = np.clip(np.rint(vals), -hi if dtype == torch.int64 else info.min, hi)
        if dtype == torch.int64:  # exact for |values| < 2^53, as guaranteed by encode
            return torch.from_numpy(vals.astype(np.int64)).reshape(shape)
        return torch.from_numpy(vals).to(torch.int64).to(dtype).reshape(shape)
