"""The Qiao latency study's summaries of its checks on real links: eq. (2) on block fading (and the AWGN
diagnostic), retransmissions, HARQ vs ARQ and the designs end to end against their targets.

Intervals come from the file where the simulation made them (Clopper–Pearson over packets, t intervals
over prompts) or are computed over Rayleigh draws, the end-to-end check's independent unit (bootstrap of
the pooled edge BER, Clopper–Pearson of the outage, late-delivery and below-target rates; study seed).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..study.stats import MIN_UNITS, Interval, bootstrap, bootstrap_mean, finite_or_none, proportion

__all__ = ["RetxSummary", "Eq2Summary", "HarqRow", "E2ERow", "E2ESummary", "stored_interval", "eq2_summary",
           "harq_summary", "e2e_summary"]


def stored_interval(value: float, lo: float, hi: float, n: int, unit: str) -> Interval:
    """An interval the simulation stored (Clopper–Pearson, t, cluster), as the kit shows intervals: without
    its ends when fewer than :data:`~scenarios.study.stats.MIN_UNITS` independent ``unit``s back it."""
    ok = n >= MIN_UNITS
    return Interval(float(value), float(lo) if ok else math.nan, float(hi) if ok else math.nan, int(n), unit)


@dataclass
class RetxSummary:
    """Transmissions per prompt under CRC retransmission: mean (t interval over prompts) vs the geometric
    law's 1/(1 − PER) (PER on separate packets, Clopper–Pearson) and eq. (3)'s prediction."""

    length: int
    snr_db: float
    prompts: int
    mean: Interval
    geometric: Interval
    eq3_mean: float
    chi2_p: Optional[float]
    undetected: int


@dataclass
class Eq2Summary:
    """Eq. (2) at the mean SNR against the measured PER on Rayleigh block fading (the verdict): points inside /
    above / below the interval, the fade-averaged reading's count, {k, b} refitted per channel; AWGN apart."""

    fit: Optional[dict[str, Any]]
    fit_awgn: Optional[dict[str, Any]]
    paper_kb: tuple[float, float]
    points: int
    consistent: int
    consistent_refit: int
    above: int
    below: int
    faded_consistent: int
    awgn_points: int
    awgn_consistent: int
    retransmissions: list[RetxSummary] = field(default_factory=list)


@dataclass
class HarqRow:
    """One retransmission scheme at one mean SNR (mean transmissions and latency with t intervals over prompts)."""

    scheme: str
    length: int
    snr_db: float
    prompts: int
    mean: Interval
    latency_ms: Interval
    median: float
    p90: float
    first_try: float
    eq3_mean: float
    not_delivered: int
    undetected: int


@dataclass
class E2ERow:
    """End to end at one average SNR against the targets (latencies in ms; ``None`` where nothing was sent)."""

    avg_snr_db: float
    draws: int
    outage: Interval
    not_delivered: int
    target_latency_ms: Optional[float] = None  # median over the draws (each draw's edge map has its own)
    target_range_ms: Optional[tuple[float, float]] = None
    achieved_latency_ms: Optional[tuple[float, float, float]] = None  # p10, p50, p90 over draws sent
    late: Optional[Interval] = None
    on_time: Optional[Interval] = None  # delivered by the target, over all draws (outage counts as not)
    edge_ber: Optional[Interval] = None
    draws_above_target: int = 0
    quality: Optional[Interval] = None
    below_quality: Optional[Interval] = None
    transmissions_mean: Optional[float] = None
    orders: dict[int, int] = field(default_factory=dict)


@dataclass
class E2ESummary:
    """The end-to-end check at its BER1* and quality target."""

    ber_target: float
    quality_target: Optional[float]
    rows: list[E2ERow]


def eq2_summary(data: dict[str, Any], attrs: dict[str, Any], paper_kb: tuple[float, float]) -> Eq2Summary:
    """The ``eq2`` group: verdict counts on block fading, refit, AWGN diagnostic, retransmissions."""
    from .reallink import model_per

    pts = data["points"].rows()
    ray = [p for p in pts if p["channel"] == "rayleigh"]
    awgn = [p for p in pts if p["channel"] == "awgn"]
    fit = json.loads(attrs["fit_kb"])
    fit_awgn = json.loads(attrs["fit_kb_awgn"]) if "fit_kb_awgn" in attrs else None
    refit = [model_per(10 ** (p["snr_db"] / 10), p["length"], "rayleigh", fit["k"], fit["b"]) if fit else None
             for p in ray]
    retx = [RetxSummary(int(r["length"]), r["snr_db"], int(r["prompts"]),
                        stored_interval(r["mean"], r["mean_lo"], r["mean_hi"], int(r["prompts"]), "prompt"),
                        stored_interval(r["geometric_mean"], r["geometric_lo"], r["geometric_hi"], int(r["packets"]),
                                        "packet"),
                        r["eq3_mean"], finite_or_none(r["chi2_p"]), int(r["undetected"])) for r in data["retransmissions"].rows()]
    return Eq2Summary(fit, fit_awgn, paper_kb, len(ray), sum(p["verdict"] == "consistent" for p in ray),
                      sum(q is not None and p["per_lo"] <= q <= p["per_hi"] for p, q in zip(ray, refit)),
                      sum(p["verdict"] == "eq2 above" for p in ray), sum(p["verdict"] == "eq2 below" for p in ray),
                      sum(p["per_lo"] <= p["eq2_faded"] <= p["per_hi"] for p in ray), len(awgn),
                      sum(p["verdict"] == "consistent" for p in awgn), retx)


