"""The BER figures: simulated BER (uncoded) or BER and BLER (coded) with their intervals and the analytic
curves of each run in the same colour, drawn by :func:`linklevel.plotting.plot_panels`.

* :func:`study_figure`: one figure of a study (:class:`~scenarios.ber.schema.FigureSpec`) into a
  :class:`~scenarios.study.report.Report` (PNG + PDF + SVG beside ``report.md``);
* :func:`plot_run`: the figure of one ``semlink ber`` sweep (``--plot``).
"""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

from linklevel.engine.overlay import CURVE_LABELS, curve, curve_metric, no_model_reason
from linklevel.plotting import draw_panels, plot_panels

from ..study.report import Report
from .labels import common_link, link_title
from .schema import BerStudy, FigureSpec
from .verdicts import RunView

__all__ = ["study_figure", "plot_run"]


def _series(v: RunView) -> dict[str, Any]:
    """One curve of :func:`~linklevel.plotting.plot_panels`: the run's points, intervals and analytic curves."""
    analytic = None
    if v.model is not None and v.points:
        lo, hi = min(p.ebno_db for p in v.points), max(p.ebno_db for p in v.points)
        xs = np.linspace(lo, hi, 25 if v.metric == "ber" else 13)
        analytic = {CURVE_LABELS[k]: (xs, y, curve_metric(k)) for k, y in curve(v.model, xs).items()}
    return {"label": v.label, "points": v.points, "intervals": {v.metric: v.intervals}, "analytic": analytic}


def study_figure(rep: Report, study: BerStudy, fig: FigureSpec, rows: list[RunView]) -> Optional[str]:
    """Figure ``fig`` of ``study`` from its stored runs ``rows`` into ``rep``; returns the PNG path
    (``None`` when ``rep`` draws nothing).

    Coded figures get a BER and a BLER panel; each analytic curve is drawn on its metric's panel; a run
    without any analytic model is named in a note on the figure.

    """
    panels = ("ber", "bler") if any(v.metric == "bler" for v in rows) else ("ber",)
    missing = sorted({no_model_reason(v.link) for v in rows if v.model is None})
    return rep.figure(fig.name, lambda: draw_panels(
        [_series(v) for v in rows], panels, study.confidence, title=fig.title, note="; ".join(missing),
        subtitle=common_link([v.link for v in rows]) + f"; {study.confidence:.0%} intervals"))


def plot_run(result: Any, path: str) -> list[str]:
    """Plot one :class:`~scenarios.ber.sweep.BerRunResult` with its analytic curves (format by suffix)."""
    grid = result.run.ebno_db
    analytic = None
    if result.model is not None:
        xs = np.linspace(min(grid), max(grid), 25 if result.model.metric == "ber" else 9)
        analytic = {CURVE_LABELS[k]: (xs, v, curve_metric(k)) for k, v in curve(result.model, xs).items()}
    link = result.run.link
    panels = ("ber",) if link.code == "none" else ("ber", "bler")
    return plot_panels([{"label": link.modulation.upper(), "points": result.points, "analytic": analytic}], path,
                       panels, result.run.confidence, title=link_title(link),
                       subtitle=f"{result.run.confidence:.0%} Clopper–Pearson intervals",
                       note="" if result.model is not None else no_model_reason(link))
