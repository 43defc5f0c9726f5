"""Fig. 4 of Qiao et al. as the paper means it (issue #25 item 3): the discrete tie-break, Rayleigh statistics
that exist (medians / quantiles with bootstrap bands, never a mean of a heavy-tailed quantity), the figure's
masking and labels, the design summary and its report section."""

import doctest
import importlib
import math

import numpy as np
import pytest

from scenarios.qiao import lemma1, sweep
from scenarios.qiao import models as m
from scenarios.qiao.figures_fig4 import ber_labels, distinct_targets, fig4
from scenarios.qiao.report_fig4 import design_bullets, design_section, design_verdicts
from scenarios.qiao.summary_designs import binding_counts, design_summary, row_snr_index
from scenarios.study.report import Report
from scenarios.study.stats import MIN_UNITS, bootstrap

V0, V1 = 800, 7864
#: eq. (2)'s exponent numerator k ln L + b at L = |v0| = 800 (Table I)
C800 = 0.374 * math.log(800) - 0.31


@pytest.fixture(scope="module")
def seeds_10db():
    """The issue's case: γ̄ = 10 dB, BER 1e-5, 200 Rayleigh draws, seeds 0 and 1, both rate models."""
    out = {}
    for rm in ("continuous", "discrete"):
        for seed in (0, 1):
            d = sweep.fig4_sweep(V0, V1, [10.0], [1e-5], rm, 200, seed=seed)
            out[rm, seed] = (d, sweep.draw_summary(d, seed=seed))
    return out


def test_rayleigh_mean_diverges_where_the_median_is_stable(seeds_10db):
    """Acceptance: with eq. (2) at the prompt's mean SNR (the study's reading) the draws' designs depend on the
    edge fade x1; the sample means of the transmissions are not stable across two seeds (discrete: 25 vs 1e30,
    set by one draw just above the 4-QAM threshold; continuous: 24 vs 12.8, set by the deepest fade), while the
    medians are finite, have finite bands, and each lies in the other's band."""
    ratios = {}
    for rm in ("continuous", "discrete"):
        means, meds = [], []
        for seed in (0, 1):
            d, s = seeds_10db[rm, seed]
            ok = d["draws_feasible"][0, 0] > 0.5
            r = d["draws_retransmissions"][0, 0][ok]
            means.append(float(np.mean(r)))
            assert r.max() > 0.2 * r.sum() / 2 or r.max() > 25 * np.median(r)  # a single draw weighs in the mean
            meds.append((s["retransmissions_median"][0, 0], s["retransmissions_median_lo"][0, 0],
                         s["retransmissions_median_hi"][0, 0]))
            assert "retransmissions_mean" not in s and "latency_s_mean" not in s  # never reported
        ratios[rm] = max(means) / min(means)
        for (v, lo, hi), (w, lo2, hi2) in ((meds[0], meds[1]), (meds[1], meds[0])):
            assert all(np.isfinite([v, lo, hi])) and lo <= v <= hi
            assert lo2 <= v <= hi2 or lo <= w <= hi, (rm, meds)
            assert lo <= hi2 and lo2 <= hi  # the bands overlap
        assert abs(meds[0][0] / meds[1][0] - 1) < 0.1, (rm, meds)
    assert ratios["discrete"] > 1e3 and ratios["continuous"] > 1.5, ratios
    # discrete: T0 = T1 = T(4-QAM) = 7864/(2 bit · 1 MHz) with the "equal" tie-break, so the median transmissions
    # are T1 over eq. (3)'s error-free delay |v0|/(r log2 M0 B0) = 0.8 ms
    d, s = seeds_10db["discrete", 0]
    assert s["retransmissions_median"][0, 0] == pytest.approx((V1 / 2e6) / 0.8e-3, rel=1e-9)


