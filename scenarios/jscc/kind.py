"""The ``jscc_vs_separation`` study kind (registration only): DeepJSCC against the separated system on the real
link and the separation limit (:mod:`scenarios.jscc.schema`, :mod:`scenarios.jscc.parts`,
:mod:`scenarios.jscc.report`)."""

from __future__ import annotations

from ..study.kinds import StudyKind
from .parts import jscc_parts, preflight
from .report import report
from .schema import STUDY_KEYS, TABLES, load_jscc

__all__ = ["KIND"]

KIND = StudyKind(name="jscc_vs_separation", load=load_jscc, parts=jscc_parts, report=report, tables=TABLES,
                 study_keys=STUDY_KEYS, preflight=preflight)
