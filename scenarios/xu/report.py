"""The report of the Xu power-allocation study (:mod:`scenarios.xu.parts`), built on the kit's
:class:`~scenarios.study.report.Report`.

Everything is read back from the study's HDF5 file, so the report is rebuilt without recomputing
anything (``semlink show`` runs the same function and draws nothing). Sections: stream sizes, the
perception functions (:mod:`scenarios.xu.perception`), the power curves and their savings
(:mod:`scenarios.xu.savings`), the Rayleigh realizations and the real-link check
(:mod:`scenarios.xu.reallink`); figures in :mod:`scenarios.xu.figures`; intervals over images,
realizations or transmissions (:mod:`scenarios.study.stats`), seeded from the study's seed. Sections
whose part is not stored yet are left out, so a partial file reports what it holds.
"""

from __future__ import annotations

import numpy as np

from ..study.parts import read_group
from ..study.report import Report
from ..study.stats import Interval, bootstrap_mean
from .figures import fig_cdf, fig_power, fig_real_link
from .report_perception import perception_sections
from .savings import MISS_TOLERANCE, CurveSavings, Panel, misses_text, read_panels, savings_table
from .schema import XuStudy
from .summary import PAPER_BPP, FadingSummary, ImageBits, MethodFading, RealLinkSummary, StreamBits, XuSummary

__all__ = ["report"]

#: Rows of the power table per panel (targets evenly spread over the study's grid).
POWER_ROWS = 8


def report(study: XuStudy, file: str, rep: Report) -> XuSummary:
    """Add the Xu sections to ``rep`` and return the study's :class:`~scenarios.xu.summary.XuSummary`."""
    from linklevel.store.h5io import open_result

    from ..streams.metrics import metric_key

    key = metric_key(study.measure.metric, study.measure.weights, study.measure.random_weights)
    summary = XuSummary(metric_key=key)
    if study.quick:
        rep.paragraph("**Quick variant** (small grids): numbers illustrate the pipeline, not the study.")
    rep.paragraph(study.description.strip())
    with open_result(file) as f:
        stored = set(f.keys())
    if "streams" in stored:
        summary.k_bits = _streams(study, file, rep)
    perception_sections(study, file, key, rep, summary)
    if "curves" in stored:
        summary.curves = _curves(study, file, rep)
    if "realizations" in stored:
        summary.realizations = _realizations(study, file, rep)
    if "real_link" in stored:
        summary.real_link = _real_link(study, file, rep)
    return summary


def _streams(study: XuStudy, file: str, rep: Report) -> StreamBits:
    from ..streams.cache import stream_bits

    bits = stream_bits(file)
    per = [ImageBits(str(n), int(p), int(e), float((p + e) / px))
           for n, p, e, px in zip(bits["names"], bits["prompt"], bits["edge"], bits["pixels"])]
    k_meas = (int(round(bits["prompt"].mean())), int(round(bits["edge"].mean())))
    kb = StreamBits(k_meas, study.k or k_meas, float(np.mean([r.bpp for r in per])), PAPER_BPP, per)
    rep.section("Streams (K_i, bpp)")
    rep.table(["image", "prompt bits", "edge bits", "bpp"], [[r.image, r.prompt_bits, r.edge_bits, r.bpp] for r in per],
              caption="exact transmitted bits per image (bridge codecs, headers included)")
    rep.paragraph(f"Mean measured K = {list(kb.measured_mean)} bits, mean {kb.mean_bpp:.4f} bpp; the paper's two "
                  f"example images: {PAPER_BPP[0]} / {PAPER_BPP[1]} bpp (totals). K used with the paper's constants: "
                  f"{list(kb.used_for_paper_constants)}.")
    return kb


def _curves(study: XuStudy, file: str, rep: Report) -> list[CurveSavings]:
    panels = read_panels(file, study)
    rows = [savings_table(p.curves, p.scheme, p.source) for p in panels if "optimal" in p.curves]
    ch = study.channel
    rep.section("Total power vs target")
    rep.paragraph(f"Gains: path loss only (no fading); {ch.distance_m:g} m, {ch.noise_dbm:g} dBm, rate {ch.rate:g}. "
                  "Uncoded curves exist for the measured functions only (the paper publishes discard constants only).")
    pct = lambda x: None if x is None else f"{100 * x:.1f} %"  # noqa: E731
    rep.table(["source", "scheme", "max saving optimal vs unaware", "at P̄", "optimum switches streams off (at P̄)",
               "sharpest drop: power before → at [W]", "its saving vs unaware", "bisection misses (> 0.5 %)"],
              [[r.source, r.scheme, pct(r.max_saving.saving) if r.max_saving else None,
                r.max_saving.target if r.max_saving else None,
                "; ".join(f"{c.from_state} → {c.to_state} at {c.target:.2f}" for c in r.corners) or "none",
                f"{r.corner.power_before_w:.4g} → {r.corner.power_at_w:.4g} (−{pct(r.corner.drop)})" if r.corner else None,
                pct(r.corner.saving_vs_unaware) if r.corner else None, misses_text(r.bisection_misses)] for r in rows],
              caption="savings of the power curves")
    rep.table(["source", "scheme", "target P̄"] + [f"{m} [W]" for m in study.curves.methods],
              _power_rows(panels, study.curves.methods), caption="total power at targets across the grid (- : infeasible)")
    rep.paragraph("Bisection (Algorithm 1) is a local search along the constraint curve: it returns an endpoint "
                  "whenever the derivative there points outwards. Where it misses, the certified optimum sits at the "
                  "other corner or in another local minimum (typically: at high P̄ both single-stream corners are "
                  "feasible and Algorithm 1 stops at the prompt-off end while sending the short prompt alone is far "
                  "cheaper).")
    rep.figure("fig6_power", lambda: fig_power(panels), "total power vs target perception, per source and scheme")
    return rows


