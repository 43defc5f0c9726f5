"""Huang et al.: Algorithm 1 (zero-order SGD on α, coder selection) against a grid optimum; eq. (8) latency."""

import math

import numpy as np
import pytest

from scenarios.huang.algorithm1 import grid_alpha, select_coder, zero_order_alpha
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
