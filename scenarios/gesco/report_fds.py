"""The FDS ablation sections of the GESCO report (eq. (2); Table 5 of the paper), per noise convention.

For each convention (``released-code``: the paper's, σ on the 0/1 planes and the zero-padded AvgPool of the
authors' code; ``unit-power``: the planes normalized first, 10·log10 K dB easier at the same nominal PSNR)
and σ source (``eq1``: σ from the PSNR; ``paper_sigma``: the authors' table): mIoU with and without FDS
per PSNR and their paired difference over maps, the verdicts at the paper's ablation points (1, 5 and
10 dB), and what FDS's own 3×3 pooling costs the *thin* classes (no 3×3 square fits in them: under 3 px
wide), per map.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ..study.parts import read_group
from ..study.report import Report
from ..study.stats import Interval, bootstrap_mean, paired_difference
from ..study.tables import Table
from . import figures
from .store import map_means
from .summary import FdsPoint, FdsResult, fds_word

__all__ = ["fds_sections", "fds_keys", "CONVENTION_TEXT", "PAPER_POINTS_DB"]

_CI = "95 % bootstrap interval over maps"
#: The PSNRs of the paper's FDS ablation (its Table 5 reports 1, 5 and 10 dB).
PAPER_POINTS_DB = (1.0, 5.0, 10.0)
CONVENTION_TEXT = {
    "released-code": "released-code convention (the paper's: σ per real value on the 0/1 planes, PSNR = −20·log10 σ, "
                     "AvgPool counting the zero padding, as in the authors' image_sample.py)",
    "unit-power": "unit-power convention (planes normalized to unit power first, σ² = 10^(−PSNR/10): "
                  "10·log10 K dB easier than the paper's at the same nominal PSNR)",
}
_SIGMA = {"eq1": "σ from the PSNR", "paper_sigma": "σ from the authors' table"}


def fds_keys(have: Iterable[str]) -> list[tuple[str, str]]:
    """The stored FDS parts as ``(convention, variant)``, the paper's convention first."""
    keys = [tuple(k.split("/")[1:3]) for k in have if k.startswith("fds/") and k.count("/") == 2]
    return sorted(keys, key=lambda cv: (cv[0] != "released-code", cv[0], cv[1] != "eq1"))


def _points(t: Table, seed: int) -> list[FdsPoint]:
    on_rows = t["fds"].astype(bool)
    points = []
    for p in sorted(np.unique(t["psnr"]).tolist()):
        at = t["psnr"] == p
        on, off = map_means(t, at & on_rows, "miou"), map_means(t, at & ~on_rows, "miou")
        points.append(FdsPoint(p, bootstrap_mean(on, seed, unit="map"), bootstrap_mean(off, seed, unit="map"),
                               paired_difference(on, off, seed, unit="map")))
    return points


def _thin(t: Table, seed: int) -> list[list[Any]]:
    """Per PSNR: the mean IoU of the thin classes per map (maps with a thin class), with and without FDS."""
    thin = t["thin"].astype(bool)
    if not thin.any():
        return []
    on_rows, out = t["fds"].astype(bool), []
    for p in sorted(np.unique(t["psnr"]).tolist()):
        at = thin & (t["psnr"] == p)
        on, off = map_means(t, at & on_rows, "iou"), map_means(t, at & ~on_rows, "iou")
        out.append([p, bootstrap_mean(on, seed, unit="map"), bootstrap_mean(off, seed, unit="map"),
                    paired_difference(on, off, seed, unit="map")])
    return out


def _verdicts(rep: Report, pts: list[FdsPoint], label: str) -> None:
    for p in pts:
        if p.psnr in PAPER_POINTS_DB:
            d = p.difference
            holds = None if not d.ok or d.lo <= 0 <= d.hi else bool(d.lo > 0)
            rep.verdict(f"FDS raises the mIoU at {p.psnr:g} dB ({label})", holds, d,
                        "the argmax of the same received planes without FDS")


def _section(rep: Report, file: str, conv: str, variant: str, seed: int) -> FdsResult:
    data, _ = read_group(file, f"fds/{conv}/{variant}")
    pts = _points(data["rows"], seed)
    for iv in {p.difference.n: p.difference for p in pts}.values():
        rep.interval(iv, f"FDS ablation ({conv}, {variant})")
    helps = [p.psnr for p in pts if p.difference.ok and p.difference.lo > 0]
    hurts = [p.psnr for p in pts if p.difference.ok and p.difference.hi < 0]
    res = FdsResult(f"{conv}/{variant}", pts, max(helps) if helps else None, min(hurts) if hurts else None,
                    pts[-1].fds.value)
    label = f"{conv}, {_SIGMA[variant]}"
    rep.section(f"{_SIGMA[variant]} — {conv}", 3)
    rep.figure(f"fds_{conv}_{variant}", lambda: figures.fds_figure(pts, label),
               f"mIoU vs PSNR with and without FDS ({label}; {_CI})")
    rep.table(["PSNR (dB)", "mIoU with FDS", "without FDS", "FDS − no FDS (paired)", "FDS raises mIoU"],
              [[p.psnr, p.fds, p.no_fds, p.difference, fds_word(p.difference)] for p in pts],
              caption=f"FDS ablation ({label}), mIoU of the received map ({_CI})")
    _verdicts(rep, pts, label)
    thin = _thin(data["classes"], seed)
    if not thin:
        rep.paragraph("No map has a class under 3 px wide (no 3×3 square fits), so FDS's own cost at high PSNR "
                      f"({res.points[-1].difference.text()}) comes from region boundaries only: the 3×3 average "
                      "then maximum moves a boundary pixel to the class with more of its neighbourhood.")
    else:
        rep.table(["PSNR (dB)", "thin-class IoU with FDS", "without FDS", "FDS − no FDS (paired)"], thin,
                  caption=f"Classes under 3 px wide (no 3×3 square fits), mean IoU per map ({label}; {_CI}, maps "
                          "holding such a class)")
    return res


def fds_sections(rep: Report, file: str, have: list[str], seed: int) -> dict[str, FdsResult]:
    """The FDS sections for every stored ``fds/<convention>/<variant>`` part."""
    keys = fds_keys(have)
    if not keys:
        return {}
    rep.section("FDS ablation (mIoU of the argmax map, AWGN)")
    out: dict[str, FdsResult] = {}
    for conv in dict.fromkeys(c for c, _ in keys):
        rep.paragraph(f"**{conv}**: {CONVENTION_TEXT[conv]}.")
        for c, v in keys:
            if c == conv:
                out[f"{c}/{v}"] = _section(rep, file, c, v, seed)
    return out
