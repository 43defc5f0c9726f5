"""The Fig. 4 section of the Qiao latency study's report and its verdict lines (:mod:`scenarios.qiao.report`,
:mod:`scenarios.qiao.verdicts` call them): the figure (:mod:`scenarios.qiao.figures_fig4`), which constraint
binds and what the tie-break does, why no Rayleigh mean is shown, the Rayleigh medians/quantiles with their
intervals, the semantic-unaware benchmark, and Lemma 1 against the brute-force grid."""

from __future__ import annotations

from typing import Any, Optional

from ..study.report import Report
from .figures_fig4 import ber_labels
from .summary_designs import DesignSummary

__all__ = ["SOLVER_TOLERANCE", "MEAN_DIVERGES", "design_section", "design_bullets", "design_verdicts"]

#: Lemma 1 counts as the optimum when it is no worse than the brute-force grid by more than this
#: (the grid's own resolution).
SOLVER_TOLERANCE = 0.005

#: Why the report shows no Rayleigh mean of latency or transmissions.
MEAN_DIVERGES = (
    "No Rayleigh *mean* of latency or prompt transmissions is shown, because it does not exist. In a draw the edge "
    "stream sees its fade x1 ~ Exp(1) and the prompt its mean SNR (eq. (2)'s reading). Continuous rate: as x1 → 0 "
    "the edge stream takes nearly all of P_T and the latency grows like 1/x1, and E[1/X] = ∫₀^∞ e^(−x)/x dx is "
    "infinite. Discrete rate: just above the 4-QAM threshold the prompt's power p0 → 0 and its transmissions "
    "exp((k ln L + b)/γ0) grow without bound. A sample mean over draws is set by the deepest fade and does not "
    "settle as draws are added. Shown instead: the median and the 10 % / 90 % quantiles over the draws that send, "
    "the median with its 95 % percentile bootstrap band over draws (the independent unit), and the outage fraction "
    "with its Clopper–Pearson interval over draws.")


def _num(x: Optional[float], spec: str = ".3g") -> str:
    return "-" if x is None else format(x, spec)


def _snr_list(xs: list[float]) -> str:
    """γ̄ values (dB): up to three listed, more as their count and range."""
    return ", ".join(f"{x:g}" for x in xs) + " dB" if len(xs) <= 3 else f"{len(xs)} γ̄ from {xs[0]:g} to {xs[-1]:g} dB"


def _binding_counts(c: Any) -> str:
    """One BER target's γ̄ counts by what binds, only the non-empty ones."""
    parts = [(c.equal_full_power, "T0 = T1 with all of P_T"), (c.edge, "the edge stream's order binds"),
             (c.prompt, "the prompt binds"), (c.outage, "outage")]
    n = sum(k for k, _ in parts)
    told = ", ".join(f"{text} at {k}" for k, text in parts if k) or "none"
    return f"{told} of {n} γ̄ (T0 = T1 within 1e-6 at {c.t0_equals_t1})"


def _binding_text(d: DesignSummary) -> str:
    per = "; ".join(f"BER {lab}: {_binding_counts(c)}"
                    for c, lab in zip(d.binding, ber_labels([c.ber for c in d.binding])))
    if d.rate_model != "discrete":
        return (f"Continuous rate (eq. (4)): Lemma 1's root of T0 = T1 with p0 + p1 = P_T. Mean channel over the "
                f"γ̄ grid: {per or 'no binding data stored'}.")
    return (f"Discrete MQAM, orders {', '.join(map(str, d.orders)) or '-'}, tie-break **{d.tie_break}**. T1 is a "
            "step function of p1, so where the edge stream limits the latency every prompt power with T0 ≤ T1 is "
            "optimal: \"equal\" gives the prompt exactly the power for T0 = T1 (Lemma 1's condition; the rest of "
            "P_T is not used), \"prompt-all\" all the power the edge stream leaves (T0 < T1). Mean channel over "
            f"the γ̄ grid: {per or 'no binding data stored'}.")


def _not_sent_text(d: DesignSummary) -> str:
    n = f"{d.not_sent_draws} of {d.total_draws} Rayleigh designs"
    if not d.not_sent_draws:
        return f"All {d.total_draws} Rayleigh designs send."
    if d.rate_model == "discrete":
        return (f"{n} send nothing: no constellation meets the target with all of P_T (outage); they are counted (the "
                "outage column) and left out of the medians and quantiles.")
    return (f"{n} reach T0 = T1 only beyond floating point (latency above ~1e308 s; the continuous model has no "
            "outage); they are counted (the \"not sent\" column) and left out of the medians and quantiles, which "
            "therefore sit slightly low where that column is not zero.")


