"""Power allocation (Xu et al.): Lambert-W closed form vs brute force, optimality, the coded corner."""

import math

import numpy as np
import pytest

from scenarios.xu.allocation import METHODS, STUDY_METHODS, StreamSpec, allocate
from scenarios.xu.functions import DiscardPerception
from scenarios.xu.models import (generalized_lambert_w, snr_for_ber_bpsk, snr_for_bler_eq23,
                                 snr_for_bler_eq23_bruteforce)

GAIN = 10 ** (-98 / 10)  # path loss at 100 m: -30 dB at 1 m, exponent 3.4
NOISE = 1e-14            # -110 dBm


def test_generalized_lambert_w_roots_against_a_dense_grid():
    rng = np.random.default_rng(0)
    for _ in range(200):
        t1, t2 = sorted(rng.uniform(-5, 5, 2))
        a = rng.uniform(-3, 3)
        roots = generalized_lambert_w(t1, t2, a)
        g = lambda x: (x - t1) * (x - t2) * np.exp(x) - a  # noqa: E731
        for r in roots:
            assert abs(g(r)) <= 1e-9 * max(1.0, abs(a))
        xs = np.linspace(-70, 15, 400001)
        v = g(xs)
        changes = int(np.sum(np.sign(v[:-1]) * np.sign(v[1:]) < 0))
        assert len(roots) == changes


@pytest.mark.parametrize("k", [20, 100, 1000, 10000])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8, 0.95])
def test_closed_form_equals_brute_force_root_finding(k, rate):
    n = k / rate
    for bler in (1e-12, 1e-7, 1e-3, 0.05, 0.3, 0.5, 0.7, 0.99):
        a = snr_for_bler_eq23(bler, k, n)
        b = snr_for_bler_eq23_bruteforce(bler, k, n)
        assert a == pytest.approx(b, rel=1e-9)
    # the paper's printed forms (e^{K/N} instead of 2^{K/N}; eq. 38 with an extra 1/2) are off
    bler = 1e-3
    from linklevel.theory.analytic import qfuncinv

    alpha = float(qfuncinv(bler)) / math.sqrt(n)
    x = max(r for r in generalized_lambert_w(2 * alpha, -2 * alpha, -4 * alpha**2 * math.exp(-2 * k / n))
            if 0 < r < 2 * alpha)
    printed = math.exp(k / n + x / 2) - 1
    assert printed != pytest.approx(snr_for_bler_eq23_bruteforce(bler, k, n), rel=1e-3)


def test_uncoded_inverse():
    from linklevel.theory.analytic import qfunc

    for psi in (1e-6, 1e-3, 0.1, 0.5):
        assert float(qfunc(math.sqrt(2 * snr_for_ber_bpsk(psi)))) == pytest.approx(psi, rel=1e-10)


def _streams(rng):
    return [StreamSpec(k=int(rng.integers(500, 20000)), gain=GAIN * rng.exponential(), noise=NOISE) for _ in range(2)]


def _random_perception(rng):
    pb = rng.uniform(0.2, 0.4)
    a, b = sorted(rng.uniform(pb, 0.95, 2))
    return DiscardPerception(pb, a, b) if rng.random() < 0.5 else DiscardPerception(pb, b, a)


def test_optimal_is_never_worse_and_bisection_matches_interior_optima():
    rng = np.random.default_rng(7)
    interior = 0
    for _ in range(60):
        P = _random_perception(rng)
        S = _streams(rng)
        target = rng.uniform(P.p_both + 0.01, 0.9)
        res = {m: allocate("coded", m, S, P, target) for m in STUDY_METHODS}  # gradient: test_gradient.py
        opt = res["optimal"]
        assert opt.feasible
        for m, r in res.items():
            assert r.feasible and r.perception <= target * (1 + 1e-6) + 1e-9
            assert opt.total_power <= r.total_power * (1 + 1e-9), (m, r, opt)
        if all(1e-9 < e < 1 - 1e-9 for e in opt.errors):
            interior += 1
            assert res["bisection"].total_power == pytest.approx(opt.total_power, rel=5e-3)
    assert interior > 10


def test_uncoded_forward_with_a_monotone_perception_function():
    # a smooth monotone surface in log10(BER): each stream's contribution saturates at BER 0.5
    def P(e1, e2):
        s = lambda e, w: w / (1 + math.exp(-2.5 * (math.log10(max(e, 1e-15)) + 2.5)))  # noqa: E731
        return min(1.0, 0.32 + s(e1, 0.35) + s(e2, 0.2))

    rng = np.random.default_rng(3)
    for _ in range(10):
        S = _streams(rng)
        target = rng.uniform(0.4, 0.8)
        res = {m: allocate("uncoded", m, S, P, target,
                           semantic_values=[lambda e: 0.68 - P(e, 0) + 0.32, lambda e: 0.68 - P(0, e) + 0.32])
               for m in STUDY_METHODS}  # gradient needs a differentiable perception (not this Python function)
        for r in res.values():
            assert r.feasible
            assert res["optimal"].total_power <= r.total_power * (1 + 1e-9)


