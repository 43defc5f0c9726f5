"""Weighted belief propagation (Nachmani et al.) on semlink's batched 5G LDPC decoder."""

from __future__ import annotations

from typing import Optional

import torch
from sionna.phy.fec.ldpc import LDPC5GEncoder

from linklevel.blocks.ldpc import BatchLDPC5GDecoder

__all__ = ["WeightedBP"]


class WeightedBP(torch.nn.Module):
    """BP with a trainable weight on every check-to-variable message of every iteration (``per="edge"``) or one
    weight per iteration (``per="iteration"``), initialized to 1 (plain BP); flooding, no early stopping while
    training (:class:`~linklevel.blocks.ldpc.BatchLDPC5GDecoder`'s soft path).

    :param encoder: The 5G LDPC encoder defining the code.
    :param num_iter: BP iterations.
    :param per: ``"edge"`` or ``"iteration"``.
    :param cn_update: Check-node rule (default exact boxplus).
    :param weights: Initial weights (e.g. loaded from a file), shape of :attr:`weights`.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :input llr: [..., n] channel LLRs (Sionna sign).
    :output llr_hat: [..., k] posterior LLRs of the information bits (Sionna sign).

    .. code-block:: python

        >>> import torch
        >>> from sionna.phy.fec.ldpc import LDPC5GEncoder
        >>> from linklevel.learn.weighted_bp import WeightedBP
        >>> wbp = WeightedBP(LDPC5GEncoder(64, 128), num_iter=5)
        >>> wbp(torch.randn(2, 128)).shape, wbp.weights.shape[0]
        (torch.Size([2, 64]), 5)
    """

    def __init__(self, encoder: LDPC5GEncoder, num_iter: int = 10, per: str = "edge", cn_update: str = "boxplus-phi",
                 weights: Optional[torch.Tensor] = None, device: Optional[str] = None) -> None:
        super().__init__()
        if per not in ("edge", "iteration"):
            raise ValueError(f"per must be 'edge' or 'iteration', got {per!r}")
        self.decoder = BatchLDPC5GDecoder(encoder, cn_update=cn_update, num_iter=num_iter, hard_out=False, device=device)
        self.per, self.num_iter = per, num_iter
        shape = (num_iter, self.decoder.num_edges if per == "edge" else 1)
        w = torch.ones(shape) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
        if tuple(w.shape) != shape:
            raise ValueError(f"weights must have shape {shape}, got {tuple(w.shape)}")
        self.weights = torch.nn.Parameter(w.clone().to(self.decoder.device))

    def forward(self, llr: torch.Tensor) -> torch.Tensor:
        return self.decoder(llr, weights=self.weights)