def test_rayleigh_means_do_not_exist():
    """Why: (continuous) as x1 -> 0 the edge stream takes nearly all of P_T and latency · x1 tends to a constant,
    so the latency has a 1/x1 tail and E[1/X] = ∫ e^{-x}/x dx = ∞ for X ~ Exp(1) (E1(ε) ~ −ln ε); (discrete) near
    the 4-QAM threshold the prompt's power p0 -> 0 and its transmissions exp(c/p0) grow without bound. The
    sample mean of 1/X keeps growing with the draws on one seed stream; the median settles on 1/ln 2."""
    from scipy.special import exp1

    g = sweep.mean_gain(10.0)
    tail = [lemma1.solve(V0, V1, g, g * x, 1e-5, "continuous").latency_s * x for x in (1e-3, 1e-4, 1e-5)]
    assert tail[-1] == pytest.approx(tail[0], rel=0.01) and tail[0] > 0
    assert [exp1(10.0 ** -e) > exp1(10.0 ** -(e - 3)) + 6.5 for e in (6, 9, 12)] == [True] * 3
    th = 3 * -math.log(5e-5) / 1.5 / 20  # the 4-QAM threshold of x1 at 10 dB, BER 1e-5
    ret = [lemma1.solve(V0, V1, g, g * th * (1 + e), 1e-5, "discrete").retransmissions for e in (1e-2, 1e-3, 1e-4)]
    assert ret[0] > 10 and ret[1] > 1e3 * ret[0] and not ret[2] < 1e100
    # the sample mean of 1/X does not settle: over 40 seeds its spread at 10^4 draws is not the 10x smaller
    # spread a finite-variance mean would have at 100x the draws; it drifts up like ln n
    x = np.random.default_rng(0).exponential(1.0, (40, 10 ** 4))
    iqr = [float(np.subtract(*np.percentile(np.mean(1 / x[:, :n], axis=1), [75, 25]))) for n in (10 ** 2, 10 ** 4)]
    assert iqr[1] > 0.3 * iqr[0]
    assert np.median(np.mean(1 / x, axis=1)) > np.median(np.mean(1 / x[:, :100], axis=1)) + 2
    assert float(np.median(1 / x)) == pytest.approx(1 / math.log(2), rel=0.01)


def test_draw_summary_is_the_kit_bootstrap_and_clopper_pearson(seeds_10db):
    """The median band is :func:`scenarios.study.stats.bootstrap` of the median (same seed, same resamples); the
    quantiles are the sample quantiles of the feasible draws; the outage interval is Clopper–Pearson."""
    from linklevel.theory.stats import clopper_pearson

    d, s = seeds_10db["discrete", 1]
    ok = d["draws_feasible"][0, 0] > 0.5
    assert 0 < ok.sum() < 200  # 10 dB, BER 1e-5: 4-QAM needs 13 dB on the edge stream, so part of the draws fail
    lat = d["draws_latency_s"][0, 0][ok]
    iv = bootstrap(lat, lambda x: np.quantile(x, 0.5, axis=1), 1, unit="draw")
    assert (s["latency_s_median"][0, 0], s["latency_s_median_lo"][0, 0], s["latency_s_median_hi"][0, 0]) == \
        (iv.value, iv.lo, iv.hi)
    for q, p in sweep.QUANTILES.items():
        assert s[f"latency_s_{q}"][0, 0] == np.quantile(lat, p)
    k = int((~ok).sum())
    lo, hi = (float(v) for v in clopper_pearson(k, 200))
    assert (s["outage"][0, 0], s["outage_lo"][0, 0], s["outage_hi"][0, 0]) == pytest.approx((k / 200, lo, hi))
    assert s["feasible"][0, 0] == ok.sum() and s["draws"][0, 0] == 200
    assert s["prompt_share_mean"][0, 0] == pytest.approx(np.mean(d["draws_prompt_share"][0, 0][ok]))
    # the 4-QAM threshold γ1 ≥ 3(−ln 5e-5)/1.5 decides the outage: x1 < γ1/(2γ̄) (all of P_T on the edge stream)
    assert k == int(np.sum(d["fades"][0, :, 1] < 3 * -math.log(5e-5) / 1.5 / 20))
    few = sweep.draw_summary(sweep.fig4_sweep(V0, V1, [10.0], [1e-5], "continuous", MIN_UNITS - 1, seed=0))
    assert np.isfinite(few["latency_s_median"][0, 0]) and np.isnan(few["latency_s_median_lo"][0, 0])
    assert np.isnan(few["outage_lo"][0, 0])


