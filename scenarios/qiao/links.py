r"""The Qiao et al. design on real links (study items 4 and 6).

* :func:`retransmission_check`: the prompt packet (L bits + CRC24A, rate-1/2 K = 7 convolutional
  code, soft Viterbi, QPSK) sent again and again on AWGN at Es/N0 = γ0 until its CRC passes: the
  number of transmissions per prompt against the geometric law behind eq. (3),
  :math:`E[\text{transmissions}] = 1/(1-\mathrm{PER})` (prompts are independent: the interval of
  the mean is over prompts; the PER, measured on separate packets, has a Clopper–Pearson interval).
* :func:`simulate_mqam`: uncoded Gray M-QAM on AWGN at Es/N0 points (the eq. (4) check); the BER
  interval is the engine's cluster interval over *frames* (bits of one symbol are not independent
  in M-QAM, frames are).
* :func:`end_to_end`: per Rayleigh draw, the exact discrete design (Lemma 1, problem (5)); the prompt
  with actual CRC retransmissions at the designed γ0 and the edge map's bits at the chosen M
  through :class:`bridge.Transmitter` (uncoded, forward-with-error) at the designed γ1 — the channel
  is constant during one transmission, as in the paper. Achieved latency = transmissions × the real
  packet duration (CRC and code tail included) vs eq. (3)/(4)'s; achieved edge BER vs BER1*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import lemma1
from . import models as m

__all__ = ["prompt_link_config", "packet_symbols", "retransmission_check", "simulate_mqam", "E2EDraw", "E2E_COLUMNS", "end_to_end"]

CRC = "CRC24A"
CRC_BITS = 24
TAIL = 6  #: K = 7 terminated convolutional code: K - 1 tail bits


def prompt_link_config(length: int) -> Any:
    """The prompt packet's link: L info bits + CRC24A, conv rate 1/2 (K = 7), QPSK, Es/N0 on AWGN."""
    from linklevel import LinkConfig

    return LinkConfig(modulation="qpsk", code="conv", k=int(length) + CRC_BITS, crc=CRC, snr_type="esno")


def packet_symbols(length: int) -> int:
    """QPSK symbols of one prompt packet: 2(L + 24 + 6) coded bits / 2."""
    return int(length) + CRC_BITS + TAIL


def _attempts(link: Any, snr_db: float, prompts: int, cap: int, chunk: int) -> tuple[np.ndarray, int, int]:
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


