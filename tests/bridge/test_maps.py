"""Label-map codec (exact round trips, accounting by hand, corrupted input) and the analog channel (eq. (1))."""

import math

import numpy as np
import pytest
import torch

from bridge.analog import PAPER_SIGMA, AnalogChannel, plane_noise_variance, send_analog, sigma2
from bridge.binarymap import BinaryMapCodec
from bridge.labelmap import LabelMapCodec


@pytest.mark.parametrize("mode", ["planes", "png", "auto"])
def test_label_map_round_trip(mode):
    rng = np.random.default_rng(7)
    for _ in range(10):
        c = int(rng.integers(2, 40))
        h, w = (int(v) for v in rng.integers(1, 60, size=2))
        blocky = rng.integers(0, c, size=(math.ceil(h / 4), math.ceil(w / 4))).repeat(4, 0).repeat(4, 1)[:h, :w]
        lab = torch.from_numpy(blocky)
        codec = LabelMapCodec(c, mode)
        bits = codec.encode(lab)
        assert bits.numel() == codec.bit_count(lab)
        assert torch.equal(codec.decode(bits), lab)
    sizes = LabelMapCodec(8).payloads(lab)
    assert LabelMapCodec(8 if lab.max() < 8 else 64).bit_count(lab) <= max(sizes.values())


def test_label_map_accounting_by_hand():
    """A 4x4 map, C = 3, classes {0, 2}: header 3 x (16+16+16+8) = 168 bits, presence 3 bits, then one
    plane (class 0; class 2 is implied) with the binary-map codec: its header 3 x (8+32+32+8+8+32) = 360
    bits + 16 packed bits or RLE runs."""
    lab = torch.tensor([[0, 0, 2, 2]] * 4)
    c = LabelMapCodec(3, "planes")
    plane = BinaryMapCodec("auto").bit_count(lab == 0)
    assert plane == 360 + 16  # runs 2,2,2,2,2,2,2,2 (8 runs of 2 bits each) also need 16 bits: packed wins ties
    assert c.bit_count(lab) == 168 + 3 + plane
    bits = c.encode(lab)
    assert bits[168:171].tolist() == [1.0, 0.0, 1.0]  # the presence vector
    one = torch.zeros(5, 7, dtype=torch.long)  # a single class: no plane at all
    assert LabelMapCodec(4, "planes").bit_count(one) == 168 + 4
    assert torch.equal(LabelMapCodec(4, "planes").decode(LabelMapCodec(4, "planes").encode(one)), one)


def test_label_map_corruption_never_raises():
    rng = np.random.default_rng(3)
    lab = torch.from_numpy(rng.integers(0, 6, size=(8, 12)).repeat(3, 0).repeat(3, 1))
    for mode in ("planes", "png"):
        c = LabelMapCodec(6, mode)
        bits = c.encode(lab)
        for p in (1e-3, 0.05, 0.5):
            flips = torch.from_numpy((rng.random(bits.numel()) < p).astype(np.float32))
            got = c.decode((bits + flips) % 2, shape=(24, 36))
            assert got.shape == (24, 36) and got.dtype == torch.long
        assert c.decode(bits[:50]).dim() == 2 and c.decode(torch.zeros(0)).shape == (1, 1)
    with pytest.raises(ValueError, match="class indices"):
        LabelMapCodec(4).encode(torch.tensor([[0, 4]]))
    with pytest.raises(ValueError, match="mode"):
        LabelMapCodec(4, "jpeg")


def test_analog_awgn_noise_matches_eq1():
    """Per real value the received error has variance sigma^2 = 10^(-PSNR/10) after de-normalization
    by the scale (P = 1): chi-square interval on 2e5 values."""
    x = torch.from_numpy(np.random.default_rng(0).normal(size=200_000)).float() * 3 + 1
    for psnr in (0.0, 10.0):
        rx, st = send_analog(x, AnalogChannel(psnr), seed=1)
        e = ((rx - x) / st.scale).double()
        n = e.numel()
        assert st.channel_uses == n // 2 and st.sigma2 == pytest.approx(10 ** (-psnr / 10))
        var = float((e ** 2).mean())
        assert abs(var / st.sigma2 - 1) < 4 * math.sqrt(2 / n)
        assert st.scale == pytest.approx(float(x.square().mean().sqrt()), rel=1e-6)
    _, st = send_analog(torch.ones(7), AnalogChannel(5.0))
    assert st.channel_uses == 4  # ceil(7 / 2)
    rx, st = send_analog(x, AnalogChannel(10.0, paper_sigma=True), seed=2)
    assert st.sigma2 == pytest.approx(PAPER_SIGMA[10] ** 2)
    rx, st = send_analog(x, AnalogChannel(10.0, energy_gain=4.0), seed=2)
    assert float((((rx - x) / st.scale) ** 2).mean()) == pytest.approx(0.1 / 4, rel=0.02)
    a, _ = send_analog(x, AnalogChannel(3.0), seed=5)
    b, _ = send_analog(x, AnalogChannel(3.0), seed=5)
    assert torch.equal(a, b)


