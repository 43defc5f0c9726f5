r"""Fast paths for sweeps: a binary symmetric channel and a block (stream) erasure channel.

* :class:`BSC` flips each bit independently with probability :math:`\psi`. For uncoded
  BPSK on AWGN with coherent detection this is *exact*: each bit sees an independent
  Gaussian noise sample, so errors are i.i.d. with :math:`\psi = Q(\sqrt{2E_b/N_0})`
  (:func:`bsc_psi_bpsk_awgn`). It is also exact for Gray QPSK (two independent BPSK
  rails). It is only an approximation for higher-order QAM (bits of one symbol share
  its noise: errors are correlated and unequal across bit positions), for fading
  (errors cluster within a fade; use the average BER only when interleaving spreads
  fades over many blocks) and for coded links (errors come in bursts per failed
  codeword; use :class:`BlockErasure` with the BLER instead).
* :class:`BlockErasure` loses a whole stream with probability :math:`\Psi` — the
  discard-with-error receiver on a coded link whose BLER per stream is :math:`\Psi`.

Both draw from a seeded ``torch.Generator``, on the bits' device.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

__all__ = ["BSC", "BlockErasure", "bsc_psi_bpsk_awgn"]


def bsc_psi_bpsk_awgn(ebno_db: float) -> float:
    r"""Crossover probability of uncoded BPSK on AWGN, :math:`Q(\sqrt{2 E_b/N_0})`."""
    return 0.5 * math.erfc(math.sqrt(10 ** (ebno_db / 10)))


def _generator(seed: Optional[int], device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    if seed is None:
        g.seed()
    else:
        g.manual_seed(int(seed))
    return g


class BSC:
    r"""Binary symmetric channel with crossover probability :math:`\psi \in [0, 1]`.

    :param psi: Crossover probability.
    :param seed: Generator seed (`None`: nondeterministic).

    :input bits: [...], float {0, 1}.
    :output bits: [...], float {0, 1}, each bit flipped with probability ``psi``.

    .. code-block:: python

        >>> bsc = BSC(0.1, seed=1)
        >>> y = bsc(torch.zeros(100000))
        >>> 0.09 < float(y.mean()) < 0.11
        True
    """

    def __init__(self, psi: float, seed: Optional[int] = None) -> None:
        psi = float(psi)
        if not (0.0 <= psi <= 1.0):
            raise ValueError(f"psi must lie in [0, 1], got {psi}")
        self.psi = psi
        self.seed = seed
        self._gen: dict[str, torch.Generator] = {}

    def __call__(self, bits: torch.Tensor) -> torch.Tensor:
        key = str(bits.device)
        if key not in self._gen:
            self._gen[key] = _generator(self.seed, bits.device)
        flips = torch.rand(bits.shape, generator=self._gen[key], device=bits.device) < self.psi
        return torch.where(flips, 1.0 - bits, bits)


class BlockErasure:
    r"""Loses a whole stream with probability :math:`\Psi`.

    :param Psi: Erasure probability in [0, 1].
    :param seed: Generator seed.

    :input num: int, how many independent streams / blocks.
    :output lost: [num] torch.bool.
    """

    def __init__(self, Psi: float, seed: Optional[int] = None) -> None:
        Psi = float(Psi)
        if not (0.0 <= Psi <= 1.0):
            raise ValueError(f"Psi must lie in [0, 1], got {Psi}")
        self.Psi = Psi
        self._gen = _generator(seed, torch.device("cpu"))

    def __call__(self, num: int = 1) -> torch.Tensor:
        return torch.rand(num, generator=self._gen) < self.Psi
