"""The report of the Huang et al. study (:mod:`scenarios.huang.parts`) and its typed summary.

Sections: the Fig. 7 analogue (mean GVIF per coder and α with a 95 % bootstrap interval over images,
the unit), the real link's MCS thresholds, the Fig. 9 analogue on AWGN (the designs per SNR, their
latency, what the real link delivers, the critical-region mask-PSNR of every scheme, LPIPS / FID when
measured, the :math:`T_{max}` sweep), quasi-static Rayleigh (means over fades with a 95 % bootstrap
interval over fades, the unit: images averaged within a fade) and the qualitative examples. Every
section reads only what its part stored, so a partial file reports what it has. Figures:
:mod:`scenarios.huang.figures`; the Fig. 9 section: :mod:`scenarios.huang.report_fig9`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np

from linklevel.store.h5io import open_result

from ..study.report import Report
from ..study.stats import Interval, bootstrap_mean
from ..study.summary import Summary
from ..study.tables import TABLE_ATTR, Table
from . import figures
from .report_fig9 import Fig9Findings, fig9_section

__all__ = ["HuangSummary", "Stored", "report"]

GROUPS = ("fig7", "mcs", "fig9", "rayleigh", "examples")
#: Rayleigh: the schemes whose mean GVIF over fades is reported (column, label).
RAYLEIGH_SCHEMES = (("sh_gvif", "paper's design (as designed, eq. 8)"),
                    ("sh_delivered_gvif", "paper's design, real link, in time"),
                    ("re_delivered_gvif", "real-link design, delivered"),
                    ("pi_delivered_gvif", "per-image real-link design, delivered"),
                    ("unf_sh_gvif", "no filtering, eq. 8"), ("unf_re_delivered_gvif", "no filtering, real link"))


@dataclass
class HuangSummary(Fig9Findings, Summary):
    """What the Huang et al. report concludes (``None`` / empty: that part is not in the file): the Fig. 9
    findings (:class:`~scenarios.huang.report_fig9.Fig9Findings`) and these."""

    images: int = 0
    gvif_nonincreasing_in_alpha: Optional[bool] = None
    gvif_nondecreasing_in_rate: Optional[bool] = None
    rayleigh_fades: int = 0

    def lines(self) -> list[str]:
        out = []
        if self.gvif_nonincreasing_in_alpha is not None:
            out.append(f"GVIF non-increasing in alpha: {self.gvif_nonincreasing_in_alpha}; non-decreasing in rate: "
                       f"{self.gvif_nondecreasing_in_rate}")
        if self.max_gap_to_grid is not None:
            out.append(f"Algorithm 1 vs grid: largest GVIF gap {self.max_gap_to_grid:+.4f}")
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
    t = part.tables["table"]
    rep.section("The real link: 5G LDPC MCS thresholds")
    rep.paragraph(f"Each MCS: 5G LDPC + {part.attrs.get('crc', '?')} over {int(t['uses'][0])} complex channel uses "
                  f"per codeword; the threshold is the {part.attrs.get('rule', '?')} (target BLER "
                  f"{float(part.json('target_bler', math.nan)):g}); the normal approximation (PPV eq. 296) of the "
                  "same (payload, uses) for comparison.")
    rows = [[f"{r['modulation'].upper()} r={r['rate']:.3f}", r["payload"] / r["uses"], r["threshold_db"],
             r["na_threshold_db"], r["threshold_db"] - r["na_threshold_db"]] for r in t.rows()]
    rep.table(["MCS", "payload bits/use", "simulated threshold (dB)", "normal approx. (dB)", "gap (dB)"], rows,
              "MCS thresholds (Es/N0)")


def _rayleigh_section(rep: Report, study: Any, part: Stored, summary: HuangSummary) -> None:
    r = part.tables["rows"]
    snrs = sorted(set(float(x) for x in r["snr_mean_db"]))
    summary.rayleigh_fades = len(set(int(d) for d in r["draw"]))
    series: list[tuple[str, list[Interval]]] = []
    for k, label in RAYLEIGH_SCHEMES:  # one value per fade: its mean over images
        series.append((label, [rep.interval(bootstrap_mean(r.where(snr_mean_db=x)[k], seed=study.seed, unit="fade"),
                                            f"Rayleigh mean GVIF, {label}, {x:g} dB") for x in snrs]))
    rep.section(f"Quasi-static Rayleigh ({summary.rayleigh_fades} fades per SNR, CSI at the sender)")
    rep.figure("rayleigh", lambda: figures.rayleigh_figure(snrs, series), "mean GVIF over fades vs mean SNR")
    rep.paragraph("Means over fades with a 95 % bootstrap interval (the fade is the unit; images averaged within it).")
    rows = []
    for j, x in enumerate(snrs):
        cell = r.where(snr_mean_db=x)
        fin = np.isfinite(cell["sh_latency_real_ms"])
        ratio = float(np.mean(cell["sh_latency_real_ms"][fin] / cell["sh_latency_ms"][fin])) if fin.any() else math.nan
        rows.append([x] + [ivs[j] for _, ivs in series] + [ratio])
    rep.table(["mean SNR (dB)"] + [label for label, _ in series] + ["real/eq. 8 latency"], rows,
              "Quasi-static Rayleigh: mean GVIF over fades [95 % CI over fades]")


def _examples_section(rep: Report, file: str, part: Stored) -> None:
    from ..study.parts import read_group

    alphas = part.json("alphas", [])
    rep.section("Qualitative")
    rep.paragraph(f"Inpainting: {part.attrs.get('inpainting', '?')}; coder q{part.json('coder', '?')}.")
    rep.figure("examples", lambda: figures.examples_figure(read_group(file, "examples")[0], alphas),
               "original, importance, mask, partial decode and inpainting per α")
