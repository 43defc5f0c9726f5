"""The stored power curves of the Xu study and what the report reads from them: the largest saving against
``unaware``, the corners where the optimum switches a stream off, and the targets where Algorithm 1
(``bisection``) misses the certified optimum."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

from linklevel.store.h5io import open_result

from .schema import XuStudy, source_key

__all__ = ["Saving", "Corner", "Miss", "CurveSavings", "Panel", "savings_table", "read_panels", "off_state",
           "misses_text", "MISS_TOLERANCE", "CURVE_COLUMNS"]

MISS_TOLERANCE = 0.005  #: bisection "misses" the certified optimum when more than 0.5 % above it
#: The datasets of one stored curve (``errors``, ``power``: [targets, 2] per stream).
CURVE_COLUMNS = ("target", "feasible", "total_power", "perception", "errors", "power")


@dataclass
class Saving:
    """The largest saving of a method against ``unaware`` and the target where it occurs."""

    saving: float
    target: float


@dataclass
class Corner:
    """A target where the optimum switches a stream off (``from_state`` -> ``to_state``)."""

    target: float
    from_state: str
    to_state: str
    power_before_w: float
    power_at_w: float
    drop: float
    unaware_w: Optional[float] = None
    saving_vs_unaware: Optional[float] = None


@dataclass
class Miss:
    """A target where Algorithm 1 is more than :data:`MISS_TOLERANCE` above the certified optimum."""

    target: float
    bisection_w: float
    optimal_w: float
    excess: float
    bisection_off: str
    optimal_off: str


@dataclass
class CurveSavings:
    """What one (source, scheme) panel of power curves shows."""

    source: str = ""
    scheme: str = ""
    max_saving: Optional[Saving] = None
    max_saving_by_method: dict[str, Saving] = field(default_factory=dict)
    corners: list[Corner] = field(default_factory=list)
    corner: Optional[Corner] = None  # the sharpest drop
    bisection_misses: list[Miss] = field(default_factory=list)


@dataclass
class Panel:
    """The stored curves of one (source, scheme): method -> :data:`CURVE_COLUMNS` arrays."""

    source: str
    scheme: str
    curves: dict[str, dict[str, np.ndarray]]


def read_panels(file: str, study: XuStudy) -> list[Panel]:
    """The stored power curves, panel by panel (methods not stored yet are left out)."""
    out = []
    with open_result(file) as f:
        for src in study.curves.sources:
            for scheme in study.curves.schemes:
                base = f"curves/{source_key(src)}/{scheme}"
                if base not in f:
                    continue
                cs = {m: {k: f[f"{base}/{m}/{k}"][()] for k in CURVE_COLUMNS}
                      for m in study.curves.methods if f"{base}/{m}" in f}
                out.append(Panel(source_key(src), scheme, cs))
    return out


def off_state(errors: np.ndarray, top: float) -> str:
    """Which streams get no power (error rate at its maximum ``top``)."""
    off = [n for n, e in zip(("prompt", "edge"), errors) if e >= top]
    return "+".join(off) + " off" if off else "both sent"


def savings_table(curves: Mapping[str, Mapping[str, np.ndarray]], scheme: str, source: str = "") -> CurveSavings:
    """Savings vs ``unaware``, the corner where a stream is switched off, and bisection misses.

    ``curves``: method -> datasets of one (source, scheme). The corner is the first target at
    which ``optimal`` gives one stream no power (error rate at its maximum) after giving both
    power at the previous target.
    """
    top = 0.5 if scheme == "uncoded" else 1.0
    out = CurveSavings(source=source, scheme=scheme)
    t = curves["optimal"]["target"]
    ok = curves["optimal"]["feasible"] & curves.get("unaware", curves["optimal"])["feasible"]
    if "unaware" in curves and ok.any():
        for m in ("proportional", "bisection", "optimal"):
            if m not in curves:
                continue
            both = ok & curves[m]["feasible"] & (curves["unaware"]["total_power"] > 0)
            if not both.any():
                continue
            sav = 1 - curves[m]["total_power"][both] / curves["unaware"]["total_power"][both]
            j = int(np.argmax(sav))
            out.max_saving_by_method[m] = Saving(float(sav[j]), float(t[both][j]))
        out.max_saving = out.max_saving_by_method.get("optimal")
    out.corners = _corners(curves, top)
    out.corner = max(out.corners, key=lambda c: c.drop) if out.corners else None
    if "bisection" in curves:
        out.bisection_misses = _misses(curves["bisection"], curves["optimal"], top)
    return out


def _corners(curves: Mapping[str, Mapping[str, np.ndarray]], top: float) -> list[Corner]:
    o = curves["optimal"]
    t = o["target"]
    state = [off_state(e, top) if f else None for e, f in zip(o["errors"], o["feasible"])]
    corners = []
    for j in range(1, t.size):
        if state[j - 1] is None or state[j] is None or state[j] == state[j - 1] or state[j] in ("both sent", "prompt+edge off"):
            continue
        before, at = float(o["total_power"][j - 1]), float(o["total_power"][j])
        c = Corner(float(t[j]), state[j - 1], state[j], before, at, 1 - at / before if before > 0 else 0.0)
        if "unaware" in curves and curves["unaware"]["feasible"][j] and curves["unaware"]["total_power"][j] > 0:
            c.unaware_w = float(curves["unaware"]["total_power"][j])
            c.saving_vs_unaware = 1 - c.power_at_w / c.unaware_w
        corners.append(c)
    return corners


def _misses(b: Mapping[str, np.ndarray], o: Mapping[str, np.ndarray], top: float) -> list[Miss]:
    out = []
    for j in range(o["target"].size):
        if o["feasible"][j] and b["feasible"][j] and b["total_power"][j] > o["total_power"][j] * (1 + MISS_TOLERANCE):
            out.append(Miss(float(o["target"][j]), float(b["total_power"][j]), float(o["total_power"][j]),
                            float(b["total_power"][j] / o["total_power"][j] - 1), off_state(b["errors"][j], top),
                            off_state(o["errors"][j], top)))
    return out


def misses_text(ms: list[Miss]) -> str:
    """One cell: how many targets Algorithm 1 misses, where, by how much, at which corners."""
    if not ms:
        return "none"
    kinds = sorted({f"bisection {m.bisection_off}, optimum {m.optimal_off}" for m in ms})
    return (f"{len(ms)} targets in {ms[0].target:.2f}–{ms[-1].target:.2f}, up to "
            f"+{100 * max(m.excess for m in ms):.1f} % ({'; '.join(kinds)})")
