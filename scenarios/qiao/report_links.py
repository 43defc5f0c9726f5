"""The report sections and verdicts of the Qiao latency study's checks on real links: eq. (2) on Rayleigh block
fading at the mean SNR (AWGN as a diagnostic), retransmissions, HARQ vs ARQ, the designs end to end against their
targets, and the stream sizes of Fig. 3 (figures in :mod:`scenarios.qiao.figures_links`)."""

from __future__ import annotations

import math
from typing import Any, Optional

from ..study.report import Report
from . import figures_links as fl
from .reallink import EQ2_SNR
from .summary_links import E2ESummary, Eq2Summary, HarqRow, stored_interval

__all__ = ["eq2_section", "harq_section", "e2e_section", "breakdown_section", "eq2_verdicts", "harq_verdicts",
           "e2e_verdicts"]


def _fit_text(fit: Optional[dict[str, Any]]) -> str:
    if not fit:
        return "- (needs two or more lengths)"
    return f"{{{fit['k']:.4g}, {fit['b']:.4g}}}" + (" (physical: k > 0 and k ln L + b > 0 at every L fitted)"
                                                   if fit["physical"] else f" — {fit['note']}")


def _point_rows(pts: Any, rep: Report, fit: Optional[dict[str, Any]], faded: bool) -> list[list[Any]]:
    from .reallink import model_per

    rows = []
    for p in pts.rows():
        per = rep.interval(stored_interval(p["per"], p["per_lo"], p["per_hi"], int(p["packets"]), "packet"),
                           f"PER, L = {p['length']}, {p['channel']}, {p['snr_db']:g} dB")
        refit = model_per(10 ** (p["snr_db"] / 10), p["length"], p["channel"], fit["k"], fit["b"]) if fit else None
        rows.append([p["length"], p["snr_db"], p["packets"], p["errors"], per, p["eq2"], p["verdict"], refit]
                    + ([p["eq2_faded"]] if faded else []))
    return rows


def eq2_section(e2: Eq2Summary, data: dict[str, Any], k: float, b: float, rep: Report) -> None:
    """Eq. (2) on the link: the block-fading verdict table, the refit, the AWGN diagnostic, retransmissions."""
    rep.section("Eq. (2) on the real prompt link")
    rep.paragraph(f"Eq. (2) takes {EQ2_SNR}: 1 − exp(−(k ln L + b)/γ̄) is exactly P(γ̄X < k ln L + b) for an Exp(1) "
                  "fade X, the threshold model of a block-faded packet. The verdict is therefore on Rayleigh block "
                  "fading (one fade per packet) at the mean Es/N0; the designs and the end-to-end check use the same "
                  "reading. The first pass averaged eq. (2) over the fade once more (last column): that counts the "
                  f"fading twice (inside the interval at {e2.faded_consistent} of {e2.points} points). AWGN is a "
                  "diagnostic only: no 1/γ law follows a waterfall.")
    rep.figure("eq2_per", lambda: fl.eq2(data["points"], e2.fit, e2.fit_awgn, k, b),
               "prompt PER on the link (95 % Clopper–Pearson over packets) vs eq. (2) at the mean SNR")
    rep.paragraph(f"Refitted on block fading by binomial maximum likelihood: {{k, b}} = {_fit_text(e2.fit)} "
                  f"(paper {{{k}, {b}}}); the refit is inside the interval at {e2.consistent_refit} of {e2.points} "
                  "points (in sample: fitted on the same packets, so this shows the two-parameter form can follow "
                  f"the link, not that it predicts new points). AWGN refit (diagnostic): {_fit_text(e2.fit_awgn)}.")
    cols = ["L", "mean Es/N0 (dB)", "packets", "errors", "PER [95 % CI]", "eq. (2) at γ̄", "verdict",
            "eq. (2) refitted", "eq. (2) faded again (first pass)"]
    rep.table(cols, _point_rows(data["points"].where(channel="rayleigh"), rep, e2.fit, True),
              caption="Verdict: prompt PER on Rayleigh block fading vs eq. (2) at the mean SNR")
    rep.table(cols[:-1], _point_rows(data["points"].where(channel="awgn"), rep, e2.fit_awgn, False),
              caption="Diagnostic: prompt PER on AWGN vs eq. (2) at the SNR")
    rep.table(["L", "Es/N0 (dB)", "prompts", "mean transmissions [95 % CI]",
               "1/(1−PER) [95 % CI], PER on separate packets", "eq. (3) 1/(1−PER eq. 2)", "χ² p (geometric)",
               "undetected"],
              [[r.length, r.snr_db, r.prompts, rep.interval(r.mean, f"transmissions at {r.snr_db:g} dB"),
                rep.interval(r.geometric, f"1/(1-PER) at {r.snr_db:g} dB"), r.eq3_mean, r.chi2_p, r.undetected]
               for r in e2.retransmissions],
              caption="Transmissions per prompt (CRC retransmission on AWGN) vs the geometric law")


