"""The report builder: every study's Markdown report and figures go through one object.

A kind's ``report(study, file, rep)`` adds sections, paragraphs, tables, figures and verdicts to a
:class:`Report` and returns its typed summary. The runner gives it a report that draws figures
(PNG + PDF + SVG through :func:`linklevel.plotting.save_figure`) and writes ``report.md``;
``semlink show`` gives it one that draws nothing and writes nothing, and prints the tables it
collected. Figures are therefore passed as *callables* that draw them.

Intervals backed by fewer than :data:`~scenarios.study.stats.MIN_UNITS` independent units are
listed under "Warnings" at the end of the report (:meth:`Report.interval`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from .stats import MIN_UNITS, Interval

__all__ = ["Report", "TableBlock", "FIGURE_FORMATS", "fmt"]

#: Every figure is saved in these formats (same stem).
FIGURE_FORMATS = ("png", "pdf", "svg")


def fmt(value: Any, digits: int = 4) -> str:
    """A table cell: floats with ``digits`` significant digits, ``None``/NaN as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, dict) and {"value", "lo", "hi", "n"} <= set(value):  # an interval read back from JSON
        nan = float("nan")
        value = Interval(*(nan if value[k] is None else value[k] for k in ("value", "lo", "hi")), value["n"],
                         value.get("unit", "unit"), value.get("confidence", 0.95))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) or hasattr(value, "dtype") and getattr(value, "dtype").kind == "f":
        v = float(value)
        return "-" if v != v else f"{v:.{digits}g}"
    if isinstance(value, Interval):
        return value.text(digits)
    return str(value)


@dataclass
class TableBlock:
    """A table the report holds: ``caption``, ``headers``, ``rows`` (cells as given)."""

    caption: str
    headers: list[str]
    rows: list[list[Any]]

    def markdown(self) -> list[str]:
        out = [f"**{self.caption}**", ""] if self.caption else []
        out += ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        out += ["| " + " | ".join(fmt(c) for c in r) + " |" for r in self.rows]
        return out + [""]

    def to_json(self) -> dict[str, Any]:
        def cell(c: Any) -> Any:
            if isinstance(c, Interval):
                return c.to_json()
            return c.item() if hasattr(c, "item") else c
        return {"caption": self.caption, "headers": self.headers, "rows": [[cell(c) for c in r] for r in self.rows]}


@dataclass
class Report:
    """Markdown report with figures.

    :param path: Where :meth:`write` puts the Markdown (``None``: nowhere; ``semlink show``).
    :param title: First heading.
    :param draw: Draw and save figures (``False``: figure callables are not called).

    .. code-block:: python

        >>> import tempfile, os
        >>> from scenarios.study.stats import bootstrap_mean
        >>> rep = Report(os.path.join(tempfile.mkdtemp(), "report.md"), "demo")
        >>> rep.section("Result")
        >>> _ = rep.table(["map", "mIoU"], [["a", 0.5], ["b", 0.75]], caption="per map")
        >>> iv = rep.interval(bootstrap_mean([0.5, 0.75], seed=0), "mean mIoU")
        >>> rep.verdict("FDS helps", iv.lo > 0 if iv.ok else None, iv, "no FDS")
        >>> os.path.basename(rep.write()), len(rep.warnings)
        ('report.md', 1)
    """

    path: Optional[str]
    title: str
    draw: bool = True
    lines: list[str] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else "."

    def section(self, title: str, level: int = 2) -> None:
        self.lines += [f"{'#' * level} {title}", ""]

    def paragraph(self, *text: str) -> None:
        """One paragraph (the pieces joined by spaces)."""
        self.lines += [" ".join(t for t in text if t), ""]

    def bullets(self, items: Sequence[str]) -> None:
        self.lines += [f"- {i}" for i in items] + [""]

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> TableBlock:
        """A Markdown table (cells: :func:`fmt`); kept for ``semlink show``."""
        block = TableBlock(caption, list(headers), [list(r) for r in rows])
        if any(len(r) != len(block.headers) for r in block.rows):
            raise ValueError(f"table {caption!r}: every row needs {len(block.headers)} cells")
        self.tables.append(block)
        self.lines += block.markdown()
        return block

    def figure(self, name: str, draw: Callable[[], Any], caption: str = "") -> Optional[str]:
        """Draw a figure with ``draw()`` (returns a Matplotlib figure, or ``None`` when there is nothing to
        draw) and save it as ``<name>.png/.pdf/.svg`` beside the report; link the PNG. Returns its path."""
        if not self.draw:
            return None
        import matplotlib.pyplot as plt

        from linklevel.plotting import save_figure

        fig = draw()
        if fig is None:
            return None
        paths = save_figure(fig, os.path.join(self.folder, f"{name}.png"), FIGURE_FORMATS)
        plt.close(fig)
        self.figures.append(paths[0])
        self.lines += [f"![{caption or name}]({name}.png)", ""] + ([f"*{caption}*", ""] if caption else [])
        return paths[0]

    def interval(self, iv: Interval, what: str) -> Interval:
        """Note an interval; one backed by fewer than ``MIN_UNITS`` units becomes a warning."""
        if iv.n < MIN_UNITS:
            self.warnings.append(f"{what}: {iv.n} {iv.unit}{'s' if iv.n != 1 else ''} (< {MIN_UNITS}): "
                                 "no interval is given; the value is indicative only")
        return iv

    def verdict(self, claim: str, holds: Optional[bool], evidence: Any, baseline: str) -> None:
        """A verdict: the claim, whether it holds (``None``: undecided), its interval and its baseline."""
        word = {True: "holds", False: "does not hold", None: "undecided"}[holds]
        self.verdicts.append({"claim": claim, "holds": holds, "evidence": fmt(evidence), "baseline": baseline})
        self.lines += [f"**Verdict:** {claim}: **{word}** ({fmt(evidence)}; baseline: {baseline})", ""]

    def markdown(self) -> str:
        tail = ["## Warnings", ""] + [f"- {w}" for w in self.warnings] + [""] if self.warnings else []
        return "\n".join([f"# {self.title}", ""] + self.lines + tail)

    def write(self) -> Optional[str]:
        """Write the Markdown (atomically); returns its path (``None`` without one)."""
        if self.path is None:
            return None
        os.makedirs(self.folder, exist_ok=True)
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.markdown())
        os.replace(tmp, self.path)
        return self.path
