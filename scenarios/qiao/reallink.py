r"""Eqs. (2)-(3) of Qiao et al. against the real prompt link (the study's ``eq2`` part).

The prompt packet (L information bits + CRC24A, terminated rate-1/2 K = 7 convolutional code, soft
Viterbi, QPSK; :class:`linklevel.Link` with ``code="conv"``) on the simulated link:

* :func:`simulate_per`: at Es/N0 = γ0 on AWGN or on Rayleigh fading with one fade per packet,
  through the Monte Carlo engine (PER = BLER with its Clopper–Pearson interval on packets, which are
  independent). Eq. (2) says :math:`-\gamma_0\ln(1-\mathrm{PER}) = k\ln L + b`; least squares on the
  measured points with :math:`0 < \mathrm{PER} < 1` over several L gives the fitted {k, b}
  (:func:`fit_kb`). On Rayleigh fading the measured average PER is compared with eq. (2) averaged
  over the fade, :math:`\int_0^\infty \mathrm{PER}(\bar\gamma x)e^{-x}dx` (:func:`model_per`).
* :func:`retransmission_check`: the packet sent again and again on AWGN at Es/N0 = γ0 until its CRC
  passes: the number of transmissions per prompt against the geometric law behind eq. (3),
  :math:`E[\text{transmissions}] = 1/(1-\mathrm{PER})` (prompts are independent: the interval of
  the mean is over prompts; the PER, measured on separate packets, has a Clopper–Pearson interval).

The eq. (4) check is :mod:`scenarios.qiao.reallink_eq4`, the designs end to end
:mod:`scenarios.qiao.reallink_e2e`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from . import models as m

__all__ = ["PerPoint", "PER_COLUMNS", "PER_UNITS", "RETX_COLUMNS", "RETX_UNITS", "prompt_link_config",
           "packet_symbols", "attempts", "simulate_per", "fit_kb", "model_per", "verdict", "retransmission_check"]

CRC = "CRC24A"
CRC_BITS = 24
TAIL = 6  #: K = 7 terminated convolutional code: K - 1 tail bits

#: Columns of the stored PER points (``eq2/points``) and their units.
PER_COLUMNS = ("length", "channel", "snr_db", "packets", "errors", "per", "per_lo", "per_hi", "eq2", "verdict")
PER_UNITS = {"length": "bit", "snr_db": "dB", "packets": "packet", "errors": "packet"}
#: Columns of the stored retransmission checks (``eq2/retransmissions``) and their units.
RETX_COLUMNS = ("length", "snr_db", "prompts", "packets", "mean", "mean_lo", "mean_hi", "per", "per_lo", "per_hi",
                "geometric_mean", "geometric_lo", "geometric_hi", "eq2_per", "eq3_mean", "chi2_p", "undetected",
                "not_delivered")
RETX_UNITS = {"length": "bit", "snr_db": "dB", "prompts": "prompt", "packets": "packet", "mean": "transmission",
              "mean_lo": "transmission", "mean_hi": "transmission", "geometric_mean": "transmission",
              "geometric_lo": "transmission", "geometric_hi": "transmission", "eq3_mean": "transmission",
              "undetected": "packet", "not_delivered": "prompt"}


@dataclass(frozen=True)
class PerPoint:
    """One measured PER point and eq. (2)'s value."""

    length: int
    channel: str
    snr_db: float
    packets: int
    errors: int
    per: float
    ci: tuple[float, float]
    model: float

    @property
    def consistent(self) -> bool:
        return self.ci[0] <= self.model <= self.ci[1]


def prompt_link_config(length: int) -> Any:
    """The prompt packet's link: L info bits + CRC24A, conv rate 1/2 (K = 7), QPSK, Es/N0 on AWGN."""
    from linklevel import LinkConfig

    return LinkConfig(modulation="qpsk", code="conv", k=int(length) + CRC_BITS, crc=CRC, snr_type="esno")


def packet_symbols(length: int) -> int:
    """QPSK symbols of one prompt packet: 2(L + 24 + 6) coded bits / 2."""
    return int(length) + CRC_BITS + TAIL


