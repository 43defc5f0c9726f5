"""A neural demapper: an MLP from the equalized symbol and its noise variance to the bits' LLRs."""

from __future__ import annotations

import torch

__all__ = ["NeuralDemapper"]


class NeuralDemapper(torch.nn.Module):
    """LLRs (Sionna sign, ``ln P(1)/P(0)``) of ``num_bits`` bits per symbol from ``[Re y, Im y, 10 log10 N0]``.

    :param num_bits: Bits per symbol.
    :param hidden: Width of the two hidden layers.

    :input y: [batch, symbols], complex. Equalized symbols.
    :input no: Scalar or broadcastable to ``y``. Noise variance per symbol.
    :output llr: [batch, symbols * num_bits].

    .. code-block:: python

        >>> import torch
        >>> from linklevel.learn.demapper import NeuralDemapper
        >>> NeuralDemapper(4)(torch.ones(2, 3, dtype=torch.complex64), 0.1).shape
        torch.Size([2, 12])
    """

    def __init__(self, num_bits: int, hidden: int = 64) -> None:
        super().__init__()
        if not 1 <= int(num_bits) <= 8 or int(hidden) < 1:
            raise ValueError("need num_bits in 1..8 and hidden >= 1")
        self.num_bits = int(num_bits)
        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.ReLU(), torch.nn.Linear(hidden, self.num_bits))

    def forward(self, y: torch.Tensor, no: torch.Tensor | float) -> torch.Tensor:
        no_t = torch.as_tensor(no, dtype=y.real.dtype, device=y.device)
        snr = torch.broadcast_to(10 * torch.log10(no_t), y.shape)
        feats = torch.stack([y.real, y.imag, snr], dim=-1).to(self.net[0].weight.dtype)
        out = self.net(feats)
        return out.reshape(*y.shape[:-1], y.shape[-1] * self.num_bits)
