"""Finite-blocklength approximations and bounds against published values."""

import math

import numpy as np
import pytest

from linklevel.theory import fbl
from linklevel.theory.analytic import db2lin, qfunc


def ebno_needed(bound, n, k, target=1e-3):
    return float(fbl.snr_to_ebno(db2lin(fbl.snr_for_bler(target, n, k, "biawgn", bound)), n, k, "biawgn"))


def test_biawgn_published_values_n1000_rate_half():
    # SPECTRE / Durisi-Lancho notes: BI-AWGN, n = 1000, R = 1/2, BLER 1e-3:
    # normal approximation 1.136 dB, meta-converse 1.095 dB (Eb/N0)
    assert ebno_needed("normal_approximation", 1000, 500) == pytest.approx(1.136, abs=0.002)
    assert ebno_needed("metaconverse", 1000, 500) == pytest.approx(1.095, abs=0.003)


@pytest.mark.parametrize("n,k,target", [(1000, 500, 1e-3), (128, 64, 1e-4), (500, 400, 1e-4)])
def test_converse_below_na_below_rcus(n, k, target):
    mc, na, rc = (ebno_needed(b, n, k, target) for b in ("metaconverse", "normal_approximation", "rcus"))
    assert mc < na < rc
    assert rc - mc < 1.0


def test_capacity_dispersion_closed_forms():
    snr = np.array([0.1, 1.0, 10.0])
    c, v = fbl.capacity_dispersion(snr, "awgn")
    np.testing.assert_allclose(c, 0.5 * np.log2(1 + snr))
    np.testing.assert_allclose(v, snr * (snr + 2) / (2 * (snr + 1) ** 2) * np.log2(np.e) ** 2)
    cc, vc = fbl.capacity_dispersion(snr, "awgn-complex")
    np.testing.assert_allclose(cc, 2 * c)
    np.testing.assert_allclose(vc, 2 * v)
    # BI-AWGN: capacity below the Gaussian-input one, approaching 1 bit; by Monte Carlo too
    cb, vb = fbl.capacity_dispersion(snr, "biawgn")
    assert np.all(cb < c) and 0.99 < cb[-1] < 1.0
    rng = np.random.default_rng(0)
    y = 1 + rng.standard_normal(2_000_000) / math.sqrt(1.0)
    i = 1 - np.log2(1 + np.exp(-2 * y * 1.0))
    assert cb[1] == pytest.approx(i.mean(), abs=2e-3)
    assert vb[1] == pytest.approx(i.var(), rel=1e-2)


def test_rayleigh_dispersion_reduces_to_awgn_and_grows_with_coherence():
    snr = db2lin(5.0)
    c1, v1 = fbl.capacity_dispersion(snr, "rayleigh-csir", coherence=1)
    c10, v10 = fbl.capacity_dispersion(snr, "rayleigh-csir", coherence=10)
    assert c1 == pytest.approx(c10) and v10 > v1
    # ergodic capacity E[log2(1 + snr G)] = e^{1/snr} E1(1/snr) log2 e
    from scipy.special import exp1

    assert c1 == pytest.approx(np.exp(1 / snr) * exp1(1 / snr) * np.log2(np.e), rel=1e-8)
    # without fading (Var = 0, E[1/(1+snr)] = 1/(1+snr)) the formula is the AWGN dispersion:
    ca, va = fbl.capacity_dispersion(snr, "awgn-complex")
    assert (1 - (1 / (1 + snr)) ** 2) * np.log2(np.e) ** 2 == pytest.approx(va)


def test_normal_approximation_formula_and_log_term():
    n, k, snr = 200, 100, db2lin(2.0)
    c, v = fbl.capacity_dispersion(snr, "awgn")
    assert fbl.normal_approximation(n, k, snr, "awgn") == pytest.approx(
        qfunc((n * c - k + 0.5 * np.log2(n)) / np.sqrt(n * v)))
    assert fbl.normal_approximation(n, k, snr, "awgn", log_term=False) > fbl.normal_approximation(n, k, snr, "awgn")