def harq_section(rows: list[HarqRow], data: Any, rep: Report) -> None:
    """Beyond the paper: conv ARQ vs LDPC ARQ vs LDPC HARQ-IR on block fading."""
    rep.section("Beyond the paper: HARQ vs ARQ for the prompt")
    rep.paragraph("The prompt (L bits + CRC24A) on Rayleigh block fading with an independent fade per transmission, "
                  "perfect CSI: the paper's rate-1/2 convolutional code with ARQ; 5G LDPC rate 1/2 (Sionna, 20 BP "
                  "iterations) with ARQ (RV 0 each time); and LDPC HARQ with incremental redundancy (RV 0, 2, 3, 1, "
                  "combined by Sionna's LDPC5GDecoder(harq_mode=True)). Latency = transmissions × transmission time. A "
                  "prompt not delivered within the cap counts cap + 1 transmissions, so where 'not delivered' is "
                  "non-zero the mean is a lower bound.")
    rep.figure("harq", lambda: fl.harq(data), "mean transmissions and latency per scheme (95 % t interval over prompts)")
    rep.table(["scheme", "L", "mean Es/N0 (dB)", "prompts", "mean transmissions [95 % CI]", "median / p90",
               "first try", "mean latency (ms) [95 % CI]", "eq. (3) with eq. (2)", "not delivered", "undetected"],
              [[r.scheme, r.length, r.snr_db, r.prompts, rep.interval(r.mean, f"{r.scheme} at {r.snr_db:g} dB"),
                f"{r.median:g} / {r.p90:g}", f"{r.first_try:.3f}", rep.interval(r.latency_ms, "latency"), r.eq3_mean,
                r.not_delivered, r.undetected] for r in rows], caption="Transmissions per prompt by scheme")


def e2e_section(ee: E2ESummary, draws: Any, rep: Report) -> None:
    """The designs on real links against the latency and quality targets."""
    rep.section("End to end on real links, against the targets")
    rep.figure("end_to_end", lambda: fl.end_to_end(draws), "achieved latency over its target per Rayleigh draw (CDF over draws; at 1: on time)")
    qt = "-" if ee.quality_target is None else f"{ee.quality_target:g}"
    rep.paragraph(f"Edge BER target BER1* = {ee.ber_target:.3g}, quality target ε = {qt} (normalized MS-SSIM of the "
                  "target pair); latency target = the latency of the mean-channel design at γ̄ for that draw's edge map (the "
                  "maps differ in size, so the targets differ by image: the table gives their range). Per draw: the "
                  "edge fade is known to the transmitter; the prompt is designed at its mean SNR (eq. (2)'s reading) "
                  "and sent with real CRC retransmissions on block fading; the edge map is sent uncoded at the chosen "
                  "M through the bridge. Rates are over draws (Clopper–Pearson); the edge BER is pooled over the "
                  "delivered draws with a bootstrap over draws, or, with no bit error at all, Clopper–Pearson over "
                  "symbols given the draws (BER ≤ SER). Draw i sends image i mod N (fades and noise independent across "
                  "draws): every interval here is over draws *given these images*, not over the population of "
                  "images.")
    rows = []
    for r in ee.rows:
        a = r.achieved_latency_ms
        iv = lambda x, what: None if x is None else rep.interval(x, f"{what} at {r.avg_snr_db:g} dB")  # noqa: E731
        rows.append([r.avg_snr_db, r.draws, iv(r.outage, "outage"), r.not_delivered, _target_text(r),
                     None if a is None else f"{a[0]:.3g} / {a[1]:.3g} / {a[2]:.3g}", iv(r.late, "late delivery"),
                     iv(r.on_time, "on time"), iv(r.edge_ber, "edge BER"), r.draws_above_target, iv(r.quality, "quality"),
                     iv(r.below_quality, "below the quality target")])
    rep.table(["γ̄ (dB)", "draws", "outage [95 % CI]", "prompt not delivered", "target T (ms)",
               "achieved T p10/p50/p90 (ms)", "late, of delivered [95 % CI]", "on time, of all [95 % CI]",
               "edge BER [95 % CI]", "draws > BER1*", "quality [95 % CI]", "below ε [95 % CI]"], rows,
              caption="Designs on real links against the targets")


