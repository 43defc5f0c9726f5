"""The report of the Huang et al. study (:mod:`scenarios.huang.parts`) and its typed summary.

Sections: the Fig. 7 analogue (mean GVIF per coder and α with a 95 % bootstrap interval over images,
the unit), the real link's MCS thresholds, the Fig. 9 analogue on AWGN (the designs per SNR, their
latency, what the real link delivers, the critical-region mask-PSNR of every scheme, LPIPS / FID when
measured, the :math:`T_{max}` sweep, the scheme table and the verdict on filtering, intervals over
images), quasi-static Rayleigh (every image at every fade: a crossed bootstrap resampling fades and
images), the qualitative examples, the GVIF checks (rank correlations of GVIF with rate and with the
critical-region mask-PSNR under three readings of β, the design under each reading, Appendix A's
independence, the Fig. 6 analogue) and Fig. 10. Every
section reads only what its part stored, so a partial file reports what it has. Figures:
:mod:`scenarios.huang.figures`; the Fig. 9 section: :mod:`scenarios.huang.report_fig9`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np

from linklevel.store.h5io import open_result

from ..study.report import Report
from ..study.stats import Interval, bootstrap_crossed, bootstrap_mean, paired_difference, spearman_by_unit
from ..study.summary import Summary
from ..study.tables import TABLE_ATTR, Table
from . import figures
from .report_fig9 import Fig9Findings, fig9_section

__all__ = ["HuangSummary", "Stored", "report"]

GROUPS = ("fig7", "mcs", "fig9", "rayleigh", "examples", "gvif_checks", "fig10")
#: Rayleigh: the schemes whose mean GVIF over fades is reported (column, label).
RAYLEIGH_SCHEMES = (("sh_gvif", "paper's design (as designed, eq. 8)"),
                    ("sh_delivered_gvif", "paper's design, real link, in time"),
                    ("re_delivered_gvif", "real-link design, delivered"),
                    ("pi_delivered_gvif", "per-image real-link design, delivered"),
                    ("unf_sh_gvif", "no filtering, eq. 8"))


@dataclass
class HuangSummary(Fig9Findings, Summary):
    """What the Huang et al. report concludes (``None`` / empty: that part is not in the file): the Fig. 9
    findings (:class:`~scenarios.huang.report_fig9.Fig9Findings`) and these."""

    images: int = 0
    rank_correlations: dict[str, dict[str, Any]] = field(default_factory=dict)
    beta_reading_verdicts: dict[str, dict[str, Optional[bool]]] = field(default_factory=dict)
    independence_rho_out: Optional[dict[str, Any]] = None
    gvif_nonincreasing_in_alpha: Optional[bool] = None
    gvif_nondecreasing_in_rate: Optional[bool] = None
    rayleigh_fades: int = 0

    def lines(self) -> list[str]:
        out = []
        if self.gvif_nonincreasing_in_alpha is not None:
            out.append(f"GVIF non-increasing in alpha: {self.gvif_nonincreasing_in_alpha}; non-decreasing in rate: "
                       f"{self.gvif_nondecreasing_in_rate}")
        for k, v in self.rank_correlations.items():
            out.append(f"Spearman GVIF ({k}): vs bits {v['bits']['value']:.3f}, vs mask-PSNR "
                       f"{v['mask_psnr']['value']:.3f}")
        if self.filtering_beats_unfiltered:
            w = list(self.filtering_beats_unfiltered.values())
            out.append(f"filtering beats unfiltered (mask-PSNR): holds at {w.count(True)}, fails at {w.count(False)}, "
                       f"undecided at {w.count(None)} SNRs")
        if self.max_gap_to_exact is not None:
            out.append(f"Algorithm 1 vs the certified optimum: largest gap {self.max_gap_to_exact:+.4f}")
            if self.real_over_shannon_latency:
                lo, hi = self.real_over_shannon_latency
                cliff = ", ".join(f"{x:g}" for x in self.cliff_snrs_db) + " dB" if self.cliff_snrs_db else "none"
                out.append(f"5G LDPC latency of the eq. (8) design: {lo:.2f}-{hi:.2f}x eq. (8); unfiltered cliff at "
                           + cliff)
        return out


@dataclass
class Stored:
    """One part's group as stored: its tables and attributes (JSON attributes parsed on demand)."""

    tables: dict[str, Table]
    attrs: dict[str, Any]

    def json(self, name: str, default: Any = None) -> Any:
        return json.loads(self.attrs[name]) if name in self.attrs else default


