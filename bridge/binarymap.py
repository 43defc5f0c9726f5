"""Binary-map stream codec: bit-packed masks (e.g. thinned edge maps), optionally run-length coded.

Wire format: a repetition-protected header (ndim 8, sizes 32 each, mode 8, run-length
width 8, number of runs 32) followed by

* ``packed``: one bit per pixel (row-major), or
* ``rle``: run lengths of alternating colours, starting with a (possibly empty) run of
  0s, each in ``w`` bits; a run longer than ``2^w - 1`` is split by zero-length runs
  of the other colour. ``w`` is chosen to minimize the total; ``mode="auto"`` picks
  whichever of packed / RLE is shorter.

Both directions are vectorized (NumPy ``repeat``/``cumsum``, no loop over bits or runs).
Decoding corrupted bits never raises: runs are clamped to the map size and missing
pixels are 0; an implausible header shape falls back to a flat map of what arrived.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .bits import Header, as_bits, bits_to_uint, uint_to_bits

__all__ = ["BinaryMapCodec"]

_MODES = {"packed": 0, "rle": 1}
_MAX_NDIM = 4
_MAX_NUMEL = 2**26  # 8192 x 8192: larger header shapes are taken as corrupted


def _runs(flat: np.ndarray) -> np.ndarray:
    """Run lengths of alternating colours starting with 0 (first run may be empty)."""
    change = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(edges)
    if flat[0] == 1:
        runs = np.concatenate([[0], runs])
    return runs.astype(np.int64)


def _split(runs: np.ndarray, w: int) -> np.ndarray:
    """Split runs longer than 2^w - 1 into max, 0, max, 0, ..., rest (vectorized)."""
    m = 2**w - 1
    pieces = np.maximum(1, -(-runs // m))  # ceil(L / m), at least one entry per run
    total = 2 * pieces - 1
    out = np.zeros(int(total.sum()), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(total)[:-1]])
    # entries at even offsets within a run's group carry length m, the last one the rest
    idx = np.repeat(starts, pieces) + 2 * (np.arange(int(pieces.sum())) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    vals = np.full(int(pieces.sum()), m, dtype=np.int64)
    last = np.cumsum(pieces) - 1
    vals[last] = runs - (pieces - 1) * m
    out[idx] = vals
    return out


class BinaryMapCodec:
    """Binary mask <-> float bits.

    :param mode: ``"packed"``, ``"rle"`` or ``"auto"`` (the shorter one).
    :param header_repeat: Repetition factor of the header (odd).

    :input mask: torch.Tensor of 0/1 values (bool, integer or float), 1-4 dims.
    :output bits: [L] torch.float32 {0, 1}.

    .. code-block:: python

        >>> m = torch.zeros(64, 64); m[10:12, :] = 1
        >>> c = BinaryMapCodec("auto")
        >>> bits = c.encode(m)
        >>> bool((c.decode(bits) == m.bool()).all()), bits.numel() < 64 * 64
        (True, True)
    """

    def __init__(self, mode: str = "auto", header_repeat: int = 3) -> None:
        if mode not in ("packed", "rle", "auto"):
            raise ValueError(f"mode must be 'packed', 'rle' or 'auto', got {mode!r}")
        self.mode = mode
        self.header_repeat = header_repeat

    def _header(self, ndim: int) -> Header:
        return Header([8] + [32] * ndim + [8, 8, 32], self.header_repeat)

    def _plan(self, mask: torch.Tensor) -> tuple[str, int, np.ndarray, np.ndarray]:
        if not isinstance(mask, torch.Tensor):
            raise TypeError(f"expected a torch.Tensor, got {type(mask).__name__}")
        if mask.is_complex():
            raise TypeError("complex tensors are not binary maps")
        if mask.numel() == 0:
            raise ValueError("empty binary map")
        if not 1 <= mask.dim() <= _MAX_NDIM:
            raise ValueError(f"binary maps have 1..{_MAX_NDIM} dimensions, got {mask.dim()}")
        v = mask.detach().to("cpu")
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise ValueError("binary map contains NaN or infinite values")
        flat = v.reshape(-1).to(torch.float64).numpy()
        if not np.all((flat == 0) | (flat == 1)):
            raise ValueError("binary map values must be 0 or 1")
        flat = flat.astype(np.uint8)
        runs = _runs(flat)
        best_w, best_bits = 1, None
        if self.mode != "packed":
            for w in range(1, 33):
                m = 2**w - 1
                n_entries = int((2 * np.maximum(1, -(-runs // m)) - 1).sum())
                if best_bits is None or n_entries * w < best_bits:
                    best_w, best_bits = w, n_entries * w
        mode = self.mode
        if mode == "auto":
            mode = "rle" if best_bits is not None and best_bits < flat.size else "packed"
        return mode, best_w, flat, runs

    def encode(self, mask: torch.Tensor) -> torch.Tensor:
        mode, w, flat, runs = self._plan(mask)
        if mode == "packed":
            head = self._header(mask.dim()).encode([mask.dim(), *mask.shape, _MODES["packed"], 0, 0])
            return torch.cat([head, torch.from_numpy(flat.astype(np.float32))])
        entries = _split(runs, w)
        if entries.size >= 2**32:
            raise ValueError("too many runs")
        head = self._header(mask.dim()).encode([mask.dim(), *mask.shape, _MODES["rle"], w, entries.size])
        return torch.cat([head, uint_to_bits(entries.astype(np.uint64), w)])

    def bit_count(self, mask: torch.Tensor) -> int:
        """Exact number of bits :meth:`encode` produces."""
        mode, w, flat, runs = self._plan(mask)
        head = self._header(mask.dim()).bits
        return head + (flat.size if mode == "packed" else _split(runs, w).size * w)

    def decode(self, bits: torch.Tensor) -> torch.Tensor:
        """Bits -> bool tensor; never raises on corrupted bits (empty if the header is gone)."""
        bt = as_bits(bits)
        pre = Header([8], self.header_repeat)
        if bt.numel() < pre.bits:
            return torch.zeros(0, dtype=torch.bool)
        (ndim,) = pre.decode(bt)
        ndim = ndim if 1 <= ndim <= _MAX_NDIM else 1
        head = self._header(ndim)
        if bt.numel() < head.bits:
            return torch.zeros(0, dtype=torch.bool)
        fields = head.decode(bt)
        shape = [int(s) for s in fields[1 : 1 + ndim]]
        mode, w, n_entries = fields[1 + ndim :]
        payload = bt[head.bits :]
        numel = math.prod(shape)
        if mode != _MODES["rle"]:
            if numel == 0 or numel > _MAX_NUMEL or numel > 4 * payload.numel() + 64:
                shape, numel = [payload.numel()], payload.numel()
            flat = np.zeros(numel, dtype=bool)
            got = payload[:numel].numpy() > 0.5
            flat[: got.size] = got
            return torch.from_numpy(flat).reshape(shape)
        w = w if 1 <= w <= 32 else 1
        entries = bits_to_uint(payload[: min(n_entries, payload.numel() // w) * w], w).astype(np.int64)
        total = int(entries.sum()) if entries.size else 0
        # a real map has exactly sum(runs) pixels; a truncated one fewer, but not absurdly many more
        if numel == 0 or numel > _MAX_NUMEL or numel > max(total, 64 * payload.numel() + 4096):
            numel = min(total, _MAX_NUMEL, 64 * payload.numel() + 4096)
            shape = [numel]
        ends = np.minimum(np.cumsum(entries), numel)
        lengths = np.diff(np.concatenate([[0], ends]))
        colours = (np.arange(lengths.size) % 2).astype(bool)
        flat = np.zeros(numel, dtype=bool)
        body = np.repeat(colours, lengths)
        flat[: body.size] = body
        return torch.from_numpy(flat).reshape(shape)
