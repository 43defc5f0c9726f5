r"""Table II of Qiao et al. as the paper means it: per edge order M, the average SNRs :math:`\bar\gamma` at which
the optimal design's latency *equals the row's T*; NumPy only.

Table II's T column is constant per row, :math:`T_M = |v_1|/(B_1\log_2 M)` (1.31 / 1.97 / 3.93 ms), so a row
holds where the edge stream sets the latency: the optimum uses order M and :math:`T_0(P_T - p_M) \le T_M`
(with Lemma 1's tie-break, :math:`T_0 = T_1 = T_M`). On the mean channel (:math:`|h_0|^2 = |h_1|^2`,
Section III-E's :math:`\bar\gamma = P_T\mathbb E|h_0|^2/((B_0+B_1)N_0)`) its ends are closed-form: with
:math:`\gamma_M` eq. (4)'s threshold and :math:`\gamma_0^*(T)` eq. (3) inverted (:math:`T_0 = T`),

* row M starts at :math:`\bar\gamma = (\gamma_0^*(T_M)B_0 + \gamma_M B_1)/(B_0+B_1)` (below it the prompt
  binds and the latency exceeds :math:`T_M`),
* and ends where the next order M' takes over, :math:`(\gamma_0^*(T_M)B_0 + \gamma_{M'}B_1)/(B_0+B_1)`;
* order M fits the budget at all from :math:`\gamma_M B_1/(B_0+B_1)` (the old "chosen/feasible" reading).

:func:`table2_ranges` gives, per order, the grid ranges (equal-latency and chosen, grid step
configurable) beside these exact ends; :func:`table2_rows` reads the study's stored ``table2`` group
(:data:`RANGE_COLUMNS`) into :class:`Table2Row` s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ..study.stats import finite_or_none
from . import lemma1
from . import models as m

__all__ = ["PAPER_TABLE_II", "PAPER_UPPER_DB", "PAPER_GAMMA1_64_DB", "PAPER_STEP_DB", "RANGE_COLUMNS", "RANGE_UNITS",
           "OrderRange", "Table2Row", "paper_implied_bers", "exact_ends", "snapped_ends", "paper_consistent_bers",
           "table2_ranges", "table2_rows"]

#: Table II of the paper: per (CLIP, MS-SSIM) target pair, order -> (γ̄ min, γ̄1) in dB; outage below the
#: value of order 0
PAPER_TABLE_II = {
    (0.999, 0.991): {64: (24.2, 27), 16: (18.0, 21), 4: (11.2, 14), 0: 11.0},
    (0.997, 0.982): {64: (23.4, 26), 16: (17.2, 20), 4: (10.4, 13), 0: 10.2},
    (0.978, 0.918): {64: (22.2, 25), 16: (16.0, 19), 4: (9.4, 12), 0: 9.2},
}
#: Table II's upper ends of γ̄ (dB) per target pair and order (64-QAM: the plotted range's end, 30 dB).
PAPER_UPPER_DB = {
    (0.999, 0.991): {64: 30.0, 16: 24.0, 4: 17.8},
    (0.997, 0.982): {64: 30.0, 16: 23.2, 4: 17.0},
    (0.978, 0.918): {64: 30.0, 16: 22.0, 4: 15.8},
}
#: Every γ̄ Table II prints is an even tenth of a dB: the paper's grid step, apparently.
PAPER_STEP_DB = 0.2
#: The paper's 64-QAM γ̄1 per target pair (dB), from which :func:`paper_implied_bers` inverts eq. (4).
PAPER_GAMMA1_64_DB = (27.0, 26.0, 25.0)

#: Columns of the stored ``table2/ranges`` table (one row per target pair and order; order 0: outage).
#: ``avg_snr_min/max_db``: grid range where the latency equals the row's T (order 0: below every row);
#: ``chosen_min/max_db``: grid range where the optimum uses the order (order 0: outage, no order fits);
#: ``prompt_bound_points``: grid points where the order is used but the prompt sets a longer latency;
#: ``equal_from_db`` / ``equal_to_db``: the exact ends of the equal-latency range (to: where the next order
#: takes over; none for the largest); ``feasible_from_db``: where the order first fits the budget.
RANGE_COLUMNS = ("row", "modulation_order", "avg_snr_min_db", "avg_snr_max_db", "chosen_min_db", "chosen_max_db",
                 "prompt_bound_points", "equal_from_db", "equal_to_db", "feasible_from_db", "min_edge_snr_db",
                 "latency_ms")
#: Units of :data:`RANGE_COLUMNS` (dimensionless: "").
RANGE_UNITS = {c: ("ms" if c == "latency_ms" else "dB" if c.endswith("_db") else "") for c in RANGE_COLUMNS}


@dataclass
class OrderRange:
    """One order's row of a Table II column (dB on the mean channel; ``None``: empty/none).

    ``avg_snr_min_db .. avg_snr_max_db``: where the latency equals the row's T (the paper's reading);
    ``chosen_*``: where the optimum uses the order at all; ``equal_from/to_db``, ``feasible_from_db``: exact ends.
    """

    modulation_order: int
    avg_snr_min_db: Optional[float]
    avg_snr_max_db: Optional[float]
    min_edge_snr_db: Optional[float] = None
    latency_ms: Optional[float] = None
    chosen_min_db: Optional[float] = None
    chosen_max_db: Optional[float] = None
    prompt_bound_points: int = 0
    equal_from_db: Optional[float] = None
    equal_to_db: Optional[float] = None
    feasible_from_db: Optional[float] = None


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


def paper_implied_bers(params: m.QiaoParams = m.TABLE_I) -> list[float]:
    r"""BER1* behind Table II: eq. (4)'s 64-QAM threshold solved for the BER at the paper's
    :math:`\bar\gamma_1` = 27 / 26 / 25 dB, :math:`\mathrm{BER} = e^{-\alpha\gamma_1/(M-1)}/\beta`.

    .. code-block:: python

        >>> [f"{b:.4g}" for b in paper_implied_bers()]
        ['1.314e-06', '1.529e-05', '0.0001074']
    """
    return [math.exp(-params.alpha * 10 ** (g / 10) / 63) / params.beta for g in PAPER_GAMMA1_64_DB]


def _db(x: float) -> Optional[float]:
    return 10 * math.log10(x) if 0 < x < math.inf else None


def exact_ends(v0: float, v1: float, ber: float, params: m.QiaoParams = m.TABLE_I,
               orders: Sequence[int] = m.PAPER_ORDERS, gain_ratio: float = 1.0) -> dict[int, dict[str, Any]]:
    r"""Per order the closed-form ends (dB of :math:`\bar\gamma`): ``equal_from_db``, ``equal_to_db`` (``None``
    for the largest order) and ``feasible_from_db`` (module docstring); ``gain_ratio`` = |h1|²/|h0|².

    .. code-block:: python

        >>> e = exact_ends(800, 7864, paper_implied_bers()[0])
        >>> [round(e[o]["equal_from_db"], 2) for o in (64, 16, 4)], round(e[4]["feasible_from_db"], 2)
        ([24.03, 17.84, 11.01], 10.77)
    """
    orders = m.check_orders(orders)
    b0, b1 = params.b0_hz, params.b1_hz / gain_ratio
    out: dict[int, dict[str, Any]] = {}
    for i, order in enumerate(orders):
        g_m = m.min_snr_for_order(order, ber, params.alpha, params.beta)  # eq. (4)'s threshold
        g0 = m.snr_for_prompt_delay(v1 / (params.b1_hz * math.log2(order)), v0, params)  # eq. (3): T0 = T_M
        nxt = m.min_snr_for_order(orders[i + 1], ber, params.alpha, params.beta) if i + 1 < len(orders) else None
        out[order] = {"equal_from_db": _db((g0 * b0 + g_m * b1) / (params.b0_hz + params.b1_hz)),
                      "equal_to_db": None if nxt is None else _db((g0 * b0 + nxt * b1) / (params.b0_hz + params.b1_hz)),
                      "feasible_from_db": _db(g_m * b1 / (params.b0_hz + params.b1_hz))}
    return out


def snapped_ends(ends: dict[int, dict[str, Any]], step_db: float = PAPER_STEP_DB) -> dict[int, tuple[float, float]]:
    """:func:`exact_ends`' equal-latency ranges on a γ̄ grid of ``step_db`` (from 0 dB): per order the first grid
    point at or above its start and the last at or below its end (30 dB for the largest, as the paper's
    figure range); order 0: the last grid point below the smallest order's start."""
    up = {o: 30.0 if e["equal_to_db"] is None else math.floor(e["equal_to_db"] / step_db + 1e-9) * step_db
          for o, e in ends.items()}
    out = {o: (round(math.ceil(e["equal_from_db"] / step_db - 1e-9) * step_db, 6), round(up[o], 6))
           for o, e in ends.items() if e["equal_from_db"] is not None}
    low = min(out.values(), default=(math.nan,))[0]
    return {**out, 0: (0.0, round(low - step_db, 6))}


