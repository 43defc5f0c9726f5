"""The analytic design side of the Qiao study (issue #25): eq. (2)/(3) computed stably with the smallest packet
length, Lemma 1's discrete tie-break and the widened continuous root, and Table II as the paper means it
("latency equals the row's T"), checked against independent formulas and the paper's printed numbers."""

import doctest
import json
import math

import numpy as np
import pytest

from scenarios.qiao import lemma1, report_table2, table2
from scenarios.qiao import models as m
from scenarios.study.report import Report
from scenarios.study.tables import Table

N0 = 10 ** ((-174 - 30) / 10)  # Table I: -174 dBm/Hz in W/Hz
V0, V1 = 800, 7864
C800 = 0.374 * math.log(800) - 0.31  # eq. (2)'s k ln L + b at L = 800


def gain(snr_db: float) -> float:
    """|h|^2 giving the average SNR P_T |h|^2 / ((B0 + B1) N0) under Table I (by hand)."""
    return 10 ** (snr_db / 10) * 2e6 * N0 / 10e-3


# ---- models: eqs. (2)-(4) -------------------------------------------------------------------------------------


def test_eq2_eq3_are_stable_and_exact():
    # PER = 1 - exp(-c/g) with c = k ln L + b: at g = 1e12 the naive 1 - exp(...) loses ~5 digits
    x = C800 / 1e12
    assert m.prompt_per(1e12, 800) == pytest.approx(x - x * x / 2, rel=1e-12)
    assert m.prompt_per(10.0, 800) == pytest.approx(1 - 800 ** (-0.0374) * math.exp(0.031), rel=1e-12)
    # eta_R = 1/(1 - PER) = exp(c/g) directly: finite far beyond where 1 - PER rounds to 0 ...
    assert m.retransmissions(0.01, 800) == pytest.approx(math.exp(C800 / 0.01), rel=1e-12)
    assert 1.0 - m.prompt_per(0.01, 800) == 0.0  # (the old 1/(1 - PER) gave inf here)
    # ... and inf only on true overflow, never an OverflowError
    assert m.retransmissions(1e-3, 800) == math.inf and m.prompt_delay(1e-3, 800) == math.inf
    assert m.retransmissions(0.0, 800) == math.inf and m.prompt_per(0.0, 800) == 1.0
    # eq. (3) inverted: T0(g*(T)) = T; at or below the error-free delay no SNR reaches it
    assert m.prompt_delay_floor(800) == pytest.approx(800 / (0.5 * 2 * 1e6))
    for t in (8.1e-4, 1.966e-3, 3.932e-3, 10.0):
        assert m.prompt_delay(m.snr_for_prompt_delay(t, 800), 800) == pytest.approx(t, rel=1e-12)
    assert m.snr_for_prompt_delay(8e-4, 800) == math.inf
    # eq. (4) at tiny SNR: B log2(1 + a g) ~ B a g / ln 2, not 0 (1 + 1e-30 rounds to 1)
    a = 1.5 / -math.log(5e-6)
    assert m.rate_continuous(1e-30, 1e-6) == pytest.approx(1e6 * a * 1e-30 / math.log(2), rel=1e-12)


def test_min_packet_length():
    assert math.exp(0.31 / 0.374) == pytest.approx(2.29, abs=0.005)
    assert m.min_packet_length() == m.min_packet_length(0.374, -0.31) == 3
    assert m.min_packet_length(1.0, -math.log(5.0)) == 6  # e^{-b/k} = 5 exactly: L = 5 gives 0, not > 0
    assert m.min_packet_length(0.5, 0.2) == 1  # b > 0: every L
    for L in (1, 2):
        for fn in (m.prompt_per, m.retransmissions, m.prompt_delay):
            with pytest.raises(ValueError, match="k ln L"):
                fn(10.0, L)
    assert 0 < m.prompt_per(10.0, 3) < 1 and m.prompt_delay(10.0, 3) > 0
    with pytest.raises(ValueError, match="k must be"):
        m.min_packet_length(-0.2, -0.3)


