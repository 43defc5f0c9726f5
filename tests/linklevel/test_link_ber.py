"""Simulated BER/BLER of the Sionna links against exact formulas and each other."""

import numpy as np
import pytest
import torch

from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import StopCriteria, simulate_sweep
from linklevel.engine.runtime import seed_everything

from .reference import ber_bpsk_awgn, ber_mqam_cho_yoon, ber_mqam_rayleigh

CONF = 0.999  # per-point coverage; with fixed seeds the outcome is deterministic


def _sweep(cfg, snrs, bit_errors=400, max_bits=3 * 10**6, seed=7):
    link = Link(cfg, device="cpu")
    stop = StopCriteria(target_bit_errors=bit_errors, target_block_errors=None, max_bits=max_bits)
    return simulate_sweep(link, snrs, stop, seed=seed, progress=False).points


@pytest.mark.parametrize(
    "modulation,M,snrs",
    [("bpsk", 2, [0, 4, 7]), ("qpsk", 4, [0, 4, 7]), ("16qam", 16, [2, 6, 10]), ("64qam", 64, [4, 8, 12])],
)
def test_uncoded_awgn_matches_exact_gray_ber(modulation, M, snrs):
    points = _sweep(LinkConfig(modulation=modulation), snrs)
    exact = ber_bpsk_awgn(snrs) if M == 2 else ber_mqam_cho_yoon(snrs, M)
    for p, ref in zip(points, exact):
        lo, hi = p.ber_ci(CONF)
        assert p.bit_errors >= 300, p
        assert lo <= ref <= hi, (modulation, p.ebno_db, p.ber, ref, (lo, hi))


def test_wrong_formula_lies_outside_interval():
    """The check can fail: the BPSK curve is far outside 16-QAM's interval."""
    points = _sweep(LinkConfig(modulation="16qam"), [6.0])
    lo, hi = points[0].ber_ci(CONF)
    assert not lo <= ber_bpsk_awgn(6.0) <= hi


@pytest.mark.parametrize("modulation,M,snrs", [("bpsk", 2, [0, 10, 20]), ("16qam", 16, [5, 15])])
def test_uncoded_rayleigh_perfect_csi_matches_exact(modulation, M, snrs):
    # i.i.d. fading per symbol: bit errors are independent, so the binomial interval is valid
    cfg = LinkConfig(modulation=modulation, channel="rayleigh-block", coherence="iid")
    points = _sweep(cfg, snrs)
    exact = ber_mqam_rayleigh(snrs, M)
    for p, ref in zip(points, exact):
        lo, hi = p.ber_ci(CONF)
        assert lo <= ref <= hi, (modulation, p.ebno_db, p.ber, ref, (lo, hi))


def test_rayleigh_block_coherence_and_ls_estimation():
    """Block fading keeps the average BER; LS estimation with few pilots costs SNR."""
    snr = [10.0]
    exact = ber_mqam_rayleigh(snr, 4)[0]
    perfect = _sweep(LinkConfig(modulation="qpsk", channel="rayleigh-block", coherence=8), snr, 2000)[0]
    ls = _sweep(LinkConfig(modulation="qpsk", channel="rayleigh-block", coherence=8, csi="ls",
                           pilots_per_block=1), snr, 2000)[0]
    assert abs(perfect.ber - exact) / exact < 0.1
    assert ls.ber > perfect.ber * 1.2
    link = Link(LinkConfig(modulation="qpsk", channel="rayleigh-block", coherence=8, csi="ls", pilots_per_block=2))
    # 600 data symbols in 75 fades, 2 pilots each: Eb/N0 counts the pilots' energy
    assert link.tx_symbols_per_frame == 600 + 150


def test_ldpc_high_snr_error_free_where_uncoded_fails():
    snr = 5.0
    coded = Link(LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), device="cpu")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=2000)
    p = simulate_sweep(coded, [snr], stop, seed=3, progress=False).points[0]
    assert p.blocks >= 2000 and p.bit_errors == 0 and p.block_errors == 0
    # the uncoded link at the same Eb/N0 (and the same information bits) has errors
    unc = Link(LinkConfig(modulation="qpsk", k=400), device="cpu")
    q = simulate_sweep(unc, [snr], stop, seed=3, progress=False).points[0]
    assert q.bit_errors > 100 and q.block_errors > 100


def test_ldpc_bler_monotone_over_sweep():
    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500, crc="CRC24A"), device="cpu")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=60, max_blocks=4000)
    pts = simulate_sweep(link, [1.5, 2.5, 3.0, 3.5], stop, seed=1, progress=False).points
    bler = [p.bler for p in pts]
    assert bler[0] > 0.5 and bler[-1] < 0.2
    assert all(a >= b for a, b in zip(bler, bler[1:])), bler
    # the CRC detects the block errors the decoder leaves (it may also flag a block whose
    # information bits are right but whose CRC parity bits were decoded wrongly)
    for p in pts:
        assert p.detected_block_errors <= p.blocks
        assert p.detected_block_errors >= 0.95 * p.block_errors


