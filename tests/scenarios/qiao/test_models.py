"""Qiao et al.'s models against their printed equations (hand-computed values), the Lemma 1 solver
against a brute-force grid, the quality inverse and the ``semlink latency`` calculator."""

import json
import math

import pytest

from scenarios.cli import main
from scenarios.qiao import lemma1
from scenarios.qiao import models as m
from scenarios.qiao.quality import QualityTable, ber_for_quality, read_quality_table

N0 = 10 ** ((-174 - 30) / 10)  # Table I: -174 dBm/Hz in W/Hz


def test_eq1_path_loss_and_snr_as_printed():
    # eq. (1): h = sqrt(eps0) d^-phi h~  ->  E|h|^2 = eps0 d^(-2 phi): -30 dB - 68 dB at 10 m
    assert 10 * math.log10(m.mean_power_gain(10.0)) == pytest.approx(-98.0)
    assert 10 * math.log10(m.mean_power_gain(2.0)) == pytest.approx(-30 - 2 * 3.4 * 10 * math.log10(2))
    # gamma_i = p_i |h_i|^2 / (B_i N0): 10 mW = -20 dBW, -70 dB, 1 MHz = 60 dBHz, N0 = -204 dBW/Hz -> 54 dB
    assert 10 * math.log10(m.snr(10e-3, 1e-7, 1e6, N0)) == pytest.approx(54.0)
    assert m.TABLE_I.n0_w_hz == pytest.approx(N0)


def test_eq2_and_eq3_prompt_per_and_delay():
    # eq. (2) at gamma0 = 10, L = 800: 1 - 800^(-0.0374) e^(0.031)
    want = 1 - 800 ** (-0.374 / 10) * math.exp(0.31 / 10)
    assert want == pytest.approx(0.196682, abs=1e-6)
    assert m.prompt_per(10.0, 800) == pytest.approx(want, rel=1e-12)
    assert m.retransmissions(10.0, 800) == pytest.approx(1 / (1 - want))
    # eq. (3): |v0|/(rL) * 1/(1-PER) * L/(log2(M0) B0) = 800/(0.5*800) * 1/(1-PER) * 800/(2*1e6)
    assert m.prompt_delay(10.0, 800) == pytest.approx(2 * (1 / (1 - want)) * 4e-4, rel=1e-12)
    # a packet length other than |v0|: 2 packets of 800 coded bits -> still |v0|/(r log2 M0 B0) / (1-PER(L))
    per_l = 1 - 400 ** (-0.374 / 10) * math.exp(0.31 / 10)
    assert m.prompt_delay(10.0, 800, length=400) == pytest.approx(800 / (0.5 * 400) / (1 - per_l) * 400 / 2e6)
    assert m.prompt_per(1e-3, 800) == pytest.approx(1.0) and m.prompt_per(0.0, 800) == 1.0
    assert m.retransmissions(0.0, 800) == math.inf


def test_eq4_rate_orders_and_bound():
    # eq. (4): B log2(1 + alpha/(-ln(beta BER)) gamma), gamma = 100, BER = 1e-6
    x = -math.log(5e-6)
    assert x == pytest.approx(12.2061, abs=1e-4)
    assert m.rate_continuous(100.0, 1e-6) == pytest.approx(1e6 * math.log2(1 + 1.5 / x * 100))
    assert m.rate_continuous(100.0, 1e-6) == pytest.approx(3.732e6, rel=1e-3)
    # the bound behind eq. (4): BER <= 0.2 exp(-1.5 gamma/(M-1)); at the order's threshold it is the target
    for order in m.QAM_ORDERS:
        g = m.min_snr_for_order(order, 1e-6)
        assert g == pytest.approx((order - 1) * x / 1.5)
        assert m.mqam_ber_bound(g, order) == pytest.approx(1e-6)
        q = m.QAM_ORDERS  # 256 opt-in
        assert m.order_for_snr(g * 1.0001, 1e-6, orders=q) == order
        assert m.order_for_snr(g * 0.9999, 1e-6, orders=q) == order // 4 * (order > 4)
    assert m.rate_discrete(10.0, 1e-6) == 0.0  # below 4-QAM's 13.9 dB: outage, nothing sent
    assert m.edge_delay(7864, 0.0) == math.inf
    with pytest.raises(ValueError, match="BER"):
        m.rate_continuous(10.0, 0.3)


def test_table_ii_latencies_follow_from_the_edge_size():
    """Table II: T = 1.31 / 1.97 / 3.93 ms for 64/16/4-QAM is |v1|/(B1 log2 M) with |v1| in [7860, 7870)."""
    for v1 in (7860, 7864, 7869):
        rows = {r["modulation_order"]: r["latency_ms"] for r in lemma1.modulation_table(v1, 1e-6)}
        assert (round(rows[64], 2), round(rows[16], 2), round(rows[4], 2)) == (1.31, 1.97, 3.93)
    rows = {r["modulation_order"]: r["latency_ms"] for r in lemma1.modulation_table(7850, 1e-6)}
    assert round(rows[4], 2) != 3.93 or round(rows[16], 2) != 1.97  # the size is pinned down