def test_xu_eq23_is_complex_na_without_log_term():
    n, k = np.array([100, 500, 2000]), np.array([80, 400, 1600])
    snr = db2lin(np.array([1.0, 3.0, 5.0]))
    np.testing.assert_allclose(fbl.bler_xu_eq23(n, k, snr[:, None]),
                               fbl.normal_approximation(n, k, snr[:, None], "awgn-complex", log_term=False),
                               rtol=1e-10)
    # and the paper's literal form
    c, v = np.log2(1 + snr[1]), 1 - (1 + snr[1]) ** -2
    assert fbl.bler_xu_eq23(500, 400, snr[1]) == pytest.approx(qfunc(np.log(2) * np.sqrt(500 / v) * (c - 0.8)))


def test_inverses():
    snr = fbl.snr_for_bler(1e-4, 300, 150, "awgn")
    assert fbl.normal_approximation(300, 150, db2lin(snr), "awgn") == pytest.approx(1e-4, rel=1e-5)
    kmax = fbl.max_k(1e-3, 1000, db2lin(0.0), "biawgn")
    assert fbl.normal_approximation(1000, kmax, db2lin(0.0), "biawgn") <= 1e-3
    assert fbl.normal_approximation(1000, kmax + 1, db2lin(0.0), "biawgn") > 1e-3


def test_bad_input():
    with pytest.raises(ValueError):
        fbl.normal_approximation(0, 10, 1.0, "awgn")
    with pytest.raises(ValueError):
        fbl.bler("metaconverse", 100, 50, 1.0, "awgn")
    with pytest.raises(ValueError):
        fbl.capacity_dispersion(1.0, "rician")


@pytest.mark.parametrize("n,k,snr", [(100, 100, 10.0), (128, 128, 5.0), (1000, 1000, 10.0), (100, 100, 3.0)])
def test_metaconverse_at_rate_one_is_a_valid_lower_bound(n, k, snr):
    """k = n: uncoded BPSK achieves 1 - (1 - Q(sqrt(snr)))^n, so a lower bound must not exceed it (it was 1.0)."""
    from scipy.stats import norm

    uncoded = 1 - (1 - norm.sf(np.sqrt(snr))) ** n
    mc = float(fbl.metaconverse_biawgn(n, k, snr))
    assert 0 <= mc <= uncoded
    assert mc <= float(fbl.rcus_biawgn(n, k, snr))


def test_metaconverse_above_rate_one_respects_counting():
    # at most 2^n binary codewords for 2^k messages: eps >= 1 - 2^(n-k), and never above 1
    for k in (101, 110, 150):
        mc = float(fbl.metaconverse_biawgn(100, k, 10.0))
        assert 1 - 2.0 ** (100 - k) - 1e-12 <= mc <= 1.0


@pytest.mark.parametrize("snr_db", [-30.0, -10.0, 0.0, 10.0, 20.0, 40.0, 60.0])
def test_rayleigh_csir_closed_forms_equal_independent_integration(snr_db):
    """C = log2(e) e^x E1(x) and V from the closed-form second moment vs high-precision quadrature."""
    from scipy.integrate import quad

    rho, log2e, t = 10 ** (snr_db / 10), 1 / np.log(2), 50
    m1 = quad(lambda g: np.log1p(rho * g) * np.exp(-g), 0, np.inf, epsabs=0, epsrel=1e-13, limit=400)[0]
    m2 = quad(lambda g: np.log1p(rho * g) ** 2 * np.exp(-g), 0, np.inf, epsabs=0, epsrel=1e-13, limit=400)[0]
    inv = quad(lambda g: np.exp(-g) / (1 + rho * g), 0, np.inf, epsabs=0, epsrel=1e-13, limit=400)[0]
    c, v = fbl.capacity_dispersion(rho, "rayleigh-csir", t)
    assert float(c) == pytest.approx(m1 * log2e, rel=1e-10)
    assert float(v) == pytest.approx(t * (m2 - m1**2) * log2e**2 + (1 - inv**2) * log2e**2, rel=1e-9)


def test_quasi_static_normal_approximation_is_flagged_and_outage_offered():
    rows = fbl.evaluate_bounds("rayleigh-csir", 500, 250, ("normal_approximation", "outage"), target_bler=1e-2,
                               coherence=500)
    na, out = rows
    assert "outage-dominated" in na["note"] and "note" not in out
    # outage: 1 - exp(-(2^R - 1)/snr) = 0.01 at R = 1/2
    assert 10 ** (out["snr_db"] / 10) == pytest.approx((2**0.5 - 1) / -np.log(0.99))
    assert "note" not in fbl.evaluate_bounds("rayleigh-csir", 500, 250, ("normal_approximation",),
                                             target_bler=1e-2, coherence=10)[0]
