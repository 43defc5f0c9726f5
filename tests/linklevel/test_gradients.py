"""The differentiable link (issue #27, item 1): gradients through every block, checked.

``torch.autograd.gradcheck`` in double precision on small shapes, the noise fixed by reseeding Sionna inside
the function (reparameterized noise: y = h x + sqrt(N0/2) n with n drawn from the seed), for: the mapper
(w.r.t. the constellation points), AWGN, Rayleigh block fading (perfect CSI and LS estimation), the OFDM
front end with LS estimation and LMMSE equalization, the APP and max-log demappers (w.r.t. the received
symbols, N0 and the points), semlink's LDPC decoder's soft outputs (w.r.t. the channel LLRs and weighted-BP
weights; early stopping off on that path) and bridge's analog path.

Then a Monte Carlo check that the gradient is the gradient of the *expectation*: for uncoded Gray QPSK the
soft bit error E[σ(−|L|)] of the exact APP LLR equals the bitwise-MAP BER, Q(√γ) on AWGN and
½(1 − √(γ/(2+γ))) on Rayleigh with CSI (γ = Es/N0), so its pathwise gradient w.r.t. the SNR in dB must match
the analytic derivative within the Monte Carlo interval over independent batches.
"""

import math

import numpy as np
import pytest
import torch
from scipy import stats as st
from sionna.phy import config
from sionna.phy.fec.ldpc import LDPC5GEncoder
from sionna.phy.mapping import Constellation, Demapper, Mapper
from torch.autograd import gradcheck

from bridge.analog import AnalogChannel, send_analog
from linklevel import LinkConfig
from linklevel.blocks.channels import AWGNChannel, RayleighBlockChannel
from linklevel.blocks.ldpc import BatchLDPC5GDecoder
from linklevel.blocks.ofdm import OFDMFrontEnd
from linklevel.theory.analytic import ber_awgn, ber_rayleigh

D = dict(precision="double")


def _cx(a):
    return torch.complex(a[..., 0], a[..., 1])


def _leaf(*shape, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).requires_grad_(True)


def _points(bits=4):
    return torch.view_as_real(Constellation("qam", bits, **D).points).clone().requires_grad_(True)


NO = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("make", [lambda: AWGNChannel(**D), lambda: RayleighBlockChannel(coherence=3, **D),
                                  lambda: RayleighBlockChannel(coherence=3, csi="ls", pilots_per_block=2, **D)],
                         ids=["awgn", "rayleigh-perfect-csi", "rayleigh-ls"])
def test_channels_gradcheck_wrt_symbols_and_noise_variance(make):
    blk = make()

    def f(x, no):
        config.seed = 5  # the same noise (and fades) on every evaluation
        y, no_eff = blk(_cx(x), no)
        return torch.view_as_real(y), no_eff

    assert gradcheck(f, (_leaf(2, 6, 2), NO))


def test_ofdm_ls_lmmse_gradcheck():
    fe = OFDMFrontEnd(LinkConfig(ofdm=True, channel="rayleigh-block", csi="ls"), **D)

    def f(x, no):
        config.seed = 3
        y, no_eff = fe(_cx(x), no)
        return torch.view_as_real(y), no_eff

    assert gradcheck(f, (_leaf(1, fe.num_data_symbols, 2), NO), fast_mode=True)


def test_mapper_gradcheck_wrt_constellation_points():
    bits = torch.randint(0, 2, (3, 16), generator=torch.Generator().manual_seed(1)).double()

    def f(pts):
        c = Constellation("custom", 4, points=_cx(pts), normalize=True, **D)
        return torch.view_as_real(Mapper(constellation=c, **D)(bits))

    assert gradcheck(f, (_points(),))


@pytest.mark.parametrize("method", ["app", "maxlog"])
def test_demapper_gradcheck_wrt_received_symbols_noise_and_points(method):
    """max-log: the max is differentiable wherever one point is the unique nearest (a.e.; its subgradient picks
    the winning point at ties)."""

    def f(y, no, pts):
        c = Constellation("custom", 4, points=_cx(pts), normalize=True, **D)
        return Demapper(method, constellation=c, **D)(_cx(y), no)

    assert gradcheck(f, (_leaf(2, 5, 2, seed=2), NO, _points()))


@pytest.mark.parametrize("rule", ["boxplus-phi", "minsum", "offset-minsum"])
def test_ldpc_soft_output_gradcheck_wrt_llrs_and_bp_weights(rule):
    enc = LDPC5GEncoder(12, 24)
    dec = BatchLDPC5GDecoder(enc, cn_update=rule, num_iter=3, hard_out=False, message_dtype="float64", **D)
    llr = _leaf(2, 24, scale=3.0, seed=4)
    w = (1 + 0.1 * torch.randn(3, dec.num_edges, generator=torch.Generator().manual_seed(5),
                               dtype=torch.float64)).requires_grad_(True)
    assert gradcheck(lambda a, b: dec(a, weights=b), (llr, w))
    assert gradcheck(lambda a: dec(a), (llr,))
    assert dec.last_iterations.tolist() == [3, 3]  # soft path: no early stopping


