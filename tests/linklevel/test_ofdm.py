"""The closed-form SISO equalizer (perfect CSI) equals Sionna's LMMSE equalizer."""

import pytest
import torch

from linklevel import LinkConfig
from linklevel.blocks.ofdm import OFDMFrontEnd


@pytest.mark.parametrize("channel", ["rayleigh-block", "awgn", "tdl"])
def test_closed_form_equals_sionna_lmmse(channel):
    torch.manual_seed(0)
    cfg = LinkConfig(modulation="16qam", channel=channel, ofdm=True, k=1008)
    fe = OFDMFrontEnd(cfg, device="cpu")
    x = torch.randn(32, fe.num_data_symbols, dtype=torch.complex64)
    grid = fe._mapper(x.reshape(32, 1, 1, -1))
    no = torch.full((32,), 0.05)
    if channel == "awgn":
        y = fe._awgn(grid, no.reshape(-1, 1, 1, 1, 1))
        h = torch.ones((32, 1, 1, 1, 1) + tuple(grid.shape[-2:]), dtype=torch.complex64)
    else:
        y, h = fe._channel(grid, no)
    ref_x, ref_no = fe._equalizer(y, fe._remove_nulled(h), torch.zeros(()), no)
    x_hat, no_eff = fe.equalize_siso(y, h, no)
    ref_x, ref_no = ref_x.reshape(32, -1), ref_no.reshape(32, -1)
    assert x_hat.shape == ref_x.shape and no_eff.shape == ref_no.shape
    assert (x_hat - ref_x).abs().max() < 1e-4 * ref_x.abs().max()
    assert ((no_eff - ref_no).abs() / ref_no).max() < 1e-4
    # and the whole front end uses it with perfect CSI: the equalized symbols are the sent ones at high SNR
    fe_out, _ = fe(x, torch.tensor(1e-10))
    assert (fe_out - x).abs().max() < 0.05
