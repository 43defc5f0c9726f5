"""Single-carrier flat channels: AWGN and Rayleigh block fading with equalization.

Both blocks take transmitted symbols and the noise variance and return
*equalized* symbols together with the effective noise variance per symbol, the
pair that :class:`sionna.phy.mapping.Demapper` consumes. Noise is drawn with
Sionna's :class:`~sionna.phy.channel.AWGN` (variance ``no`` per complex symbol,
``no/2`` per real dimension), so the link follows Sionna's seeding
(:attr:`sionna.phy.config.seed`).
"""

from __future__ import annotations

import math
from typing import Optional

import torch
from sionna.phy import Block
from sionna.phy.channel import AWGN
from sionna.phy.utils import complex_normal

__all__ = ["AWGNChannel", "RayleighBlockChannel", "fading_blocks"]


def fading_blocks(num_symbols: int, coherence: str | int) -> tuple[int, int]:
    """Number of fading blocks and their length for ``num_symbols`` data symbols.

    :param num_symbols: Data symbols per frame (one codeword).
    :param coherence: ``"codeword"``, ``"iid"`` or symbols per fading block.
    :output: ``(num_blocks, block_length)``; the last block may be shorter.

    .. code-block:: python

        >>> fading_blocks(10, 4)
        (3, 4)
    """
    if coherence == "codeword":
        length = num_symbols
    elif coherence == "iid":
        length = 1
    else:
        length = min(int(coherence), num_symbols)
    return math.ceil(num_symbols / length), length


class AWGNChannel(Block):
    """AWGN channel followed by the trivial equalizer (``h = 1``).

    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :input x: [batch, num_symbols], `torch.complex`. Transmitted symbols.
    :input no: Scalar or broadcastable to ``x``, `torch.float`. Noise variance.

    :output x_hat: [batch, num_symbols], `torch.complex`. Received symbols.
    :output no_eff: [batch, num_symbols], `torch.float`. Noise variance per symbol.

    .. code-block:: python

        >>> import torch
        >>> from linklevel.blocks.channels import AWGNChannel
        >>> x_hat, no_eff = AWGNChannel()(torch.ones(2, 8, dtype=torch.complex64), 0.1)
        >>> x_hat.shape
        torch.Size([2, 8])
    """

    def overhead_symbols(self, num_symbols: int) -> int:
        """Pilot symbols sent in addition to ``num_symbols`` data symbols."""
        return 0

    def __init__(self, precision: Optional[str] = None, device: Optional[str] = None) -> None:
        super().__init__(precision=precision, device=device)
        self._awgn = AWGN(precision=precision, device=device)

    def call(self, x: torch.Tensor, no: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self._awgn(x, no)
        return y, torch.broadcast_to(no, y.shape).to(self.dtype)


class RayleighBlockChannel(Block):
    r"""Flat Rayleigh block fading, ``y = h x + n`` with ``h ~ CN(0, 1)``, and equalization.

    A new fade is drawn every ``coherence`` symbols (per codeword, every N symbols or
    i.i.d.). The receiver either knows ``h`` (perfect CSI) or estimates it by least
    squares from ``pilots_per_block`` unit-energy pilots sent through the same fade:
    :math:`\hat h = \frac{1}{P}\sum_p y_p`, error variance :math:`N_0/P`. Equalization
    is zero forcing, :math:`\hat x = y/\hat h`, with effective noise variance
    :math:`(N_0 + \sigma_e^2)/|\hat h|^2` (channel-estimation error treated as noise,
    as Sionna's LMMSE equalizer does); for a single antenna this is also the unbiased
    LMMSE estimate.

    :param coherence: ``"codeword"`` | ``"iid"`` | int symbols per fading block.
    :param csi: ``"perfect"`` or ``"ls"``.
    :param pilots_per_block: Pilots per fading block for ``csi="ls"``.
    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :input x: [batch, num_symbols], `torch.complex`. Transmitted data symbols.
    :input no: Scalar or [batch, 1], `torch.float`. Noise variance.

    :output x_hat: [batch, num_symbols], `torch.complex`. Equalized symbols.
    :output no_eff: [batch, num_symbols], `torch.float`. Effective noise variance.

    .. code-block:: python

        >>> import torch
        >>> from linklevel.blocks.channels import RayleighBlockChannel
        >>> ch = RayleighBlockChannel(coherence=4, csi="ls", pilots_per_block=2)
        >>> x_hat, no_eff = ch(torch.ones(3, 10, dtype=torch.complex64), 0.1)
        >>> ch.overhead_symbols(10)   # 3 fading blocks x 2 pilots
        6
    """

    def __init__(
        self,
        coherence: str | int = "codeword",
        csi: str = "perfect",
        pilots_per_block: int = 1,
        precision: Optional[str] = None,
        device: Optional[str] = None,
    ) -> None:
        super().__init__(precision=precision, device=device)
        if csi not in ("perfect", "ls"):
            raise ValueError(f"csi must be 'perfect' or 'ls', got {csi!r}")
        if isinstance(pilots_per_block, bool) or not isinstance(pilots_per_block, int) or pilots_per_block < 1:
            raise ValueError("pilots_per_block must be a positive integer")
        self._coherence = coherence
        self._csi = csi
        self._pilots = pilots_per_block
        self._awgn = AWGN(precision=precision, device=device)

    def overhead_symbols(self, num_symbols: int) -> int:
        """Pilot symbols sent in addition to ``num_symbols`` data symbols."""
        if self._csi == "perfect":
            return 0
        return fading_blocks(num_symbols, self._coherence)[0] * self._pilots

    def call(self, x: torch.Tensor, no: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, num_symbols = x.shape
        num_blocks, length = fading_blocks(num_symbols, self._coherence)
        h_blocks = complex_normal([batch, num_blocks], precision=self.precision, device=self.device)
        h = torch.repeat_interleave(h_blocks, length, dim=1)[:, :num_symbols]
        y = self._awgn(h * x, no)
        no_t = torch.as_tensor(no, dtype=self.dtype, device=self.device)
        if self._csi == "perfect":
            h_hat = h
            err_var = torch.zeros((), dtype=self.dtype, device=self.device)
        else:
            # pilots x_p = 1 in every fading block: y_p = h + n_p; LS = mean over P pilots
            y_p = self._awgn(
                h_blocks.unsqueeze(-1).expand(batch, num_blocks, self._pilots),
                no_t.reshape(no_t.shape + (1,)) if no_t.dim() > 0 else no_t,
            )
            h_hat_blocks = y_p.mean(dim=-1)
            h_hat = torch.repeat_interleave(h_hat_blocks, length, dim=1)[:, :num_symbols]
            err_var = no_t / self._pilots
        gain = h_hat.abs().square()
        x_hat = y * h_hat.conj() / gain
        no_eff = (no_t + err_var) / gain
        return x_hat, torch.broadcast_to(no_eff, x_hat.shape)