def test_paper_orders_are_the_default():
    assert m.PAPER_ORDERS == (4, 16, 64) and m.QAM_ORDERS == (4, 16, 64, 256)
    g = 1e4  # 40 dB: above 256-QAM's threshold at BER 1e-6 (33.2 dB)
    assert m.order_for_snr(g, 1e-6) == 64 and m.order_for_snr(g, 1e-6, orders=m.QAM_ORDERS) == 256
    assert m.rate_discrete(g, 1e-6) == 6e6 and m.rate_discrete(g, 1e-6, orders=m.QAM_ORDERS) == 8e6
    assert [r["modulation_order"] for r in lemma1.modulation_table(V1, 1e-6)] == [64, 16, 4]
    assert m.check_orders([64, 4, 16]) == (4, 16, 64)
    for bad in ([4, 8], [4, 4], [], [True, 16]):
        with pytest.raises(ValueError, match="QAM orders"):
            m.check_orders(bad)


# ---- Lemma 1 ----------------------------------------------------------------------------------------------------


def _t0_by_hand(p0: float, g: float) -> float:
    return 8e-4 * math.exp(C800 / (p0 * g / (1e6 * N0)))


@pytest.mark.parametrize("snr_db", [-20.0, -10.0, 0.0, 10.0, 30.0, 60.0, 100.0])
def test_continuous_root_exists_everywhere(snr_db):
    """T0 = T1 (rel 1e-9) at every finite gain, also where the old bracket found no root (-20 dB); the split
    is optimal on the hypotenuse (moving power either way raises the latency)."""
    g = gain(snr_db)
    d = lemma1.solve_continuous(V0, V1, g, g, 1e-6)
    assert d.feasible and d.binding == "equal" and d.t0_equals_t1 and d.note == ""
    assert d.t0_s == pytest.approx(d.t1_s, rel=1e-9)
    assert d.t0_s == pytest.approx(_t0_by_hand(d.p0_w, g), rel=1e-9)
    a = 1.5 / -math.log(5e-6)
    t1 = V1 / (1e6 * math.log1p(a * d.p1_w * g / (1e6 * N0)) / math.log(2))
    assert d.t1_s == pytest.approx(t1, rel=1e-9)
    # shift power between the streams (p1 scaled: it is tiny at low SNR, where p0 = P_T - p1 rounds to P_T):
    # never better, strictly worse one way, and the binding delay flips across the root
    pr = lemma1._Problem(V0, V1, g, g, 1e-6, m.TABLE_I)
    less, more = (pr.design("continuous", 10e-3 - d.p1_w * f, d.p1_w * f) for f in (0.999, 1.001))
    assert less.binding == "edge" and more.binding == "prompt"
    assert min(less.latency_s, more.latency_s) >= d.latency_s and max(less.latency_s, more.latency_s) > d.latency_s
    if snr_db == -20.0:
        assert d.latency_s == pytest.approx(2.879e44, rel=1e-3)


def test_continuous_beyond_a_float_says_so():
    g = gain(-40.0)
    d = lemma1.solve_continuous(V0, V1, g, g, 1e-6)
    assert not d.feasible and d.binding == "equal" and "beyond a float" in d.note
    # the common delay: T0 at (almost) all of P_T, by hand: log10(8e-4) + c / (2 * 1e-4) / ln 10
    want = math.log10(8e-4) + C800 / 2e-4 / math.log(10)
    got = float(d.note.split("10^")[1].split()[0])
    assert got == pytest.approx(want, abs=1.0)