def test_ofdm_perfect_csi_flat_rayleigh_reproduces_single_carrier():
    """OFDM over flat Rayleigh block fading (Sionna OFDMChannel) vs the exact Rayleigh BER.

    One resource element per grid makes bit errors independent across frames, so the
    binomial interval applies; a full-size grid is then checked against it.
    """
    snrs = [0.0, 10.0]
    cfg = LinkConfig(modulation="bpsk", ofdm=True, channel="rayleigh-block", fft_size=1,
                     num_ofdm_symbols=1, k=1)
    points = _sweep(cfg, snrs, bit_errors=400, max_bits=400000)
    for p, ref in zip(points, ber_mqam_rayleigh(snrs, 2)):
        lo, hi = p.ber_ci(CONF)
        assert lo <= ref <= hi, (p.ebno_db, p.ber, ref)
    # full grid: errors are correlated within a grid, so compare frame means with their
    # own standard error (batch means) instead of the binomial interval
    # k fills the 72 x 14 grid exactly (no filler energy in Eb/N0)
    link = Link(LinkConfig(modulation="qpsk", ofdm=True, channel="rayleigh-block", k=72 * 14 * 2), device="cpu")
    assert link.info_rate == 2.0
    seed_everything(5)
    with torch.inference_mode():
        out = link(4000, 10.0)
    per_frame = (out.bits != out.bits_hat).float().mean(dim=(1, 2)).numpy()
    ref = ber_mqam_rayleigh([10.0], 4)[0]
    se = per_frame.std(ddof=1) / np.sqrt(per_frame.size)
    assert abs(per_frame.mean() - ref) < 4 * se, (per_frame.mean(), ref, se)


def test_ofdm_ebno_accounting_matches_sionna():
    """With pilots and a cyclic prefix, N0 equals sionna.phy.utils.ebnodb2no."""
    from sionna.phy.utils import ebnodb2no

    cfg = LinkConfig(modulation="16qam", ofdm=True, channel="rayleigh-block", csi="ls",
                     cyclic_prefix_length=6, code="none", k=864 * 4)
    link = Link(cfg, device="cpu")
    ref = ebnodb2no(7.0, 4, 1.0, resource_grid=link._front.resource_grid)
    assert torch.allclose(link.snr_to_no(7.0), ref, rtol=1e-6)


def test_tdl_ls_ldpc_runs_and_decodes_at_high_snr():
    cfg = LinkConfig(modulation="qpsk", ofdm=True, channel="tdl", csi="ls", code="ldpc", k=400, n=500)
    link = Link(cfg, device="cpu")
    seed_everything(2)
    with torch.inference_mode():
        out = link(20, 25.0)
    assert out.bits.shape == (20, link.codewords_per_frame, 400)
    assert (out.bits != out.bits_hat).float().mean() < 1e-3


@pytest.mark.parametrize("cfg", [
    LinkConfig(modulation="qpsk", ofdm=True, channel="tdl", csi="ls", code="ldpc", k=400, n=1000),
    LinkConfig(modulation="16qam", channel="rayleigh-block", csi="ls", code="ldpc", k=400, n=800),
])
def test_transmit_power_scales_the_pilots_too(cfg):
    """Only the ratio of transmit power to noise matters: the LS pilots are sent at the same power as the data
    (scaling the data alone left the pilots at unit power: at P = 100, N0 = 1 the OFDM link lost 85 % of its
    codewords where P = 1, N0 = 0.01 lost none)."""
    link = Link(cfg, device="cpu")
    u = torch.randint(0, 2, (64, link.codewords_per_frame, 400), generator=torch.Generator().manual_seed(0)).float()
    outs = []
    for no, p in ((0.01, 1.0), (1.0, 100.0)):
        seed_everything(3)
        with torch.inference_mode():
            outs.append(link.transmit(u, no, tx_power=p))
    assert torch.equal(outs[0].bits_hat, outs[1].bits_hat)
    assert (outs[1].bits_hat != u).any(dim=-1).float().mean() < 0.2  # 20 dB: the old code lost 85 % on OFDM


def test_differentiable_from_llr_loss_to_transmit_power():
    """Gradient of a BCE loss on the demapper LLRs w.r.t. transmit power, vs finite differences."""
    link = Link(LinkConfig(modulation="16qam", channel="rayleigh-block", coherence="iid"),
                precision="double", device="cpu")
    seed_everything(11)
    bits = link.draw_bits(64)
    no = link.snr_to_no(4.0)

    def loss_at(p):
        seed_everything(12)  # same noise and fades for every evaluation
        out = link.transmit(bits, no, tx_power=p, return_llr=True)
        return torch.nn.functional.binary_cross_entropy_with_logits(out.llr, bits)

    power = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    loss = loss_at(power)
    loss.backward()
    grad = power.grad.item()
    eps = 1e-5
    with torch.no_grad():
        fd = (loss_at(torch.tensor(1.3 + eps, dtype=torch.float64))
              - loss_at(torch.tensor(1.3 - eps, dtype=torch.float64))).item() / (2 * eps)
    assert grad < 0  # more power, more reliable LLRs
    assert grad == pytest.approx(fd, rel=1e-4)