def harq_summary(rows: Any) -> list[HarqRow]:
    """The ``harq/rows`` table as typed rows."""
    return [HarqRow(str(r["scheme"]), int(r["length"]), r["snr_db"], int(r["prompts"]),
                    stored_interval(r["mean"], r["mean_lo"], r["mean_hi"], int(r["prompts"]), "prompt"),
                    stored_interval(r["latency_ms"], r["latency_lo_ms"], r["latency_hi_ms"], int(r["prompts"]),
                                    "prompt"),
                    r["median"], r["p90"], r["first_try"], r["eq3_mean"], int(r["not_delivered"]),
                    int(r["undetected"])) for r in rows.rows()]


def _e2e_row(c: Any, s: float, ber: float, qt: Optional[float], seed: int) -> E2ERow:
    sel = c["avg_snr_db"] == s
    n = int(sel.sum())
    sent = sel & (c["order"] > 0)
    row = E2ERow(float(s), n, proportion(int(n - sent.sum()), n, unit="draw"),
                 int(np.sum(sent & ~np.isfinite(c["achieved_t0"]))))
    tgt = c["target_latency"][sel]
    tgt = tgt[np.isfinite(tgt)] * 1e3
    if tgt.size:
        row.target_latency_ms, row.target_range_ms = float(np.median(tgt)), (float(tgt.min()), float(tgt.max()))
    delivered = sent & np.isfinite(c["achieved_t0"])  # a prompt never delivered (cap reached) is counted apart
    if row.target_latency_ms is not None:
        ok = delivered & (c["achieved_latency"] <= c["target_latency"])
        row.on_time = proportion(int(ok.sum()), n, unit="draw")
        if delivered.any():
            row.late = proportion(int(np.sum(delivered & ~ok)), int(delivered.sum()), unit="draw")
    if not delivered.any():
        return row
    ach = c["achieved_latency"][delivered]
    row.achieved_latency_ms = tuple(float(np.quantile(ach, p) * 1e3) for p in (0.1, 0.5, 0.9))
    e, nb, q = c["edge_errors"][delivered], c["edge_bits"][delivered], c["quality"][delivered]
    pooled = lambda x: x[..., 0].sum(-1) / x[..., 1].sum(-1)  # noqa: E731  (errors over bits of resampled draws)
    if e.sum() > 0:
        row.edge_ber = bootstrap(np.stack([e, nb], axis=1), pooled, seed, unit="draw")
    else:  # no error at all: a bootstrap over draws is [0, 0]; Clopper-Pearson over symbols instead (independent
        # given the draws' fades; BER <= SER, so the symbols' upper end bounds the BER)
        symbols = int(np.sum(nb / np.log2(c["order"][delivered])))
        row.edge_ber = proportion(0, symbols, unit="symbol", min_units=MIN_UNITS if e.size >= MIN_UNITS else 1 << 62)
    row.draws_above_target = int(np.sum(e / nb > ber))
    row.transmissions_mean = float(np.mean(c["transmissions"][delivered]))
    row.orders = {int(o): int(np.sum(c["order"][delivered] == o)) for o in np.unique(c["order"][delivered])}
    if np.isfinite(q).any():
        row.quality = bootstrap_mean(q, seed, unit="draw")
        if qt is not None:
            fin = q[np.isfinite(q)]
            row.below_quality = proportion(int(np.sum(fin < qt)), int(fin.size), unit="draw")
    return row


def e2e_summary(draws: Any, ber: float, quality_target: Optional[float], seed: int) -> E2ESummary:
    """Per average SNR: outage, late delivery and on-time rates against the latency target (the mean-channel
    design's latency), achieved latency quantiles, pooled edge BER vs BER1*, achieved quality vs its target."""
    return E2ESummary(float(ber), quality_target,
                      [_e2e_row(draws, s, ber, quality_target, seed) for s in np.unique(draws["avg_snr_db"])])
