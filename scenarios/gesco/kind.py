"""The ``gesco_maps`` study kind (registration only): schema, parts and report of :mod:`scenarios.gesco`."""

from __future__ import annotations

from ..study.kinds import StudyKind
from .parts import gesco_parts
from .report import gesco_report
from .schema import STUDY_KEYS, TABLES, GescoStudy, load_gesco, resolve_sources

__all__ = ["KIND"]


def _preflight(study: GescoStudy) -> None:
    resolve_sources(study.maps)  # a missing image / label folder fails before anything is written


KIND = StudyKind(name="gesco_maps", load=load_gesco, parts=gesco_parts, report=gesco_report, tables=TABLES,
                 study_keys=STUDY_KEYS, preflight=_preflight)
