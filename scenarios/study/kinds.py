"""Study kinds: what a study file's ``[study] kind`` selects, and how a study is loaded.

A kind is a :class:`StudyKind` object named ``KIND`` in the module its registry entry points to
(``scenarios/<name>/kind.py``). It declares

* its schema: ``tables`` (top-level TOML tables besides ``[study]`` and ``[quick]``), ``study_keys``
  (its own ``[study]`` keys) and ``load(doc, header)`` returning its frozen study dataclass (which
  starts with the :class:`~scenarios.study.schema.StudyHeader` fields); by convention in the kind's
  ``schema.py``;
* its work: ``parts(study, ctx)``, an iterator of :class:`~scenarios.study.parts.Part` (a generator
  may read earlier parts' results from ``ctx.file`` before yielding later ones); in ``parts.py``;
* its report: ``report(study, file, rep)`` adds sections, tables, figures and verdicts to a
  :class:`~scenarios.study.report.Report` and returns the kind's typed
  :class:`~scenarios.study.summary.Summary`; in ``report.py``. The same function serves
  ``semlink run`` (figures and ``report.md`` written) and ``semlink show`` (nothing written).

To add a study: write ``scenarios/<name>/`` with its TOML file(s), ``schema.py``, ``parts.py``,
``report.py`` and a ``kind.py`` defining ``KIND``, then add ``"<kind>": "scenarios.<name>.kind"`` to
:data:`REGISTRY`. Built-in studies are the ``*.toml`` files of the registered kinds' folders.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Union

from .parts import Part, RunContext
from .report import Report
from .summary import Summary
from .schema import HEADER_KEYS, StudyError, StudyHeader, check_keys, parse_header, read_toml, table

__all__ = ["StudyKind", "REGISTRY", "get_kind", "builtin_studies", "resolve_study_path", "study_kind", "load_study",
           "load_study_text"]

#: kind name -> module defining ``KIND`` (imported on first use).
REGISTRY: dict[str, str] = {
    "ber": "scenarios.ber.kind",
    "xu_power_allocation": "scenarios.xu.kind",
    "qiao_latency": "scenarios.qiao.kind",
    "gesco_maps": "scenarios.gesco.kind",
    "huang_cie": "scenarios.huang.kind",
    "jscc_vs_separation": "scenarios.jscc.kind",
}

@dataclass(frozen=True)
class StudyKind:
    """A study kind (see the module docstring)."""

    name: str
    load: Callable[[dict, StudyHeader], Any]
    parts: Callable[[Any, RunContext], Iterable[Part]]
    report: Callable[[Any, str, "Report"], "Summary"]
    tables: tuple[str, ...] = ()
    study_keys: tuple[str, ...] = ()
    executors: tuple[str, ...] = ("local",)
    preflight: Optional[Callable[[Any], None]] = None
    legacy_groups: tuple[str, ...] = ()
    reads_unstamped: bool = False

    def title(self, study: Any) -> str:
        """The report's first heading."""
        if study is None:
            return f"{self.name} results"
        return f"{study.name} ({self.name}{', quick variant' if study.quick else ''})"


def get_kind(name: str) -> StudyKind:
    """The registered kind ``name``."""
    if name not in REGISTRY:
        raise StudyError(f"unknown study kind {name!r} (kinds: {', '.join(REGISTRY)})")
    kind = importlib.import_module(REGISTRY[name]).KIND
    if kind.legacy_groups:
        from linklevel.store.h5io import register_legacy_groups

        register_legacy_groups(kind.legacy_groups)
    return kind


def builtin_studies() -> dict[str, Path]:
    """Built-in study name -> TOML file (the ``*.toml`` files of the kinds' folders)."""
    import importlib.util

    out: dict[str, Path] = {}
    for module in REGISTRY.values():
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        for p in sorted(Path(spec.origin).parent.glob("*.toml")):
            out.setdefault(p.stem, p)
    return out


def resolve_study_path(name_or_path: Union[str, os.PathLike]) -> Path:
    """A study file path, or the name of a built-in study (e.g. ``validate_analytic``)."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    builtin = builtin_studies()
    if str(name_or_path) in builtin:
        return builtin[str(name_or_path)]
    raise StudyError(f"no study file {str(name_or_path)!r} (built-in studies: {', '.join(builtin) or 'none'})")


def study_kind(path: Union[str, os.PathLike]) -> str:
    """``[study] kind`` of a study file (``ber`` when absent)."""
    src = resolve_study_path(path)
    study = table(read_toml(src).get("study"), src.name, "[study]")
    kind = study.get("kind", "ber")
    if not isinstance(kind, str):
        raise StudyError(f"{src.name}: [study] kind must be a string, got {kind!r}")
    return kind


def load_study(path: Union[str, os.PathLike], quick: bool = False, out: Optional[str] = None,
               decoder: Optional[str] = None) -> Any:
    """Read, validate and expand a study file of any registered kind.

    Both variants are validated whichever is asked for: the ``[quick]`` table without ``quick``
    (a broken quick variant is reported before a long run, not after) and the main tables with
    ``quick`` (a bad value that ``[quick]`` overrides is still reported).

    :param path: TOML file or built-in study name.
    :param quick: Merge ``[quick]`` (small variant; output folder ``<out>-quick``).
    :param out: Output folder (default: the study's ``out``, else ``out/<name>``).
    :param decoder: LDPC decoder of every coded link (``semlink``/``sionna``; default: as the file says).

    .. code-block:: python

        >>> s = load_study("validate_analytic", quick=True)
        >>> s.kind, s.name, s.out.endswith("-quick")
        ('ber', 'validate_analytic', True)
    """
    src = resolve_study_path(path)
    return _load(read_toml(src), src, quick, out, decoder)


def load_study_text(text: str, source: str, quick: bool = False, out: Optional[str] = None,
                    decoder: Optional[str] = None) -> Any:
    """A study from its TOML text (as stamped in a result file; ``source``: the path it was read from,
    for relative paths and errors)."""
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{Path(source).name}: the stamped study is not valid TOML ({err})") from None
    return _load(doc, Path(source), quick, out, decoder)


def _load(doc: dict, src: Path, quick: bool, out: Optional[str], decoder: Optional[str]) -> Any:
    where = src.name
    study = table(doc.get("study"), where, "[study]")
    kind_name = study.get("kind", "ber")
    if not isinstance(kind_name, str):
        raise StudyError(f"{where}: [study] kind must be a string, got {kind_name!r}")
    kind = get_kind(kind_name)
    check_keys(doc, ("study", "quick") + kind.tables, where, "top level")
    check_keys(study, HEADER_KEYS + kind.study_keys, where, "[study]")
    table(doc.get("quick", {}), where, "[quick]")
    header = parse_header(study, src, kind_name, quick, out, decoder)
    if "quick" in doc:  # both variants, whichever runs: a value [quick] overrides is still checked
        kind.load(doc, dataclasses.replace(header, quick=not quick))
    return kind.load(doc, header)