def _rayleigh_table(rm: str, d: DesignSummary, rep: Report) -> None:
    rows = []
    labels = ber_labels([t.ber for t in d.rayleigh])
    for t, lab in zip(d.rayleigh, labels):
        for r in t.rows:
            at = f"BER {lab}, {r.avg_snr_db:g} dB, {rm}"

            def iv(x: Any, what: str) -> Any:
                return rep.interval(x, f"Rayleigh {what} at {at}") if x.n else "- (none sent)"

            rows.append([lab, r.avg_snr_db, f"{r.feasible} / {r.draws}", rep.interval(r.outage, f"outage at {at}"),
                         iv(r.latency_ms, "median latency"), f"{_num(r.latency_p10_ms)} / {_num(r.latency_p90_ms)}",
                         iv(r.retransmissions, "median transmissions"),
                         f"{_num(r.retransmissions_p10)} / {_num(r.retransmissions_p90)}",
                         iv(r.prompt_share_pct, "median prompt share"), r.bits_per_symbol_mean,
                         iv(r.unaware_latency_ms, "unaware median latency")])
    miss = "outage [95 % CI]" if rm == "discrete" else "not sent (latency beyond a float) [95 % CI]"
    rep.table(["BER target", "γ̄ (dB)", "draws sending", miss, "median latency (ms) [95 % CI]",
               "latency p10 / p90 (ms)", "median transmissions [95 % CI]", "transmissions p10 / p90",
               "median prompt share (% of P_T) [95 % CI]", "mean edge bits/symbol", "unaware median latency (ms) "
               "[95 % CI]"], rows,
              caption=f"Rayleigh draws, {rm} rate: medians and quantiles over the draws that send, bootstrap bands "
                      "over draws; outage with Clopper–Pearson over draws (no means: they diverge)")


def _unaware_table(rm: str, d: DesignSummary, rep: Report) -> None:
    def snrs(xs: list[float]) -> str:
        return ", ".join(f"{x:g}" for x in xs) or "-"

    def span(r: Optional[tuple[float, float]]) -> str:
        return "-" if not r else f"{r[0]:.2f} … {r[1]:.2f}"

    labels = ber_labels([c.ber for c in d.unaware])
    rep.table(["BER target", "γ̄ < 12 dB where proposed is faster", "ratio below 12 dB", "ratio at ≥ 12 dB",
               "only proposed sends (unaware in outage)", "proposed in outage"],
              [[lab, f"{snrs(c.faster_below) if c.faster_below else 'none'} ({len(c.faster_below)} of "
                f"{c.snrs_below})", span(c.ratio_below), span(c.ratio_above), snrs(c.unaware_outage_only),
                snrs(c.infeasible_snrs)] for c, lab in zip(d.unaware, labels)],
              caption=f"Proposed (mean channel) / semantic-unaware latency, {rm} rate")


def design_section(rm: str, summary: DesignSummary, data: dict[str, Any], rep: Report) -> None:
    """The Fig. 4 section of one rate model (replaces ``report._design_section``)."""
    from .figures_fig4 import fig4

    d = summary
    rep.section(f"Fig. 4 analogue, {rm} rate")
    rep.figure(f"fig4_{rm}", lambda: fig4(data, rm),
               f"{rm} rate; solid: mean channel; dashed: median of the {d.realizations} Rayleigh draws that send, "
               "shaded: their 10–90 % range; hatched: the mean channel's outage γ̄")
    rep.paragraph(_binding_text(d))
    rep.paragraph(MEAN_DIVERGES, _not_sent_text(d))
    rep.paragraph(f"Solver vs brute-force grid ({d.gap_points} points, mean channel): largest gap "
                  f"{_num(d.max_solver_gap, '+.2e')} (negative = the solver beats the grid).")
    _rayleigh_table(rm, d, rep)
    _unaware_table(rm, d, rep)


def design_bullets(designs: dict[str, DesignSummary]) -> list[str]:
    """The statements of the verdicts section (replaces ``verdicts._unaware``): the semantic-unaware benchmark
    below 12 dB on the mean channel, and the discrete tie-break used."""
    out = []
    for rm, d in designs.items():
        txt = "; ".join(f"BER {lab}: faster at {len(c.faster_below)}/{c.snrs_below}"
                        + (f" (ratio {c.ratio_below[0]:.2f} … {c.ratio_below[1]:.2f})" if c.ratio_below else "")
                        for c, lab in zip(d.unaware, ber_labels([c.ber for c in d.unaware])) if c.snrs_below)
        only = sorted({x for c in d.unaware for x in c.unaware_outage_only})
        out.append(f"**Semantic-unaware benchmark ({rm})** below 12 dB: "
                   f"{txt or 'no γ̄ below 12 dB where both send'}"
                   + (f"; the benchmark sends nothing (outage, mean channel) at {_snr_list(only)}, where the proposed "
                      "design sends for at least one target" if only else "") + ".")
        if rm == "discrete" and d.binding:
            edge = sum(c.edge for c in d.binding)
            out.append(f"**Discrete tie-break**: {d.tie_break}; the edge stream binds at {edge} (γ̄, target) points "
                       "of the mean channel, where any prompt power with T0 ≤ T1 is optimal.")
    return out


def design_verdicts(designs: dict[str, DesignSummary], rep: Report) -> None:
    """"Lemma 1 is the optimum of problem (5)" per rate model (replaces ``verdicts._design_verdicts``)."""
    for rm, d in designs.items():
        gap = d.max_solver_gap
        rep.verdict(f"Lemma 1 ({rm}) is the optimum of problem (5)", None if gap is None else gap <= SOLVER_TOLERANCE,
                    "no gap data" if gap is None else f"largest gap {gap:+.1e} over {d.gap_points} points",
                    f"brute-force grid over (p0, p1), tolerance {SOLVER_TOLERANCE:.1%}")
