"""Exact uncoded error rates against published values and independent formulas."""

import numpy as np
import pytest

from linklevel.theory import analytic as an

from .reference import ber_bpsk_awgn, ber_mqam_cho_yoon, ber_mqam_rayleigh

EB = np.array([0.0, 3.0, 6.0, 9.0, 12.0, 15.0])


@pytest.mark.parametrize("mod,M", [("bpsk", 2), ("qpsk", 4), ("16qam", 16), ("64qam", 64), ("256qam", 256)])
def test_qam_awgn_equals_cho_yoon(mod, M):
    ref = ber_bpsk_awgn(EB) if M == 2 else ber_mqam_cho_yoon(EB, M)
    np.testing.assert_allclose(an.ber_awgn(EB, mod), ref, rtol=1e-12)


@pytest.mark.parametrize("mod,M", [("bpsk", 2), ("16qam", 16), ("64qam", 64)])
def test_qam_rayleigh_equals_termwise_average(mod, M):
    np.testing.assert_allclose(an.ber_rayleigh(EB, mod), ber_mqam_rayleigh(EB, M), rtol=1e-12)


def test_published_values():
    # MATLAB berawgn documentation / textbook values
    assert an.ber_awgn(10.0, "16qam") == pytest.approx(1.7541506e-3, rel=1e-6)   # berawgn(10,'qam',16)
    assert an.ebno_for_ber(1e-5, "bpsk") == pytest.approx(9.5879, abs=1e-3)      # the classic 9.6 dB
    assert an.ebno_for_ber(1e-6, "bpsk") == pytest.approx(10.53, abs=5e-3)
    # berfading(10,'psk',2,1) = 0.5 (1 - sqrt(10/11))
    assert an.ber_rayleigh(10.0, "bpsk") == pytest.approx(0.5 * (1 - np.sqrt(10 / 11)), rel=1e-12)
    # Rayleigh BPSK at high SNR ~ 1/(4 Eb/N0)
    assert an.ber_rayleigh(40.0, "bpsk") == pytest.approx(1 / (4 * 1e4), rel=1e-3)


def test_psk_against_integration_and_limits():
    from scipy.integrate import quad

    # 8-PSK SER by direct numerical integration of the phase density (independent of the
    # Gauss-Legendre code path), at Es/N0 = 3 * Eb/N0
    es = 3 * 10 ** (8 / 10)
    pdf = lambda t: np.exp(-es) / (2 * np.pi) + 0.5 * np.sqrt(es / np.pi) * np.cos(t) * np.exp(  # noqa: E731
        -es * np.sin(t) ** 2) * __import__("scipy.special").special.erfc(-np.sqrt(es) * np.cos(t))
    ser = 1 - quad(pdf, -np.pi / 8, np.pi / 8, epsabs=1e-14)[0]
    assert an.ser_awgn(8.0, "8psk") == pytest.approx(ser, rel=1e-8)
    # high-SNR approximations: SER ~ 2Q(sqrt(2Es) sin(pi/M)), BER ~ SER/log2 M
    x = 12.0
    es = 3 * 10 ** (x / 10)
    approx = 2 * an.qfunc(np.sqrt(2 * es) * np.sin(np.pi / 8))
    assert an.ser_awgn(x, "8psk") == pytest.approx(approx, rel=2e-3)
    assert an.ber_awgn(x, "8psk") == pytest.approx(approx / 3, rel=2e-3)
    # 4-PSK is QPSK: per-bit BPSK
    np.testing.assert_allclose(an._rate_awgn(10 ** (EB / 10) * 2, "qpsk", False), ber_bpsk_awgn(EB), rtol=1e-12)


def test_ser_qam_and_monotone_and_inverse():
    es = 4 * 10 ** (EB / 10)
    p = 2 * (1 - 1 / 4) * an.qfunc(np.sqrt(3 * es / 15))
    np.testing.assert_allclose(an.ser_awgn(EB, "16qam"), 1 - (1 - p) ** 2, rtol=1e-12)
    for f in (an.ber_awgn, an.ber_rayleigh, an.ser_rayleigh):
        v = f(EB, "16qam")
        assert np.all(np.diff(v) < 0)
    for mod in ("qpsk", "64qam", "8psk"):
        x = an.ebno_for_ber(1e-4, mod)
        assert an.ber_awgn(x, mod) == pytest.approx(1e-4, rel=1e-7)
    assert an.ber_rayleigh(an.ebno_for_ber(1e-3, "16qam", "rayleigh"), "16qam") == pytest.approx(1e-3, rel=1e-7)


def test_outage_and_errors():
    # P_out = 1 - exp(-(2^R - 1)/snr)
    assert an.outage_rayleigh(10.0, 1.0) == pytest.approx(1 - np.exp(-0.1))
    with pytest.raises(ValueError):
        an.ber_awgn(1.0, "8qam")
    with pytest.raises(ValueError):
        an.ebno_for_ber(0.7, "bpsk")


def test_no_torch_import():
    import subprocess
    import sys

    code = "import sys, linklevel.theory.analytic, linklevel.theory.fbl, linklevel.theory.stats; print('torch' in sys.modules)"
    # linklevel/__init__ is lazy: the theory layer loads alone
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=__import__("pathlib").Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("M", [8, 16, 32])
def test_psk_rayleigh_ser_closed_form_high_snr(M):
    # Simon & Alouini (2005) eq. 8.112: exact M-PSK SER on Rayleigh fading,
    # g = Es/N0 sin^2(pi/M); the quadrature used to lose accuracy above ~20 dB.
    mod = f"{M}psk"
    m = int(np.log2(M))
    for ebno in (0.0, 10.0, 20.0, 30.0, 40.0):
        es = m * 10 ** (ebno / 10)
        g = es * np.sin(np.pi / M) ** 2
        r = np.sqrt(g / (1 + g))
        ref = (M - 1) / M * (1 - r * M / ((M - 1) * np.pi) * (np.pi / 2 + np.arctan(r / np.tan(np.pi / M))))
        assert an.ser_rayleigh(ebno, mod) == pytest.approx(ref, rel=1e-7)
    # Gray BER lies between SER / log2 M and SER
    assert an.ser_rayleigh(40.0, mod) / m < an.ber_rayleigh(40.0, mod) < an.ser_rayleigh(40.0, mod)


def test_rayleigh_moments():
    x = np.array([0.0, 7.0, 15.0, 30.0])
    for mod in ("bpsk", "16qam", "8psk"):
        np.testing.assert_allclose(an.ber_rayleigh_moment(x, mod, 1), an.ber_rayleigh(x, mod), rtol=1e-8)
    # BPSK: E[Q(sqrt(2 g))^2] by independent trapezoid integration over the fade
    g_bar = 10 ** 0.7
    u = np.linspace(0, 9, 900001)  # t = u^2 removes the square-root cusp at t = 0
    f = 2 * u * np.exp(-u**2) * an.qfunc(np.sqrt(2 * g_bar) * u) ** 2
    ref = np.trapezoid(f, u)
    assert an.ber_rayleigh_moment(7.0, "bpsk", 2) == pytest.approx(ref, rel=1e-5)
    with pytest.raises(ValueError):
        an.ber_rayleigh_moment(0.0, "bpsk", 0)