def _stored(file: str) -> dict[str, Stored]:
    """The tables and attributes of every part in the file (checksums verified; images are not read)."""
    out: dict[str, Stored] = {}
    with open_result(file) as f:
        for grp in GROUPS:
            if grp in f:
                g = f[grp]
                tables = {n: Table.read(o) for n, o in g.items() if TABLE_ATTR in o.attrs}
                attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}
                out[grp] = Stored(tables, attrs)
    return out


def report(study: Any, file: str, rep: Report) -> HuangSummary:
    """The Huang et al. report from the study's file (see the module docstring)."""
    stored = _stored(file)
    summary = HuangSummary()

    def has(grp: str, table: str) -> bool:
        return grp in stored and table in stored[grp].tables

    rep.paragraph("Critical-information embedding, GVIF and Algorithm 1 (Huang et al.).")
    if has("fig7", "rows"):
        _fig7_section(rep, study, stored["fig7"], summary)
    if has("mcs", "table"):
        _mcs_section(rep, stored["mcs"])
    if has("fig9", "rows"):
        found = fig9_section(rep, study, stored["fig9"].tables, stored["fig9"].attrs)
        for k, v in asdict(found).items():
            setattr(summary, k, v)
    if has("rayleigh", "rows"):
        _rayleigh_section(rep, study, stored["rayleigh"], summary)
    if "examples" in stored:
        _examples_section(rep, file, stored["examples"])
    if has("gvif_checks", "beta"):
        from .report_checks import checks_section

        checks_section(rep, study, file, stored["gvif_checks"], stored.get("fig7"), summary)
    if "fig10" in stored:
        from .report_checks import fig10_section

        fig10_section(rep, file, stored["fig10"])
    return summary


def _fig7_section(rep: Report, study: Any, part: Stored, summary: HuangSummary) -> None:
    r7 = part.tables["rows"]
    coders = sorted(set(int(q) for q in r7["coder"]))
    alphas = sorted(set(float(a) for a in r7["alpha"]))
    summary.images = len(set(int(i) for i in r7["image"]))
    rep.paragraph(f"{summary.images} images, coders: "
                  + "; ".join(f"q{k}: {v}" for k, v in part.json("coders", {}).items())
                  + f". Importance: **{part.attrs.get('importance', '?')}**. GVIF with γ² = {study.data.gamma2:g}.")
    rep.section("Fig. 7 analogue: GVIF vs mask-PSNR")
    rep.figure("fig7", lambda: figures.fig7_figure(r7), "mean GVIF vs mean mask-PSNR per α, one curve per coder")
    rows, means = [], {}
    for q in coders:
        for a in alphas:
            cell = r7.where(coder=q, alpha=a)
            iv = rep.interval(bootstrap_mean(cell["gvif"], seed=study.seed, unit="image"),
                              f"Fig. 7 mean GVIF (q{q}, α = {a:g})")
            means[q, a] = iv.value
            rows.append([f"q{q}", a, iv, float(np.mean(cell["mask_psnr"])), round(float(np.mean(cell["bits"]))),
                         float(np.mean(cell["selected_fraction"]))])
    rep.table(["coder", "α", "mean GVIF [95 % CI over images]", "mask-PSNR (dB)", "bits", "selected"], rows,
              "Fig. 7: per coder and threshold α, means over images")
    summary.gvif_nonincreasing_in_alpha = all(means[q, a] <= means[q, b] + 1e-9 for q in coders
                                              for a, b in zip(alphas[1:], alphas))
    summary.gvif_nondecreasing_in_rate = all(means[p, a] <= means[q, a] + 1e-9 for a in alphas
                                             for p, q in zip(coders, coders[1:]))
    rep.verdict("GVIF non-decreasing in 1 − α for every coder", summary.gvif_nonincreasing_in_alpha,
                "means over images", "the next lower α")
    rep.verdict("GVIF non-decreasing in the coder's rate at every α", summary.gvif_nondecreasing_in_rate,
                "means over images", "the next lower rate point")


