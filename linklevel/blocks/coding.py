"""Channel coding: optional CRC (Sionna ``CRCEncoder``/``CRCDecoder``) and 5G LDPC or a
terminated rate-1/2 convolutional code (Sionna ``ConvEncoder`` + soft-input ``ViterbiDecoder``).

LLR sign convention (Sionna's): ``LLR = ln(P(b=1|y)/P(b=0|y))``; positive means 1.
"""

from __future__ import annotations

from typing import Optional

import torch
from sionna.phy import Block
from sionna.phy.fec.conv import ConvEncoder, ViterbiDecoder
from sionna.phy.fec.crc import CRCDecoder, CRCEncoder
from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder
from sionna.phy.utils import hard_decisions

from linklevel.blocks.config import LinkConfig
from linklevel.blocks.ldpc import BatchLDPC5GDecoder

__all__ = ["ChannelCode"]


class ChannelCode(Block):
    """CRC + 5G LDPC, a convolutional code, or no code, for one link configuration.

    :param config: The link configuration (``code``, ``k``, ``n``, ``crc`` and the decoder:
        ``decoder``, ``bp_iterations``, ``cn_update``, ``schedule``, ``early_stop``, ...).
    :param compile: Fuse the semlink decoder's check-node update with ``torch.compile``.
    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    Encoding (:meth:`encode`):

    :input u: [..., info_bits], `torch.float`. Information bits.
    :output c: [..., n], `torch.float`. Codeword (CRC and LDPC parity appended).

    Decoding (:meth:`call`):

    :input llr: [..., n], `torch.float`. Channel LLRs (Sionna sign convention).
    :output u_hat: [..., info_bits], `torch.float`. Hard information-bit estimates.
    :output crc_ok: [...], `torch.bool`. CRC check result (all `True` without CRC).

    .. code-block:: python

        >>> import torch
        >>> from linklevel import LinkConfig
        >>> from linklevel.blocks.coding import ChannelCode
        >>> code = ChannelCode(LinkConfig(code="ldpc", k=400, n=500, crc="CRC24A"))
        >>> u = torch.randint(0, 2, (3, code.info_bits)).float()
        >>> c = code.encode(u)
        >>> u_hat, ok = code(20.0 * (2 * c - 1))   # noiseless LLRs
        >>> bool((u_hat == u).all()), bool(ok.all())
        (True, True)
    """

    def __init__(
        self,
        config: LinkConfig,
        precision: Optional[str] = None,
        device: Optional[str] = None,
        compile: bool = False,
    ) -> None:
        super().__init__(precision=precision, device=device)
        kw = dict(precision=precision, device=device)
        self._config = config
        self._crc_enc = CRCEncoder(config.crc, **kw) if config.crc else None
        self._crc_dec = CRCDecoder(self._crc_enc, **kw) if self._crc_enc else None
        if config.code == "ldpc":
            self._enc = LDPC5GEncoder(config.k, config.n, **kw)
            if config.decoder == "sionna":
                self._dec = LDPC5GDecoder(self._enc, cn_update=config.cn_update, cn_schedule=config.schedule,
                                          num_iter=config.bp_iterations, hard_out=True, return_infobits=True, **kw)
            else:
                self._dec = BatchLDPC5GDecoder(
                    self._enc, cn_update=config.cn_update, schedule=config.schedule,
                    num_iter=config.bp_iterations, early_stop=config.early_stop, scale=config.minsum_scale,
                    offset=config.minsum_offset, message_dtype=config.message_dtype, compile=compile, **kw)
                self._weights = None if config.bp_weights_file is None else self._bp_weights(config)
        elif config.code == "conv":
            self._enc = ConvEncoder(rate=0.5, constraint_length=config.constraint_length, terminate=True, **kw)
            self._dec = ViterbiDecoder(encoder=self._enc, method="soft_llr", return_info_bits=True, **kw)
        else:
            self._enc = None
            self._dec = None

    def _bp_weights(self, config: LinkConfig) -> torch.Tensor:
        """Weighted-BP weights of ``config.bp_weights_file``, checked against this code and iterations."""
        from linklevel.learn.checkpoint import load_trained

        tensors, meta = load_trained(config.bp_weights_file, "weighted_bp")
        w = tensors["weights"]
        if (meta.get("k"), meta.get("n")) != (config.k, config.n) or w.shape[0] != config.bp_iterations:
            raise ValueError(f"{config.bp_weights_file!r} was trained for LDPC({meta.get('k')},{meta.get('n')}) with "
                             f"{w.shape[0]} iterations; this link is LDPC({config.k},{config.n}) with "
                             f"{config.bp_iterations}")
        if w.shape[1] not in (1, self._dec.num_edges):
            raise ValueError(f"{config.bp_weights_file!r}: {w.shape[1]} weights per iteration for "
                             f"{self._dec.num_edges} edges")
        return w.to(self.device)

    @property
    def info_bits(self) -> int:
        """Information bits per codeword."""
        return self._config.info_bits

    @property
    def n(self) -> int:
        """Codeword length."""
        return int(self._config.n or 0)

    def encode(self, u: torch.Tensor) -> torch.Tensor:
        """Append CRC, then LDPC-encode (see class docstring)."""
        c = self._crc_enc(u) if self._crc_enc is not None else u
        return self._enc(c) if self._enc is not None else c

    def iterations(self, shape: torch.Size) -> Optional[torch.Tensor]:
        """BP iterations per codeword of the last call, shaped ``shape`` (`None` without LDPC).

        Sionna's decoder always runs ``bp_iterations``; the semlink decoder reports its own.
        """
        if self._config.code != "ldpc":
            return None
        if isinstance(self._dec, BatchLDPC5GDecoder):
            return self._dec.last_iterations.reshape(shape)
        return torch.full(shape, self._config.bp_iterations, dtype=torch.int32, device=self.device)

    def call(self, llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if getattr(self, "_weights", None) is not None:  # weighted BP: soft path, every iteration, then decide
            c_hat = (self._dec(llr, weights=self._weights) > 0).to(llr.dtype)
        else:
            c_hat = self._dec(llr) if self._dec is not None else hard_decisions(llr)
        if self._crc_dec is None:
            ok = torch.ones(c_hat.shape[:-1], dtype=torch.bool, device=c_hat.device)
            return c_hat, ok
        u_hat, ok = self._crc_dec(c_hat)
        return u_hat, ok.squeeze(-1).to(torch.bool)
