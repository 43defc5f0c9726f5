"""The ``qiao_latency`` study kind (registration only)."""

from __future__ import annotations

from ..study.images import image_inputs
from ..study.kinds import StudyKind
from .parts import qiao_parts
from .report import qiao_report
from .schema import STUDY_KEYS, TABLES, QiaoStudy, load_qiao

__all__ = ["KIND"]


def _preflight(study: QiaoStudy) -> None:
    """A missing image folder or caption file fails before anything is written."""
    if study.quality.source == "measured":
        image_inputs(study.quality.images, study.quality.count, "[quality]", captions=study.quality.captions)


KIND = StudyKind(name="qiao_latency", load=load_qiao, parts=qiao_parts, report=qiao_report, tables=TABLES,
                 study_keys=STUDY_KEYS, preflight=_preflight)