def retransmission_check(length: int, snr_db: float, prompts: int = 2000, seed: int = 0, device: Optional[str] = None,
                         k: float = 0.374, b: float = -0.31, cap: int = 1000) -> dict[str, Any]:
    r"""Transmissions per prompt on the real link vs the geometric law and eq. (2)-(3).

    The PER that predicts the mean, :math:`1/(1-\mathrm{PER})`, is measured on *separate* packets
    (another seed, as many packets), so the comparison is not circular (the retransmission run's
    own packet count over prompts is its mean by definition).

    :output: dict with ``counts`` (histogram: index t-1 = delivered at the t-th transmission),
        ``mean`` and ``mean_ci`` (95 % over prompts), ``per`` / ``per_ci`` (independent packets,
        Clopper–Pearson), ``geometric_mean`` = 1/(1 − per) with ``geometric_ci``, ``eq3_mean`` =
        1/(1 − eq. (2)'s PER), ``chi2_p`` (goodness of fit of the geometric law with the PER of the
        run itself, bins with expected count ≥ 5, one degree of freedom for it), ``undetected``
        (accepted packets with wrong bits).
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
    att, sent, undetected = _attempts(link, float(snr_db), prompts, cap, chunk)
    # independent PER: as many fresh packets, another seed
    import torch

    seed_everything(seed + 1_000_003)
    fails_ind, n_ind = 0, 0
    with torch.no_grad():
        while n_ind < sent:
            o = link(min(chunk, sent - n_ind), float(snr_db))
            fails_ind += int((~o.crc_ok).sum())
            n_ind += int(o.crc_ok.numel())
    per = fails_ind / n_ind
    lo, hi = clopper_pearson(fails_ind, n_ind, 0.95)
    mean = float(att.mean())
    half = float(st.t.ppf(0.975, att.size - 1) * att.std(ddof=1) / math.sqrt(att.size))
    counts = np.bincount(att, minlength=2)[1:]
    # geometric law P(T = t) = q^(t-1) (1 - q), q = the run's own failure rate; tail merged into one bin
    q = float((att.sum() - att.size) / att.sum())
    t = np.arange(1, counts.size + 1)
    expect = att.size * q ** (t - 1) * (1 - q)
    keep = int(np.sum(expect >= 5)) if q > 0 else 1
    chi2_p = None
    if q > 0 and keep >= 3:
        obs = np.append(counts[: keep - 1], counts[keep - 1:].sum())
        exp = np.append(expect[: keep - 1], att.size - expect[: keep - 1].sum())
        chi2_p = float(st.chisquare(obs, exp, ddof=1).pvalue)
    return {"length": int(length), "snr_db": float(snr_db), "prompts": int(att.size), "packets": int(sent),
            "counts": counts.tolist(), "mean": mean, "mean_ci": [mean - half, mean + half], "per": per,
            "per_ci": [float(lo), float(hi)], "geometric_mean": 1 / (1 - per) if per < 1 else math.inf,
            "geometric_ci": [1 / (1 - float(lo)), 1 / (1 - float(hi)) if hi < 1 else math.inf],
            "eq2_per": per_eq2, "eq3_mean": m.retransmissions(10 ** (snr_db / 10), length, k, b),
            "chi2_p": chi2_p, "undetected": int(undetected), "not_delivered": int((att > cap).sum())}


def simulate_mqam(order: int, snrs_db: Sequence[float], target_bit_errors: int = 200, max_bits: int = 10**7,
                  seed: int = 0, device: Optional[str] = None) -> list[dict[str, Any]]:
    """Uncoded Gray M-QAM BER on AWGN at Es/N0 points, with a frame-cluster 95 % interval."""
    from linklevel import Link, LinkConfig
    from linklevel.engine.montecarlo import StopCriteria, simulate_point
    from linklevel.engine.runtime import resolve_device
    from linklevel.theory.stats import cluster_interval

    mod = "qpsk" if order == 4 else f"{order}qam"
    bps = int(round(math.log2(order)))
    cfg = LinkConfig(modulation=mod, code="none", k=bps * 1024, snr_type="esno")
    link = Link(cfg, device=resolve_device(device))
    stop = StopCriteria(target_bit_errors=target_bit_errors, target_block_errors=None, max_bits=max_bits)
    batch = max(1, (1 << 20) // cfg.k)
    rows = []
    for s in snrs_db:
        p = simulate_point(link, float(s), stop, batch, seed)
        lo, hi, deff = cluster_interval(p.bit_errors, p.bits, p.bit_err_sq, p.bits_sq, p.bit_err_bits, p.frames)
        rows.append({"modulation_order": int(order), "snr_db": float(s), "bits": int(p.bits),
                     "bit_errors": int(p.bit_errors), "ber": p.bit_errors / p.bits if p.bits else math.nan,
                     "ber_ci": [lo, hi], "frames": int(p.frames), "design_effect": deff})
    return rows


@dataclass(frozen=True)
class E2EDraw:
    """One Rayleigh draw of the end-to-end check (times in s)."""

    avg_snr_db: float
    fades: tuple[float, float]
    order: int
    designed_t0: float
    designed_t1: float
    designed_latency: float
    transmissions: int
    achieved_t0: float
    achieved_t1: float
    achieved_latency: float
    edge_bits: int
    edge_errors: int
    quality: float  # achieved normalized quality (NaN when not measured)

    def to_row(self) -> list[float]:
        return [self.avg_snr_db, self.fades[0], self.fades[1], self.order, self.designed_t0, self.designed_t1,
                self.designed_latency, self.transmissions, self.achieved_t0, self.achieved_t1,
                self.achieved_latency, self.edge_bits, self.edge_errors, self.quality]


E2E_COLUMNS = ("avg_snr_db", "fade0", "fade1", "order", "designed_t0", "designed_t1", "designed_latency",
               "transmissions", "achieved_t0", "achieved_t1", "achieved_latency", "edge_bits", "edge_errors",
               "quality")


def end_to_end(v0: int, edge_streams: Sequence[Any], avg_snr_db: float, ber: float, draws: int,
               params: m.QiaoParams = m.TABLE_I, seed: int = 0, device: Optional[str] = None,
               quality: Optional[Callable[[int, Any], float]] = None, cap: int = 1000) -> list[E2EDraw]:
    """``draws`` Rayleigh draws at average SNR ``avg_snr_db``: design (exact discrete optimum for
    the draw's edge stream, ``|v1|`` = its length), then both streams on real links.

    :param edge_streams: float {0,1} bit tensors of the edge maps (used round robin).
    :param quality: ``(stream index, received bits) -> normalized quality``, or `None`.
    :output: One :class:`E2EDraw` per draw (outage draws: order 0, infinite designed latency, nothing sent).
    """
    from bridge import LinkChannel, Transmitter
    from linklevel import Link, LinkConfig
    from linklevel.engine.runtime import resolve_device, seed_everything

    from .sweep import mean_gain

    dev = resolve_device(device)
    rng = np.random.default_rng(seed)
    g = mean_gain(avg_snr_db, params)
    link = Link(prompt_link_config(v0), device=dev)
    tx = Transmitter(device=dev, seed=seed + 1)
    t_packet = packet_symbols(v0) / params.b0_hz
    out = []
    for i in range(draws):
        x = rng.exponential(1.0, size=2)
        stream = edge_streams[i % len(edge_streams)]
        d = lemma1.solve_discrete(v0, stream.numel(), g * x[0], g * x[1], ber, params)
        if not d.feasible:
            out.append(E2EDraw(avg_snr_db, (float(x[0]), float(x[1])), 0, d.t0_s, math.inf, math.inf, 0, math.nan,
                               math.inf, math.inf, int(stream.numel()), 0, math.nan))
            continue
        seed_everything(seed * 7919 + i)
        att, _, _ = _attempts(link, d.snr0_db, 1, cap, 8)
        n = int(att[0])
        order = int(d.modulation_order)
        cfg = LinkConfig(modulation="qpsk" if order == 4 else f"{order}qam", code="none",
                         k=int(math.log2(order)) * 1024, snr_type="esno")
        res = tx.send(stream, LinkChannel(cfg, ebno_db=d.snr1_db), "forward")
        t1 = stream.numel() / (params.b1_hz * math.log2(order))
        t0 = n * t_packet if n <= cap else math.inf
        q = quality(i % len(edge_streams), res.bits) if quality is not None else math.nan
        out.append(E2EDraw(avg_snr_db, (float(x[0]), float(x[1])), order, d.t0_s, d.t1_s, d.latency_s, n, t0, t1,
                           max(t0, t1), res.stats.bits, res.stats.bit_errors, float(q)))
    return out
