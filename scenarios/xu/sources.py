"""Perception sources of the Xu study and of ``semlink allocate``: the one place that turns a
source description into a perception-error function (and its semantic values)."""

from __future__ import annotations

import math
import os
from typing import Any, Optional, Sequence

from .allocation import StreamSpec, allocate
from .functions import DiscardPerception, TablePerception
from .models import dbm_to_w

__all__ = ["perception_source", "allocation_request"]


def perception_source(name: str, scheme: str, measured: Optional[tuple[Any, Any]] = None) -> tuple[Any, Optional[list]]:
    """``(P, semantic_values)`` of a source.

    :param name: ``paper:clip`` / ``paper:ms-ssim`` (the paper's discard constants), ``table:FILE`` (a JSON
        perception table), ``discard:P_BOTH,P_PROMPT,P_EDGE`` or ``measured``.
    :param scheme: ``coded`` (discard receiver) or ``uncoded`` (forward receiver).
    :param measured: ``(discard function, forward table)`` of the study's measurement, for ``measured``.
    """
    if name.startswith("paper:"):
        if scheme != "coded":
            raise ValueError("the paper's constants describe the coded discard receiver; use a perception table")
        return DiscardPerception.from_paper(name[6:]), None
    if name.startswith("discard:"):
        if scheme != "coded":
            raise ValueError("discard constants describe the coded discard receiver; use a perception table")
        vals = [float(v) for v in name[8:].split(",")]
        if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
            raise ValueError(f"discard constants need P_BOTH,P_PROMPT_ONLY,P_EDGE_ONLY, got {name[8:]!r}")
        return DiscardPerception(*vals), None
    if name.startswith("table:"):
        path = name[6:]
        if not os.path.isfile(path):
            raise ValueError(f"no such file {path!r}")
        try:
            tab = TablePerception.from_json(path)
        except (KeyError, TypeError, ValueError) as err:
            msg = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise ValueError(msg if path in msg else f"{path}: not a perception table ({msg})") from None
        return tab, tab.semantic_values()
    if name == "measured" and measured is not None:
        discard, forward = measured
        return (discard, None) if scheme == "coded" else (forward, forward.semantic_values())
    raise ValueError(f"unknown perception source {name!r}")


def allocation_request(scheme: str, method: str, source: str, k: Sequence[float], gain_db: Sequence[float],
                       noise_dbm: float, target: float, rate: float) -> dict[str, Any]:
    """``semlink allocate``: solve one allocation and return its JSON object (infeasible is an answer)."""
    if len(k) != 2 or any(v != int(v) or v < 1 for v in k):
        raise ValueError(f"K must be two positive integers, got {list(k)}")
    if not math.isfinite(noise_dbm) or not math.isfinite(target) or not -300 < noise_dbm < 100:
        raise ValueError("the noise power must be finite dBm in (-300, 100) and the target finite")
    if any(not -400 < g < 100 for g in gain_db):
        raise ValueError(f"channel gains must lie in (-400, 100) dB, got {list(gain_db)}")
    if not (math.isfinite(rate) and 0 < rate <= 1):
        raise ValueError(f"the code rate must lie in (0, 1], got {rate}")
    perception, sem = perception_source(source, scheme)
    if method == "proportional" and scheme == "uncoded" and sem is None:
        raise ValueError("proportional needs single-stream curves (single1, single2) in the table")
    noise = dbm_to_w(noise_dbm)
    streams = [StreamSpec(int(k[i]), 10 ** (gain_db[i] / 10), noise) for i in range(2)]
    res = allocate(scheme, method, streams, perception, target, rate=rate, semantic_values=sem,
                   check_optimum=method != "optimal")
    d = res.to_dict()
    d.update(k=[int(k[0]), int(k[1])], gain_db=list(gain_db), noise_dbm=noise_dbm,
             rate=rate if scheme == "coded" else None)
    return d