def paper_consistent_bers(pair: tuple[float, float], v0: float = 800, v1: float = 7864,
                          params: m.QiaoParams = m.TABLE_I, step_db: float = PAPER_STEP_DB,
                          points: int = 6001) -> Optional[tuple[float, float]]:
    """The BER1* span (scan of ``points`` values over 1e-8 … 1e-2, log spaced) for which the equal-latency
    reading on a ``step_db`` grid reproduces *every* γ̄ Table II prints for ``pair`` (lower and upper ends,
    outage end) and the γ̄1 column rounded to whole dB as printed; ``None``: no BER does.

    .. code-block:: python

        >>> [f"{b:.3g}" for b in paper_consistent_bers((0.997, 0.982))]   # 1e-5 lies inside
        ['7.06e-06', '1.01e-05']
    """
    paper, upper, hits = PAPER_TABLE_II[pair], PAPER_UPPER_DB[pair], []
    for ber in np.logspace(-8, -2, points):
        got = snapped_ends(exact_ends(v0, v1, float(ber), params), step_db)
        if got[0][1] == paper[0] and all(
                got.get(o) == (paper[o][0], upper[o])
                and round(10 * math.log10(m.min_snr_for_order(o, ber, params.alpha, params.beta))) == paper[o][1]
                for o in (64, 16, 4)):
            hits.append(float(ber))
    return (min(hits), max(hits)) if hits else None


