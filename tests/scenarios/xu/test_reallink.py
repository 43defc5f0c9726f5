"""Real-link check of the coded design: 5G LDPC at the designed SNRs, the achieved perception, the backoff;
stored as a table and read back."""

import math

import pytest

from scenarios.study.parts import write_group
from scenarios.study.tables import read_table
from scenarios.xu.allocation import StreamSpec, allocate
from scenarios.xu.functions import DiscardPerception
from scenarios.xu.reallink import RealLinkCheck, StreamCheck, read_real_link, real_link_check, stream_loss_rate


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


def test_stored_check_reads_back_as_written(tmp_path):
    """The check is one table row per offset and stream; reading it back gives the same check, a stream
    designed with no power (never sent: -inf dB) and a target never reached (no backoff) included."""
    chk = RealLinkCheck(target=0.4, designed_perception=0.39, offsets_db=[0.0, 1.5],
                        streams=[[StreamCheck(-0.5, 0.01, 20, 20, 2), StreamCheck(-math.inf, 1.0, 20, 20, 0)],
                                 [StreamCheck(1.0, 0.01, 20, 3, 2), StreamCheck(-math.inf, 1.0, 20, 20, 0)]],
                        achieved=[1.0, 0.52])
    path = str(tmp_path / "s.h5")
    write_group(path, "real_link", {"check": chk.table()}, {"design": "{}", **chk.attrs()})
    table = read_table(path, "real_link/check")
    assert len(table) == 4 and list(table["stream"]) == ["prompt", "edge", "prompt", "edge"]
    assert table.units["snr_db"] == "dB" and table.units["offset_db"] == "dB"
    design, back = read_real_link(path)
    assert design == {} and back == chk.to_dict()
    assert back["backoff_db"] is None and back["points"][1]["streams"][0]["bler"] == pytest.approx(0.15)
    lo, hi = back["points"][1]["streams"][0]["bler_ci"]
    assert lo < 0.15 < hi
    other = str(tmp_path / "t.h5")  # before the part ran
    write_group(other, "curves", {"x": [1.0]})
    assert read_real_link(other) == (None, None)