def _power_rows(panels: list[Panel], methods: tuple[str, ...]) -> list[list[object]]:
    out = []
    for p in panels:
        t = next(iter(p.curves.values()))["target"]
        for j in sorted(set(np.linspace(0, t.size - 1, min(POWER_ROWS, t.size)).round().astype(int).tolist())):
            cells = [float(p.curves[m]["total_power"][j]) if m in p.curves and p.curves[m]["feasible"][j] else None
                     for m in methods]
            out.append([p.source, p.scheme, float(t[j])] + cells)
    return out


def _realizations(study: XuStudy, file: str, rep: Report) -> FadingSummary:
    re = study.realizations
    rz = {}
    for m in re.methods:
        try:
            data, _ = read_group(file, f"realizations/{m}")
        except KeyError:
            continue
        rz[m] = {"total_power": data["total_power"], "budgets": data["budgets_w"], "reach": data["perception_under_budget"]}
    out = FadingSummary(count=re.count, target=re.target, source=re.source)
    for m, v in rz.items():
        mean = rep.interval(bootstrap_mean(v["total_power"], seed=study.seed, unit="realization"), f"mean power, {m}")
        meets = [rep.interval(bootstrap_mean(v["reach"][:, b] <= re.target + 1e-9, seed=study.seed, unit="realization"),
                              f"share meeting the target at {x:g} W, {m}") for b, x in enumerate(v["budgets"])]
        out.methods[m] = MethodFading(float(np.median(v["total_power"])), mean, int(np.sum(~np.isfinite(v["total_power"]))),
                                      v["budgets"].tolist(), np.median(v["reach"], axis=0).tolist(), meets)
    if "optimal" in rz and "bisection" in rz:
        ex = rz["bisection"]["total_power"] / rz["optimal"]["total_power"] - 1
        ex = ex[np.isfinite(ex)]
        out.bisection_excess_mean = float(ex.mean()) if ex.size else None
        out.bisection_excess_misses = int(np.sum(ex > MISS_TOLERANCE))
    _realization_tables(out, rep)
    rep.figure("fig9_cdf", lambda: fig_cdf(rz, re.target), "perception reached under power budgets over the realizations")
    return out


def _realization_tables(s: FadingSummary, rep: Report) -> None:
    rep.section(f"Rayleigh realizations ({s.count}, {s.source}, target {s.target})")
    rep.table(["method", "median power [W]", "mean power [W] (95 % CI over realizations)", "infeasible"],
              [[m, v.median_w, v.mean_w, v.infeasible] for m, v in s.methods.items()], caption="power to meet the target")
    rep.table(["method", "budget [W]", "median perception", "share meeting the target (95 % CI over realizations)"],
              [[m, b, p, iv] for m, v in s.methods.items() for b, p, iv in zip(v.budgets_w, v.median_perception,
                                                                               v.meets_target)],
              caption="perception under power budgets")
    rep.paragraph("Under a budget, `optimal` searches the whole budget line; `unaware` splits it for equal SNR; "
                  "`proportional` and `bisection` take the smallest target on a 160-step grid whose allocation fits "
                  "(resolution ≈ 0.004 in perception).")
    if s.bisection_excess_mean is not None:
        rep.paragraph(f"Bisection vs certified optimum over realizations: mean excess {100 * s.bisection_excess_mean:.1f} "
                      f"%, {s.bisection_excess_misses} realizations more than {100 * MISS_TOLERANCE:g} % above.")


def _real_link(study: XuStudy, file: str, rep: Report) -> RealLinkSummary:
    from .reallink import STREAMS, read_real_link

    design, c = read_real_link(file)
    rep.section("Coded design vs real 5G LDPC link")
    if not c:
        rep.paragraph("No feasible coded design at this target: nothing to simulate.")
        return RealLinkSummary(design, c)
    rl = study.real_link
    rep.paragraph(f"Design ({rl.method}, {rl.source}) for target {c['target']}: eq. (23) predicts perception "
                  f"{c['designed_perception']:.4f}.")
    rows = []
    for pt in c["points"]:
        for i, st in enumerate(pt["streams"]):
            iv = rep.interval(Interval(st["bler"], *st["bler_ci"], st["trials"], "transmission"),
                              f"BLER of the {STREAMS[i]} at offset {pt['offset_db']:g} dB")
            snr = st["snr_db"] if st["snr_db"] is not None and np.isfinite(st["snr_db"]) else None
            rows.append([pt["offset_db"], STREAMS[i], snr, st["designed_bler"], iv, st["codewords"],
                         pt["achieved_perception"]])
    rep.table(["offset [dB]", "stream", "SNR [dB]", "designed BLER", "measured BLER (95 % Clopper-Pearson)",
               "codewords", "achieved perception"], rows, caption="the coded design on real links")
    gap = c["points"][0]["achieved_perception"] - c["designed_perception"]
    rep.paragraph(f"Gap at the design point: achieved − designed perception = {gap:+.4f}; "
                  + (f"the target is met after a backoff of **{c['backoff_db']:.2f} dB**."
                     if c["backoff_db"] is not None else "the target is not met within the simulated offsets."))
    rep.figure("real_link", lambda: fig_real_link(c), "designed vs achieved perception on 5G LDPC links")
    return RealLinkSummary(design, c)
