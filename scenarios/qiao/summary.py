"""The Qiao latency study's typed summary (what ``semlink run`` / ``semlink show`` print and ``--json``
holds), read from the study's file. Intervals come from the file where the simulation made them
(Clopper–Pearson over packets, t intervals over prompts, cluster intervals over frames) or are bootstraps
over Rayleigh draws, the end-to-end check's independent unit (:mod:`scenarios.study.stats`, study seed)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..study.stats import MIN_UNITS, finite_or_none
from ..study.summary import Summary
from .summary_designs import DesignSummary
from .table2 import Table2Row
from .summary_links import E2ESummary, Eq2Summary, HarqRow

__all__ = ["BerStar", "Eq4Summary", "QiaoSummary", "eq4_summary"]


@dataclass
class BerStar:
    """BER1* = min_j Φj⁻¹(εj) of one (CLIP, MS-SSIM) target pair from the quality source."""

    clip: float
    ms_ssim: float
    ber_star: Optional[float]
    per_metric: dict[str, Optional[float]]
    missing: list[str]


@dataclass
class Eq4Summary:
    """Eq. (4)'s bound: its looseness (dB) at the BER targets, where it holds in simulation and where it is
    an upper bound of the exact BER at all."""

    looseness_db: tuple[float, float]
    simulated: int
    simulated_bound_holds: int
    upper_bound_from_db: dict[int, Optional[float]]
    few_frames: int = 0


@dataclass
class QiaoSummary(Summary):
    """What the Qiao latency study found (fields empty where a part is not stored yet)."""

    prompt_bits: Optional[int] = None
    edge_bits: Optional[int] = None
    quality_source: Optional[str] = None
    ber_star: list[BerStar] = field(default_factory=list)
    designs: dict[str, DesignSummary] = field(default_factory=dict)
    table2: list[Table2Row] = field(default_factory=list)
    eq2: Optional[Eq2Summary] = None
    harq: list[HarqRow] = field(default_factory=list)
    eq4: Optional[Eq4Summary] = None
    end_to_end: Optional[E2ESummary] = None
    prompt_only: dict[str, float] = field(default_factory=dict)
    streams: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{rm}: solver vs brute force max gap {d.max_solver_gap:+.2e}" if d.max_solver_gap is not None
               else f"{rm}: no gap data" for rm, d in self.designs.items()]
        for r in self.table2:
            rng = ", ".join(f"M={x.modulation_order}: {x.avg_snr_min_db}..{x.avg_snr_max_db} dB" for x in r.ranges
                            if x.avg_snr_min_db is not None)
            star = "-" if r.ber_star is None else format(r.ber_star, ".4g")
            out.append(f"Table II {(r.clip, r.ms_ssim)}: BER1* {star} -> {rng or 'infeasible'}")
        e2 = self.eq2
        if e2 is not None:
            kb = f"{e2.fit['k']:.3g}, {e2.fit['b']:.3g}" + ("" if e2.fit["physical"] else " (unphysical)") \
                if e2.fit else "-"
            out.append(f"eq. (2) at the mean SNR, Rayleigh block fading: inside at {e2.consistent}/{e2.points} points; "
                       f"refitted k, b = {kb} (paper {list(e2.paper_kb)})")
        out += [f"{h.scheme} at {h.snr_db:g} dB: {h.mean.text(3)} transmissions, {h.latency_ms.text(3)} ms"
                for h in self.harq]
        e4 = self.eq4
        if e4 is not None:
            out.append(f"eq. (4): bound {e4.looseness_db[0]:+.2f}..{e4.looseness_db[1]:+.2f} dB from exact; "
                       f"holds in simulation at {e4.simulated_bound_holds}/{e4.simulated} points")
        ee = self.end_to_end
        return out + [f"end to end at {r.avg_snr_db:g} dB: outage {r.outage.text(3)}, late "
                      f"{r.late.text(3) if r.late is not None else '-'}, edge BER "
                      f"{r.edge_ber.text(3) if r.edge_ber is not None else '-'} (target {ee.ber_target:.3g})"
                      for r in (ee.rows if ee is not None else [])]


# --------------------------------------------------------------------------- from the stored parts

def eq4_summary(data: dict[str, Any]) -> Eq4Summary:
    """The ``eq4`` group: looseness range, simulated points where the bound holds, upper-bound region."""
    loose = data["rows"]["looseness_db"]
    sim = data["simulated"]
    region = data["upper_bound_region"].rows()
    return Eq4Summary((float(loose.min()), float(loose.max())), len(sim), int(np.sum(sim["bound_holds"])),
                      {int(r["modulation_order"]): finite_or_none(r["upper_bound_from_db"]) for r in region},
                      int(np.sum(sim["frames"] < MIN_UNITS)))