def test_coded_clip_constants_show_the_corner_drop():
    P = DiscardPerception.from_paper("clip")
    S = [StreamSpec(9530, GAIN, NOISE), StreamSpec(8180, GAIN, NOISE)]  # two long streams (a generic case)
    targets = np.linspace(0.33, 0.62, 59)  # above 1 - L2 = 0.6404 the edge alone suffices (prompt off)
    opt = [allocate("coded", "optimal", S, P, t) for t in targets]
    una = [allocate("coded", "unaware", S, P, t) for t in targets]
    off = [r.errors[1] >= 1.0 for r in opt]
    assert not off[0] and off[-1]  # the edge stream is switched off for loose targets
    j = off.index(True)
    # sharp drop where the edge stream's power becomes zero
    assert opt[j].total_power < 0.8 * opt[j - 1].total_power
    saving = 1 - opt[j].total_power / una[j].total_power
    assert saving > 0.3
    assert all(o.total_power <= u.total_power * (1 + 1e-9) for o, u in zip(opt, una))


def test_infeasible_targets_and_bad_inputs():
    P = DiscardPerception.from_paper("clip")
    S = [StreamSpec(1000, GAIN, NOISE), StreamSpec(1000, GAIN, NOISE)]
    r = allocate("coded", "optimal", S, P, 0.30)  # below P_best = 0.3191
    assert not r.feasible and r.to_dict()["total_power_w"] is None and "infeasible" in r.notes[0]
    with pytest.raises(ValueError):
        allocate("coded", "greedy", S, P, 0.5)
    with pytest.raises(ValueError):
        allocate("coded", "optimal", S[:1], P, 0.5)
    with pytest.raises(ValueError):
        DiscardPerception(0.5, 0.4, 0.6)
    with pytest.raises(ValueError):
        StreamSpec(0, 1.0, 1.0)