def _grid(lo_db: float, hi_db: float, step_db: float) -> np.ndarray:
    if not (math.isfinite(lo_db) and math.isfinite(hi_db) and lo_db < hi_db and 0 < step_db <= hi_db - lo_db):
        raise ValueError(f"Table II grid needs lo < hi and 0 < step <= hi - lo, got {lo_db:g}:{step_db:g}:{hi_db:g}")
    count = math.floor((hi_db - lo_db) / step_db + 1e-9) + 1
    if count > 100_000:
        raise ValueError(f"Table II grid {lo_db:g}:{step_db:g}:{hi_db:g} has {count} points (at most 100000)")
    return np.round(lo_db + step_db * np.arange(count), 10)


def _span(sel: np.ndarray) -> tuple[Optional[float], Optional[float]]:
    return (float(sel.min()), float(sel.max())) if sel.size else (None, None)


def table2_ranges(v0: float, v1: float, ber: float, params: m.QiaoParams = m.TABLE_I, lo_db: float = 0.0,
                  hi_db: float = 30.0, step_db: float = 0.1,
                  orders: Sequence[int] = m.PAPER_ORDERS) -> list[dict[str, Any]]:
    """One Table II column: per order (largest first, then 0 = outage) the :data:`RANGE_COLUMNS` (but ``row``)
    on the γ̄ grid ``lo_db:step_db:hi_db`` (mean channel, :func:`lemma1.solve_discrete`) and exact.

    .. code-block:: python

        >>> rows = table2_ranges(800, 7864, paper_implied_bers()[0], step_db=0.2)   # the paper's grid
        >>> [(r["modulation_order"], r["avg_snr_min_db"]) for r in rows]
        [(64, 24.2), (16, 18.0), (4, 11.2), (0, 0.0)]
        >>> rows[-1]["avg_snr_max_db"], rows[-1]["chosen_max_db"], round(rows[0]["latency_ms"], 2)
        (11.0, 10.6, 1.31)
    """
    orders = m.check_orders(orders)
    grid = _grid(lo_db, hi_db, step_db)
    t_m = {o: v1 / (params.b1_hz * math.log2(o)) for o in orders}
    used, equal = np.zeros(grid.size, dtype=np.int64), np.zeros(grid.size, dtype=bool)
    for j, s in enumerate(grid):
        g = m.gain_over_noise(10 ** (s / 10), params) * params.n0_w_hz
        d = lemma1.solve_discrete(v0, v1, g, g, ber, params, orders)
        used[j] = d.modulation_order or 0
        equal[j] = bool(used[j]) and d.latency_s <= t_m[int(used[j])] * (1 + lemma1.EQUAL_RTOL)
    exact = exact_ends(v0, v1, ber, params, orders)
    table = {r["modulation_order"]: r for r in lemma1.modulation_table(v1, ber, params, orders)}
    rows = []
    for order in sorted(orders, reverse=True):
        eq, ch = _span(grid[equal & (used == order)]), _span(grid[used == order])
        rows.append({"modulation_order": order, "avg_snr_min_db": eq[0], "avg_snr_max_db": eq[1],
                     "chosen_min_db": ch[0], "chosen_max_db": ch[1],
                     "prompt_bound_points": int(np.sum((used == order) & ~equal)), **exact[order],
                     "min_edge_snr_db": table[order]["min_snr_db"], "latency_ms": table[order]["latency_ms"]})
    below = grid[: int(np.argmax(equal))] if equal.any() else grid  # the leading run where no row's T is met
    eq, ch = _span(below), _span(grid[used == 0])
    rows.append({"modulation_order": 0, "avg_snr_min_db": eq[0], "avg_snr_max_db": eq[1], "chosen_min_db": ch[0],
                 "chosen_max_db": ch[1], "prompt_bound_points": 0, "equal_from_db": None, "equal_to_db": None,
                 "feasible_from_db": None, "min_edge_snr_db": None, "latency_ms": None})
    return rows


def table2_rows(data: dict[str, Any]) -> list[Table2Row]:
    """The stored ``table2`` group (tables ``rows`` and ``ranges``, :data:`RANGE_COLUMNS`; columns an older
    file lacks read as ``None``) as :class:`Table2Row` s."""
    rows, ranges = data["rows"], data["ranges"]
    out = []
    for i, r in enumerate(rows.rows()):
        rng = []
        for x in ranges.where(row=i).rows():
            kw = {c: finite_or_none(x.get(c)) for c in RANGE_COLUMNS[2:] if c != "prompt_bound_points"}
            rng.append(OrderRange(int(x["modulation_order"]), prompt_bound_points=int(finite_or_none(
                x.get("prompt_bound_points")) or 0), **kw))
        out.append(Table2Row(float(r["clip"]), float(r["ms_ssim"]), [u for u in str(r["used"]).split(",") if u],
                             [u for u in str(r["missing"]).split(",") if u], finite_or_none(r["ber_star"]),
                             bool(r["paper_implied"]), rng))
    return out
