"""The verdicts of the Qiao latency study's report: each checked claim with its evidence and baseline
(:meth:`scenarios.study.report.Report.verdict`), and the findings that are statements, not claims."""

from __future__ import annotations

from ..study.report import Report
from ..study.stats import MIN_UNITS
from . import report_links as rl
from .report_fig4 import SOLVER_TOLERANCE, design_bullets, design_verdicts
from .summary import QiaoSummary
from .report_table2 import table2_bullets

__all__ = ["add_verdicts", "SOLVER_TOLERANCE"]


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


def add_verdicts(s: QiaoSummary, rep: Report) -> None:
    """The "Verdicts" section: statements, then each claim with its evidence."""
    rep.section("Verdicts")
    rep.bullets(table2_bullets(s.table2, s.edge_bits) + design_bullets(s.designs))
    design_verdicts(s.designs, rep)
    rl.eq2_verdicts(s.eq2, rep)
    rl.harq_verdicts(s.harq, rep)
    _eq4_verdicts(s, rep)
    rl.e2e_verdicts(s.end_to_end, rep)