def test_cli_allocate_contract(capsys, tmp_path):
    import json

    from scenarios.cli import main

    assert main(["allocate", "--target", "0.45", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["feasible"] and set(d["streams"][0]) == {"snr_db", "bler", "power_w"}
    assert d["streams"][1]["power_w"] == 0.0 and d["total_power_w"] > 0
    assert main(["allocate", "--target", "0.45", "--method", "unaware", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_power_w"] > d["total_power_w"]
    # Algorithm 1 is checked against the certified optimum: at a loose target it stops at the prompt-off
    # corner while sending the short prompt alone is far cheaper, and the answer says so
    assert main(["allocate", "--target", "0.8", "--method", "bisection", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert b["excess_over_optimal"] > 1.0 and b["total_power_w"] > b["optimal_total_power_w"]
    assert any("above the certified optimum" in n for n in b["notes"])
    assert main(["allocate", "--target", "0.36", "--method", "bisection", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)  # interior optimum: no miss
    assert abs(b["excess_over_optimal"]) < 0.005 and not any("certified" in n for n in b["notes"])
    assert main(["allocate", "--target", "0.2", "--json"]) == 0  # infeasible is an answer, not an error
    d = json.loads(capsys.readouterr().out)
    assert d["feasible"] is False and d["total_power_w"] is None
    # an uncoded table (with single-stream curves for the proportional method)
    e = [1e-6, 1e-4, 1e-2, 0.1, 0.5]
    p = [[min(1.0, 0.32 + 0.3 * (i / 4) + 0.2 * (j / 4)) for j in range(5)] for i in range(5)]
    table = {"e1": e, "e2": e, "p": p, "single1": {"e": e, "p": [0.41, 0.45, 0.6, 0.7, 0.8]},
             "single2": {"e": e, "p": [0.64, 0.66, 0.7, 0.75, 0.8]}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(table))
    for method in METHODS:
        assert main(["allocate", "--scheme", "uncoded", "--method", method, "--perception-table", str(path),
                     "--target", "0.5", "--json"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["feasible"] and "ber" in d["streams"][0]
    for argv in (["--target", "0.5", "--k", "1,2,3"], ["--target", "0.5", "--scheme", "uncoded"],
                 ["--target", "0.5", "--discard-perception", "0.5,0.4,0.6"], ["--target", "nan"],
                 ["--target", "0.5", "--perception-table", "/nope.json"]):
        assert main(["allocate", *argv]) == 2
        assert capsys.readouterr().err.startswith("semlink: error")


def test_rayleigh_realizations_paper_setting():
    from scenarios.xu.budget import realization_study
    from scenarios.xu.models import path_loss_db

    assert path_loss_db() == pytest.approx(-98.0)  # -30 dB - 34 log10(100)
    P = DiscardPerception.from_paper("clip")
    res = realization_study("coded", ["unaware", "optimal"], [9530, 8180], P, 0.45, realizations=25, seed=3,
                            grid=301)
    again = realization_study("coded", ["unaware"], [9530, 8180], P, 0.45, realizations=25, seed=3)
    assert np.array_equal(res["unaware"], again["unaware"])  # seeded draws
    assert res["gains"].shape == (25, 2)
    # the large-scale model is the configured one: exponent 3.0 at 100 m is 8 dB more gain, same fades
    near = realization_study("coded", ["unaware"], [9530, 8180], P, 0.45, realizations=25, seed=3, exponent=3.0)
    assert np.allclose(near["gains"] / res["gains"], 10 ** 0.8)
    assert np.all(near["unaware"] < res["unaware"])
    assert np.all(res["optimal"] <= res["unaware"] * (1 + 1e-9))
    saving = 1 - np.median(res["optimal"] / res["unaware"])
    assert saving > 0.2


def test_perception_under_budget_optimal_is_certified():
    from scenarios.xu.budget import perception_under_budget

    rng = np.random.default_rng(5)
    P = DiscardPerception.from_paper("clip")
    for _ in range(6):
        g = GAIN * rng.exponential(1.0, 2)
        S = [StreamSpec(int(rng.integers(300, 2000)), g[0], NOISE), StreamSpec(int(rng.integers(4000, 15000)), g[1], NOISE)]
        budgets = [0.0, 0.02, 0.1, 0.5, 3.0]
        reach = {m: perception_under_budget("coded", m, S, P, budgets, targets=61) for m in STUDY_METHODS}
        assert reach["optimal"][0] == 1.0  # no power: nothing arrives
        for m in STUDY_METHODS:
            assert np.all(reach["optimal"] <= reach[m] + 1e-9), m
            assert np.all(np.diff(reach[m]) <= 1e-9) or m == "bisection"  # more power never hurts (Alg. 1 may)
        # unaware: both streams at the equal SNR that spends the budget
        unit = [s.k / 0.8 * NOISE / s.gain for s in S]
        snr = 0.5 / sum(unit)
        from linklevel.theory.fbl import bler_xu_eq23

        e = [float(bler_xu_eq23(s.k / 0.8, s.k, snr)) for s in S]
        assert reach["unaware"][3] == pytest.approx(P(*e), rel=1e-9)
        # duality: the minimum power for the perception the optimum reached is the budget itself
        for b, p in zip(budgets[1:], reach["optimal"][1:]):
            plateau = min(abs(p - v) for v in (P.p_both, P.p_prompt_only, P.p_edge_only, 1.0)) < 1e-4
            if not plateau:  # on a plateau more power buys nothing measurable: no duality to check
                a = allocate("coded", "optimal", S, P, p * (1 + 1e-7), grid=2001)
                assert a.total_power == pytest.approx(b, rel=2e-3)
    with pytest.raises(ValueError):
        perception_under_budget("coded", "optimal", S, P, [-1.0])


def test_bisection_misses_are_found_and_reported():
    """Algorithm 1 stops at an endpoint whose derivative points outwards; the report says where that loses."""
    from scenarios.xu.savings import savings_table

    P = DiscardPerception.from_paper("clip")  # prompt alone 0.4113, edge alone 0.6404
    S = [StreamSpec(780, GAIN, NOISE), StreamSpec(12456, GAIN, NOISE)]
    targets = np.round(np.arange(0.34, 0.96, 0.02), 4)
    curves = {}
    for m in STUDY_METHODS:
        rows = [allocate("coded", m, S, P, float(t)) for t in targets]
        curves[m] = {"target": targets, "feasible": np.array([r.feasible for r in rows]),
                     "total_power": np.array([r.total_power for r in rows]),
                     "perception": np.array([r.perception for r in rows]),
                     "errors": np.array([r.errors for r in rows]), "power": np.array([r.power for r in rows])}
    tab = savings_table(curves, "coded")
    corner = tab.corner
    assert corner.to_state == "edge off" and 0.41 <= corner.target <= 0.44  # first target above 1 - L1
    assert corner.from_state == "both sent" and corner.drop > 0.9 and corner.saving_vs_unaware > 0.9
    assert tab.max_saving is tab.max_saving_by_method["optimal"] and tab.max_saving.saving > 0.9
    misses = tab.bisection_misses
    # above 1 - L2 both single-stream corners are feasible; Algorithm 1 takes the prompt-off end
    assert misses and all(m.target >= 0.64 for m in misses)
    assert all(m.bisection_off == "prompt off" and m.optimal_off == "edge off" for m in misses)
    below = targets < 0.64
    b, o = curves["bisection"], curves["optimal"]
    assert np.all(b["total_power"][below & o["feasible"]] <= o["total_power"][below & o["feasible"]] * 1.005)
