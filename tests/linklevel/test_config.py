"""LinkConfig validation and derived quantities."""

import pytest

from linklevel import LinkConfig


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        (dict(modulation="8qam"), "unknown modulation"),
        (dict(channel="rician"), "unknown channel"),
        (dict(code="ldpc", k=500, n=400), "k must not exceed n"),
        (dict(code="ldpc", k=10, n=50), "invalid 5G LDPC size"),
        (dict(code="ldpc", k=100, n=2000), "invalid 5G LDPC size"),
        (dict(code="ldpc", k=400), "needs both k and n"),
        (dict(code="none", k=10, n=12), "k == n"),
        (dict(crc="CRC99"), "unknown crc"),
        (dict(coherence=0), "coherence"),
        (dict(coherence="sometimes"), "coherence"),
        (dict(channel="tdl"), "needs ofdm"),
        (dict(ofdm=True, code="ldpc", k=4000, n=8000), "does not fit"),
        (dict(code="ldpc", k=20, n=40, crc="CRC24A"), "exceed the CRC length"),
    ],
)
def test_invalid_configs_raise_clear_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        LinkConfig(**kwargs)


def test_type_errors():
    with pytest.raises(TypeError):
        LinkConfig(k=3.5)
    with pytest.raises(TypeError):
        LinkConfig(ofdm="yes")


def test_derived_and_roundtrip():
    cfg = LinkConfig(modulation="16QAM", code="ldpc", k=400, n=500, crc="crc24a", coherence="8")
    assert cfg.modulation == "16qam" and cfg.crc == "CRC24A" and cfg.coherence == 8
    assert cfg.info_bits == 376 and cfg.bits_per_symbol == 4
    assert cfg.code_rate == pytest.approx(376 / 500)
    assert LinkConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown link option"):
        LinkConfig.from_dict({"modulation": "qpsk", "colour": "red"})
    assert LinkConfig().k == LinkConfig().n == 1200