def model_per(gamma0: float, length: int, channel: str, k: float = 0.374, b: float = -0.31) -> float:
    """Eq. (2) at γ0 (AWGN), or averaged over one Rayleigh fade per packet (mean γ0)."""
    if channel == "awgn":
        return m.prompt_per(gamma0, length, k, b)
    x, w = np.polynomial.laguerre.laggauss(80)  # ∫ f(x) e^{-x} dx
    return float(sum(wi * m.prompt_per(gamma0 * xi, length, k, b) for xi, wi in zip(x, w)))


def simulate_per(lengths: Sequence[int], snrs_db: Sequence[float], channel: str = "awgn", target_errors: int = 100,
                 max_packets: int = 20_000, seed: int = 0, device: Optional[str] = None,
                 confidence: float = 0.95) -> list[PerPoint]:
    """Measured PER of the prompt packet (L info bits + CRC24A) at Es/N0 points."""
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point
    from linklevel.engine.runtime import resolve_device

    if channel not in ("awgn", "rayleigh"):
        raise ValueError(f"channel must be 'awgn' or 'rayleigh', got {channel!r}")
    out = []
    for length in lengths:
        cfg = LinkConfig(modulation="qpsk", code="conv", k=int(length) + CRC_BITS, crc=CRC, snr_type="esno",
                         channel="awgn" if channel == "awgn" else "rayleigh-block", coherence="codeword")
        link = Link(cfg, device=resolve_device(device))
        stop = StopCriteria(target_bit_errors=None, target_block_errors=target_errors, max_bits=None,
                            max_blocks=max_packets)
        batch = max(1, min(max_packets, (1 << 16) // cfg.n))
        for s in snrs_db:
            p = simulate_point(link, float(s), stop, batch, seed)
            gamma = 10 ** (s / 10)
            out.append(PerPoint(int(length), channel, float(s), p.blocks, p.block_errors, p.bler,
                                tuple(p.bler_ci(confidence)), model_per(gamma, int(length), channel)))
    return out


def fit_kb(points: Sequence[PerPoint]) -> Optional[tuple[float, float]]:
    """Least-squares {k, b} of eq. (2) from AWGN points with 0 < PER < 1 (needs two or more lengths)."""
    rows = [(math.log(p.length), -10 ** (p.snr_db / 10) * math.log(1 - p.per)) for p in points
            if p.channel == "awgn" and 0 < p.per < 1]
    if len({r[0] for r in rows}) < 2:
        return None
    x = np.array([[r[0], 1.0] for r in rows])
    y = np.array([r[1] for r in rows])
    (k, b), *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(k), float(b)


def verdict(points: Sequence[PerPoint]) -> list[dict[str, Any]]:
    """A row per point (:data:`PER_COLUMNS`): measured PER [CI] vs eq. (2), ``consistent`` or the side
    eq. (2) is on (``eq2 above``: pessimistic, ``eq2 below``: optimistic)."""
    return [{"length": p.length, "channel": p.channel, "snr_db": p.snr_db, "packets": p.packets, "errors": p.errors,
             "per": p.per, "per_lo": p.ci[0], "per_hi": p.ci[1], "eq2": p.model,
             "verdict": "consistent" if p.consistent else ("eq2 above" if p.model > p.ci[1] else "eq2 below")}
            for p in points]


def attempts(link: Any, snr_db: float, prompts: int, cap: int, chunk: int) -> tuple[np.ndarray, int, int]:
    """Transmissions per prompt (``cap`` + 1 = not delivered), packets sent, undetected errors."""
    import torch

    out, sent, undetected = [], 0, 0
    run = 0
    with torch.no_grad():
        while len(out) < prompts:
            o = link(chunk, snr_db)
            ok = o.crc_ok.reshape(-1).cpu().numpy()
            wrong = (o.bits_hat != o.bits).any(-1).reshape(-1).cpu().numpy()
            for good, bad in zip(ok, wrong):
                sent += 1
                run += 1
                if good:
                    undetected += int(bad)
                    out.append(run)
                    run = 0
                elif run >= cap:
                    out.append(cap + 1)
                    run = 0
                if len(out) == prompts:
                    break
    return np.array(out, dtype=np.int64), sent, undetected


def _independent_per(link: Any, snr_db: float, packets: int, chunk: int, seed: int) -> tuple[int, int]:
    """(failed, sent) CRC checks of ``packets`` fresh packets under another seed."""
    import torch

    from linklevel.engine.runtime import seed_everything

    seed_everything(seed + 1_000_003)
    fails, n = 0, 0
    with torch.no_grad():
        while n < packets:
            o = link(min(chunk, packets - n), float(snr_db))
            fails += int((~o.crc_ok).sum())
            n += int(o.crc_ok.numel())
    return fails, n


def _geometric_p(att: np.ndarray, counts: np.ndarray) -> Optional[float]:
    """χ² p-value of the geometric law P(T = t) = q^(t-1) (1 - q), q = the run's own failure rate (one
    degree of freedom for it; bins with expected count >= 5, the tail merged into one)."""
    from scipy import stats as st

    q = float((att.sum() - att.size) / att.sum())
    t = np.arange(1, counts.size + 1)
    expect = att.size * q ** (t - 1) * (1 - q)
    keep = int(np.sum(expect >= 5)) if q > 0 else 1
    if not (q > 0 and keep >= 3):
        return None
    obs = np.append(counts[: keep - 1], counts[keep - 1:].sum())
    exp = np.append(expect[: keep - 1], att.size - expect[: keep - 1].sum())
    return float(st.chisquare(obs, exp, ddof=1).pvalue)


def retransmission_check(length: int, snr_db: float, prompts: int = 2000, seed: int = 0, device: Optional[str] = None,
                         k: float = 0.374, b: float = -0.31, cap: int = 1000) -> dict[str, Any]:
    r"""Transmissions per prompt on the real link vs the geometric law and eq. (2)-(3).

    The PER that predicts the mean, :math:`1/(1-\mathrm{PER})`, is measured on *separate* packets
    (another seed, as many packets), so the comparison is not circular (the retransmission run's
    own packet count over prompts is its mean by definition).

    :output: dict with the :data:`RETX_COLUMNS`: ``mean`` with ``mean_lo``/``mean_hi`` (95 % t interval
        over prompts), ``per`` with ``per_lo``/``per_hi`` (independent packets, Clopper–Pearson),
        ``geometric_mean`` = 1/(1 − per) with ``geometric_lo``/``geometric_hi``, ``eq3_mean`` =
        1/(1 − eq. (2)'s PER), ``chi2_p`` (goodness of fit of the geometric law, or ``None``),
        ``undetected`` (accepted packets with wrong bits), ``not_delivered``; and ``counts`` (histogram:
        index t-1 = delivered at the t-th transmission).
    """
    from scipy import stats as st

    from linklevel import Link
    from linklevel.engine.runtime import resolve_device, seed_everything
    from linklevel.theory.stats import clopper_pearson

    if prompts < 2:
        raise ValueError("prompts must be >= 2")
    link = Link(prompt_link_config(length), device=resolve_device(device))
    per_eq2 = m.prompt_per(10 ** (snr_db / 10), length, k, b)
    chunk = int(min(4096, max(64, prompts / max(1e-3, 1 - per_eq2) / 4)))
    seed_everything(seed)
    att, sent, undetected = attempts(link, float(snr_db), prompts, cap, chunk)
    fails, n_ind = _independent_per(link, snr_db, sent, chunk, seed)
    per = fails / n_ind
    lo, hi = clopper_pearson(fails, n_ind, 0.95)
    mean = float(att.mean())
    half = float(st.t.ppf(0.975, att.size - 1) * att.std(ddof=1) / math.sqrt(att.size))
    counts = np.bincount(att, minlength=2)[1:]
    return {"length": int(length), "snr_db": float(snr_db), "prompts": int(att.size), "packets": int(sent),
            "counts": counts.tolist(), "mean": mean, "mean_lo": mean - half, "mean_hi": mean + half, "per": per,
            "per_lo": float(lo), "per_hi": float(hi), "geometric_mean": 1 / (1 - per) if per < 1 else math.inf,
            "geometric_lo": 1 / (1 - float(lo)), "geometric_hi": 1 / (1 - float(hi)) if hi < 1 else math.inf,
            "eq2_per": per_eq2, "eq3_mean": m.retransmissions(10 ** (snr_db / 10), length, k, b),
            "chi2_p": _geometric_p(att, counts), "undetected": int(undetected),
            "not_delivered": int((att > cap).sum())}