def _mcs_section(rep: Report, part: Stored) -> None:
    from ..digital.report import threshold_section

    threshold_section(rep, part.tables["table"], part.attrs, "The real link: 5G LDPC MCS thresholds")


def _delivered(img: Table, key: str) -> np.ndarray:
    """Per (fade, image) GVIF of a Rayleigh scheme (``key`` of :data:`RAYLEIGH_SCHEMES`) from the images table."""
    if key == "sh_delivered_gvif":
        return img["sh_gvif"] * img["sh_in_time"]
    if key == "re_delivered_gvif":
        return np.where(img["re_lost"] == 0, img["re_gvif"], 0.0)
    if key == "pi_delivered_gvif":
        return img["pi_gvif"] * img["pi_in_time"]
    return np.asarray(img[key], dtype=np.float64)


def _crossed(img: Table, key: str, snr: float) -> np.ndarray:
    """``[fades, images]`` of a scheme at one mean SNR."""
    cell = img.where(snr_mean_db=snr)
    v, d, i = np.nan_to_num(_delivered(cell, key)), cell["draw"].astype(int), cell["image"].astype(int)
    out = np.zeros((d.max() + 1, i.max() + 1))
    out[d, i] = v
    return out


def _rayleigh_section(rep: Report, study: Any, part: Stored, summary: HuangSummary) -> None:
    r, img = part.tables["rows"], part.tables.get("images")
    snrs = sorted(set(float(x) for x in r["snr_mean_db"]))
    summary.rayleigh_fades = len(set(int(d) for d in r["draw"]))
    crossed = img is not None and "unf_sh_gvif" in img
    series: list[tuple[str, list[Interval]]] = []
    for k, label in RAYLEIGH_SCHEMES:
        if crossed:  # every image at every fade: resample both
            ivs = [bootstrap_crossed(_crossed(img, k, x), seed=study.seed) for x in snrs]
        else:  # an older file: one value per fade (its mean over images)
            ivs = [bootstrap_mean(r.where(snr_mean_db=x)[k], seed=study.seed, unit="fade") for x in snrs]
        series.append((label, [rep.interval(iv, f"Rayleigh mean GVIF, {label}, {x:g} dB") for iv, x in zip(ivs, snrs)]))
    rep.section(f"Quasi-static Rayleigh ({summary.rayleigh_fades} fades per SNR, CSI at the sender)")
    rep.figure("rayleigh", lambda: figures.rayleigh_figure(snrs, series), "mean GVIF over fades vs mean SNR")
    rep.paragraph("Means over fades and images with a 95 % crossed bootstrap: every image is sent at every fade, and "
                  "the interval resamples the fades and the images independently, so it covers new fades *and* new "
                  "images (a bootstrap over fades alone, images fixed, would cover only these images)."
                  if crossed else "Means over fades with a 95 % bootstrap interval over fades (images fixed).")
    rows = []
    for j, x in enumerate(snrs):
        cell = r.where(snr_mean_db=x)
        fin = np.isfinite(cell["sh_latency_real_ms"])
        ratio = float(np.mean(cell["sh_latency_real_ms"][fin] / cell["sh_latency_ms"][fin])) if fin.any() else math.nan
        rows.append([x] + [ivs[j] for _, ivs in series] + [ratio])
    rep.table(["mean SNR (dB)"] + [label for label, _ in series] + ["real/eq. 8 latency"], rows,
              "Quasi-static Rayleigh: mean GVIF over fades and images [95 % CI]")


def _examples_section(rep: Report, file: str, part: Stored) -> None:
    from ..study.parts import read_group

    alphas = part.json("alphas", [])
    rep.section("Qualitative")
    rep.paragraph(f"Inpainting: {part.attrs.get('inpainting', '?')}; coder q{part.json('coder', '?')}.")
    rep.figure("examples", lambda: figures.examples_figure(read_group(file, "examples")[0], alphas),
               "original, importance, mask, partial decode and inpainting per α")