def test_tie_break_equal_gives_t0_equal_t1_and_prompt_all_the_leftover():
    """Mean channel at 22 dB, BER 1e-6, 16-QAM binds: "equal" gives the prompt exactly the power for T0 = T1
    (eq. (3) inverted by hand here), "prompt-all" 61.5 % of P_T (the issue's number); same latency."""
    eq = sweep.fig4_sweep(V0, V1, [22.0], [1e-6], "discrete", 5, tie_break="equal")
    alt = sweep.fig4_sweep(V0, V1, [22.0], [1e-6], "discrete", 5, tie_break="prompt-all")
    t1 = V1 / (1e6 * 4)
    gamma0 = C800 / math.log(t1 / 0.8e-3)  # eq. (3): T0 = 0.8 ms · exp(c/γ0) = T1
    p0 = gamma0 * 1e6 * m.TABLE_I.n0_w_hz / sweep.mean_gain(22.0)
    assert eq["mean_prompt_share"][0, 0] == pytest.approx(p0 / 10e-3, rel=1e-6)
    assert alt["mean_prompt_share"][0, 0] == pytest.approx(0.615, abs=0.001)
    assert eq["mean_latency_s"][0, 0] == alt["mean_latency_s"][0, 0] == pytest.approx(t1)
    assert eq["mean_t0_s"][0, 0] == pytest.approx(t1, rel=1e-9) and alt["mean_t0_s"][0, 0] < t1
    assert sweep.BINDINGS[int(eq["mean_binding"][0, 0])] == "equal"
    assert sweep.BINDINGS[int(alt["mean_binding"][0, 0])] == "edge"
    assert eq["mean_power_used_w"][0, 0] < 10e-3 and alt["mean_power_used_w"][0, 0] == pytest.approx(10e-3)
    assert sweep.TIE_BREAKS[int(eq["tie_break"])] == "equal" and list(eq["orders"]) == [4, 16, 64]
    with pytest.raises(ValueError, match="tie_break"):
        sweep.fig4_sweep(V0, V1, [22.0], [1e-6], "discrete", 5, tie_break="prompt")
    with pytest.raises(ValueError, match="realizations"):
        sweep.fig4_sweep(V0, V1, [22.0], [1e-6], "discrete", 0)


def test_binding_counts_on_the_mean_channel():
    """Outage exactly where 4-QAM's eq. (4) threshold exceeds 2γ̄ (all of P_T on the edge stream: γ̄ < 10.87 dB
    at BER 1e-6); every other γ̄ sends with T0 = T1 under "equal"; "prompt-all" moves the edge-bound γ̄ off
    T0 = T1 and changes no latency; the continuous root has T0 = T1 with all of P_T everywhere."""
    grid = list(range(0, 31, 2))
    out = {tb: sweep.fig4_sweep(V0, V1, grid, [1e-6], "discrete", 1, tie_break=tb) for tb in sweep.TIE_BREAKS}
    n_out = sum(2 * 10 ** (g / 10) < m.min_snr_for_order(4, 1e-6) for g in grid)
    assert n_out == 6
    eq, alt = (binding_counts(out[tb])[0] for tb in sweep.TIE_BREAKS)
    assert eq.outage == alt.outage == n_out
    assert eq.equal_full_power + eq.edge + eq.prompt + eq.outage == len(grid)
    assert eq.t0_equals_t1 == eq.equal_full_power + eq.edge and eq.edge > 0
    assert alt.edge == eq.edge and alt.t0_equals_t1 == alt.equal_full_power
    np.testing.assert_allclose(out["equal"]["mean_latency_s"], out["prompt-all"]["mean_latency_s"], rtol=1e-12)
    cont = binding_counts(sweep.fig4_sweep(V0, V1, grid, [1e-6], "continuous", 1))[0]
    assert cont.equal_full_power == cont.t0_equals_t1 == len(grid) and cont.outage == 0


def test_solver_gaps_with_orders_and_tie_breaks():
    for tb in sweep.TIE_BREAKS:
        for g in sweep.solver_gaps(V0, V1, [12.0, 22.0], [1e-5], "discrete", points=60, tie_break=tb):
            assert g["gap"] <= 0.005, g


