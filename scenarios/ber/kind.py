"""The ``ber`` study kind: one part per distinct run, figures and a verdict report.

Files written by ``semlink ber`` (runs under ``runs/``, no study stamp) are reported by this kind too
(``semlink show``): every run with its points.
"""

from __future__ import annotations

from ..study.kinds import StudyKind
from .parts import parts
from .report import report
from .schema import STUDY_KEYS, TABLES, load_ber

__all__ = ["KIND"]

KIND = StudyKind(name="ber", load=load_ber, parts=parts, report=report, tables=TABLES, study_keys=STUDY_KEYS,
                 executors=("local", "ray"), legacy_groups=("runs",), reads_unstamped=True)
