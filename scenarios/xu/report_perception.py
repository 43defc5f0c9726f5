"""The perception sections of the Xu report: the discard outcomes (P_best, L1, L2), each stream alone
(eqs. 16-17), forwarding a noisy stream vs discarding it (Fig. 5) and the full-link check of the BSC
shortcut. Intervals are over images (the independent unit), seeded from the study's seed; the stored
fits (and their stored bands) are read as they are."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..streams.samples import ABSENT, OUTCOMES, read_samples
from ..study.report import Report
from ..study.stats import Interval, bootstrap_mean, paired_difference
from .figures import fig_one_correct, fig_perception
from .functions import PAPER_CONSTANTS
from .perception import export_table, has_fits, per_image_at, read_fits
from .schema import XuStudy
from .summary import ForwardVsDiscard, LinkCheckRow, PerceptionSummary, SingleStream, XuSummary

__all__ = ["perception_sections"]

STREAMS = ("prompt", "edge")


def perception_sections(study: XuStudy, file: str, key: str, rep: Report, summary: XuSummary) -> None:
    """Add the perception sections (and, when drawing, export the measured table as JSON) to ``rep``."""
    if not has_fits(file, key):
        return  # the measurement is not complete: its fits are written at its end
    stored = read_fits(file, key)
    s = read_samples(file, key)
    discard, band = stored["discard"]
    fits = {v: stored[f"alone_{STREAMS[v]}"] for v in (0, 1) if f"alone_{STREAMS[v]}" in stored}
    fits5 = {v: stored[f"correct_{STREAMS[v]}"] for v in (0, 1) if f"correct_{STREAMS[v]}" in stored}
    summary.perception = PerceptionSummary(
        str(s["label"]), int(s["distance"].size), discard.p_both, 1 - discard.p_prompt_only, 1 - discard.p_edge_only,
        np.asarray(band).tolist(), {f.stream: SingleStream(f.psi.tolist(), f.mean.tolist(), f.at_zero, f.logistic)
                                    for f in fits.values()})
    rep.section("Perception-error functions")
    rep.paragraph(f"Metric: **{summary.perception.metric}** ({summary.perception.samples} samples).")
    _outcomes(study, s, rep)
    _single_streams(study, s, fits, rep)
    rep.figure("fig4_perception", lambda: fig_perception(stored["forward"], fits, discard),
               "perception-error functions: joint forward grid, each stream alone, semantic values")
    summary.forward_vs_discard = _forward_vs_discard(study, s, fits5, discard, rep)
    rep.figure("fig5_one_correct", lambda: fig_one_correct(fits5, discard),
               "one stream correct: forward the other with errors, or discard it")
    summary.link_check = _link_check(file, key, s, rep)
    if rep.draw and "forward" in stored:  # `semlink allocate --perception-table`, study source `table:FILE`
        export_table(file, key, os.path.join(rep.folder, f"perception_table_{key}.json"))


def _iv(values: Any, study: XuStudy, rep: Report, what: str) -> Interval:
    return rep.interval(bootstrap_mean(list(values), seed=study.seed, unit="image"), what)


def _outcomes(study: XuStudy, s: dict, rep: Report) -> None:
    both, prompt, edge = (per_image_at(s, a, b).values() for a, b in OUTCOMES[:3])
    rows = [["P_best (both streams)", _iv(both, study, rep, "P_best"), "p_best"],
            ["L1 (prompt) = 1 − P(prompt only)", _iv([1 - x for x in prompt], study, rep, "L1"), "L1"],
            ["L2 (edge) = 1 − P(edge only)", _iv([1 - x for x in edge], study, rep, "L2"), "L2"]]
    rep.table(["quantity", "measured (95 % CI over images)", "paper (CLIP)", "paper (MS-SSIM)"],
              [[q, iv, PAPER_CONSTANTS["clip"][k], PAPER_CONSTANTS["ms-ssim"][k]] for q, iv, k in rows],
              caption="the coded discard receiver's outcomes (eqs. 16, 18)")
    rep.paragraph("The coded discard function is the exact bilinear expectation over the four outcomes "
                  "(scenarios/xu/perception.py); the fits' stored bootstrap bands are drawn in the figures.")


def _single_streams(study: XuStudy, s: dict, fits: dict, rep: Report) -> None:
    rows = []
    for v, f in fits.items():
        at = (lambda p: (p, ABSENT)) if v == 0 else (lambda p: (ABSENT, p))
        rows.append([f.stream, 0.0, _iv(per_image_at(s, *at(0.0)).values(), study, rep, f"{f.stream} alone, ψ = 0"),
                     None, None])
        for j, psi in enumerate(f.psi):
            iv = _iv(per_image_at(s, *at(float(psi))).values(), study, rep, f"{f.stream} alone, ψ = {psi:g}")
            rows.append([f.stream, float(psi), iv, float(f.isotonic[j]), f(float(psi))])
    rep.table(["stream alone", "BER ψ", "mean distance (95 % CI over images)", "isotonic fit", "logistic fit"], rows,
              caption="each stream alone, forwarded with BER ψ (eq. 17: L̂_i(ψ) = 1 − P^(i)(ψ); at ψ = 0, eq. 16)")


def _forward_vs_discard(study: XuStudy, s: dict, fits5: dict, discard: Any, rep: Report) -> list[ForwardVsDiscard]:
    out, rows = [], []
    for v, f in fits5.items():
        other, psi = STREAMS[1 - v], float(f.psi[-1])
        fwd = per_image_at(s, psi, 0.0) if v == 0 else per_image_at(s, 0.0, psi)
        disc = per_image_at(s, ABSENT, 0.0) if v == 0 else per_image_at(s, 0.0, ABSENT)
        common = sorted(set(fwd) & set(disc))
        iv = rep.interval(paired_difference([fwd[i] for i in common], [disc[i] for i in common], seed=study.seed,
                                            unit="image"), f"forwarding vs discarding the {f.stream}")
        r = ForwardVsDiscard(f.stream, psi, float(f.mean[-1]),
                             float(discard.p_edge_only if v == 0 else discard.p_prompt_only), iv)
        out.append(r)
        rows.append([f.stream, other, psi, r.forwarded_perception, r.discarded_perception, iv])
    rep.table(["forwarded stream", "correct stream", "BER ψ", "forwarded", "discarded",
               "forwarded − discarded (95 % CI over images, paired)"], rows,
              caption="forward a noisy stream or discard it? (Fig. 5)")
    for r in out:
        iv = r.difference
        holds = None if not iv.ok else (True if iv.lo > 0 else False if iv.hi < 0 else None)
        rep.verdict(f"forwarding the {r.forwarded} at BER {r.at_psi:g} is worse than discarding it", holds, iv,
                    f"discarding the {r.forwarded}")
    if str(s["label"]).startswith("feature-level"):
        rep.paragraph("(An offline feature-level metric counts an absent stream as distance 1, so forwarding can only "
                      "look worse than discarding with a regenerated-image metric, where a corrupted stream misleads "
                      "the decoder.)")
    return out


def _link_check(file: str, key: str, bsc: dict, rep: Report) -> list[LinkCheckRow]:
    try:
        link = read_samples(file, key, channel="link")
    except ValueError:
        return []
    out = []
    for a, b in sorted(set(zip(link["psi1"].tolist(), link["psi2"].tolist()))):
        ml = (link["psi1"] == a) & (link["psi2"] == b)
        mb = (bsc["psi1"] == a) & (bsc["psi2"] == b)
        out.append(LinkCheckRow((a, b), float(link["distance"][ml].mean()),
                                float(bsc["distance"][mb].mean()) if mb.any() else None, int(ml.sum())))
    rep.table(["ψ (prompt, edge; -1 absent)", "full link", "BSC", "samples"],
              [[f"({r.psi[0]:g}, {r.psi[1]:g})", r.link_mean, r.bsc_mean, r.n] for r in out],
              caption="full uncoded BPSK link vs the BSC shortcut (same conditions, mean distance)")
    return out
