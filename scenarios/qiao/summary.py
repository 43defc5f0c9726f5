"""The Qiao latency study's typed summary (what ``semlink run`` / ``semlink show`` print and ``--json``
holds), read from the study's file. Intervals come from the file where the simulation made them
(Clopper–Pearson over packets, t intervals over prompts, cluster intervals over frames) or are bootstraps
over Rayleigh draws, the end-to-end check's independent unit (:mod:`scenarios.study.stats`, study seed)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..study.stats import MIN_UNITS, Interval, bootstrap, bootstrap_mean
from ..study.summary import Summary

__all__ = ["BerStar", "UnawareRow", "DesignSummary", "OrderRange", "Table2Row", "RetxSummary", "Eq2Summary", "Eq4Summary",
           "E2ERow", "E2ESummary", "QiaoSummary", "unaware_comparison", "stored_interval", "design_summary",
           "table2_rows", "eq2_summary", "eq4_summary", "e2e_summary"]


@dataclass
class BerStar:
    """BER1* = min_j Φj⁻¹(εj) of one (CLIP, MS-SSIM) target pair from the quality source."""

    clip: float
    ms_ssim: float
    ber_star: Optional[float]
    per_metric: dict[str, Optional[float]]
    missing: list[str]


@dataclass
class UnawareRow:
    """Proposed (mean channel) / semantic-unaware latency at one BER target, below and above ``below_db``."""

    ber: float
    faster_below: list[float]
    snrs_below: int
    unaware_outage_only: list[float]
    ratio_below: Optional[tuple[float, float]]
    ratio_above: Optional[tuple[float, float]]
    infeasible_snrs: list[float]


@dataclass
class DesignSummary:
    """One rate model's Fig. 4 analogue: the solver's largest gap to the brute-force grid and the benchmark."""

    rate_model: str
    max_solver_gap: Optional[float]
    gap_points: int
    realizations: int
    unaware: list[UnawareRow]


@dataclass
class OrderRange:
    """The γ̄ range (dB, mean channel) where the discrete optimum uses one order (0: outage)."""

    modulation_order: int
    avg_snr_min_db: Optional[float]
    avg_snr_max_db: Optional[float]
    min_edge_snr_db: Optional[float] = None
    latency_ms: Optional[float] = None


@dataclass
class Table2Row:
    """One target pair of the Table II analogue (``paper_implied``: BER1* from the paper's 64-QAM γ̄1)."""

    clip: float
    ms_ssim: float
    used: list[str]
    missing: list[str]
    ber_star: Optional[float]
    paper_implied: bool
    ranges: list[OrderRange]


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
    """Eq. (2) against the measured PER: points inside / above / below its interval, {k, b} refitted."""

    fit_kb: Optional[tuple[float, float]]
    paper_kb: tuple[float, float]
    points: int
    consistent: int
    consistent_refit: int
    above: int
    below: int
    below_max_snr: Optional[float]
    retransmissions: list[RetxSummary] = field(default_factory=list)


@dataclass
class Eq4Summary:
    """Eq. (4)'s bound: its looseness (dB) at the BER targets, where it holds in simulation and where it is
    an upper bound of the exact BER at all."""

    looseness_db: tuple[float, float]
    simulated: int
    simulated_bound_holds: int
    upper_bound_from_db: dict[int, Optional[float]]
    few_frames: int = 0


@dataclass
class E2ERow:
    """End to end at one average SNR (latencies in ms; ``None`` where no draw was sent and delivered)."""

    avg_snr_db: float
    draws: int
    outage: float
    not_delivered: int
    designed_latency_ms: Optional[float] = None
    achieved_latency_ms: Optional[float] = None
    achieved_over_designed: Optional[tuple[float, float, float]] = None
    transmissions_mean: Optional[float] = None
    designed_t0_ms: Optional[float] = None
    achieved_t0_ms: Optional[float] = None
    edge_ber: Optional[Interval] = None
    draws_above_target: int = 0
    orders: dict[int, int] = field(default_factory=dict)
    quality: Optional[Interval] = None
    quality_min: Optional[float] = None


@dataclass
class E2ESummary:
    """The end-to-end check at its BER1*."""

    ber_target: float
    rows: list[E2ERow]


@dataclass
class QiaoSummary(Summary):
    """What the Qiao latency study found (fields empty where a part is not stored yet)."""

    prompt_bits: Optional[int] = None
    edge_bits: Optional[int] = None
    quality_source: Optional[str] = None
    ber_star: list[BerStar] = field(default_factory=list)
    designs: dict[str, DesignSummary] = field(default_factory=dict)
    table2: list[Table2Row] = field(default_factory=list)
    eq2: Optional[Eq2Summary] = None
    eq4: Optional[Eq4Summary] = None
    end_to_end: Optional[E2ESummary] = None

    def lines(self) -> list[str]:
        out = [f"{rm}: solver vs brute force max gap {d.max_solver_gap:+.2e}" if d.max_solver_gap is not None
               else f"{rm}: no gap data" for rm, d in self.designs.items()]
        for r in self.table2:
            rng = ", ".join(f"M={x.modulation_order}: {x.avg_snr_min_db}..{x.avg_snr_max_db} dB" for x in r.ranges
                            if x.avg_snr_min_db is not None)
            out.append(f"Table II {(r.clip, r.ms_ssim)}: BER1* {r.ber_star} -> {rng or 'infeasible'}")
        e2 = self.eq2
        if e2 is not None:
            kb = f"{e2.fit_kb[0]:.3g}, {e2.fit_kb[1]:.3g}" if e2.fit_kb else "-"
            out.append(f"eq. (2): consistent at {e2.consistent}/{e2.points} points; fitted k, b = {kb} "
                       f"(paper {list(e2.paper_kb)})")
        e4 = self.eq4
        if e4 is not None:
            out.append(f"eq. (4): bound {e4.looseness_db[0]:+.2f}..{e4.looseness_db[1]:+.2f} dB from exact; "
                       f"holds in simulation at {e4.simulated_bound_holds}/{e4.simulated} points")
        ee = self.end_to_end
        return out + [f"end to end at {r.avg_snr_db:g} dB: outage {r.outage:.2f}, edge BER "
                      f"{r.edge_ber.text(3) if r.edge_ber is not None else '-'} (target {ee.ber_target:.3g})"
                      for r in (ee.rows if ee is not None else [])]


# --------------------------------------------------------------------------- from the stored parts
def stored_interval(value: float, lo: float, hi: float, n: int, unit: str) -> Interval:
    """An interval the simulation stored (Clopper–Pearson, t, cluster), as the kit shows intervals: without
    its ends when fewer than :data:`~scenarios.study.stats.MIN_UNITS` independent ``unit``s back it."""
    ok = n >= MIN_UNITS
    return Interval(float(value), float(lo) if ok else math.nan, float(hi) if ok else math.nan, int(n), unit)


def _opt(x: Any) -> Optional[float]:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _span(a: np.ndarray) -> Optional[tuple[float, float]]:
    return (float(np.min(a)), float(np.max(a))) if a.size else None


def unaware_comparison(d: dict[str, np.ndarray], below_db: float = 12.0) -> list[UnawareRow]:
    """Per BER target: proposed (mean channel) / unaware latency below and above ``below_db``."""
    snr = d["avg_snr_db"]
    out = []
    for i, ber in enumerate(d["ber"]):
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = d["mean_latency_s"][i] / d["unaware_mean"]
        prop_ok, un_ok = np.isfinite(d["mean_latency_s"][i]), np.isfinite(d["unaware_mean"])
        ok = prop_ok & un_ok
        lo = ok & (snr < below_db)
        out.append(UnawareRow(float(ber), [float(s) for s in snr[lo & (ratio < 1)]], int(lo.sum()),
                              [float(s) for s in snr[prop_ok & ~un_ok]], _span(ratio[lo]), _span(ratio[ok & ~lo]),
                              [float(s) for s in snr[~prop_ok]]))
    return out


def design_summary(rate_model: str, data: dict[str, Any]) -> DesignSummary:
    """One ``designs/<rate_model>`` group: the solver's largest finite gap and the benchmark comparison."""
    gaps = data["solver_gaps"]["gap"]
    fin = gaps[np.isfinite(gaps)]
    return DesignSummary(rate_model, float(fin.max()) if fin.size else None, len(gaps),
                         int(data["fades"].shape[1]), unaware_comparison(data))


def table2_rows(data: dict[str, Any]) -> list[Table2Row]:
    """The ``table2`` group's target pairs with their order ranges."""
    rows, ranges = data["rows"], data["ranges"]
    out = []
    for i, r in enumerate(rows.rows()):
        sel = ranges.where(row=i).rows()
        out.append(Table2Row(r["clip"], r["ms_ssim"], [u for u in r["used"].split(",") if u],
                             [u for u in r["missing"].split(",") if u], _opt(r["ber_star"]), bool(r["paper_implied"]),
                             [OrderRange(int(x["modulation_order"]), _opt(x["avg_snr_min_db"]), _opt(x["avg_snr_max_db"]),
                                         _opt(x["min_edge_snr_db"]), _opt(x["latency_ms"])) for x in sel]))
    return out


def eq2_summary(data: dict[str, Any], attrs: dict[str, Any], paper_kb: tuple[float, float]) -> Eq2Summary:
    """The ``eq2`` group: verdict counts, eq. (2) refitted at the points, retransmissions."""
    from .reallink import model_per

    pts = data["points"].rows()
    kb = json.loads(attrs["fit_kb"])
    refit = [model_per(10 ** (p["snr_db"] / 10), p["length"], p["channel"], kb[0], kb[1]) if kb else None for p in pts]
    below = [p["snr_db"] for p in pts if p["verdict"] == "eq2 below"]
    retx = [RetxSummary(int(r["length"]), r["snr_db"], int(r["prompts"]),
                        stored_interval(r["mean"], r["mean_lo"], r["mean_hi"], int(r["prompts"]), "prompt"),
                        stored_interval(r["geometric_mean"], r["geometric_lo"], r["geometric_hi"], int(r["packets"]),
                                        "packet"),
                        r["eq3_mean"], _opt(r["chi2_p"]), int(r["undetected"])) for r in data["retransmissions"].rows()]
    return Eq2Summary(tuple(kb) if kb else None, paper_kb, len(pts), sum(p["verdict"] == "consistent" for p in pts),
                      sum(q is not None and p["per_lo"] <= q <= p["per_hi"] for p, q in zip(pts, refit)),
                      sum(p["verdict"] == "eq2 above" for p in pts), len(below), max(below, default=None), retx)


def eq4_summary(data: dict[str, Any]) -> Eq4Summary:
    """The ``eq4`` group: looseness range, simulated points where the bound holds, upper-bound region."""
    loose = data["rows"]["looseness_db"]
    sim = data["simulated"]
    region = data["upper_bound_region"].rows()
    return Eq4Summary((float(loose.min()), float(loose.max())), len(sim), int(np.sum(sim["bound_holds"])),
                      {int(r["modulation_order"]): _opt(r["upper_bound_from_db"]) for r in region},
                      int(np.sum(sim["frames"] < MIN_UNITS)))


def _e2e_row(c: Any, s: float, ber: float, seed: int) -> E2ERow:
    sel = c["avg_snr_db"] == s
    sent = sel & (c["order"] > 0)
    row = E2ERow(float(s), int(sel.sum()), float(1 - sent.sum() / sel.sum()),
                 int(np.sum(sent & ~np.isfinite(c["achieved_t0"]))))
    sent = sent & np.isfinite(c["achieved_t0"])  # a prompt never delivered (cap reached) is counted apart
    if not sent.any():
        return row
    des, ach = c["designed_latency"][sent], c["achieved_latency"][sent]
    e, n, q = c["edge_errors"][sent], c["edge_bits"][sent], c["quality"][sent]
    row.designed_latency_ms, row.achieved_latency_ms = float(np.mean(des) * 1e3), float(np.mean(ach) * 1e3)
    row.achieved_over_designed = tuple(float(np.quantile(ach / des, p)) for p in (0.1, 0.5, 0.9))
    row.transmissions_mean = float(np.mean(c["transmissions"][sent]))
    row.designed_t0_ms, row.achieved_t0_ms = (float(np.mean(c[k][sent]) * 1e3) for k in ("designed_t0", "achieved_t0"))
    pooled = lambda x: x[..., 0].sum(-1) / x[..., 1].sum(-1)  # noqa: E731  (errors over bits of resampled draws)
    row.edge_ber = bootstrap(np.stack([e, n], axis=1), pooled, seed, unit="draw")
    row.draws_above_target = int(np.sum(e / n > ber))
    row.orders = {int(o): int(np.sum(c["order"][sent] == o)) for o in np.unique(c["order"][sent])}
    if np.isfinite(q).any():
        row.quality = bootstrap_mean(q, seed, unit="draw")
        row.quality_min = float(np.min(q[np.isfinite(q)]))
    return row


def e2e_summary(draws: Any, ber: float, seed: int) -> E2ESummary:
    """Per average SNR: outage, prompts never delivered (retransmission cap), designed vs achieved latency,
    transmissions, pooled edge BER and achieved quality over the draws that were sent and delivered
    (bootstrap over draws, the independent unit, seeded ``seed``)."""
    return E2ESummary(float(ber), [_e2e_row(draws, s, ber, seed) for s in np.unique(draws["avg_snr_db"])])