def breakdown_section(data: Any, paper_bpp: tuple[float, float], summary: dict[str, float], rep: Report) -> None:
    """Fig. 3 analogue: measured stream sizes and the latency split."""
    rep.section("Fig. 3 analogue: what the streams cost")
    rep.paragraph(f"Measured over {summary['images']:g} images: prompt {summary['prompt_bits']:.0f} bits "
                  f"({summary['prompt_bpp']:.4f} bpp), edge map {summary['edge_bits']:.0f} bits "
                  f"({summary['edge_bpp']:.4f} bpp); the paper's Fig. 3 states {paper_bpp[0]} / {paper_bpp[1]} bpp "
                  f"(≈ {paper_bpp[0] * 768 * 512:.0f} / {paper_bpp[1] * 768 * 512:.0f} bits on a 768 × 512 image). "
                  "The study's |v0| = 800 bits is Table I's assumption, not a measurement.")
    rep.figure("fig3_streams", lambda: fl.fig3(data["rows"], paper_bpp),
               "measured stream sizes per image and the T0/T1 split of the mean-channel design")


def eq2_verdicts(e2: Optional[Eq2Summary], rep: Report) -> None:
    """Eq. (2)'s verdict on block fading and the geometric law of retransmissions."""
    if e2 is None:
        return
    rep.verdict("Eq. (2) at the mean SNR gives the prompt PER on Rayleigh block fading", e2.consistent == e2.points,
                f"inside the 95 % interval at {e2.consistent} of {e2.points} points; above it (pessimistic) at "
                f"{e2.above}, below (optimistic) at {e2.below}; refitted {{k, b}} = {_fit_text(e2.fit)}: inside at "
                f"{e2.consistent_refit}", "measured PER, Clopper–Pearson over packets")
    for r in e2.retransmissions:
        overlap = r.mean.lo <= r.geometric.hi and r.geometric.lo <= r.mean.hi if r.mean.ok and r.geometric.ok else None
        rep.verdict(f"Transmissions per prompt at {r.snr_db:g} dB are consistent with the geometric law (eq. (3)'s "
                    "premise; overlapping intervals and the χ² test: no evidence against it)", overlap,
                    f"mean {r.mean.text()} vs 1/(1−PER) {r.geometric.text()}; χ² p = "
                    + ("-" if r.chi2_p is None else f"{r.chi2_p:.2f}") + f"; eq. (3) predicts {r.eq3_mean:.3f}",
                    "PER on separate packets")


def harq_verdicts(rows: list[HarqRow], rep: Report) -> None:
    """HARQ-IR vs plain ARQ on the same LDPC code, per SNR: fewer transmissions, with intervals."""
    by = {(r.scheme, r.snr_db): r for r in rows}
    for s in sorted({r.snr_db for r in rows}):
        h, a = by.get(("ldpc-harq-ir", s)), by.get(("ldpc-arq", s))
        if h is None or a is None:
            continue
        # two independent samples of prompts: disjoint 95 % intervals decide (conservative), overlap is undecided
        ok = (None if not a.mean.ok else True if h.mean.side(a.mean.lo) == -1
              else False if h.mean.side(a.mean.hi) == 1 else None)
        rep.verdict(f"HARQ-IR needs fewer transmissions than ARQ at {s:g} dB (same LDPC code)", ok,
                    f"HARQ-IR {h.mean.text(3)} vs ARQ {a.mean.text(3)} transmissions"
                    + ("" if ok is not None else " (intervals overlap: not distinguished)"), "LDPC ARQ, t over prompts")


def _target_text(r: Any) -> Optional[str]:
    """The latency target(s) of one γ̄ in ms: one value, or the range over the draws' edge maps."""
    if r.target_range_ms is None:
        return None
    lo, hi = r.target_range_ms
    return f"{lo:.3g}" if math.isclose(lo, hi, rel_tol=1e-9) else f"{lo:.3g} … {hi:.3g}"


def e2e_verdicts(ee: Optional[E2ESummary], rep: Report) -> None:
    """Per γ̄: the edge BER target, the latency target and the quality target met on real links."""
    if ee is None:
        return
    for r in ee.rows:
        if r.edge_ber is not None:
            b = r.edge_ber
            rep.verdict(f"The designs meet BER1* on real links at γ̄ = {r.avg_snr_db:g} dB",
                        {-1: True, 1: False}.get(b.side(ee.ber_target)), b,
                        f"BER1* {ee.ber_target:.3g}")
        if r.on_time is not None and r.target_latency_ms is not None and not math.isnan(r.on_time.value):
            rep.verdict(f"Delivered by the target latency at γ̄ = {r.avg_snr_db:g} dB in at least half the draws",
                        {1: True, -1: False}.get(r.on_time.side(0.5)), r.on_time,
                        f"target {_target_text(r)} ms (each draw's mean-channel design); outage {r.outage.text(3)}")
        if r.quality is not None and ee.quality_target is not None:
            rep.verdict(f"The delivered quality meets ε on average at γ̄ = {r.avg_snr_db:g} dB",
                        {1: True, -1: False}.get(r.quality.side(ee.quality_target)), r.quality,
                        f"ε = {ee.quality_target:g}, normalized MS-SSIM of the delivered draws")