def test_labels_and_dedupe():
    assert ber_labels([1e-5, 1.04e-5]) == ["1e-05", "1.04e-05"]
    assert len(set(ber_labels([1e-6, 1.0001e-6, 3e-6]))) == 3
    assert distinct_targets([1e-5, 1.00001e-5, 1.04e-5, 1e-4]) == [0, 2, 3]
    assert row_snr_index(np.arange(0.0, 31.0, 5.0)) == [1, 2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def discrete_grid():
    bers = [1e-5, 1.00001e-5, 1.04e-5, 1e-4]
    d = sweep.fig4_sweep(V0, V1, list(range(0, 31, 3)), bers, "discrete", 12, seed=3)
    d["solver_gaps"] = {"gap": np.array([-1e-4, 2e-3, np.nan])}
    return d


def test_fig4_masks_outage_alike_and_labels_every_panel(discrete_grid):
    import matplotlib

    matplotlib.use("Agg")
    d = discrete_grid
    fig = fig4(d, "discrete")
    axes = fig.axes[:4]
    x = d["avg_snr_db"]
    out = ~(d["mean_feasible"][0] > 0.5)
    assert out.any() and (~out).any()
    for a in axes:
        assert a.get_xlabel() and a.get_ylabel()
        assert a.get_xlim() == (float(x.min()), float(x.max()))
        solid = a.get_lines()[0]  # the first target's mean-channel curve
        y = np.asarray(solid.get_ydata(), dtype=float)
        assert np.all(np.isnan(y[out])) and np.all(np.isfinite(y[~out]))  # gaps, never 100 % or 0 bit/symbol
        assert any(p.get_hatch() == "//" for p in a.patches)  # the outage γ̄ shaded on every panel
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert [t for t in texts if t.startswith("BER1*")] == ["BER1* = 1e-05", "BER1* = 1.04e-05", "BER1* = 0.0001"]
    fig.canvas.draw()
    box, fbox = legend.get_window_extent(), fig.bbox
    assert box.x0 >= fbox.x0 and box.y0 >= fbox.y0 and box.x1 <= fbox.x1 and box.y1 <= fbox.y1  # not cut
    assert all(a.get_position().y0 > box.y1 / fbox.height - 1e-6 for a in axes)  # below the panels
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_design_summary_and_section(discrete_grid, tmp_path):
    d = discrete_grid
    s = design_summary("discrete", d, seed=0, snrs_db=(9.0, 15.0, 30.0), boot=200)
    assert s.tie_break == "equal" and s.orders == [4, 16, 64] and s.max_solver_gap == 2e-3
    assert [r.avg_snr_db for r in s.rayleigh[0].rows] == [9.0, 15.0, 30.0]
    assert s.not_sent_draws == int(np.sum(d["draws_feasible"] < 0.5)) and s.total_draws == d["draws_feasible"].size
    r30 = s.rayleigh[0].rows[-1]
    assert r30.outage.value == 0 and r30.latency_ms.ok
    assert r30.latency_ms.lo <= r30.latency_ms.value <= r30.latency_ms.hi
    assert r30.latency_ms.value == pytest.approx(1e3 * np.median(d["draws_latency_s"][0, -1]))
    assert r30.latency_p10_ms <= r30.latency_ms.value <= r30.latency_p90_ms
    rep = Report(str(tmp_path / "report.md"), "t")
    design_section("discrete", s, d, rep)
    rep.bullets(design_bullets({"discrete": s}))
    design_verdicts({"discrete": s}, rep)
    text = rep.markdown()
    assert "does not exist" in text and "tie-break **equal**" in text and "fig4_discrete.png" in text
    assert (tmp_path / "fig4_discrete.png").is_file()
    assert rep.verdicts[0]["holds"] is True and "Lemma 1 (discrete)" in rep.verdicts[0]["claim"]
    table = next(t for t in rep.tables if t.caption.startswith("Rayleigh draws"))
    assert len(table.rows) == 4 * 3 and "1.04e-05" in {r[0] for r in table.rows}
    import json

    json.dumps([t.to_json() for t in rep.tables])  # intervals serialize


@pytest.mark.parametrize("name", ["scenarios.qiao.sweep", "scenarios.qiao.summary_designs",
                                  "scenarios.qiao.figures_fig4"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_lemma1_solve_api_used_by_the_sweep():
    """The sweep stores what :func:`lemma1.solve` gives (binding, share of P_T) for one draw: the edge stream at
    its drawn fade, the prompt at its mean gain (eq. (2) takes the mean SNR)."""
    d = sweep.fig4_sweep(V0, V1, [15.0], [1e-5], "discrete", 3, seed=4)
    g = sweep.mean_gain(15.0)
    x = d["fades"][0, 2]
    ds = lemma1.solve(V0, V1, g, g * x[1], 1e-5, "discrete")
    assert d["draws_latency_s"][0, 0, 2] == ds.latency_s and d["draws_prompt_share"][0, 0, 2] == ds.prompt_share
    assert d["draws_binding"][0, 0, 2] == (sweep.BINDINGS.index(ds.binding) if ds.feasible else -1)


def test_continuous_section_has_no_outage():
    """The continuous model has no constellation limit: its table says "not sent", never "outage"."""
    d = sweep.fig4_sweep(V0, V1, [0.0, 10.0], [1e-5], "continuous", 6, seed=0)
    d["solver_gaps"] = {"gap": np.array([1e-3])}
    s = design_summary("continuous", d, snrs_db=(0.0, 10.0), boot=50)
    rep = Report(None, "t", draw=False)
    design_section("continuous", s, d, rep)
    table = next(t for t in rep.tables if t.caption.startswith("Rayleigh draws"))
    assert not any("outage" in h for h in table.headers) and any("not sent" in h for h in table.headers)
    assert "Continuous rate (eq. (4))" in rep.markdown() and s.binding[0].equal_full_power == 2
