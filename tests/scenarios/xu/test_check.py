"""Real-link check of the coded design: 5G LDPC at the designed SNRs, the achieved perception, the backoff."""

import pytest

from scenarios.xu.allocation import DiscardPerception, StreamSpec, allocate
from scenarios.xu.check import real_link_check, stream_loss_rate


def test_design_vs_real_ldpc_links():
    P = DiscardPerception.from_paper("clip")
    S = [StreamSpec(2000, 10 ** -9.8, 1e-14), StreamSpec(1700, 10 ** -9.8, 1e-14)]
    a = allocate("coded", "optimal", S, P, 0.36)
    r = real_link_check(a, [2000, 1700], P, trials=60, offsets_db=(0.0, 2.5), seed=1)
    d = r.to_dict()
    assert d["designed_perception"] == pytest.approx(0.36, abs=1e-6)
    first, last = d["points"]
    # eq. (23) assumes Gaussian inputs and an ideal finite-length code: real 5G LDPC needs more SNR
    assert first["achieved_perception"] > 0.36
    assert last["achieved_perception"] <= 0.36
    assert 0.0 < d["backoff_db"] <= 2.5
    for s in first["streams"]:
        assert s["codewords"] == 2 and s["trials"] == 60 and s["bler"] > s["designed_bler"]


def test_stream_loss_rate_extremes_and_errors():
    hi = stream_loss_rate(1000, 8.0, 0.8, trials=30)
    lo = stream_loss_rate(1000, -6.0, 0.8, trials=30)
    assert hi.lost == 0 and lo.lost == 30
    with pytest.raises(ValueError):
        stream_loss_rate(0, 1.0, 0.8, 10)
    P = DiscardPerception.from_paper("clip")
    bad = allocate("coded", "optimal", [StreamSpec(100, 1e-10, 1e-14)] * 2, P, 0.2)
    with pytest.raises(ValueError):
        real_link_check(bad, [100, 100], P)
