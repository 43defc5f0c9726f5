"""The Table II section of the Qiao latency study's report and its verdict bullets (:mod:`scenarios.qiao.table2`).

Each target column is shown as the paper means it (the γ̄ range where the latency *equals the row's T*), beside
the range where the order is merely chosen (the old reading), the exact ends, and the paper's printed values
with the differences in dB.
"""

from __future__ import annotations

import math
from typing import Mapping, Optional, Sequence

from ..study.report import Report
from .table2 import PAPER_TABLE_II, PAPER_UPPER_DB, OrderRange, Table2Row

__all__ = ["table2_section", "table2_bullets", "paper_differences"]

_TS = (1.31, 1.97, 3.93)  # Table II's T column (ms) for 64/16/4-QAM


def _f(x: Optional[float], spec: str = ".1f") -> str:
    return "-" if x is None or not math.isfinite(x) else format(x, spec)


def _span(lo: Optional[float], hi: Optional[float]) -> str:
    return "-" if lo is None else f"{lo:.1f} … {hi:.1f}"


def paper_differences(r: Table2Row) -> dict[str, list[float]]:
    """Ours − paper (dB) for one target column whose pair is in Table II: ``lower`` (64/16/4-QAM starts of the
    equal-latency ranges), ``upper`` (16/4-QAM ends), ``outage`` (the "0" row's end), ``chosen_lower``
    (the old reading's starts); empty lists for a pair the paper does not print.

    .. code-block:: python

        >>> row = Table2Row(0.999, 0.991, [], [], 1.3e-6, True, [OrderRange(4, 11.1, 17.8, chosen_min_db=10.8),
        ...                                                     OrderRange(0, 0.0, 11.0, chosen_max_db=10.7)])
        >>> {k: [round(x, 2) for x in v] for k, v in paper_differences(row).items()}
        {'lower': [-0.1], 'upper': [0.0], 'outage': [0.0], 'chosen_lower': [-0.4]}
    """
    paper, upper = PAPER_TABLE_II.get((r.clip, r.ms_ssim)), PAPER_UPPER_DB.get((r.clip, r.ms_ssim), {})
    out: dict[str, list[float]] = {"lower": [], "upper": [], "outage": [], "chosen_lower": []}
    if paper is None:
        return out
    for x in r.ranges:
        o = x.modulation_order
        if o == 0 and x.avg_snr_max_db is not None:
            out["outage"].append(x.avg_snr_max_db - paper[0])
        elif o in paper and x.avg_snr_min_db is not None:
            out["lower"].append(x.avg_snr_min_db - paper[o][0])
            if o in upper and upper[o] < 30.0:
                out["upper"].append(x.avg_snr_max_db - upper[o])
        if o in paper and o and x.chosen_min_db is not None:
            out["chosen_lower"].append(x.chosen_min_db - paper[o][0])
    return out


def _order_row(x: OrderRange, paper: Mapping[int, object], upper: Mapping[int, float]) -> list[str]:
    o, p = x.modulation_order, paper.get(x.modulation_order)
    if o == 0:
        return ["0 (outage)", f"≤ {_f(x.avg_snr_max_db)}", "-" if p is None else f"≤ {p}",
                "-" if p is None or x.avg_snr_max_db is None else f"{x.avg_snr_max_db - p:+.1f}", "-",
                f"≤ {_f(x.chosen_max_db)}" if x.chosen_max_db is not None else "none", "-", "-", "-", "-"]
    ours = _span(x.avg_snr_min_db, x.avg_snr_max_db)
    paper_span = "-" if p is None else f"{p[0]:.1f} … {upper.get(o, 30.0):.1f}"
    diff = "-" if p is None or x.avg_snr_min_db is None else \
        f"{x.avg_snr_min_db - p[0]:+.1f} / {x.avg_snr_max_db - upper.get(o, 30.0):+.1f}"
    exact = f"{_f(x.equal_from_db, '.2f')} … {_f(x.equal_to_db, '.2f') if x.equal_to_db is not None else '∞'}"
    return [str(o), ours, paper_span, diff, exact, _span(x.chosen_min_db, x.chosen_max_db),
            str(x.prompt_bound_points), _f(x.feasible_from_db, ".2f"),
            f"{_f(x.min_edge_snr_db, '.2f')} ({'-' if p is None else p[1]})", _f(x.latency_ms, ".3f")]


