"""Huang et al.: Algorithm 1 (zero-order SGD on α, coder selection) against a grid optimum; eq. (8) latency."""

import math

import numpy as np
import pytest

from scenarios.huang.algorithm1 import exact_alpha, grid_alpha, select_coder, zero_order_alpha
from scenarios.huang.latency import latency_fbl, latency_shannon


def _problem(scale):
    """Coder q: GVIF 1 - a^2 scaled by its quality, bits 1000 (1 - a) scaled by its rate; images vary."""
    rng = np.random.default_rng(0)
    jitter = rng.uniform(0.9, 1.1, size=8)

    def V(q, a, i):
        return (0.8 + 0.1 * q) * (1 - a ** 2) * (0.95 + 0.05 * jitter[i])

    def B(q, a, i):
        return scale[q] * 1000 * (1 - a) * jitter[i]

    return V, B


@pytest.mark.parametrize("budget", [300.0, 500.0, 900.0])
def test_zero_order_reaches_the_grid_optimum(budget):
    V, B = _problem({0: 1.0, 1: 1.4})
    for q in (0, 1):
        g = grid_alpha(V, B, q, images=8, budget_bits=budget, points=801)
        r = zero_order_alpha(V, B, q, images=8, budget_bits=budget, p=3e-4, nu=0.02, eta=0.005, batch=4,
                             iters=600, seed=q)
        assert abs(r.gvif - g.gvif) < 0.02, (q, budget, r, g)
        assert 0.0 <= r.alpha <= 0.8 and r.bits <= budget * 1.03


def test_projection_and_coder_selection():
    V, B = _problem({0: 1.0, 1: 1.4})
    # a budget no threshold meets: alpha is pushed to alpha_th
    r = zero_order_alpha(V, B, 1, images=8, budget_bits=10.0, p=3e-4, eta=0.005, iters=400)
    assert r.alpha == pytest.approx(0.8) and not r.feasible
    res = [zero_order_alpha(V, B, q, images=8, budget_bits=900.0, p=3e-4, eta=0.005, iters=400) for q in (0, 1)]
    best = select_coder(res, distortions=[0.02, 0.01], d0=0.03)
    assert best is not None and best.coder == max(res, key=lambda x: (x.feasible, x.gvif)).coder
    assert select_coder(res, distortions=[0.02, 0.01], d0=0.015).coder == 1  # only coder 1 meets D0
    assert select_coder(res, distortions=[0.02, 0.01], d0=0.001) is None
    with pytest.raises(ValueError):
        zero_order_alpha(V, B, 0, images=8, budget_bits=1.0, alpha0=0.9)


def test_latency_eq8_and_finite_blocklength():
    assert latency_shannon(1e6, 1e6, 10 * math.log10(3)) == pytest.approx(0.5)  # log2(1 + 3) = 2 bit/s/Hz
    short = latency_fbl(1e7, 1e6, 10.0, n=256, target_bler=1e-3)
    long = latency_fbl(1e7, 1e6, 10.0, n=8192, target_bler=1e-3)
    shannon = latency_shannon(1e7, 1e6, 10.0)
    assert shannon < long["latency_s"] < short["latency_s"]  # longer codes approach capacity
    assert long["rate"] < long["capacity"] and long["expected_lost_fraction"] <= 1e-3
    assert latency_fbl(1e7, 1e6, 0.0, n=1024)["latency_s"] > latency_fbl(1e7, 1e6, 10.0, n=1024)["latency_s"]
    with pytest.raises(ValueError):
        latency_shannon(10, 0, 1.0)


def test_latency_fbl_never_above_capacity_and_monotone():
    """The normal approximation's k rises back to ½log2 n as SNR -> 0 (3 bits per 1024 uses at -40 dB, where
    n·C = 0.15): latency_fbl uses it only from its minimum on and caps k at ⌊nC⌋, so k <= n·C at every SNR and
    never falls as the SNR grows; where the approximation holds (10 dB) k is the approximation's."""
    from linklevel.theory import fbl

    for n in (64, 256, 1024, 4096):
        for eps in (1e-5, 1e-3, 0.1, 0.3):
            ks = [latency_fbl(1e4, 1e6, float(s), n, eps)["k"] for s in np.arange(-50.0, 40.01, 0.25)]
            caps = [math.floor(n * math.log2(1 + 10 ** (s / 10))) for s in np.arange(-50.0, 40.01, 0.25)]
            assert all(k <= c for k, c in zip(ks, caps)), (n, eps)
            assert all(b >= a for a, b in zip(ks, ks[1:])), (n, eps)
    assert latency_fbl(1e4, 1e6, -40.0, 1024, 1e-3)["k"] == 0 and math.isinf(latency_fbl(1e4, 1e6, -40.0)["latency_s"])
    assert latency_fbl(1e4, 1e6, 10.0, 1024, 1e-3)["k"] == fbl.max_k(1e-3, 1024, 10.0, "awgn-complex")


