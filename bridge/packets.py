"""Packetization: a bit stream split into link blocks of k information bits, with an optional CRC.

The last block is zero-padded (the padding is recorded and removed on reassembly).
With ``crc``, each block gets Sionna's CRC (:class:`sionna.phy.fec.crc.CRCEncoder`) and
:meth:`Packetizer.check` verifies it (:class:`~sionna.phy.fec.crc.CRCDecoder`). Links built
from :class:`~linklevel.LinkConfig` carry their own CRC (``LinkConfig.crc``); this
packetizer's CRC serves channels without one (e.g. the BSC fast path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch

__all__ = ["Packetizer", "Packets", "code_blocks", "K_MAX_BG1"]


@dataclass
class Packets:
    """Blocks of one stream: ``blocks [num_blocks, k (+ crc)]``, ``length`` stream bits, ``pad`` bits."""

    blocks: torch.Tensor
    length: int
    pad: int


class Packetizer:
    """Split a stream into blocks of ``k`` bits (+ optional CRC) and reassemble it.

    :param k: Information bits per block.
    :param crc: Sionna CRC name (e.g. ``"CRC24A"``, ``"CRC16"``) or ``None``.

    .. code-block:: python

        >>> p = Packetizer(8, crc="CRC16")
        >>> pk = p.split(torch.ones(20))
        >>> pk.blocks.shape, pk.pad
        (torch.Size([3, 24]), 4)
        >>> payload, ok = p.check(pk.blocks)
        >>> bool(ok.all()), p.join(payload, pk.length).shape
        (True, torch.Size([20]))
    """

    def __init__(self, k: int, crc: Optional[str] = None) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        self.k = k
        self.crc = crc
        self._enc = self._dec = None
        if crc is not None:
            from sionna.phy.fec.crc import CRCDecoder, CRCEncoder

            try:
                self._enc = CRCEncoder(crc)
            except Exception as err:  # noqa: BLE001 - Sionna raises ValueError/others for unknown names
                raise ValueError(f"unknown CRC {crc!r}: {err}") from None
            self._dec = CRCDecoder(self._enc)

    @property
    def crc_length(self) -> int:
        return 0 if self._enc is None else int(self._enc.crc_length)

    @property
    def block_length(self) -> int:
        """Bits per block on the wire (k + CRC)."""
        return self.k + self.crc_length

    def num_blocks(self, length: int) -> int:
        return max(1, math.ceil(length / self.k))

    def split(self, bits: torch.Tensor) -> Packets:
        """``[L]`` bits -> :class:`Packets` (``[ceil(L/k), k + crc]``)."""
        if not isinstance(bits, torch.Tensor) or bits.dim() != 1:
            raise ValueError("a stream is a 1-D bit tensor")
        if bits.numel() == 0:
            raise ValueError("empty stream")
        n = self.num_blocks(bits.numel())
        pad = n * self.k - bits.numel()
        blocks = torch.cat([bits.to(torch.float32), bits.new_zeros(pad, dtype=torch.float32)]).reshape(n, self.k)
        if self._enc is not None:
            blocks = self._enc(blocks.to(self._enc.device)).to(bits.device)
        return Packets(blocks, bits.numel(), pad)

    def check(self, blocks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Received blocks -> (payload ``[n, k]``, CRC ok ``[n]`` bool; all True without CRC)."""
        if self._dec is None:
            return blocks[:, : self.k], torch.ones(blocks.shape[0], dtype=torch.bool, device=blocks.device)
        payload, ok = self._dec(blocks.to(self._enc.device))
        return payload.to(blocks.device), ok.squeeze(-1).to(torch.bool).to(blocks.device)

    def join(self, payload: torch.Tensor, length: int) -> torch.Tensor:
        """``[n, k]`` blocks -> the first ``length`` bits of the stream."""
        return payload.reshape(-1)[:length]


#: Largest LDPC code dimension (incl. CRC) of 5G NR, base graph 1 (TS 38.212, 5.2.2: K_cb = 8448).
K_MAX_BG1 = 8448


def code_blocks(stream_bits: int, rate: float, crc_bits: int = 24, k_max: int = K_MAX_BG1) -> tuple[int, int, int]:
    """Code-block sizes for a stream of ``stream_bits`` bits at code rate ``rate``: ``(k, n, blocks)``.

    A simpler rule than TS 38.212's segmentation, with the same block limit: the stream is split into
    ``C = ceil(L / (K_max - crc))`` blocks of ``ceil(L / C)`` information bits, each with its own CRC
    (``k`` counts it, as :class:`~linklevel.LinkConfig` does), and ``n = round(k / rate)`` coded bits.
    (NR adds a transport-block CRC24A and uses CRC24B per block when segmenting, and picks ``k`` from
    the lifting-size table with filler bits; Sionna's encoder adds the fillers itself.)

    .. code-block:: python

        >>> code_blocks(456, 0.5)          # a short prompt: one block
        (480, 960, 1)
        >>> code_blocks(20000, 0.8)        # 3 blocks of 6667 + 24 bits
        (6691, 8364, 3)
    """
    if isinstance(stream_bits, bool) or not isinstance(stream_bits, int) or stream_bits < 1:
        raise ValueError(f"a stream needs at least one bit, got {stream_bits!r}")
    if not 0 < rate <= 1:
        raise ValueError(f"code rate must lie in (0, 1], got {rate}")
    per = k_max - crc_bits
    count = -(-stream_bits // per)
    info = -(-stream_bits // count)
    k = info + crc_bits
    return k, int(round(k / rate)), count