def table2_section(rows: Sequence[Table2Row], rep: Report,
                   consistent_bers: Optional[Mapping[tuple[float, float], Optional[tuple[float, float]]]] = None
                   ) -> None:
    """The Table II analogue: one table per target column (mean channel, discrete MQAM), the equal-latency
    range beside the paper's and the chosen-order range; ``consistent_bers`` (optional, per paper pair:
    :func:`scenarios.qiao.table2.paper_consistent_bers`) adds which BER1* reproduce the whole column."""
    rep.section("Table II analogue (mean channel, discrete MQAM)")
    rep.paragraph("Table II's T column is constant per row (T = |v1|/(B1 log2 M)), so a row holds where the "
                  "optimal latency *equals* T: the edge stream binds (Lemma 1's T0 = T1). Beside it: where the "
                  "optimum merely uses the order (the prompt may bind there, with a longer latency), the exact "
                  "ends of the equal-latency range (closed form) and where the order first fits P_T. Every γ̄ "
                  "the paper prints is an even tenth of a dB (apparently a 0.2 dB grid).")
    for r in rows:
        paper, upper = PAPER_TABLE_II.get((r.clip, r.ms_ssim), {}), PAPER_UPPER_DB.get((r.clip, r.ms_ssim), {})
        used = "BER1* implied by the paper's 64-QAM γ̄1 (eq. (4) inverted)" if r.paper_implied else \
            ", ".join(r.used) + (f" (no {', '.join(r.missing)} in the source)" if r.missing else "")
        cap = f"Targets ({r.clip}, {r.ms_ssim}): BER1* = {_f(r.ber_star, '.4g')}, {used}"
        if not r.ranges:
            rep.paragraph(f"{cap}: no BER1* (the target is not met at any tabulated BER).")
            continue
        rep.table(["M1", "γ̄ where latency = T (dB)", "paper γ̄ (dB)", "Δ start / end (dB)", "exact (dB)",
                   "γ̄ where M1 is chosen (dB)", "prompt-bound points", "M1 fits P_T from (dB)", "γ̄1 (paper)",
                   "T (ms)"], [_order_row(x, paper, upper) for x in r.ranges], caption=cap)
        span = (consistent_bers or {}).get((r.clip, r.ms_ssim), "absent")
        if span != "absent":
            rep.paragraph(f"BER1* reproducing every γ̄ and γ̄1 of this column on a 0.2 dB grid: "
                          + ("none." if span is None else f"{span[0]:.3g} … {span[1]:.3g}."))


def table2_bullets(rows: Sequence[Table2Row], edge_bits: Optional[int]) -> list[str]:
    """The verdict statement: how far each end of the paper-implied columns is from the paper's (dB), for the
    equal-latency reading and the old chosen-order one, and whether the T column is reproduced.

    .. code-block:: python

        >>> row = Table2Row(0.999, 0.991, [], [], 1.3e-6, True, [OrderRange(4, 11.1, 17.8, latency_ms=3.932,
        ...                                                               chosen_min_db=10.8)])
        >>> b = table2_bullets([row], 7864)[0]
        >>> "starts of 64/16/4-QAM differ from the paper's by -0.1 … -0.1 dB" in b, "not reproduced" in b
        (True, True)
    """
    diffs: dict[str, list[float]] = {"lower": [], "upper": [], "outage": [], "chosen_lower": []}
    ts = set()
    for r in rows:
        if r.paper_implied:
            for k, v in paper_differences(r).items():
                diffs[k] += v
            ts |= {round(x.latency_ms, 2) for x in r.ranges if x.latency_ms is not None}
    if not diffs["lower"]:
        return []

    def rng(k: str) -> str:
        v = diffs[k]
        return "-" if not v else f"{min(v):+.1f} … {max(v):+.1f} dB"

    t_ok = set(_TS) <= ts
    extra = any(x.modulation_order == 256 for r in rows for x in r.ranges)
    return [f"**Table II** (latency = the row's T, |v1| = {edge_bits}): with the BER1* its 64-QAM γ̄1 imply, the "
            f"γ̄ starts of 64/16/4-QAM differ from the paper's by {rng('lower')}, the 16/4-QAM ends by {rng('upper')}, "
            f"the outage end by {rng('outage')}; reading a row as \"the optimum uses M\" instead, the starts "
            f"differ by {rng('chosen_lower')}. The T column ({' / '.join(map(str, _TS))} ms) is "
            + ("reproduced" if t_ok else "not reproduced") + "."
            + (" The 256-QAM row (opt-in) has no counterpart in the paper." if extra else "")]
