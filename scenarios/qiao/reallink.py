r"""Eqs. (2)-(3) of Qiao et al. against the real prompt link (the study's ``eq2`` part).

The prompt packet (L information bits + CRC24A, terminated rate-1/2 K = 7 convolutional code, soft
Viterbi, QPSK; :class:`linklevel.Link` with ``code="conv"``) on the simulated link.

**Which SNR eq. (2) takes.** :math:`1-\mathrm{PER} = \exp(-(k\ln L + b)/\gamma_0)` is exactly the
probability that an Exp(1)-faded SNR :math:`\gamma_0 X` exceeds the threshold
:math:`\gamma_\mathrm{th} = k\ln L + b`: :math:`P(\gamma_0 X > \gamma_\mathrm{th}) =
e^{-\gamma_\mathrm{th}/\gamma_0}`. Eq. (2) is therefore the threshold (outage) model of a packet on
Rayleigh *block* fading, one fade per packet, evaluated at the packet's **mean** SNR
:math:`\bar\gamma_0 = p_0\mathbb E|h_0|^2/(B_0N_0)` -- the reading this study uses everywhere (the
designs give eq. (2) the mean SNR, the end-to-end check sends the prompt on block fading at that mean
SNR). Averaging eq. (2) over the fade once more (:func:`faded_model_per`, the first pass's reading) counts
the fading twice; on AWGN no such form can follow a waterfall, so AWGN is only a labelled diagnostic.

* :func:`simulate_per`: measured PER at Es/N0 = γ0 (AWGN) or mean Es/N0 γ̄0 (Rayleigh block fading,
  one fade per packet) through the Monte Carlo engine; PER = BLER with its Clopper–Pearson interval
  over packets (independent).
* :func:`fit_kb`: {k, b} refitted by binomial maximum likelihood on one channel's points (several L),
  with a flag whether the fit is physical (k > 0: PER grows with L, and k ln L + b > 0 at every L).
* :func:`retransmission_check`: the packet sent again and again on AWGN at Es/N0 = γ0 until its CRC
  passes: the number of transmissions per prompt against the geometric law behind eq. (3),
  :math:`E[\text{transmissions}] = 1/(1-\mathrm{PER})` (prompts are independent: the interval of
  the mean is over prompts; the PER, measured on separate packets, has a Clopper–Pearson interval).

HARQ vs ARQ on the 5G LDPC link is :mod:`scenarios.qiao.reallink_harq`, the eq. (4) check
:mod:`scenarios.qiao.reallink_eq4`, the designs end to end :mod:`scenarios.qiao.reallink_e2e`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from . import models as m

__all__ = ["PerPoint", "PER_COLUMNS", "PER_UNITS", "RETX_COLUMNS", "RETX_UNITS", "EQ2_SNR", "prompt_link_config",
           "packet_symbols", "attempts", "simulate_per", "fit_kb", "model_per", "faded_model_per", "verdict",
           "retransmission_check"]

#: The SNR eq. (2) takes in this study (module docstring).
EQ2_SNR = "the packet's mean SNR on Rayleigh block fading (one fade per packet)"

CRC = "CRC24A"
CRC_BITS = 24
TAIL = 6  #: K = 7 terminated convolutional code: K - 1 tail bits

#: Columns of the stored PER points (``eq2/points``) and their units.
PER_COLUMNS = ("length", "channel", "snr_db", "packets", "errors", "per", "per_lo", "per_hi", "eq2", "eq2_faded",
               "verdict")
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
    """One measured PER point, eq. (2) at its (mean) SNR and the fade-averaged diagnostic."""

    length: int
    channel: str
    snr_db: float
    packets: int
    errors: int
    per: float
    ci: tuple[float, float]
    model: float
    faded: float = math.nan

    @property
    def consistent(self) -> bool:
        return self.ci[0] <= self.model <= self.ci[1]


def prompt_link_config(length: int, channel: str = "awgn") -> Any:
    """The prompt packet's link: L info bits + CRC24A, conv rate 1/2 (K = 7), QPSK, Es/N0; on AWGN or on
    Rayleigh block fading with one fade per packet (``channel="rayleigh"``)."""
    from linklevel import LinkConfig

    if channel not in ("awgn", "rayleigh"):
        raise ValueError(f"channel must be 'awgn' or 'rayleigh', got {channel!r}")
    extra = {} if channel == "awgn" else {"channel": "rayleigh-block", "coherence": "codeword"}
    return LinkConfig(modulation="qpsk", code="conv", k=int(length) + CRC_BITS, crc=CRC, snr_type="esno", **extra)


def packet_symbols(length: int) -> int:
    """QPSK symbols of one prompt packet: 2(L + 24 + 6) coded bits / 2."""
    return int(length) + CRC_BITS + TAIL


def model_per(gamma0: float, length: int, channel: str = "rayleigh", k: float = 0.374, b: float = -0.31) -> float:
    """Eq. (2) at γ0: the mean SNR on block fading (the study's reading), the SNR itself on AWGN (diagnostic).

    .. code-block:: python

        >>> round(model_per(10.0, 800), 4)   # 10 dB mean SNR, L = 800: the issue's 0.197
        0.1967
    """
    if channel not in ("awgn", "rayleigh"):
        raise ValueError(f"channel must be 'awgn' or 'rayleigh', got {channel!r}")
    if k * math.log(length) + b <= 0:  # an unphysical refit: eq. (2) has no PER there (NaN, the fit is flagged)
        return math.nan
    return m.prompt_per(gamma0, length, k, b)


def faded_model_per(gamma0: float, length: int, k: float = 0.374, b: float = -0.31) -> float:
    r"""Eq. (2) averaged over one more Exp(1) fade, :math:`\int_0^\infty \mathrm{PER}(\bar\gamma x)e^{-x}dx`:
    the first pass's reading, which counts the fading twice (kept as a labelled diagnostic)."""
    if k * math.log(length) + b <= 0:
        return math.nan
    x, w = np.polynomial.laguerre.laggauss(80)  # ∫ f(x) e^{-x} dx
    return float(sum(wi * m.prompt_per(gamma0 * xi, length, k, b) for xi, wi in zip(x, w)))


def simulate_per(lengths: Sequence[int], snrs_db: Sequence[float], channel: str = "rayleigh", target_errors: int = 100,
                 max_packets: int = 20_000, seed: int = 0, device: Optional[str] = None,
                 confidence: float = 0.95, max_bits: Optional[int] = None, k: float = 0.374,
                 b: float = -0.31) -> list[PerPoint]:
    """Measured PER of the prompt packet (L info bits + CRC24A) at Es/N0 points (mean Es/N0 on Rayleigh);
    at most ``max_packets`` packets and ``max_bits`` information bits per point."""
    from linklevel import Link
    from linklevel.engine.montecarlo import StopCriteria, simulate_point
    from linklevel.engine.runtime import resolve_device

    out = []
    for length in lengths:
        cfg = prompt_link_config(int(length), channel)
        link = Link(cfg, device=resolve_device(device))
        cap = max_packets if max_bits is None else max(1, min(max_packets, int(max_bits) // int(length)))
        stop = StopCriteria(target_bit_errors=None, target_block_errors=target_errors, max_bits=None, max_blocks=cap)
        batch = max(1, min(cap, (1 << 19) // cfg.n))  # large batches: the Viterbi decoder is 2-4x faster per bit
        for s in snrs_db:
            p = simulate_point(link, float(s), stop, batch, seed)
            gamma = 10 ** (s / 10)
            out.append(PerPoint(int(length), channel, float(s), p.blocks, p.block_errors, p.bler,
                                tuple(p.bler_ci(confidence)), model_per(gamma, int(length), channel, k, b),
                                faded_model_per(gamma, int(length), k, b) if channel == "rayleigh" else math.nan))
    return out


def _nll(kb: np.ndarray, rows: np.ndarray) -> float:
    """Binomial negative log-likelihood of eq. (2) at (k, b); rows: (ln L, γ, packets, errors)."""
    thr = kb[0] * rows[:, 0] + kb[1]
    log_ok = -np.maximum(thr, 1e-12) / rows[:, 1]  # ln(1 - PER)
    log_per = np.log(-np.expm1(log_ok))
    return float(-np.sum(rows[:, 3] * log_per + (rows[:, 2] - rows[:, 3]) * log_ok))


def fit_kb(points: Sequence[PerPoint], channel: str = "rayleigh") -> Optional[dict[str, Any]]:
    """{k, b} of eq. (2) refitted on one channel's points by binomial maximum likelihood over packets
    (least squares of −γ ln(1 − PER) = k ln L + b as the start); needs two or more lengths.

    :output: ``{"k", "b", "channel", "points", "physical", "note"}`` or `None`; ``physical``: k > 0 (the PER grows
        with L, as eq. (2) assumes) and the threshold k ln L + b is positive at every fitted L.
    """
    from scipy.optimize import minimize

    pts = [p for p in points if p.channel == channel and p.packets > 0]
    if len({p.length for p in pts}) < 2:
        return None
    rows = np.array([(math.log(p.length), 10 ** (p.snr_db / 10), p.packets, p.errors) for p in pts], dtype=float)
    ls = [(r[0], -r[1] * math.log(1 - p.per)) for r, p in zip(rows, pts) if 0 < p.per < 1]
    x0 = np.linalg.lstsq(np.array([[r[0], 1.0] for r in ls]), np.array([r[1] for r in ls]), rcond=None)[0] \
        if len({r[0] for r in ls}) >= 2 else np.array([0.374, -0.31])
    res = minimize(_nll, x0, args=(rows,), method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9,
                                                                          "maxiter": 4000})
    k, b = (float(v) for v in res.x)
    thr = k * rows[:, 0] + b
    physical = bool(k > 0 and np.all(thr > 0))
    note = "" if physical else (f"unphysical: k = {k:.3g} <= 0 (the PER would fall with L)" if k <= 0 else
                                "unphysical: the threshold k ln L + b is negative at some L")
    return {"k": k, "b": b, "channel": channel, "points": len(pts), "physical": physical, "note": note}


def verdict(points: Sequence[PerPoint]) -> list[dict[str, Any]]:
    """A row per point (:data:`PER_COLUMNS`): measured PER [CI] vs eq. (2), ``consistent`` or the side
    eq. (2) is on (``eq2 above``: pessimistic, ``eq2 below``: optimistic)."""
    return [{"length": p.length, "channel": p.channel, "snr_db": p.snr_db, "packets": p.packets, "errors": p.errors,
             "per": p.per, "per_lo": p.ci[0], "per_hi": p.ci[1], "eq2": p.model, "eq2_faded": p.faded,
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
