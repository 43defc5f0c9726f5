"""Analytic overlays and verdicts: consistent where the model is right, a gap where not."""

import pytest

from linklevel import Link, LinkConfig, analytic
from linklevel.montecarlo import StopCriteria, simulate_sweep
from linklevel.overlay import point_verdict, AnalyticModel, analytic_model, verdict


def _points(cfg, snrs, **kw):
    stop = StopCriteria(target_bit_errors=kw.get("bit", 400), target_block_errors=kw.get("blk"),
                        max_bits=kw.get("max_bits", 2 * 10**6), max_blocks=kw.get("max_blocks"))
    link = Link(cfg, device="cpu")
    return link, simulate_sweep(link, snrs, stop, seed=4, progress=False).points


@pytest.mark.parametrize("cfg,snrs", [
    (LinkConfig(modulation="64qam"), [6.0, 10.0]),
    (LinkConfig(modulation="qpsk", channel="rayleigh-block", coherence="iid"), [5.0, 15.0]),
    # a CRC lowers the information rate: the model must see the data's Es/N0
    (LinkConfig(modulation="16qam", k=600, crc="CRC24A"), [4.0, 8.0]),
])
def test_uncoded_links_are_consistent(cfg, snrs):
    link, pts = _points(cfg, snrs)
    model = analytic_model(cfg, link.info_rate)
    assert model is not None and model.metric == "ber"
    for p in pts:
        v = verdict(model, p.ebno_db, p.bit_errors, p.bits, p.ber_ci(0.999))
        assert v["status"] == "consistent", (p, v, model.values(p.ebno_db))


def test_wrong_formula_is_flagged_with_signed_gap():
    cfg = LinkConfig(modulation="16qam")
    _, (p,) = _points(cfg, [8.0])
    wrong = AnalyticModel({"ber": lambda x: float(analytic.ber_awgn(x, "bpsk"))}, "ber", "ber")
    _, v = point_verdict(wrong, p, 0.999)
    assert v["status"] == "gap"
    # 16-QAM needs more Eb/N0 than BPSK for the same BER: positive gap of a few dB
    expected = p.ebno_db - analytic.ebno_for_ber(p.ber, "bpsk")
    assert v["gap_db"] == pytest.approx(expected, abs=1e-4) and 2.0 < v["gap_db"] < 6.0


def test_coded_link_bounds_and_gap():
    cfg = LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500)
    link, (p,) = _points(cfg, [3.0], bit=None, blk=100, max_bits=None, max_blocks=3000)
    model = analytic_model(cfg, link.info_rate)
    vals = model.values(3.0)
    assert vals["bler_converse"] < vals["bler_na"] < vals["bler_rcus"]
    v = verdict(model, 3.0, p.block_errors, p.blocks, p.bler_ci(0.95), bound_gaps=True)
    # a practical BP-decoded 5G LDPC code is worse than the normal approximation
    assert v["status"] == "gap" and 0.2 < v["gap_db"] < 1.5
    assert v["gap_db_converse"] > v["gap_db"] > v["gap_db_rcus"]


def test_no_model_where_none_applies():
    assert analytic_model(LinkConfig(channel="rayleigh-block", csi="ls"), 2.0) is None
    assert analytic_model(LinkConfig(modulation="16qam", code="ldpc", k=400, n=500), 3.0) is None


def test_block_fading_interval_on_frames_restores_coverage():
    """Under block fading, bit errors sharing a fade are correlated: the plain binomial interval
    undercovers badly; the engine's interval on frames (empirical design effect) covers."""
    import numpy as np

    from linklevel.stats import clopper_pearson

    cfg = LinkConfig(modulation="bpsk", channel="rayleigh-block", coherence="codeword", k=600)
    link = Link(cfg, device="cpu")
    model = analytic_model(cfg, link.info_rate)
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=600 * 300)
    ref = model.curves["ber"](10.0)
    plain, frames = [], []
    for seed in range(40):
        p = simulate_sweep(link, [10.0], stop, batch_size=100, seed=seed, progress=False).points[0]
        assert p.ber_unit == "frames" and p.frames == 300
        lo, hi = clopper_pearson(p.bit_errors, p.bits, 0.95)
        plain.append(lo <= ref <= hi)
        lo, hi = p.ber_ci(0.95)
        frames.append(lo <= ref <= hi)
        _, v = point_verdict(model, p, 0.95)
        assert v["design_effect"] > 10 and "frames" in v["ci_method"]
    assert np.mean(plain) < 0.6            # nominal 95 %: the independence interval is far too narrow
    assert np.mean(frames) >= 0.85         # nominal 95 %, 40 repeats (binomial slack)
