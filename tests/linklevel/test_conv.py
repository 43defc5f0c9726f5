"""The convolutional-code link (Qiao et al.'s prompt: rate 1/2, QPSK, CRC): config, exact decoding
of clean words, and a coded gain over uncoded QPSK that matches the textbook union bound region."""

import pytest
import torch

from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import StopCriteria, simulate_point


def test_conv_lengths_and_validation():
    cfg = LinkConfig(code="conv", k=824, crc="CRC24A")
    assert cfg.n == 2 * (824 + 6) and cfg.info_bits == 800 and cfg.code_rate == pytest.approx(800 / 1660)
    assert LinkConfig(code="conv", k=100, constraint_length=3).n == 204
    with pytest.raises(ValueError, match="has n = 2"):
        LinkConfig(code="conv", k=100, n=200)
    with pytest.raises(ValueError, match="constraint_length"):
        LinkConfig(code="conv", k=100, constraint_length=9)
    with pytest.raises(ValueError, match="needs k"):
        LinkConfig(code="conv")


def test_conv_link_decodes_clean_words_and_detects_errors_by_crc():
    link = Link(LinkConfig(code="conv", k=224, crc="CRC24A"), device="cpu")
    out = link(16, 30.0)
    assert torch.equal(out.bits, out.bits_hat) and bool(out.crc_ok.all()) and out.iterations is None
    out = link(64, -3.0)
    wrong = (out.bits != out.bits_hat).any(-1)
    assert bool(wrong.any()) and bool((~out.crc_ok[wrong]).all())  # every failed packet is flagged


def test_conv_coding_gain():
    """At Eb/N0 = 4 dB uncoded QPSK has BER 1.25e-2; the K = 7 code brings it below 1e-4."""
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=200_000)
    p = simulate_point(Link(LinkConfig(code="conv", k=500), device="cpu"), 4.0, stop, 64, seed=1)
    assert p.ber < 1e-4 and p.ber_unit == "frames"
