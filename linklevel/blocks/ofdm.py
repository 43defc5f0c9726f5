"""OFDM front end: resource grid, channel, estimation and equalization (Sionna blocks).

One transmitter, one stream, one receive antenna. The channel is applied in the
frequency domain by :class:`sionna.phy.channel.OFDMChannel` over either
:class:`~sionna.phy.channel.RayleighBlockFading` (flat: one fade per resource grid)
or a 3GPP :class:`~sionna.phy.channel.tr38901.TDL` model; ``awgn`` adds noise to the
grid only. The receiver uses perfect CSI or LS estimation on Kronecker pilots with
nearest-neighbour interpolation, followed by LMMSE equalization.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from sionna.phy import Block
from sionna.phy.channel import AWGN, OFDMChannel, RayleighBlockFading
from sionna.phy.channel.tr38901 import TDL
from sionna.phy.mimo import StreamManagement
from sionna.phy.ofdm import (
    LMMSEEqualizer,
    LSChannelEstimator,
    RemoveNulledSubcarriers,
    ResourceGrid,
    ResourceGridMapper,
)

from linklevel.blocks.config import LinkConfig

__all__ = ["OFDMFrontEnd"]


class OFDMFrontEnd(Block):
    """Map data symbols onto an OFDM grid, pass the channel, estimate and equalize.

    :param config: Link configuration (``ofdm=True``).
    :param precision: `None` | ``"single"`` | ``"double"``.
    :param device: e.g. ``"cpu"`` or ``"cuda:0"``.

    :input x: [batch, num_data_symbols], `torch.complex`. Data symbols of one grid.
    :input no: Scalar, `torch.float`. Noise variance per resource element.

    :output x_hat: [batch, num_data_symbols], `torch.complex`. Equalized symbols.
    :output no_eff: [batch, num_data_symbols], `torch.float`. Effective noise variance.

    .. code-block:: python

        >>> import torch
        >>> from linklevel import LinkConfig
        >>> from linklevel.blocks.ofdm import OFDMFrontEnd
        >>> fe = OFDMFrontEnd(LinkConfig(ofdm=True, channel="rayleigh-block"))
        >>> x = torch.ones(2, fe.num_data_symbols, dtype=torch.complex64)
        >>> x_hat, no_eff = fe(x, 0.1)
        >>> x_hat.shape == x.shape
        True
    """

    def __init__(
        self,
        config: LinkConfig,
        precision: Optional[str] = None,
        device: Optional[str] = None,
    ) -> None:
        super().__init__(precision=precision, device=device)
        if not config.ofdm:
            raise ValueError("OFDMFrontEnd needs a config with ofdm=True")
        kw = dict(precision=precision, device=device)
        with_pilots = config.csi == "ls"
        self._rg = ResourceGrid(
            num_ofdm_symbols=config.num_ofdm_symbols,
            fft_size=config.fft_size,
            subcarrier_spacing=config.subcarrier_spacing,
            num_tx=1,
            num_streams_per_tx=1,
            cyclic_prefix_length=config.cyclic_prefix_length,
            pilot_pattern="kronecker" if with_pilots else None,
            pilot_ofdm_symbol_indices=list(config.pilot_ofdm_symbols) if with_pilots else None,
            **kw,
        )
        self._csi = config.csi
        self._mapper = ResourceGridMapper(self._rg, **kw)
        self._awgn_only = config.channel == "awgn"
        if self._awgn_only:
            self._awgn = AWGN(**kw)
        else:
            if config.channel == "rayleigh-block":
                model = RayleighBlockFading(1, 1, 1, 1, **kw)
            else:
                model = TDL(
                    config.tdl_model,
                    delay_spread=config.delay_spread,
                    carrier_frequency=config.carrier_frequency,
                    min_speed=0.0,
                    **kw,
                )
            # normalize_channel stays off: switched on, it rescales each realization to
            # unit average energy over the grid and thereby removes the flat block fading.
            self._channel = OFDMChannel(
                model, self._rg, normalize_channel=False, return_channel=True, **kw
            )
        self._remove_nulled = RemoveNulledSubcarriers(self._rg, **kw)
        if with_pilots:
            self._estimator = LSChannelEstimator(self._rg, interpolation_type="nn", **kw)
        self._equalizer = LMMSEEqualizer(self._rg, StreamManagement(np.array([[1]]), 1), **kw)

    @property
    def resource_grid(self) -> ResourceGrid:
        """The Sionna resource grid."""
        return self._rg

    @property
    def num_data_symbols(self) -> int:
        """Data resource elements per grid."""
        return int(self._rg.num_data_symbols)

    @property
    def energy_symbols(self) -> float:
        """Energy-bearing symbol slots per grid (data, pilots, cyclic prefix), as in
        :func:`sionna.phy.utils.ebnodb2no`."""
        rg = self._rg
        cp = rg.cyclic_prefix_length / rg.fft_size
        return float(rg.num_ofdm_symbols * (1 + cp) * rg.num_effective_subcarriers)

    def call(self, x: torch.Tensor, no: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch = x.shape[0]
        grid = self._mapper(x.reshape(batch, 1, 1, -1))
        # [batch, num_tx=1, num_streams=1, num_ofdm_symbols, fft_size] -> rx dims [batch, 1, 1, ...]
        if self._awgn_only:
            y = self._awgn(grid, no)
            h = torch.ones(
                (batch, 1, 1, 1, 1) + tuple(grid.shape[-2:]), dtype=self.cdtype, device=self.device
            )
        else:
            y, h = self._channel(grid, no)
        if self._csi == "perfect":
            return self.equalize_siso(y, h, no)
        h_hat, err_var = self._estimator(y, no)
        x_hat, no_eff = self._equalizer(y, h_hat, err_var, no)
        return x_hat.reshape(batch, -1), no_eff.reshape(batch, -1)

    def equalize_siso(self, y: torch.Tensor, h: torch.Tensor, no: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Closed-form LMMSE equalization with perfect CSI for one antenna and one stream.

        For a 1×1 link the (unbiased) LMMSE estimate is exact in closed form:
        :math:`\hat x = y/h`, :math:`N_{0,\text{eff}} = N_0/|h|^2` — what Sionna's
        :class:`~sionna.phy.ofdm.LMMSEEqualizer` computes through a matrix inverse per resource
        element (tested equal to it). Valid here because the grid has no pilots, guards or DC null
        with perfect CSI, so every resource element carries data, in the mapper's order.

        :input y: [batch, 1, 1, num_ofdm_symbols, fft_size] received grid.
        :input h: [batch, 1, 1, 1, 1, num_ofdm_symbols, fft_size] channel.
        :input no: noise variance, scalar or [batch].
        :output x_hat, no_eff: [batch, num_data_symbols] each.
        """
        batch = y.shape[0]
        hh = h.reshape(batch, -1)
        x_hat = y.reshape(batch, -1) / hh
        no_b = torch.as_tensor(no, dtype=self.dtype, device=y.device)
        no_b = no_b.reshape(-1, 1) if no_b.dim() else no_b
        no_eff = no_b / hh.abs().square()
        return x_hat, no_eff.to(self.dtype)
