"""The ``xu_power_allocation`` study kind."""

from __future__ import annotations

import os
from typing import Any, Optional

from ..study.kinds import StudyKind
from ..study.parts import RunContext
from .study import PARTS, STUDY_KEYS, XuStudy, load_xu, resolve_images, xu_parts

__all__ = ["KIND"]


def _preflight(study: XuStudy) -> None:
    resolve_images(study.measure)  # a missing image folder fails before anything is written


def _report(study: XuStudy, ctx: RunContext) -> tuple[dict[str, Any], list[str], Optional[str]]:
    from . import perception as pc
    from .report import write_xu_report

    me = study.measure
    key = pc.metric_key(me.metric, me.weights, me.random_weights)
    bits = pc.stream_bits(ctx.file)
    k_meas = (int(round(bits["prompt"].mean())), int(round(bits["edge"].mean())))
    pc.export_table(ctx.file, key, os.path.join(study.out, f"perception_table_{key}.json"))
    return write_xu_report(study, key, k_meas, study.k or k_meas)


def _summary_lines(s: dict[str, Any]) -> list[str]:
    lines = []
    for r in s.get("curves", []):
        c = r.get("corner")
        line = f"{r['source']}/{r['scheme']}: max saving optimal vs unaware " + (
            f"{100 * r['max_saving']['saving']:.1f} % at P-bar {r['max_saving']['target']:.2f}"
            if r["max_saving"] else "-")
        if c:
            line += f"; {c['to']} from P-bar {c['target']:.2f}: {c['power_before_w']:.4g} W -> {c['power_at_w']:.4g} W"
            if c.get("saving_vs_unaware") is not None:
                line += f" ({100 * c['saving_vs_unaware']:.1f} % below unaware)"
        if r["bisection_misses"]:
            line += f"; bisection misses the optimum at {len(r['bisection_misses'])} targets"
        lines.append(line)
    chk = s.get("real_link", {}).get("check")
    if chk:
        lines.append(f"real link: designed perception {chk['designed_perception']:.4f}, achieved "
                     f"{chk['points'][0]['achieved_perception']:.4f} at the design SNRs (target {chk['target']}); "
                     "backoff " + ("not reached" if chk["backoff_db"] is None else f"{chk['backoff_db']:.2f} dB"))
    return lines


KIND = StudyKind(name="xu_power_allocation", load=load_xu, parts=xu_parts, report=_report,
                 summary_lines=_summary_lines, tables=PARTS, study_keys=STUDY_KEYS, preflight=_preflight)
