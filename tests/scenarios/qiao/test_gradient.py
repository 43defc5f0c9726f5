"""Lemma 1's split by gradient (issue #27): the epigraph augmented Lagrangian reaches the certified optimum
(the root T0 = T1 of the continuous-rate problem, and the brute-force grid below it)."""

import math

import pytest

from scenarios.qiao import models as m
from scenarios.qiao.gradient import gradient_split
from scenarios.qiao.lemma1 import brute_force, solve_continuous


@pytest.mark.parametrize("avg_snr_db,ber", [(10.0, 1e-6), (25.0, 1e-4), (0.0, 1e-5)])
def test_gradient_split_reaches_lemma1(avg_snr_db, ber):
    g = m.gain_over_noise(10 ** (avg_snr_db / 10)) * m.TABLE_I.n0_w_hz
    root = solve_continuous(800, 7864, g, g, ber)
    d, info = gradient_split(800, 7864, g, g, ber)
    assert d.feasible and d.latency_s == pytest.approx(root.latency_s, rel=1e-6)
    assert abs(math.log(d.t0_s / d.t1_s)) < 1e-5  # it lands on T0 = T1, as Lemma 1 says
    assert d.latency_s <= brute_force(800, 7864, g, g, ber).latency_s * (1 + 1e-9)
    assert info["lbfgs_iterations"] > 0
