"""The ``xu_power_allocation`` study kind: registration only."""

from __future__ import annotations

from ..study.images import image_inputs
from ..study.kinds import StudyKind
from .parts import xu_parts
from .report import report
from .schema import STUDY_KEYS, TABLES, XuStudy, load_xu

__all__ = ["KIND"]


def _preflight(study: XuStudy) -> None:
    """A missing image folder or caption file fails before anything is written."""
    image_inputs(study.measure.images, study.measure.count, "[measure]", captions=study.measure.captions)


KIND = StudyKind(name="xu_power_allocation", load=load_xu, parts=xu_parts, report=report, tables=TABLES,
                 study_keys=STUDY_KEYS, preflight=_preflight,
                 legacy_groups=("streams", "perception", "fits", "curves", "realizations", "real_link"))