@pytest.mark.parametrize("ch", [AnalogChannel(20.0, "rayleigh-block"), AnalogChannel(20.0, "rayleigh-block", ofdm=True),
                                AnalogChannel(20.0, "tdl", ofdm=True), AnalogChannel(20.0, "rayleigh-block", csi="ls")])
def test_analog_fading_is_equalized(ch):
    x = torch.from_numpy(np.random.default_rng(1).normal(size=20_000)).float()
    rx, st = send_analog(x, ch, seed=3)
    e = (rx - x) / st.scale
    assert float(e.median().abs()) < 0.05  # unbiased after equalization
    assert float(e.abs().median()) < 0.2  # AWGN alone at 20 dB: 0.067; equalized fades amplify some noise
    assert st.channel_uses >= 10_000


def test_analog_bad_input():
    with pytest.raises(ValueError, match="sigma table"):
        AnalogChannel(7.0, paper_sigma=True)
    with pytest.raises(ValueError, match="tdl"):
        AnalogChannel(7.0, "tdl")
    with pytest.raises(ValueError, match="non-empty real"):
        send_analog(torch.zeros(0), AnalogChannel(1.0))
    with pytest.raises(ValueError, match="NaN"):
        send_analog(torch.tensor([1.0, float("nan")]), AnalogChannel(1.0))
    assert sigma2(AnalogChannel(20.0)) == pytest.approx(0.01)


def test_label_map_external_plane_codec():
    """``planes-ext`` codes the planes with a caller's codec (here the bit-packed binary-map codec);
    ``auto`` then keeps the shortest of the three."""
    lab = torch.from_numpy(np.random.default_rng(5).integers(0, 4, size=(6, 9)).repeat(2, 0).repeat(2, 1))
    ext = LabelMapCodec(4, "planes-ext", plane_codec=BinaryMapCodec("packed"))
    bits = ext.encode(lab)
    assert torch.equal(ext.decode(bits), lab) and ext.last_mode == "planes-ext"
    assert bits.numel() == 168 + 4 + 3 * (360 + 12 * 18)  # three packed planes, the fourth implied
    auto = LabelMapCodec(4, "auto", plane_codec=BinaryMapCodec("packed"))
    assert auto.bit_count(lab) == min(auto.payloads(lab).values()) and set(auto.payloads(lab)) == {
        "planes", "png", "planes-ext"}
    with pytest.raises(ValueError, match="plane_codec"):
        LabelMapCodec(4, "planes-ext")


def _onehot(k: int, h: int = 120, w: int = 160, seed: int = 0) -> torch.Tensor:
    lab = torch.from_numpy(np.random.default_rng(seed).integers(0, k, size=(h, w)))
    return (lab.unsqueeze(0) == torch.arange(k).reshape(-1, 1, 1)).float()


@pytest.mark.parametrize("k", [2, 8, 19])
def test_conventions_differ_by_10_log10_k_on_one_hot_planes(k):
    """The noise variance measured on K one-hot planes: released-code / unit-power = K, i.e. 10 log10 K dB,
    at the same nominal PSNR (chi-square tolerance on K*H*W values)."""
    planes = _onehot(k)
    n = planes.numel()
    var = {}
    for conv in ("released-code", "unit-power"):
        ch = AnalogChannel(5.0, convention=conv)
        rx, st = send_analog(planes, ch, seed=3)
        var[conv] = float(((rx - planes).double() ** 2).mean())
        assert var[conv] == pytest.approx(plane_noise_variance(ch, 1.0 / k), rel=5 * math.sqrt(2 / n))
        assert st.side_bits == (0 if conv == "released-code" else 32)
    assert 10 * math.log10(var["released-code"] / var["unit-power"]) == pytest.approx(10 * math.log10(k), abs=0.1)


def test_released_code_reproduces_the_released_noise_std():
    """The released code adds N(0, sigma^2) with sigma = SNR_DICT[snr] to the 0/1 planes as they are
    (ispamm/GESCO image_sample.py); PSNR = -20 log10 sigma; 100 dB is sigma = 0 (no noise)."""
    planes = _onehot(8)
    for psnr, sigma in ((10, 0.36), (1, 0.9), (30, 0.05)):
        rx, st = send_analog(planes, AnalogChannel(psnr, paper_sigma=True, convention="released-code"), seed=4)
        e = (rx - planes).double()
        assert float(e.std()) == pytest.approx(sigma, rel=0.01) and abs(float(e.mean())) < 0.01
        assert st.scale == 1.0
    assert -20 * math.log10(PAPER_SIGMA[10]) == pytest.approx(8.87, abs=0.01)
    rx, _ = send_analog(planes, AnalogChannel(100, paper_sigma=True, convention="released-code"), seed=4)
    assert torch.allclose(rx, planes, atol=1e-6)  # only the /sqrt2 * sqrt2 rounding
    rx, _ = send_analog(planes, AnalogChannel(20.0, convention="released-code"), seed=4)
    assert float((rx - planes).double().std()) == pytest.approx(0.1, rel=0.01)  # sigma = 10^(-20/20)
    with pytest.raises(ValueError, match="convention"):
        AnalogChannel(5.0, convention="peak")