@pytest.mark.parametrize("snr_db", [11.0, 12.0, 14.0, 18.0, 22.0, 26.0, 30.0])
def test_discrete_tie_breaks(snr_db):
    """Both tie-breaks give the same optimal latency and order; "equal" gives the prompt exactly T0 = T_M
    (checked by hand with eq. (3)) and leaves the rest unused, "prompt-all" gives it all the leftover power;
    where T0 = T_M is out of reach (11 dB: the prompt binds) both are the same design."""
    g = gain(snr_db)
    eq = lemma1.solve_discrete(V0, V1, g, g, 1e-6)
    alt = lemma1.solve_discrete(V0, V1, g, g, 1e-6, tie_break="prompt-all")
    assert eq.tie_break == "equal" and alt.tie_break == "prompt-all"
    assert eq.latency_s == pytest.approx(alt.latency_s, rel=1e-12) and eq.modulation_order == alt.modulation_order
    o = eq.modulation_order
    p_m = (o - 1) * -math.log(5e-6) / 1.5 * 1e6 * N0 / g  # eq. (4)'s threshold power, by hand
    assert eq.p1_w == pytest.approx(p_m, rel=1e-12) and alt.p1_w == pytest.approx(p_m, rel=1e-12)
    assert alt.p0_w == pytest.approx(10e-3 - p_m, rel=1e-12) and alt.power_used_w == pytest.approx(10e-3)
    t_m = V1 / (1e6 * math.log2(o))
    if snr_db == 11.0:
        assert eq.binding == alt.binding == "prompt" and eq.p0_w == alt.p0_w and eq.latency_s > t_m
    else:
        assert eq.binding == "equal" and alt.binding == "edge" and not alt.t0_equals_t1
        assert _t0_by_hand(eq.p0_w, g) == pytest.approx(t_m, rel=1e-9) and eq.latency_s == pytest.approx(t_m)
        assert eq.power_used_w < 10e-3 and eq.p0_w < alt.p0_w
    assert eq.prompt_share == pytest.approx(eq.p0_w / 10e-3)  # a fraction of the budget (Fig. 4(a))


def test_the_issue_22db_numbers_and_json():
    g = gain(22.0)
    eq = lemma1.solve_discrete(V0, V1, g, g, 1e-6)
    alt = lemma1.solve_discrete(V0, V1, g, g, 1e-6, tie_break="prompt-all")
    assert round(100 * alt.prompt_share, 1) == 61.5  # the old behaviour the issue quotes
    assert 100 * eq.prompt_share == pytest.approx(0.77, abs=0.01)
    d = json.loads(json.dumps(eq.to_dict(), allow_nan=False))
    assert d["binding"] == "equal" and d["t0_equals_t1"] is True and d["tie_break"] == "equal"
    assert d["power_used_w"] == pytest.approx(eq.p0_w + eq.p1_w) and d["latency_ms"] == pytest.approx(1.966)
    out = lemma1.solve_discrete(V0, V1, gain(10.0), gain(10.0), 1e-6)
    d = json.loads(json.dumps(out.to_dict(), allow_nan=False))
    assert not out.feasible and out.binding == "edge" and "outage" in out.note and d["latency_ms"] is None
    c = lemma1.solve_continuous(V0, V1, g, g, 1e-6).to_dict()
    assert c["tie_break"] is None and c["binding"] == "equal"
    with pytest.raises(ValueError, match="tie_break"):
        lemma1.solve_discrete(V0, V1, g, g, 1e-6, tie_break="nearest")


@pytest.mark.parametrize("rate_model,snr_db", [("continuous", 5.0), ("continuous", 25.0), ("discrete", 13.0),
                                                ("discrete", 16.0), ("discrete", 22.0), ("discrete", 28.0)])
def test_brute_force_agrees_on_latency(rate_model, snr_db):
    g0, g1 = gain(snr_db), 0.8 * gain(snr_db)
    bf = lemma1.brute_force(V0, V1, g0, g1, 1e-6, rate_model, points=120)
    for tb in lemma1.TIE_BREAKS:
        d = lemma1.solve(V0, V1, g0, g1, 1e-6, rate_model, tie_break=tb)
        assert d.feasible and bf.latency_s >= d.latency_s * (1 - 1e-9)
        assert bf.latency_s <= d.latency_s * 1.005


def test_256qam_is_opt_in():
    g = gain(35.0)
    assert lemma1.solve_discrete(V0, V1, g, g, 1e-6).modulation_order == 64
    assert lemma1.solve_discrete(V0, V1, g, g, 1e-6, orders=m.QAM_ORDERS).modulation_order == 256
    assert lemma1.semantic_unaware(V0, V1, gain(40.0), "discrete").bits_per_symbol == 6.0


# ---- Table II --------------------------------------------------------------------------------------------------