def test_average_snr_definition():
    # gamma_bar = P_T E|h0|^2 / ((B0 + B1) N0): -20 dBW - 98 dB - 63.01 dBHz + 204 dB = 22.99 dB
    g = m.mean_power_gain(10.0)
    assert 10 * math.log10(m.average_snr(g / N0)) == pytest.approx(-20 - 98 - 10 * math.log10(2e6) + 204)
    assert m.gain_over_noise(m.average_snr(g / N0)) == pytest.approx(g / N0)


@pytest.mark.parametrize("snr_db", [0.0, 6.0, 12.0, 20.0, 28.0])
def test_lemma1_equals_the_brute_force_optimum(snr_db):
    g = m.gain_over_noise(10 ** (snr_db / 10)) * N0
    c = lemma1.solve_continuous(800, 7864, g, 0.7 * g, 1e-6)
    assert c.feasible and c.p0_w + c.p1_w == pytest.approx(m.TABLE_I.power_w)
    assert c.t0_s == pytest.approx(c.t1_s, rel=1e-9)  # Lemma 1: T0 = T1 at the optimum
    bf = lemma1.brute_force(800, 7864, g, 0.7 * g, 1e-6, "continuous", points=120)
    assert bf.latency_s >= c.latency_s * (1 - 1e-9) and bf.latency_s <= c.latency_s * 1.005
    d = lemma1.solve_discrete(800, 7864, g, 0.7 * g, 1e-6)
    bd = lemma1.brute_force(800, 7864, g, 0.7 * g, 1e-6, "discrete", points=120)
    if not d.feasible:
        assert not bd.feasible
        assert "outage" in d.note
    else:
        assert bd.latency_s >= d.latency_s * (1 - 1e-9) and bd.latency_s <= d.latency_s * 1.005
        assert d.latency_s >= c.latency_s  # the discrete set can only lose against the continuous rate


def test_discrete_design_is_the_best_order():
    g = m.gain_over_noise(10 ** 2.2) * N0
    d = lemma1.solve_discrete(800, 7864, g, g, 1e-6)
    by_order = []
    for order in m.QAM_ORDERS:
        p1 = m.min_snr_for_order(order, 1e-6) * 1e6 * N0 / g
        if p1 < 10e-3:
            t0 = m.prompt_delay(m.snr(10e-3 - p1, g, 1e6, N0), 800)
            by_order.append((max(t0, 7864 / (1e6 * math.log2(order))), order))
    assert (d.latency_s, d.modulation_order) == pytest.approx(min(by_order))
    assert d.bits_per_symbol == math.log2(d.modulation_order)


def test_semantic_unaware_benchmark():
    g = m.gain_over_noise(10.0) * N0  # 10 dB
    u = lemma1.semantic_unaware(800, 7864, g)
    rate = 2e6 * math.log2(1 + 1.5 / -math.log(5e-7) * 10.0)
    assert u.latency_s == pytest.approx((800 + 7864) / rate)


def test_quality_generalized_inverse(tmp_path):
    t = QualityTable((1e-6, 1e-5, 1e-4, 1e-3), {"clip": (1.0, 0.99, 0.995, 0.9), "ms_ssim": (1.0, 0.98, 0.95, 0.9)})
    # the clip column is not monotone: the isotonic fit pools 0.99 and 0.995 into 0.9925
    assert list(t.fitted("clip")) == pytest.approx([1.0, 0.9925, 0.9925, 0.9])
    star, per = ber_for_quality(t, {"clip": 0.99, "ms_ssim": 0.97})
    assert per["ms_ssim"] == pytest.approx(10 ** (-5 + 1 / 3))  # 0.98 -> 0.95 crosses 0.97 a third of the way
    assert star == min(per.values())
    assert ber_for_quality(t, {"clip": 1.01})[0] is None
    assert ber_for_quality(t, {"clip": 0.5})[0] == 1e-3
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"ber": [1e-6, 1e-4], "metrics": {"clip": [1, 0.9], "ms_ssim": [1, 0.8]}}))
    assert read_quality_table(str(path)).metrics["clip"] == (1.0, 0.9)
    path.write_text('{"ber": [1e-4, 1e-6], "metrics": {"clip": [1, 0.9]}}')
    with pytest.raises(ValueError, match="increasing"):
        read_quality_table(str(path))