def _levels_problem(seed=0):
    """A study-like problem: the set changes only at importance levels k/100 (piecewise constant in α)."""
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(0.8, 1.2, size=6)

    def step(a):
        return math.ceil(round(a * 100, 9)) / 100  # the level an α selects (as the Evaluator's effective threshold)

    def V(q, a, i):
        return (0.5 + 0.2 * q) * (1 - step(a) ** 1.5) * jitter[i]

    def B(q, a, i):
        return (1 + 0.5 * q) * 1000 * (1 - step(a)) ** 1.2 * jitter[i]

    return V, B, [k / 100 for k in range(101)]


@pytest.mark.parametrize("budget", [250.0, 600.0, 1100.0])
def test_exact_enumeration_is_the_brute_force_optimum(budget):
    V, B, levels = _levels_problem()
    for q in (0, 1):
        ex = exact_alpha(V, B, q, images=6, budget_bits=budget, candidates=levels)
        fine = grid_alpha(V, B, q, images=6, budget_bits=budget, points=8001)  # 10x finer than the levels
        assert ex.feasible and ex.gvif == pytest.approx(fine.gvif, abs=1e-12) and ex.gvif >= fine.gvif - 1e-12
        coarse = grid_alpha(V, B, q, images=6, budget_bits=budget, points=33)
        assert ex.gvif >= coarse.gvif - 1e-12  # a coarse grid can only be worse


def test_algorithm1_gap_to_the_certified_optimum_where_it_converges():
    """Where Algorithm 1 converges (ten steps under ξ) on a smooth problem, its GVIF is within 1e-3 of the
    exact optimum over a dense level set; the printed rule is recorded (and fires on a zero step)."""
    V, B = _problem({0: 1.0, 1: 1.4})
    levels = [k / 2000 for k in range(1601)]
    converged = 0
    for q in (0, 1):
        for budget in (300.0, 500.0, 900.0):
            r = zero_order_alpha(V, B, q, images=8, budget_bits=budget, p=3e-4, nu=0.02, eta=0.005, iters=3000, seed=q)
            ex = exact_alpha(V, B, q, images=8, budget_bits=budget, candidates=levels)
            if r.converged:
                converged += 1
                assert ex.gvif - r.gvif <= 1e-3, (q, budget, r.alpha, ex.alpha)
            assert r.printed_stop is None or r.printed_stop <= r.iterations
    assert converged >= 3
    flat = zero_order_alpha(lambda q, a, i: 1.0, lambda q, a, i: 0.0, 0, images=2, budget_bits=1.0, iters=50)
    assert flat.printed_stop == 1 and flat.converged and flat.iterations == 10  # a zero estimate stops at once


def test_survival_and_the_loss_aware_design():
    from types import SimpleNamespace

    from scenarios.huang.design import design, survival

    assert survival(85169, 1000, 1e-3) == pytest.approx(0.999 ** 86) and survival(0, 10, 0.5) == 1.0
    with pytest.raises(ValueError):
        survival(10, 0, 0.1)
    V, B, levels = _levels_problem()

    class Ev:
        def __call__(self, i, q, a):
            return V(q, a, i), B(q, a, i), 1 - a

        def levels(self, idx):
            return np.array(levels)

    f9 = SimpleNamespace(alpha_th=0.8, penalty=10.0, nu=0.05, eta=0.05, iters=100, d0_mask_psnr_db=30.0)
    dist = {0: 20.0, 1: 20.0}
    plain = design(Ev(), [0, 1], f9, 2000.0, dist, 0, range(6))
    lossy = design(Ev(), [0, 1], f9, 2000.0, dist, 0, range(6), loss=(0.05, 100))
    # with loss the certified optimum maximizes E[V (1-p)^N] by brute force over the levels x coders
    best = max(((np.mean([V(q, a, i) * survival(B(q, a, i), 100, 0.05) for i in range(6)]), q, a)
                for q in (0, 1) for a in levels if a <= 0.8 and np.mean([B(q, a, i) for i in range(6)]) <= 2000))
    assert lossy.optimum.gvif == pytest.approx(best[0], rel=1e-12)
    assert lossy.optimum.alpha > plain.optimum.alpha  # sending less pays when each codeword can be lost
    assert plain.gap >= -1e-12 and lossy.gap >= -1e-12


@pytest.mark.parametrize("budget", [250.0, 600.0, 1100.0])
def test_surrogate_gradient_reaches_the_certified_optimum(budget):
    """The true derivative of a smooth monotone surrogate in place of the two-point estimate (issue #27):
    on the level problem it lands on the exact optimum (the smallest feasible level)."""
    from scenarios.huang.algorithm1 import surrogate_gradient_alpha

    V, B, levels = _levels_problem()
    for q in (0, 1):
        ex = exact_alpha(V, B, q, images=6, budget_bits=budget, candidates=levels)
        sg = surrogate_gradient_alpha(V, B, q, images=6, budget_bits=budget, candidates=levels)
        assert sg.feasible and abs(ex.gvif - sg.gvif) <= 1e-12 and sg.alpha == pytest.approx(ex.alpha)
        zo = zero_order_alpha(V, B, q, images=6, budget_bits=budget, p=10.0, nu=0.05, eta=0.05, iters=200, seed=q)
        assert ex.gvif - zo.gvif >= -1e-12  # the printed Algorithm 1 is never better than the certified optimum
