"""The ``huang_cie`` study kind (registration only): Huang et al., critical-information embedding, GVIF and
Algorithm 1 (:mod:`scenarios.huang.schema`, :mod:`scenarios.huang.parts`, :mod:`scenarios.huang.report`)."""

from __future__ import annotations

from ..study.kinds import StudyKind
from .parts import huang_parts, preflight
from .report import report
from .schema import STUDY_KEYS, TABLES, load_huang

__all__ = ["KIND"]

KIND = StudyKind(name="huang_cie", load=load_huang, parts=huang_parts, report=report, tables=TABLES,
                 study_keys=STUDY_KEYS, preflight=preflight)
