"""The verdicts of the Qiao latency study's report: each checked claim with its evidence and baseline
(:meth:`scenarios.study.report.Report.verdict`), and the findings that are statements, not claims."""

from __future__ import annotations

from ..study.report import Report
from ..study.stats import MIN_UNITS
from .summary import QiaoSummary
from .sweep import PAPER_TABLE_II

__all__ = ["add_verdicts", "SOLVER_TOLERANCE"]

#: Lemma 1 counts as the optimum when it is no worse than the brute-force grid by more than this
#: (the grid's own resolution).
SOLVER_TOLERANCE = 0.005


def _table2(s: QiaoSummary) -> list[str]:
    rows = [r for r in s.table2 if r.paper_implied]
    diffs = []
    for r in rows:
        paper = PAPER_TABLE_II.get((r.clip, r.ms_ssim), {})
        diffs += [x.avg_snr_min_db - paper[x.modulation_order][0] for x in r.ranges
                  if x.modulation_order in (4, 16, 64) and x.modulation_order in paper and x.avg_snr_min_db is not None]
    if not diffs:
        return []
    extra = any(x.modulation_order == 256 for r in rows for x in r.ranges)
    return [f"**Table II** follows from eqs. (2)-(4) and |v1| = {s.edge_bits}: with the BER1* its 64-QAM γ̄1 imply, "
            f"the γ̄ lower ends of 64/16/4-QAM differ from the paper's by {min(diffs):+.1f} … {max(diffs):+.1f} dB"
            + ("; the exact optimum also uses 256-QAM near 30 dB, which the paper's table omits." if extra else ".")]


def _unaware(s: QiaoSummary) -> list[str]:
    out = []
    for rm, d in s.designs.items():
        txt = "; ".join(f"BER {c.ber:.2g}: faster at {len(c.faster_below)}/{c.snrs_below}"
                        + (f" (ratio {c.ratio_below[0]:.2f} … {c.ratio_below[1]:.2f})" if c.ratio_below else "")
                        for c in d.unaware if c.snrs_below)
        out.append(f"**Semantic-unaware benchmark ({rm})** below 12 dB: "
                   f"{txt or 'no γ̄ below 12 dB where both send'}.")
    return out


def _design_verdicts(s: QiaoSummary, rep: Report) -> None:
    for rm, d in s.designs.items():
        gap = d.max_solver_gap
        rep.verdict(f"Lemma 1 ({rm}) is the optimum of problem (5)", None if gap is None else gap <= SOLVER_TOLERANCE,
                    "no gap data" if gap is None else f"largest gap {gap:+.1e} over {d.gap_points} points",
                    f"brute-force grid over (p0, p1), tolerance {SOLVER_TOLERANCE:.1%}")


def _eq2_verdicts(s: QiaoSummary, rep: Report) -> None:
    e2 = s.eq2
    if e2 is None:
        return
    kb = f"{e2.fit_kb[0]:.3g}, {e2.fit_kb[1]:.3g}" if e2.fit_kb else "-"
    rep.verdict("Eq. (2) as printed gives the prompt PER on the link", e2.consistent == e2.points,
                f"inside the 95 % interval at {e2.consistent} of {e2.points} points; above it (pessimistic) at "
                f"{e2.above}, below (optimistic) at {e2.below}"
                + (f", at Es/N0 ≤ {e2.below_max_snr:g} dB" if e2.below else "")
                + f"; refitted {{k, b}} = {kb}: inside at {e2.consistent_refit}",
                "measured PER, Clopper–Pearson over packets")
    for r in e2.retransmissions:
        overlap = r.mean.lo <= r.geometric.hi and r.geometric.lo <= r.mean.hi if r.mean.ok and r.geometric.ok else None
        rep.verdict(f"Transmissions per prompt at {r.snr_db:g} dB follow the geometric law (eq. (3)'s premise)", overlap,
                    f"mean {r.mean.text()} vs 1/(1−PER) {r.geometric.text()}; χ² p = "
                    + ("-" if r.chi2_p is None else f"{r.chi2_p:.2f}") + f"; eq. (3) predicts {r.eq3_mean:.3f}",
                    "PER on separate packets")


def _eq4_verdicts(s: QiaoSummary, rep: Report) -> None:
    e4 = s.eq4
    if e4 is None:
        return
    ub = ", ".join(f"{'-' if v is None else f'{v:.1f}'} dB ({k}-QAM)" for k, v in e4.upper_bound_from_db.items())
    few = f" ({e4.few_frames} of them on fewer than {MIN_UNITS} frames: no interval)" if e4.few_frames else ""
    rep.verdict("Eq. (4)'s bound holds on the link (simulated BER interval below the target)",
                None if e4.few_frames else e4.simulated_bound_holds == e4.simulated,
                f"at {e4.simulated_bound_holds} of {e4.simulated} points{few}; {e4.looseness_db[0]:.2f} … "
                f"{e4.looseness_db[1]:.2f} dB conservative at the BER targets; an upper bound of the exact BER only "
                f"above {ub}", "simulated uncoded M-QAM, cluster interval over frames")


def _e2e_verdicts(s: QiaoSummary, rep: Report) -> None:
    ee = s.end_to_end
    if ee is None:
        return
    for r in ee.rows:
        if r.edge_ber is None:
            continue
        a = r.achieved_over_designed
        rep.verdict(f"The designs meet BER1* on real links at γ̄ = {r.avg_snr_db:g} dB",
                    r.edge_ber.hi <= ee.ber_target if r.edge_ber.ok else None, r.edge_ber,
                    f"BER1* {ee.ber_target:.2g}; outage {r.outage:.2f}, median achieved/designed latency "
                    + ("-" if a is None else f"{a[1]:.3f}"))


def add_verdicts(s: QiaoSummary, rep: Report) -> None:
    """The "Verdicts" section: statements, then each claim with its evidence."""
    rep.section("Verdicts")
    rep.bullets(_table2(s) + _unaware(s))
    _design_verdicts(s, rep)
    _eq2_verdicts(s, rep)
    _eq4_verdicts(s, rep)
    _e2e_verdicts(s, rep)
