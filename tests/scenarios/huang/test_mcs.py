"""The Huang stream over the real link: MCS table, simulated thresholds, selection, latency, discard-with-error."""

import math

import numpy as np
import pytest
import torch

from linklevel import Link
from linklevel.engine.runtime import rng_scope, seed_everything
from scenarios.huang.cie import CIEStream, embed
from scenarios.huang.latency import latency_fbl, latency_shannon
from scenarios.digital.mcs import (CERTIFY_ERRORS, MCS, Threshold, certified_max_errors, find_threshold, latency_link,
                                      mcs_table, na_threshold_db, select_mcs, send_stream)


def _bler(mcs, snr_db, n, seed):
    link = Link(mcs.config(), device="cpu")
    with rng_scope(), torch.no_grad():
        seed_everything(seed)
        b, h = link.mc_fun(n, snr_db)
    return float((b != h).reshape(n, -1).any(dim=1).float().mean())


def test_mcs_table():
    t = mcs_table(uses=128)
    eff = [m.efficiency for m in t]
    assert eff == sorted(eff) and len(t) == 11
    for m in t:
        cfg = m.config()
        assert cfg.info_bits == m.payload == m.k - 24 and cfg.n == 128 * {"qpsk": 2, "16qam": 4, "64qam": 6}[m.modulation]
        assert m.k / m.n >= m.rate - 1e-12
    with pytest.raises(ValueError):
        mcs_table(uses=8)


def test_threshold_is_calibrated_by_fresh_simulation():
    m = MCS("qpsk", 0.5, 128)
    th = find_threshold(m, target_bler=0.1, step_db=0.5, device="cpu", seed=3)
    assert th.snr_db > th.na_snr_db  # a practical code needs more than the normal approximation
    assert th.snr_db - th.na_snr_db < 4.0
    s = [t[0] for t in th.tested]
    assert th.snr_db in s and th.snr_db - 0.5 in s  # the passing point and the failing one below it
    below = next(t for t in th.tested if t[0] == th.snr_db - 0.5)
    passed = next(t for t in th.tested if t[0] == th.snr_db)
    n = math.ceil(CERTIFY_ERRORS / 0.1)
    assert passed[1] == n and passed[2] <= certified_max_errors(n, 0.1) < below[2]  # certified vs not
    # independent draws (another seed): clearly above the threshold the BLER is below target, clearly below it above
    assert _bler(m, th.snr_db + 1.0, 400, seed=99) <= 0.1
    assert _bler(m, th.snr_db - 1.5, 400, seed=99) > 0.1
    assert na_threshold_db(m.payload, m.uses, 0.1) == pytest.approx(th.na_snr_db)


def test_select_and_latency():
    t = mcs_table(uses=256)
    th = [Threshold(m, float(j), math.nan, 1e-3) for j, m in enumerate(t)]  # thresholds 0, 1, ..., 10 dB
    assert select_mcs(th, -0.1) is None
    assert select_mcs(th, 0.0) is t[0] and select_mcs(th, 4.5) is t[4] and select_mcs(th, 99) is t[-1]
    m = t[2]
    d = latency_link(10 * m.payload + 1, m, 1e6)
    assert d["codewords"] == 11 and d["uses"] == 11 * 256 and d["latency_s"] == pytest.approx(11 * 256 / 1e6)
    assert latency_link(5, None, 1e6)["latency_s"] == math.inf
    # the real link needs at least what the normal approximation needs, which needs at least eq. (8)
    bits = 40_000
    for s in (2.0, 8.0):
        sel = select_mcs([find_threshold(m, 0.1, 0.5, device="cpu")], s)
        if sel is not None:
            assert latency_link(bits, sel, 1e6)["latency_s"] >= latency_fbl(bits, 1e6, s, 256, 0.1)["latency_s"]
        assert latency_fbl(bits, 1e6, s, 256, 0.1)["latency_s"] >= latency_shannon(bits, 1e6, s)


@pytest.fixture(scope="module")
def stream():
    from genai.hyperprior import HyperpriorCoder

    torch.manual_seed(0)
    coder = HyperpriorCoder(random_weights=True)
    img = np.random.default_rng(1).random((64, 80, 3)).astype(np.float32)
    st, _ = embed(img, coder, np.random.default_rng(2).random((4, 5)), 0.4)
    return coder, st


def test_stream_serialization_round_trip(stream):
    coder, st = stream
    b = st.to_bits()
    assert b.numel() == st.bits
    back = CIEStream.from_bits(b, st.size, st.padded)
    assert back.y_str == st.y_str and back.z_str == st.z_str and torch.equal(back.selected, st.selected)
    with pytest.raises(ValueError):
        CIEStream.from_bits(b[:40], st.size, st.padded)
    with pytest.raises(ValueError):
        CIEStream.from_bits(b[: 64 + 8], st.size, st.padded)


def test_send_stream_discard_with_error(stream):
    coder, st = stream
    m = MCS("qpsk", 0.5, 128)
    good = send_stream(st.to_bits(), m, 20.0, seed=1)
    assert not good["lost"] and good["intact"] and good["codewords"] == math.ceil(st.bits / m.payload)
    bad = send_stream(st.to_bits(), m, -6.0, seed=1)
    assert bad["lost"] and bad["detected"] > 0
    # quasi-static fade: mean Es/N0 10 dB with |h|^2 = 0.1 is the link at 0 dB (same draws, same outcome)
    a = send_stream(st.to_bits(), m, 10.0, gain=0.1, seed=5)
    b = send_stream(st.to_bits(), m, 0.0, gain=1.0, seed=5)
    assert a == b


def test_link_budget_is_whole_codewords():
    from scenarios.huang.sweep import link_budget

    m = mcs_table(uses=1024)[5]
    b = link_budget(m, 1e6, 20e-3)  # 20 000 uses: 19 whole codewords of 1024
    assert b == 19 * m.payload and link_budget(None, 1e6, 1.0) == 0.0
    assert latency_link(b, m, 1e6)["latency_s"] <= 20e-3 < latency_link(b + 1, m, 1e6)["latency_s"]


def test_certified_threshold_rejects_a_bler_above_the_target():
    """Acceptance: a point whose true BLER is 1.5x the target passes the certified rule < 5 % of the time
    (exactly by the binomial law and in 20 000 simulated points); the old point-estimate rule (<= target over
    ceil(4/target) codewords) passed it ~29 % of the time at 1e-3; a point at half the target passes often."""
    from scipy.stats import binom

    rng = np.random.default_rng(0)
    for target in (1e-3, 0.05, 0.1):
        n = math.ceil(CERTIFY_ERRORS / target)
        e = certified_max_errors(n, target)
        assert binom.cdf(e, n, 1.5 * target) < 0.05 and binom.cdf(e, n, target) <= 0.05
        assert np.mean(rng.binomial(n, 1.5 * target, 20_000) <= e) < 0.05
        assert binom.cdf(e, n, 0.5 * target) > 0.7  # reachable: a good point is certified
    old_n = math.ceil(4 / 1e-3)
    assert binom.cdf(math.floor(1e-3 * old_n), old_n, 1.5e-3) == pytest.approx(0.29, abs=0.02)
