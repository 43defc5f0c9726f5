"""The Fig. 4 part of the Qiao latency study's typed summary, read from a stored ``designs/<rate_model>`` group
(:func:`scenarios.qiao.sweep.fig4_sweep` plus the table ``solver_gaps``): the solver's largest gap to the
brute-force grid, the semantic-unaware benchmark on the mean channel, which constraint binds on the mean channel
(and the tie-break used), and the Rayleigh statistics that exist.

The Rayleigh *mean* of latency or of eq. (3)'s transmissions is infinite (:mod:`scenarios.qiao.sweep`), so the
rows give the median and the 10 % / 90 % quantiles over the feasible draws, the median with its 95 % percentile
bootstrap band over draws (the independent unit; seeded with the study seed), and the outage fraction with its
Clopper–Pearson interval over draws (:func:`scenarios.qiao.sweep.draw_summary`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..study.stats import BOOTSTRAP_RESAMPLES, Interval, finite_or_none
from .sweep import BINDINGS, TIE_BREAKS, draw_summary

__all__ = ["ROW_SNRS_DB", "UnawareRow", "BindingCounts", "RayleighRow", "RayleighTarget", "DesignSummary",
           "unaware_comparison", "binding_counts", "row_snr_index", "rayleigh_rows", "design_summary"]

#: the γ̄ (dB) of the Rayleigh rows, where the grid has them (else up to four grid points spread over it)
ROW_SNRS_DB = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)


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
class BindingCounts:
    """Mean channel, one BER target: on how many γ̄ of the grid Lemma 1's condition holds as printed
    (``equal_full_power``: T0 = T1 with p0 + p1 = P_T), the edge stream's order sets the latency (``edge``: any
    prompt power with T0 ≤ T1 is optimal, so the tie-break decides: "equal" gives T0 = T1 and leaves power
    unused, "prompt-all" gives T0 < T1), the prompt sets it (``prompt``: T0 > T1 with all the power left), or
    nothing is sent (``outage``); ``t0_equals_t1``: the γ̄ whose stored T0, T1 agree within 1e-6."""

    ber: float
    equal_full_power: int
    edge: int
    prompt: int
    outage: int
    t0_equals_t1: int


@dataclass
class RayleighRow:
    """Rayleigh statistics at one γ̄ (latencies in ms, share in % of P_T). Medians are over the ``feasible``
    draws with their bootstrap band; ``*_p10``/``*_p90`` the quantiles over the same draws; ``outage`` over all
    ``draws`` (Clopper–Pearson). ``*_mean`` only for bounded quantities, whose mean exists."""

    avg_snr_db: float
    draws: int
    feasible: int
    outage: Interval
    latency_ms: Interval
    latency_p10_ms: Optional[float]
    latency_p90_ms: Optional[float]
    retransmissions: Interval
    retransmissions_p10: Optional[float]
    retransmissions_p90: Optional[float]
    prompt_share_pct: Interval
    prompt_share_mean_pct: Optional[float]
    bits_per_symbol: Interval
    bits_per_symbol_mean: Optional[float]
    unaware_latency_ms: Interval
    unaware_outage: Interval


@dataclass
class RayleighTarget:
    """The Rayleigh rows of one BER target."""

    ber: float
    rows: list[RayleighRow]


@dataclass
class DesignSummary:
    """One rate model's Fig. 4 analogue: the solver's largest gap to the brute-force grid, the benchmark, the
    tie-break and orders used, the binding constraints on the mean channel, the Rayleigh rows, and the draws
    where nothing could be sent (``not_sent_draws`` of ``total_draws`` over the whole grid; for the continuous
    model these are only latencies beyond floating point, no constellation limit)."""

    rate_model: str
    max_solver_gap: Optional[float]
    gap_points: int
    realizations: int
    unaware: list[UnawareRow]
    tie_break: str = "equal"
    orders: list[int] = field(default_factory=list)
    binding: list[BindingCounts] = field(default_factory=list)
    rayleigh: list[RayleighTarget] = field(default_factory=list)
    not_sent_draws: int = 0
    total_draws: int = 0


def _span(a: np.ndarray) -> Optional[tuple[float, float]]:
    return (float(np.min(a)), float(np.max(a))) if a.size else None


def unaware_comparison(d: dict[str, np.ndarray], below_db: float = 12.0) -> list[UnawareRow]:
    """Per BER target: proposed (mean channel) / unaware latency below and above ``below_db`` (the paper's
    "γ̄ < 12 dB", Fig. 4(b))."""
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


def binding_counts(d: dict[str, np.ndarray]) -> list[BindingCounts]:
    """Per BER target, the mean-channel binding constraints over the γ̄ grid (empty for files without them).

    .. code-block:: python

        >>> d = {"ber": np.array([1e-5]), "power_w": np.array(0.01),
        ...      "mean_binding": np.array([[0.0, 0.0, 1.0, 2.0, -1.0]]),
        ...      "mean_power_used_w": np.array([[0.01, 0.004, 0.01, 0.01, 0.01]]),
        ...      "mean_t0_s": np.array([[2e-3, 3.9e-3, 2e-3, 5e-3, 1.0]]),
        ...      "mean_t1_s": np.array([[2e-3, 3.9e-3, 3.9e-3, 3.9e-3, np.inf]])}
        >>> c = binding_counts(d)[0]
        >>> (c.equal_full_power, c.edge, c.prompt, c.outage, c.t0_equals_t1)
        (1, 2, 1, 1, 2)
    """
    if "mean_binding" not in d:
        return []
    out = []
    for i, ber in enumerate(d["ber"]):
        code = np.asarray(d["mean_binding"][i]).astype(int)
        t0, t1 = d["mean_t0_s"][i], d["mean_t1_s"][i]
        with np.errstate(invalid="ignore"):
            same = np.isfinite(t0) & np.isfinite(t1) & (np.abs(t0 / t1 - 1) <= 1e-6)
        full = d["mean_power_used_w"][i] >= float(d["power_w"]) * (1 - 1e-9)
        equal, edge, prompt = (code == BINDINGS.index(b) for b in ("equal", "edge", "prompt"))
        out.append(BindingCounts(float(ber), int(np.sum(equal & full)), int(np.sum(edge | (equal & ~full))),
                                 int(prompt.sum()), int(np.sum(code < 0)), int(same.sum())))
    return out


def row_snr_index(avg_snr_db: Sequence[float], wanted: Sequence[float] = ROW_SNRS_DB) -> list[int]:
    """Indices of the grid's γ̄ in ``wanted`` (within 1e-6 dB); else up to four spread over the grid.

    .. code-block:: python

        >>> row_snr_index([0.0, 5.0, 10.0]), row_snr_index([1.0, 2.0, 3.0, 4.0, 6.0, 7.0])
        ([1, 2], [0, 2, 3, 5])
    """
    x = np.asarray(avg_snr_db, dtype=float)
    idx = [int(np.argmin(np.abs(x - w))) for w in wanted if x.size and np.min(np.abs(x - w)) < 1e-6]
    if idx:
        return sorted(set(idx))
    return sorted({int(round(k)) for k in np.linspace(0, x.size - 1, min(4, x.size))})


def _iv(s: dict[str, np.ndarray], key: str, i: Any, n: int, scale: float = 1.0) -> Interval:
    return Interval(float(s[key][i]) * scale, float(s[f"{key}_lo"][i]) * scale, float(s[f"{key}_hi"][i]) * scale, n,
                    "draw")


def _row(s: dict[str, np.ndarray], i: int, k: int, snr: float) -> RayleighRow:
    ij, nf, nd = (i, k), int(s["feasible"][i, k]), int(s["draws"][i, k])
    q = lambda key, scale=1.0: finite_or_none(float(s[key][ij]) * scale)  # noqa: E731
    un_n = int(round(nd * (1 - float(s["unaware_outage"][k]))))
    return RayleighRow(float(snr), nd, nf, _iv(s, "outage", ij, nd), _iv(s, "latency_s_median", ij, nf, 1e3),
                       q("latency_s_p10", 1e3), q("latency_s_p90", 1e3), _iv(s, "retransmissions_median", ij, nf),
                       q("retransmissions_p10"), q("retransmissions_p90"),
                       _iv(s, "prompt_share_median", ij, nf, 100.0), q("prompt_share_mean", 100.0),
                       _iv(s, "bits_per_symbol_median", ij, nf), q("bits_per_symbol_mean"),
                       _iv(s, "unaware_latency_s_median", k, un_n, 1e3), _iv(s, "unaware_outage", k, nd))


def rayleigh_rows(d: dict[str, np.ndarray], seed: int = 0, snrs_db: Sequence[float] = ROW_SNRS_DB,
                  boot: int = BOOTSTRAP_RESAMPLES) -> list[RayleighTarget]:
    """Per BER target the :class:`RayleighRow` at the grid's γ̄ of ``snrs_db`` (:func:`row_snr_index`)."""
    idx = row_snr_index(d["avg_snr_db"], snrs_db)
    s = draw_summary(d, seed, boot, snr_index=idx)
    return [RayleighTarget(float(ber), [_row(s, i, k, d["avg_snr_db"][j]) for k, j in enumerate(idx)])
            for i, ber in enumerate(d["ber"])]


def design_summary(rate_model: str, data: dict[str, Any], seed: int = 0, snrs_db: Sequence[float] = ROW_SNRS_DB,
                   boot: int = BOOTSTRAP_RESAMPLES) -> DesignSummary:
    """One ``designs/<rate_model>`` group: the solver's largest finite gap, the benchmark comparison, the
    tie-break, orders and mean-channel binding counts, and the Rayleigh rows (bootstrap seeded ``seed``)."""
    gaps = data["solver_gaps"]["gap"]
    fin = gaps[np.isfinite(gaps)]
    ok = data["draws_feasible"] > 0.5
    tb = TIE_BREAKS[int(data["tie_break"])] if "tie_break" in data else "equal"
    orders = [int(o) for o in data["orders"]] if "orders" in data else []
    return DesignSummary(rate_model, float(fin.max()) if fin.size else None, len(gaps), int(data["fades"].shape[1]),
                         unaware_comparison(data), tb, orders, binding_counts(data),
                         rayleigh_rows(data, seed, snrs_db, boot), int(ok.size - ok.sum()), int(ok.size))
