r"""The analytic models of Qiao et al., "Latency-Aware Generative Semantic Communications with
Pre-Trained Diffusion Models" (``qiao_latency-aware-gensemcom``), exactly as printed; NumPy only.

Two streams on orthogonal channels: the prompt (``i = 0``: rate-1/2 convolutional code, QPSK,
CRC-based retransmission) and the edge map (``i = 1``: adaptive MQAM). Table I's values are the
defaults (:data:`TABLE_I`). Every function cites its equation.

Note on eq. (1): as printed, the *amplitude* gain is :math:`\sqrt{\epsilon_o}\,d^{-\varphi}\tilde h`,
so the power gain :math:`|h_i|^2 = \epsilon_o d^{-2\varphi}|\tilde h|^2` decays with exponent
:math:`2\varphi = 6.8`, not the usual :math:`\varphi = 3.4` (the usual model would print
:math:`d^{-\varphi/2}`). :func:`mean_power_gain` follows the print and says so; the paper's results
are stated against the average SNR :math:`\bar\gamma` (Section III-E), which does not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

__all__ = ["QiaoParams", "TABLE_I", "QAM_ORDERS", "PAPER_ORDERS", "check_orders", "mean_power_gain", "snr",
           "per_threshold", "min_packet_length", "prompt_per", "retransmissions", "prompt_delay",
           "prompt_delay_floor", "snr_for_prompt_delay", "mqam_ber_bound", "rate_continuous", "min_snr_for_order",
           "order_for_snr", "rate_discrete", "edge_delay", "average_snr", "gain_over_noise", "dbm_to_w"]

#: Every square Gray QAM order the edge stream may use (256 only when asked for: ``orders=QAM_ORDERS``).
QAM_ORDERS = (4, 16, 64, 256)
#: The paper's edge-stream constellations (Table II, Fig. 4(c)): the default everywhere.
PAPER_ORDERS = (4, 16, 64)


def check_orders(orders: Sequence[int]) -> tuple[int, ...]:
    """``orders`` as a sorted tuple of distinct orders from :data:`QAM_ORDERS`, or a one-line ValueError
    (``check_orders([64, 4, 16])`` is ``(4, 16, 64)``)."""
    vals = tuple(orders)
    if not vals or len(set(vals)) != len(vals) or not all(o in QAM_ORDERS and not isinstance(o, bool) for o in vals):
        raise ValueError(f"QAM orders must be distinct values from {QAM_ORDERS}, got {vals!r}")
    return tuple(sorted(int(o) for o in vals))


@dataclass(frozen=True)
class QiaoParams:
    """Table I of the paper (defaults) plus the packet length rule ``L = |v0|``.

    :param r: Prompt code rate (rate-1/2 convolutional code).
    :param m0: Prompt modulation order (4 = QPSK).
    :param k, b: Eq. (2)'s PER parameters ``{k, b} = {0.374, -0.31}``.
    :param alpha, beta: Eq. (4)'s MQAM parameters ``{alpha, beta} = {1.5, 5}``.
    :param power_w: Transmit power budget ``P_T`` (10 mW).
    :param eps0_db: Path loss at ``d0 = 1`` m (−30 dB).
    :param phi: Path-loss exponent (3.4).
    :param n0_dbm_hz: Noise power spectral density (−174 dBm/Hz).
    :param b0_hz, b1_hz: Bandwidths of the prompt and edge streams (1 MHz each).
    """

    r: float = 0.5
    m0: int = 4
    k: float = 0.374
    b: float = -0.31
    alpha: float = 1.5
    beta: float = 5.0
    power_w: float = 10e-3
    eps0_db: float = -30.0
    phi: float = 3.4
    n0_dbm_hz: float = -174.0
    b0_hz: float = 1e6
    b1_hz: float = 1e6

    def __post_init__(self) -> None:
        for name in ("r", "alpha", "beta", "power_w", "phi", "b0_hz", "b1_hz"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        if not 0 < self.r <= 1:
            raise ValueError(f"code rate r must lie in (0, 1], got {self.r}")
        if self.m0 not in (2, 4, 16, 64, 256):
            raise ValueError(f"prompt modulation order must be 2, 4, 16, 64 or 256, got {self.m0!r}")
        for name in ("k", "b", "eps0_db", "n0_dbm_hz"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {v!r}")

    @property
    def n0_w_hz(self) -> float:
        """N0 in W/Hz."""
        return dbm_to_w(self.n0_dbm_hz)


#: Table I.
TABLE_I = QiaoParams()


def dbm_to_w(dbm: float) -> float:
    """dBm to W."""
    return 10 ** ((dbm - 30) / 10)


def mean_power_gain(d_m: float, eps0_db: float = -30.0, phi: float = 3.4) -> float:
    r"""Eq. (1) as printed: :math:`\mathbb E|h_i|^2 = \epsilon_o d^{-2\varphi}` (amplitude :math:`d^{-\varphi}`).

    .. code-block:: python

        >>> round(10 * math.log10(mean_power_gain(10.0)), 6)   # -30 dB - 2 * 3.4 * 10 dB
        -98.0
    """
    if not d_m > 0:
        raise ValueError(f"distance must be positive, got {d_m}")
    return 10 ** (eps0_db / 10) * d_m ** (-2 * phi)


def snr(p_w: float, gain: float, b_hz: float, n0_w_hz: float) -> float:
    r"""Received SNR :math:`\gamma_i = p_i|h_i|^2/(B_i N_0)` (Section II-B, after eq. (1))."""
    return p_w * gain / (b_hz * n0_w_hz)


def per_threshold(length: float, k: float = 0.374, b: float = -0.31) -> float:
    r"""Eq. (2)'s exponent numerator :math:`c = k\ln L + b`, so that :math:`\mathrm{PER} = 1 - e^{-c/\gamma_0}`;
    a ValueError where it is not positive (below :func:`min_packet_length`: eq. (2) would give PER < 0).

    .. code-block:: python

        >>> round(per_threshold(800), 6)   # 0.374 ln 800 - 0.31
        2.190045
    """
    if not (isinstance(length, (int, float)) and math.isfinite(length) and length > 0):
        raise ValueError(f"packet length L must be a positive number of bits, got {length!r}")
    c = k * math.log(length) + b
    if not c > 0:
        lmin = f"min_packet_length = {min_packet_length(k, b)}" if k > 0 else "k > 0"
        raise ValueError(f"eq. (2) needs k ln L + b > 0 (PER >= 0), got {c:.4g} at L = {length:g} "
                         f"(k = {k:g}, b = {b:g}; needs {lmin})")
    return c


def min_packet_length(k: float = 0.374, b: float = -0.31) -> int:
    r"""The smallest whole packet length L (bits) with :math:`k\ln L + b > 0`, i.e. the first integer above
    :math:`e^{-b/k}` (eq. (2)'s PER is negative below it); ``k`` must be positive.

    .. code-block:: python

        >>> round(math.exp(0.31 / 0.374), 2), min_packet_length()   # Table I: e^{-b/k} = 2.29
        (2.29, 3)
    """
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not (math.isfinite(k) and k > 0):
        raise ValueError(f"eq. (2)'s k must be a positive number, got {k!r}")
    if not -b / k < 700:  # also catches a non-finite b
        raise ValueError(f"eq. (2) with k = {k:g}, b = {b!r} needs L > e^(-b/k): no finite packet length")
    n = max(1, math.floor(math.exp(-b / k)) - 1)
    while k * math.log(n) + b <= 0:  # the first integer strictly above e^{-b/k} (rounding-safe)
        n += 1
    return n


def prompt_per(gamma0: float, length: float, k: float = 0.374, b: float = -0.31) -> float:
    r"""Eq. (2): :math:`\mathrm{PER} \approx 1 - L^{-k/\gamma_0}\exp(-b/\gamma_0)
    = -\mathrm{expm1}(-(k\ln L + b)/\gamma_0)` (``gamma0`` linear; computed without cancellation).

    ``gamma0 <= 0``: PER = 1. ValueError for ``L`` below :func:`min_packet_length`.

    .. code-block:: python

        >>> round(prompt_per(10 ** 0.5, 800), 6)   # 5 dB, L = 800 bits
        0.499703
    """
    c = per_threshold(length, k, b)
    if not gamma0 > 0:
        return 1.0
    return -math.expm1(-c / gamma0)


def retransmissions(gamma0: float, length: float, k: float = 0.374, b: float = -0.31) -> float:
    r"""Eq. (3)'s :math:`\eta_R = 1/(1-\mathrm{PER}) = \exp((k\ln L + b)/\gamma_0)`: expected transmissions
    of a packet (geometric), computed directly (``inf`` only where it overflows a float or ``gamma0 <= 0``).

    .. code-block:: python

        >>> round(retransmissions(10.0, 800), 6)   # 800^(0.0374) e^(-0.031)
        1.244837
    """
    c = per_threshold(length, k, b)
    if not gamma0 > 0:
        return math.inf
    x = c / gamma0
    return math.exp(x) if x < 709.0 else math.inf


def prompt_delay_floor(v0_bits: float, params: QiaoParams = TABLE_I, length: Optional[float] = None) -> float:
    r"""Eq. (3) without errors: :math:`\eta_P\eta_T = \frac{|v_0|}{rL}\cdot\frac{L}{\log_2(M_0)B_0}` in s
    (:math:`T_0 = \text{floor}\cdot\eta_R`; 0.8 ms for 800 bits under Table I)."""
    L = v0_bits if length is None else length
    return v0_bits / (params.r * L) * (L / (math.log2(params.m0) * params.b0_hz))


def prompt_delay(gamma0: float, v0_bits: float, params: QiaoParams = TABLE_I, length: Optional[float] = None) -> float:
    r"""Eq. (3): :math:`T_0 = \frac{|v_0|}{rL}\cdot\frac{1}{1-\mathrm{PER}}\cdot\frac{L}{\log_2(M_0)B_0}` in s.

    ``length`` = L (Table I: ``L = |v0|``); ValueError for L below :func:`min_packet_length`.

    .. code-block:: python

        >>> round(prompt_delay(1e9, 800) * 1e3, 6)   # nearly error-free: 800 / 0.5 / 2 bit/symbol / 1 MHz
        0.8
    """
    L = v0_bits if length is None else length
    return prompt_delay_floor(v0_bits, params, L) * retransmissions(gamma0, L, params.k, params.b)


def snr_for_prompt_delay(t_s: float, v0_bits: float, params: QiaoParams = TABLE_I,
                         length: Optional[float] = None) -> float:
    r"""Eq. (3) inverted: the prompt SNR :math:`\gamma_0 = (k\ln L + b)/\ln(T/T_{\rm floor})` at which
    :math:`T_0 = T`; ``inf`` where ``T`` is at or below the error-free delay (:func:`prompt_delay_floor`).

    .. code-block:: python

        >>> g = snr_for_prompt_delay(3e-3, 800)
        >>> round(prompt_delay(g, 800) * 1e3, 12)
        3.0
    """
    L = v0_bits if length is None else length
    c = per_threshold(L, params.k, params.b)
    ratio = t_s / prompt_delay_floor(v0_bits, params, L)
    return c / math.log(ratio) if ratio > 1 else math.inf


def _log_term(ber: float, beta: float) -> float:
    if not 0 < ber < 1 / beta:
        raise ValueError(f"eq. (4) needs 0 < BER < 1/beta = {1 / beta:g}, got {ber!r}")
    return -math.log(beta * ber)


def mqam_ber_bound(gamma: float, m: int, alpha: float = 1.5, beta: float = 5.0) -> float:
    r"""The M-QAM BER bound behind eq. (4) (Goldsmith & Chua): :math:`\mathrm{BER} \le \frac1\beta
    \exp\!\big(-\frac{\alpha\gamma}{M-1}\big)` = :math:`0.2\,e^{-1.5\gamma/(M-1)}`."""
    return math.exp(-alpha * gamma / (m - 1)) / beta


def rate_continuous(gamma1: float, ber: float, b_hz: float = 1e6, alpha: float = 1.5, beta: float = 5.0) -> float:
    r"""Eq. (4): :math:`R = B\log_2\!\big(1 + \frac{\alpha}{-\ln(\beta\,\mathrm{BER})}\gamma\big)` in bit/s."""
    # log1p: at tiny SNR (the continuous optimum at very low average SNR) 1 + x rounds to 1
    return b_hz * math.log1p(alpha / _log_term(ber, beta) * max(gamma1, 0.0)) / math.log(2.0)


def min_snr_for_order(m: int, ber: float, alpha: float = 1.5, beta: float = 5.0) -> float:
    r"""Smallest SNR (linear) at which M-QAM meets ``ber`` by eq. (4)'s bound:
    :math:`\gamma_M = (M-1)\,(-\ln(\beta\,\mathrm{BER}))/\alpha`.

    .. code-block:: python

        >>> round(10 * math.log10(min_snr_for_order(64, 1e-6)), 2)
        27.1
    """
    return (m - 1) * _log_term(ber, beta) / alpha


def order_for_snr(gamma1: float, ber: float, alpha: float = 1.5, beta: float = 5.0,
                  orders: Sequence[int] = PAPER_ORDERS) -> int:
    """The largest order of ``orders`` (default the paper's {4, 16, 64}) whose eq. (4) bound meets ``ber``
    at ``gamma1``; 0 = outage.

    .. code-block:: python

        >>> order_for_snr(1e4, 1e-6), order_for_snr(1e4, 1e-6, orders=QAM_ORDERS), order_for_snr(10.0, 1e-6)
        (64, 256, 0)
    """
    ok = [m for m in orders if gamma1 >= min_snr_for_order(m, ber, alpha, beta)]
    return max(ok) if ok else 0


def rate_discrete(gamma1: float, ber: float, b_hz: float = 1e6, alpha: float = 1.5, beta: float = 5.0,
                  orders: Sequence[int] = PAPER_ORDERS) -> float:
    """Discrete adaptive MQAM: ``B log2 M`` with :func:`order_for_snr` over ``orders`` (0 in outage)."""
    m = order_for_snr(gamma1, ber, alpha, beta, orders)
    return b_hz * math.log2(m) if m else 0.0


def edge_delay(v1_bits: float, rate_bps: float) -> float:
    r""":math:`T_1 = |v_1|/R_1` (after eq. (4)); infinite in outage."""
    return math.inf if rate_bps <= 0 else v1_bits / rate_bps


def average_snr(gain_over_n0: float, params: QiaoParams = TABLE_I) -> float:
    r"""Section III-E: :math:`\bar\gamma = P_T\,\mathbb E|h_0|^2/((B_0+B_1)N_0)`; ``gain_over_n0`` = E|h0|²/N0."""
    return params.power_w * gain_over_n0 / (params.b0_hz + params.b1_hz)


def gain_over_noise(avg_snr_linear: float, params: QiaoParams = TABLE_I) -> float:
    """E|h|²/N0 (1/(W/Hz)) giving the average SNR ``avg_snr_linear`` (inverse of :func:`average_snr`)."""
    return avg_snr_linear * (params.b0_hz + params.b1_hz) / params.power_w