def test_cli_table_json_and_infeasible(capsys, tmp_path):
    assert main(["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--table", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    x = -math.log(5e-6)  # eq. (4) solved by hand: gamma_M = (M - 1) x / 1.5
    hand = {4: 10 * math.log10(3 * x / 1.5), 16: 10 * math.log10(15 * x / 1.5), 64: 10 * math.log10(63 * x / 1.5)}
    for row in d["modulation_table"]:
        if row["modulation_order"] in hand:
            assert abs(row["min_snr_db"] - hand[row["modulation_order"]]) < 0.05
    assert hand[4] == pytest.approx(13.876, abs=1e-3)
    for key in ("p0_w", "p1_w", "prompt_share", "bits_per_symbol", "t0_ms", "t1_ms", "latency_ms", "retransmissions",
                "feasible"):
        assert key in d
    assert d["feasible"] and d["latency_ms"] == pytest.approx(max(d["t0_ms"], d["t1_ms"]))
    assert main(["latency", "--gain-db", "-70,-75", "--ber-target", "1e-6", "--rate-model", "discrete",
                 "--json"]) == 0  # negative numbers parse
    assert json.loads(capsys.readouterr().out)["modulation_order"] in (16, 64, 256)
    assert main(["latency", "--avg-snr-db", "3", "--ber-target", "1e-6", "--rate-model", "discrete", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["feasible"] is False and d["modulation_order"] == 0 and d["latency_ms"] is None
    q = tmp_path / "q.json"
    q.write_text(json.dumps({"ber": [1e-7, 1e-5, 1e-3], "metrics": {"clip": [1, 0.999, 0.95],
                                                                    "ms_ssim": [0.998, 0.99, 0.9]}}))
    assert main(["latency", "--avg-snr-db", "20", "--quality-target", "0.9995,0.995", "--quality-table", str(q),
                 "--json", "--check"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["ber_target"] == pytest.approx(min(d["quality"]["ber_per_metric"].values()))
    assert abs(d["brute_force"]["gap"]) < 0.005
    assert main(["latency", "--avg-snr-db", "20", "--quality-target", "1.0,1.0", "--quality-table", str(q),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["feasible"] is False
    assert main(["latency", "--avg-snr-db", "20", "--ber-target", "0.3"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_eq4_bound_against_the_exact_gray_ber():
    from scenarios.qiao.reallink_eq4 import eq4_rows, exact_ber, upper_bound_region

    # independent check of the exact side: Gray QPSK per bit is Q(sqrt(Es/N0))
    g = 10 ** 1.2
    assert exact_ber(g, 4) == pytest.approx(0.5 * math.erfc(math.sqrt(g) / math.sqrt(2)), rel=1e-9)
    rows = eq4_rows([1e-3, 1e-5, 1e-7])
    for r in rows:  # at the BER targets used the bound is conservative by 0.3-1.2 dB
        assert r["conservative"] and 0.3 < r["looseness_db"] < 1.2, r
        assert r["exact_ber_at_bound"] <= r["ber_target"]
    # looser for larger orders and higher target BERs
    lo = {(r["modulation_order"], r["ber_target"]): r["looseness_db"] for r in rows}
    assert lo[(256, 1e-3)] > lo[(4, 1e-3)] and lo[(64, 1e-3)] > lo[(64, 1e-7)]
    import numpy as np
    s = np.arange(0.0, 40.0, 0.5)
    for order, first in ((4, 4.0), (16, 7.0), (64, 10.0), (256, 13.5)):  # an upper bound only above some SNR
        u = upper_bound_region(order, s)
        assert not u[0] and s[np.argmax(u)] == first and u[np.argmax(u):].all()


def test_eq2_against_the_real_prompt_link():
    """The prompt packet on the real link (K = 7 conv. code, CRC24A, QPSK, AWGN): at Es/N0 = 4 dB the
    measured PER is far below eq. (2)'s (AWGN is only a diagnostic: eq. (2) is a block-fading model), and the
    first pass's fade-averaged reading is eq. (2) averaged over the fade."""
    from scenarios.qiao.reallink import faded_model_per, fit_kb, simulate_per, verdict

    pts = simulate_per([200], [1.0, 4.0], "awgn", target_errors=30, max_packets=1500, seed=3)
    rows = verdict(pts)
    assert [r["snr_db"] for r in rows] == [1.0, 4.0] and rows[0]["per"] > rows[1]["per"]
    assert rows[1]["per_hi"] < 0.05 < m.prompt_per(10 ** 0.4, 200) and rows[1]["verdict"] == "eq2 above"
    assert fit_kb(pts, "awgn") is None  # one length cannot separate k from b
    # Rayleigh average of eq. (2) by Gauss-Laguerre = adaptive quadrature over the exponential fade
    from scipy.integrate import quad

    ref = quad(lambda v: m.prompt_per(10 * v, 200) * math.exp(-v), 0, 60, limit=200, points=[0.01, 0.1, 1])[0]
    assert faded_model_per(10.0, 200) == pytest.approx(ref, rel=2e-3)


def test_eq2_packet_budget_is_exact():
    """``max_packets`` is a budget, not a floor: exactly 1000 packets in batches of 2^16 // 188 = 348
    packets (L = 64: n = 188 coded bits; the engine truncates the third batch), not 3 x 348 = 1044."""
    from scenarios.qiao.reallink import simulate_per

    (p,) = simulate_per([64], [8.0], "awgn", target_errors=10**6, max_packets=1000, seed=3)
    assert p.packets == 1000
