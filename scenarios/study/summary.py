"""Typed summaries: what a study's report concludes, as a dataclass per kind.

A kind's ``report`` returns an instance of a :class:`Summary` subclass. ``semlink run`` and
``semlink show`` print its :meth:`~Summary.lines`; ``--json`` merges :meth:`~Summary.to_json` (its
fields, JSON-safe) into the command's object, so every kind speaks through named fields, never
string keys built by hand.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Summary", "json_safe"]


def json_safe(value: Any) -> Any:
    """``value`` with dataclasses, NumPy scalars/arrays, tuples and non-finite floats made JSON-safe
    (NaN and infinities become ``None``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_json") and not isinstance(value, Summary):
            return value.to_json()
        return {f.name: json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Summary:
    """Base of every kind's summary.

    .. code-block:: python

        >>> @dataclass
        ... class Demo(Summary):
        ...     best_db: float = float("nan")
        ...     def lines(self):
        ...         return [f"best at {self.best_db:.1f} dB"]
        >>> Demo(3.0).lines(), Demo(float("inf")).to_json()
        (['best at 3.0 dB'], {'best_db': None})
    """

    def lines(self) -> list[str]:
        """Terminal lines (``semlink run`` and ``semlink show``)."""
        return []

    def to_json(self) -> dict[str, Any]:
        """The fields, JSON-safe."""
        return json_safe(self)