def test_ldpc_soft_decisions_equal_the_hard_decoder_without_early_stopping():
    enc = LDPC5GEncoder(40, 80)
    llr = 2.5 * torch.randn(64, 80, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    hard = BatchLDPC5GDecoder(enc, num_iter=6, early_stop=False, message_dtype="float64", **D)(llr)
    soft = BatchLDPC5GDecoder(enc, num_iter=6, hard_out=False, message_dtype="float64", **D)(llr)
    assert torch.equal((soft > 0).double(), hard)
    ones = BatchLDPC5GDecoder(enc, num_iter=6, hard_out=False, message_dtype="float64", **D)
    assert torch.allclose(ones(llr, weights=torch.ones(6, 1, dtype=torch.float64)), soft)  # weights 1 = plain BP
    with pytest.raises(ValueError, match="weights"):
        ones(llr, weights=torch.ones(5, 1))
    with pytest.raises(ValueError, match="flooding"):
        BatchLDPC5GDecoder(enc, schedule="layered", hard_out=False)(llr.float())


@pytest.mark.parametrize("ch", [AnalogChannel(psnr_db=5.0), AnalogChannel(psnr_db=5.0, convention="released-code"),
                                AnalogChannel(psnr_db=5.0, channel="rayleigh-block", coherence=4)],
                         ids=["awgn-unit-power", "awgn-released-code", "rayleigh"])
def test_bridge_analog_path_gradcheck(ch):
    x = torch.rand(3, 4, 5, generator=torch.Generator().manual_seed(6), dtype=torch.float64).requires_grad_(True)
    assert gradcheck(lambda v: send_analog(v, ch, seed=1)[0], (x,))
    rx, _ = send_analog(x.detach().float(), ch, seed=1)
    assert rx.dtype == torch.float32 and not rx.requires_grad  # the non-differentiable call is unchanged


def _soft_ber_grads(channel: str, snr_db: float, batches: int, symbols: int) -> np.ndarray:
    """d E[σ(−|L|)] / d snr_db per independent batch (Gray QPSK, APP demapper, Es/N0 = snr)."""
    mapper, demapper = Mapper("qam", 2, **D), Demapper("app", "qam", 2, **D)
    blk = AWGNChannel(**D) if channel == "awgn" else RayleighBlockChannel(coherence="iid", **D)
    out = []
    for r in range(batches):
        config.seed = 100 + r
        snr = torch.tensor(snr_db, dtype=torch.float64, requires_grad=True)
        no = 10 ** (-snr / 10)
        bits = torch.randint(0, 2, (1, 2 * symbols), generator=torch.Generator().manual_seed(r)).double()
        y, no_eff = blk(mapper(bits), no)
        llr = demapper(y, no_eff)
        torch.sigmoid(-llr.abs()).mean().backward()
        out.append(float(snr.grad))
    return np.array(out)


def _analytic_grad(channel: str, snr_db: float) -> float:
    g = 10 ** (snr_db / 10)
    if channel == "awgn":  # BER = Q(sqrt(g))
        dber = -math.exp(-g / 2) / math.sqrt(2 * math.pi) / (2 * math.sqrt(g))
    else:  # BER = (1 - sqrt(u/(1+u)))/2, u = g/2
        u = g / 2
        dber = -0.5 * (0.5 / math.sqrt(u / (1 + u)) / (1 + u) ** 2) * 0.5
    return dber * g * math.log(10) / 10


@pytest.mark.parametrize("channel,snr_db", [("awgn", 3.0), ("awgn", 8.0), ("rayleigh", 5.0), ("rayleigh", 12.0)])
def test_monte_carlo_gradient_of_the_soft_ber_matches_the_exact_ber_derivative(channel, snr_db):
    # the closed forms are the project's exact BER (independent code): checked first
    ber = (ber_awgn if channel == "awgn" else ber_rayleigh)(snr_db - 10 * math.log10(2), "qpsk")
    g = 10 ** (snr_db / 10)
    closed = 0.5 * math.erfc(math.sqrt(g / 2)) if channel == "awgn" else 0.5 * (1 - math.sqrt(g / (2 + g)))
    assert float(ber) == pytest.approx(closed, rel=1e-9)
    h = 1e-4  # the analytic derivative against a central difference of the project's formula
    fd = (float((ber_awgn if channel == "awgn" else ber_rayleigh)(snr_db + h - 10 * math.log10(2), "qpsk"))
          - float((ber_awgn if channel == "awgn" else ber_rayleigh)(snr_db - h - 10 * math.log10(2), "qpsk"))) / (2 * h)
    assert _analytic_grad(channel, snr_db) == pytest.approx(fd, rel=1e-5)
    grads = _soft_ber_grads(channel, snr_db, batches=16, symbols=20_000)
    half = st.t.ppf(0.995, len(grads) - 1) * grads.std(ddof=1) / math.sqrt(len(grads))
    assert abs(grads.mean() - _analytic_grad(channel, snr_db)) <= half, (grads.mean(), half, fd)
    assert half < 0.1 * abs(fd)  # the interval is tight enough to mean something
