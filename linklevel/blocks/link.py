"""End-to-end link: source bits -> CRC/LDPC -> mapper -> channel -> demapper -> decoder.

A *frame* is what one batch element carries: one codeword on a single-carrier
link, or as many whole codewords as fit one OFDM resource grid. The remaining
coded-bit slots (to a whole number of symbols per codeword, and to the end of an
OFDM grid) carry random filler bits; their energy counts in Eb/N0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import torch
from sionna.phy import Block
from sionna.phy.mapping import BinarySource, Constellation, Demapper, Mapper

from linklevel.blocks.channels import AWGNChannel, RayleighBlockChannel
from linklevel.blocks.coding import ChannelCode
from linklevel.blocks.config import LinkConfig
from linklevel.blocks.ofdm import OFDMFrontEnd

__all__ = ["Link", "LinkOutput", "trained_constellation", "trained_demapper"]


def trained_demapper(path: str, bits_per_symbol: int, device: Optional[str] = None) -> torch.nn.Module:
    """The :class:`~linklevel.learn.demapper.NeuralDemapper` stored with a trained constellation (its LLRs in
    the link's precision)."""
    from linklevel.learn.checkpoint import load_trained
    from linklevel.learn.demapper import NeuralDemapper

    tensors, _ = load_trained(path, "constellation")
    state = {k[len("demapper."):]: v for k, v in tensors.items() if k.startswith("demapper.")}
    if not state:
        raise ValueError(f"{path!r} holds no neural demapper (train it with --demapper neural)")
    nd = NeuralDemapper(bits_per_symbol, hidden=int(state["net.0.weight"].shape[0]))
    nd.load_state_dict(state)
    return nd.to(device or "cpu")


def trained_constellation(path: str, bits_per_symbol: int, precision: Optional[str] = None,
                          device: Optional[str] = None) -> Constellation:
    """The Sionna custom constellation of a ``semlink train-constellation`` file (unit mean energy), checked
    against the link's bits per symbol."""
    from linklevel.learn.checkpoint import load_trained
    from linklevel.learn.constellation import TrainableConstellation

    tensors, meta = load_trained(path, "constellation")
    if int(meta.get("num_bits", -1)) != bits_per_symbol:
        raise ValueError(f"{path!r} holds a {2 ** int(meta.get('num_bits', 0))}-point constellation; the link's "
                         f"modulation has {2 ** bits_per_symbol} points")
    raw = tensors["points"].double()
    tc = TrainableConstellation(bits_per_symbol, points=torch.complex(raw[:, 0], raw[:, 1]), precision="double")
    return Constellation("custom", bits_per_symbol, points=tc.points().detach(), precision=precision, device=device)


@dataclass
class LinkOutput:
    """What one link call returns.

    :param bits: [batch, cw, info_bits] transmitted information bits.
    :param bits_hat: [batch, cw, info_bits] decoded information bits.
    :param crc_ok: [batch, cw] CRC check (all `True` without CRC).
    :param llr: [batch, cw, n] channel LLRs, or `None` if not requested.
    :param iterations: [batch, cw] `torch.int32` LDPC iterations per codeword (`None` uncoded).
    """

    bits: torch.Tensor
    bits_hat: torch.Tensor
    crc_ok: torch.Tensor
    llr: Optional[torch.Tensor] = None
    iterations: Optional[torch.Tensor] = None


class Link(Block):
    r"""A point-to-point link built from Sionna blocks according to a :class:`LinkConfig`.

    :param config: Link configuration.
    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``; `None` uses Sionna's configured device.
    :param compile: ``torch.compile``: an uncoded link's whole :meth:`transmit` (static shapes),
        a coded link's check-node update (semlink decoder). Compiled random draws and fused
        arithmetic differ from eager ones, so counts differ (equally valid, still seeded);
        Sionna's decoder is not compiled.

    :input batch_size: int. Number of frames to simulate.
    :input snr_db: float or [batch] tensor. Eb/N0 (or Es/N0 with ``snr_type="esno"``) in dB.

    :output out: :class:`LinkOutput` with bits ``[batch, cw, info_bits]``.

    The noise variance follows Sionna's :func:`~sionna.phy.utils.ebnodb2no` with
    ``Es = 1`` per transmitted symbol, generalized to count every energy-bearing
    symbol (data, filler, pilots, cyclic prefix):

    .. math::
        N_0 = \frac{S_\text{tx}}{(E_b/N_0)\, B_\text{info}}

    with :math:`S_\text{tx}` transmitted symbols and :math:`B_\text{info}` information
    bits per frame.

    .. code-block:: python

        >>> from linklevel import Link, LinkConfig
        >>> link = Link(LinkConfig(modulation="16qam", code="ldpc", k=400, n=500))
        >>> out = link(8, 6.0)
        >>> out.bits.shape
        torch.Size([8, 1, 400])
    """

    def __init__(
        self,
        config: LinkConfig,
        precision: Optional[str] = None,
        device: Optional[str] = None,
        compile: bool = False,
    ) -> None:
        super().__init__(precision=precision, device=device)
        if not isinstance(config, LinkConfig):
            raise TypeError(f"config must be a LinkConfig, got {type(config).__name__}")
        if compile and config.code == "ldpc" and config.decoder == "sionna":
            raise ValueError("compile needs the semlink decoder (Sionna's decoder is not compiled)")
        kw = dict(precision=precision, device=device)
        self._config = config
        self._compile = bool(compile)
        m = config.bits_per_symbol
        self._m = m
        self._n = int(config.n or 0)
        self._n_pad = math.ceil(self._n / m) * m
        self._source = BinarySource(**kw)
        self._code = ChannelCode(config, compile=compile, **kw)
        if config.constellation_file is not None:  # a trained constellation (semlink train-constellation)
            const = trained_constellation(config.constellation_file, m, **kw)
            self._mapper = Mapper(constellation=const, **kw)
            self._demapper = trained_demapper(config.constellation_file, m, self.device) \
                if config.demapping == "neural" else Demapper(config.demapping, constellation=const, **kw)
        else:
            self._mapper = Mapper(config.constellation_type, m, **kw)
            self._demapper = Demapper(config.demapping, config.constellation_type, m, **kw)
        if config.ofdm:
            self._front = OFDMFrontEnd(config, **kw)
            slots = self._front.num_data_symbols * m
            self._cw = slots // self._n_pad
            self._grid_filler = slots - self._cw * self._n_pad
            self._tx_symbols = self._front.energy_symbols
        else:
            if config.channel == "awgn":
                self._front = AWGNChannel(**kw)
            else:
                self._front = RayleighBlockChannel(
                    config.coherence, config.csi, config.pilots_per_block, **kw
                )
            self._cw = 1
            self._grid_filler = 0
            data_symbols = self._n_pad // m
            self._tx_symbols = float(data_symbols + self._front.overhead_symbols(data_symbols))
        if compile and config.code == "none":
            self.transmit = torch.compile(self.transmit, dynamic=False)  # type: ignore[method-assign]

    # ------------------------------------------------------------- properties
    @property
    def config(self) -> LinkConfig:
        """The link configuration."""
        return self._config

    @property
    def spec(self) -> tuple[LinkConfig, str, bool]:
        """``(config, precision, compile)``: what rebuilds this link in another process."""
        return self._config, self.precision, self._compile

    @property
    def codewords_per_frame(self) -> int:
        """Codewords (blocks) carried by one batch element."""
        return self._cw

    @property
    def info_bits_per_frame(self) -> int:
        """Information bits carried by one batch element."""
        return self._cw * self._config.info_bits

    @property
    def coded_bits_per_frame(self) -> int:
        """Coded bits (incl. filler) carried by one batch element."""
        return self._cw * self._n_pad + self._grid_filler

    @property
    def tx_symbols_per_frame(self) -> float:
        """Energy-bearing symbols per frame (data, filler, pilots, cyclic prefix)."""
        return self._tx_symbols

    @property
    def info_rate(self) -> float:
        """Information bits per energy-bearing symbol, the factor between Eb/N0 and Es/N0."""
        return self.info_bits_per_frame / self._tx_symbols

    def snr_to_no(self, snr_db: Union[float, torch.Tensor]) -> torch.Tensor:
        """Noise variance for an Eb/N0 (or Es/N0, per ``snr_type``) in dB."""
        snr = 10.0 ** (torch.as_tensor(snr_db, dtype=torch.float64) / 10.0)
        if self._config.snr_type == "ebno":
            snr = snr * self.info_rate
        return (1.0 / snr).to(dtype=self.dtype, device=self.device)

    # ------------------------------------------------------------------ calls
    def draw_bits(self, batch_size: int) -> torch.Tensor:
        """Uniform random information bits ``[batch_size, cw, info_bits]`` (Sionna's seeded source)."""
        return self._source([batch_size, self._cw, self._config.info_bits])

    def call(self, batch_size: int, snr_db: Union[float, torch.Tensor]) -> LinkOutput:
        return self.transmit(self.draw_bits(batch_size), self.snr_to_no(snr_db))

    def mc_fun(self, batch_size: int, ebno_db: Union[float, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(b, b_hat)`` for :func:`sionna.phy.utils.sim_ber` and bare loops."""
        out = self(batch_size, ebno_db)
        return out.bits, out.bits_hat

    def transmit(
        self,
        bits: torch.Tensor,
        no: Union[float, torch.Tensor],
        tx_power: Union[float, torch.Tensor] = 1.0,
        return_llr: bool = False,
    ) -> LinkOutput:
        """Send given information bits; differentiable from ``tx_power`` to the LLRs.

        :param bits: [batch, cw, info_bits] float {0, 1} with ``cw = codewords_per_frame``.
        :param no: Noise variance (scalar or [batch, 1]).
        :param tx_power: Transmit power scaling the unit-energy constellation
            (scalar or [batch, 1], may require grad).
        :param return_llr: Also return the channel LLRs ``[batch, cw, n]``.
        """
        if bits.dim() != 3 or bits.shape[1] != self._cw or bits.shape[2] != self._config.info_bits:
            raise ValueError(
                f"bits must have shape [batch, {self._cw}, {self._config.info_bits}], "
                f"got {list(bits.shape)}"
            )
        batch = bits.shape[0]
        c = self._code.encode(bits)
        if self._n_pad > self._n:
            c = torch.cat([c, self._source([batch, self._cw, self._n_pad - self._n])], dim=-1)
        c = c.reshape(batch, self._cw * self._n_pad)
        if self._grid_filler:
            c = torch.cat([c, self._source([batch, self._grid_filler])], dim=-1)
        x = self._mapper(c)
        # The transmit power scales every symbol sent, pilots included: the receiver sees the unit-energy
        # constellation with noise variance no / tx_power (scaling the data alone would leave LS pilots at unit
        # power and mislead the OFDM LMMSE equalizer's prior).
        p = torch.as_tensor(tx_power, dtype=self.dtype, device=self.device)
        no_t = torch.as_tensor(no, dtype=self.dtype, device=self.device) / p
        x_hat, no_eff = self._front(x, no_t)
        llr = self._demapper(x_hat, no_eff).to(self.dtype)
        llr = llr[:, : self._cw * self._n_pad].reshape(batch, self._cw, self._n_pad)[..., : self._n]
        bits_hat, crc_ok = self._code(llr)
        iters = self._code.iterations(crc_ok.shape)
        return LinkOutput(bits, bits_hat, crc_ok, llr if return_llr else None, iters)