def test_paper_implied_bers():
    bers = table2.paper_implied_bers()
    assert [f"{b:.4g}" for b in bers] == ["1.314e-06", "1.529e-05", "0.0001074"]
    for b, g1 in zip(bers, (27.0, 26.0, 25.0)):  # eq. (4) inverted by hand: BER = exp(-1.5 g / 63) / 5
        assert b == pytest.approx(math.exp(-1.5 * 10 ** (g1 / 10) / 63) / 5, rel=1e-12)
        assert 10 * math.log10(m.min_snr_for_order(64, b)) == pytest.approx(g1, abs=1e-9)


def _col(ber: float, step: float) -> dict[int, dict]:
    return {r["modulation_order"]: r for r in table2.table2_ranges(V0, V1, ber, step_db=step)}


def test_table2_equal_latency_rule_against_the_paper():
    """0.1 dB grid: the 4-QAM starts 11.1 / 10.1 / 9.2 dB (issue #25) vs the paper's 11.2 / 10.4 / 9.4; on the
    paper's 0.2 dB grid the first column is the paper's exactly; the old "chosen" rule starts lower."""
    bers = table2.paper_implied_bers()
    assert [_col(b, 0.1)[4]["avg_snr_min_db"] for b in bers] == [11.1, 10.1, 9.2]
    assert [_col(b, 0.1)[4]["chosen_min_db"] for b in bers] == [10.8, 9.8, 8.8]
    first = _col(bers[0], 0.2)
    paper, upper = table2.PAPER_TABLE_II[(0.999, 0.991)], table2.PAPER_UPPER_DB[(0.999, 0.991)]
    for o in (64, 16, 4):
        assert (first[o]["avg_snr_min_db"], first[o]["avg_snr_max_db"]) == (paper[o][0], upper[o])
        assert round(first[o]["min_edge_snr_db"]) == paper[o][1]
    assert first[0]["avg_snr_max_db"] == paper[0]
    for b in bers:
        col = _col(b, 0.1)
        assert [round(col[o]["latency_ms"], 2) for o in (64, 16, 4)] == [1.31, 1.97, 3.93]
        assert col[4]["prompt_bound_points"] > 0 and col[4]["chosen_min_db"] < col[4]["avg_snr_min_db"]


@pytest.mark.parametrize("step", [0.1, 0.2, 0.05])
def test_table2_grid_matches_the_closed_form(step):
    """The solver on the grid (discrete optimum per γ̄) against the closed-form ends snapped to the grid."""
    for ber in table2.paper_implied_bers():
        col = _col(ber, step)
        exact = table2.exact_ends(V0, V1, ber)
        snapped = table2.snapped_ends(exact, step)
        for o in (64, 16, 4):
            assert (col[o]["avg_snr_min_db"], col[o]["avg_snr_max_db"]) == pytest.approx(snapped[o], abs=1e-9)
            g_m = (o - 1) * -math.log(5 * ber) / 1.5
            assert col[o]["feasible_from_db"] == pytest.approx(10 * math.log10(g_m / 2), abs=1e-9)
        assert col[0]["avg_snr_max_db"] == pytest.approx(snapped[0][1], abs=1e-9)
        # where 4-QAM first fits P_T the order is chosen (old rule); the outage ends one step below
        assert col[4]["chosen_min_db"] == pytest.approx(math.ceil(exact[4]["feasible_from_db"] / step - 1e-9) * step)


def test_exact_ends_with_unequal_bands_and_gains():
    """Just past each closed-form end the solver's binding / order switches (B0 = 2 MHz, B1 = 0.5 MHz,
    |h1|^2 = 0.3 |h0|^2)."""
    import dataclasses

    p = dataclasses.replace(m.TABLE_I, b0_hz=2e6, b1_hz=0.5e6)
    ends = table2.exact_ends(V0, V1, 1e-5, p, gain_ratio=0.3)

    def at(snr_db: float) -> lemma1.Design:
        g = m.gain_over_noise(10 ** (snr_db / 10), p) * p.n0_w_hz
        return lemma1.solve_discrete(V0, V1, g, 0.3 * g, 1e-5, p)

    for o, nxt in ((4, 16), (16, 64), (64, None)):
        below, above = at(ends[o]["equal_from_db"] - 1e-6), at(ends[o]["equal_from_db"] + 1e-6)
        assert (below.modulation_order, below.binding, above.modulation_order, above.binding) == (o, "prompt", o,
                                                                                                  "equal")
        if nxt:
            below, above = at(ends[o]["equal_to_db"] - 1e-6), at(ends[o]["equal_to_db"] + 1e-6)
            assert (below.modulation_order, below.binding, above.modulation_order) == (o, "equal", nxt)


