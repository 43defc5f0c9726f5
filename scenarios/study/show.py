"""``semlink show FILE``: what a result file of any kind holds.

* the **parts**, from their stamps: key, config hash, extent covered, status (``complete``, ``partial``,
  or ``stored`` for a ``semlink ber`` run, which is no study part), last update;
* the study it belongs to (stamped in the file's root by the runner), the kind's typed **summary** and
  the **tables** its report builds (intervals included), computed by the kind's own ``report`` with
  a :class:`~scenarios.study.report.Report` that draws and writes nothing;
* the stored row tables (:mod:`scenarios.study.tables`): name, rows, columns.

A file written before studies were stamped in it shows its parts and tables only.
"""

from __future__ import annotations

import json
from typing import Any, Optional

__all__ = ["show_file", "show_lines", "study_of_file", "part_stamps"]


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def part_stamps(path: str) -> list[dict[str, Any]]:
    """Every stamped group of a result file (checksums verified first)."""
    from linklevel.store.h5io import open_result

    rows: list[dict[str, Any]] = []

    def visit(name: str, obj: Any) -> None:
        a = getattr(obj, "attrs", {})
        if "config_hash" not in a or not hasattr(obj, "keys"):
            return
        extent = json.loads(_text(a["completed"])) if "completed" in a else []
        rows.append({"key": name, "label": _text(a.get("label", "")) or name,
                     "config_hash": _text(a["config_hash"]),
                     "status": "complete" if bool(a.get("complete", False)) else ("partial" if "label" in a else "stored"),
                     "extent": extent, "updated": _text(a.get("updated", a.get("created", "")))})

    with open_result(path) as f:
        f.visititems(visit)
    return rows


def study_of_file(path: str) -> Optional[Any]:
    """The study a result file was written for (from the root stamp), or ``None`` for older files."""
    from linklevel.store.h5io import open_result

    from .kinds import load_study_text

    with open_result(path) as f:
        a = dict(f.attrs)
    if "study_toml" not in a:
        return None
    return load_study_text(_text(a["study_toml"]), _text(a["study_source"]), quick=bool(a.get("study_quick", False)),
                           out=_text(a["study_out"]), decoder=_text(a.get("study_decoder", "")) or None)


def show_file(path: str) -> dict[str, Any]:
    """The ``semlink show --json`` object of a result file."""
    from .kinds import get_kind
    from .report import Report
    from .tables import read_table, table_names

    study = study_of_file(path)
    out: dict[str, Any] = {"file": path, "study": None, "kind": None, "parts": part_stamps(path), "tables": [],
                           "stored_tables": []}
    for name in table_names(path):
        t = read_table(path, name)
        out["stored_tables"].append({"key": name, "rows": len(t), "columns": t.names, "units": t.units})
    kind = get_kind(study.kind) if study is not None else _unstamped_kind(path)
    if kind is None:
        return out
    rep = Report(None, kind.title(study), draw=False)
    summary = kind.report(study, path, rep)
    out.update(study=study.name if study else None, kind=kind.name, quick=bool(study and study.quick),
               summary=summary.to_json(),
               summary_lines=summary.lines(), tables=[t.to_json() for t in rep.tables], warnings=rep.warnings,
               verdicts=rep.verdicts)
    return out


def _unstamped_kind(path: str) -> Optional[Any]:
    """The kind that reports files without a study stamp (e.g. ``semlink ber`` output) holding only its
    groups, if any."""
    from linklevel.store.h5io import open_result

    from .kinds import REGISTRY, get_kind

    with open_result(path) as f:
        top = set(f.keys())
    for name in REGISTRY:
        kind = get_kind(name)
        if kind.reads_unstamped and top and top <= set(kind.legacy_groups):
            return kind
    return None


def show_lines(data: dict[str, Any]) -> list[str]:
    """Terminal form of :func:`show_file`'s object."""
    from .report import TableBlock

    head = f"{data['file']}: study {data['study']} (kind {data['kind']}{', quick' if data.get('quick') else ''})" \
        if data["study"] else f"{data['file']}: no study stamp" + (f" ({data['kind']} results)" if data["kind"] else "")
    lines = [head, "", "parts:"]
    for p in data["parts"]:
        ext = f", {len(p['extent'])} items" if p["extent"] else ""
        lines.append(f"  {p['status']:>8}  {p['key']}  [{p['config_hash']}{ext}]  {p['updated']}")
    if not data["parts"]:
        lines.append("  (none finished)")
    if data.get("summary_lines"):
        lines += ["", "summary:"] + [f"  {s}" for s in data["summary_lines"]]
    for t in data["tables"]:
        lines += [""] + TableBlock(t["caption"], t["headers"], t["rows"]).markdown()[:-1]
    if data["stored_tables"]:
        lines += ["", "stored tables:"] + [f"  {t['key']}: {t['rows']} rows ({', '.join(t['columns'])})"
                                           for t in data["stored_tables"]]
    if data.get("warnings"):
        lines += ["", "warnings:"] + [f"  {w}" for w in data["warnings"]]
    return lines