def test_which_bers_reproduce_the_paper():
    spans = {p: table2.paper_consistent_bers(p) for p in table2.PAPER_TABLE_II}
    assert spans[(0.999, 0.991)][0] < 1e-6 < spans[(0.999, 0.991)][1]
    assert spans[(0.997, 0.982)][0] < 1e-5 < spans[(0.997, 0.982)][1]
    lo, hi = spans[(0.978, 0.918)]
    assert 8.5e-5 < lo < hi < 1e-4
    assert table2.paper_consistent_bers((0.999, 0.991), step_db=0.1) is None


def _stored(rows: list[dict], ranges: list[dict], columns) -> dict:
    cell = lambda r, c: math.nan if r.get(c) is None else r[c]  # noqa: E731 - as parts.row_table stores
    return {"rows": Table({c: [cell(r, c) for r in rows] for c in rows[0]}),
            "ranges": Table({c: [cell(r, c) for r in ranges] for c in columns}, table2.RANGE_UNITS
                            if columns == table2.RANGE_COLUMNS else {})}


def test_table2_rows_and_report():
    bers = table2.paper_implied_bers()
    rows = [{"clip": p[0], "ms_ssim": p[1], "used": "paper-implied", "missing": "", "ber_star": b, "paper_implied": True}
            for p, b in zip(table2.PAPER_TABLE_II, bers)]
    ranges = [{"row": i, **r} for i, b in enumerate(bers) for r in table2.table2_ranges(V0, V1, b)]
    got = table2.table2_rows(_stored(rows, ranges, table2.RANGE_COLUMNS))
    assert len(got) == 3 and got[0].ber_star == pytest.approx(bers[0]) and got[0].paper_implied
    by = {x.modulation_order: x for x in got[0].ranges}
    assert by[4].avg_snr_min_db == 11.1 and by[4].chosen_min_db == 10.8 and by[64].equal_to_db is None
    assert by[0].latency_ms is None and by[4].prompt_bound_points == 3
    old = table2.table2_rows(_stored(rows, ranges, table2.RANGE_COLUMNS[:4] + ("min_edge_snr_db", "latency_ms")))
    assert old[0].ranges[0].chosen_min_db is None and old[0].ranges[0].avg_snr_min_db == 24.1
    d = report_table2.paper_differences(got[1])
    assert d["lower"] == pytest.approx([-0.3, -0.3, -0.3]) and d["outage"] == pytest.approx([-0.2])
    (bullet,) = report_table2.table2_bullets(got, V1)
    assert "starts of 64/16/4-QAM differ from the paper's by -0.3 … -0.1 dB" in bullet
    assert "is reproduced" in bullet
    rep = Report(None, "t", draw=False)
    report_table2.table2_section(got, rep, consistent_bers={p: table2.paper_consistent_bers(p) for p in
                                                            table2.PAPER_TABLE_II})
    assert len(rep.tables) == 3 and rep.tables[0].rows[2][:4] == ["4", "11.1 … 17.8", "11.2 … 17.8", "-0.1 / +0.0"]
    assert "1e-05" in rep.markdown() or "1.01e-05" in rep.markdown()


@pytest.mark.parametrize("module", [lemma1, table2, report_table2])
def test_docstring_examples(module):
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_numpy_only():
    import subprocess
    import sys

    code = ("import sys; import scenarios.qiao.table2, scenarios.qiao.lemma1, scenarios.qiao.calculator; "
            "print([x for x in ('torch', 'sionna') if x in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    assert np.isfinite(lemma1.EQUAL_RTOL)
