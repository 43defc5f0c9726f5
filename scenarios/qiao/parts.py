r"""The parts of a Qiao latency study and what each runs; each is stamped in ``<out>/<name>.h5`` and
skipped on re-run when done:

1. ``/quality`` — Φj(BER1) with the prompt intact (:mod:`scenarios.qiao.measure`, resumable per
   sample), or a JSON table from a file; exported as ``quality_table.json``;
2. ``/designs/<rate_model>`` — Fig. 4 analogues: Lemma 1 vs γ̄ on the mean channel and averaged over
   Rayleigh draws, the semantic-unaware benchmark (:mod:`scenarios.qiao.sweep`), and the solver vs the
   brute-force grid (table ``solver_gaps``);
3. ``/table2`` — Table II analogue: per (CLIP, MS-SSIM) target pair BER1* (table ``rows``) and the γ̄
   range of each order (table ``ranges``, its ``row`` column indexing ``rows``);
4. ``/eq2`` — eq. (2) at the mean SNR vs the real prompt link on Rayleigh block fading (the verdict) and
   AWGN (diagnostic) (table ``points``), {k, b} refitted per channel (attributes ``fit_kb``,
   ``fit_kb_awgn``), retransmissions (tables ``retransmissions``, ``retransmission_counts``)
   (:mod:`scenarios.qiao.reallink`);
   ``/harq`` — conv ARQ vs 5G LDPC ARQ vs LDPC HARQ-IR on block fading (table ``rows``)
   (:mod:`scenarios.qiao.reallink_harq`);
5. ``/eq4`` — eq. (4)'s bound vs the exact Gray M-QAM BER (tables ``rows``, ``upper_bound_region``) and
   simulated uncoded M-QAM (table ``simulated``) (:mod:`scenarios.qiao.reallink_eq4`);
6. ``/end_to_end`` — designs on real links: achieved latency and edge BER (and quality) vs designed,
   one row per draw (table ``draws``) (:mod:`scenarios.qiao.reallink_e2e`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import asdict
from typing import Any, Iterator, Mapping, Optional, Sequence

import numpy as np

from ..study.images import image_inputs
from ..study.parts import Part, RunContext, group_part, write_group
from ..study.tables import Table
from . import models as m
from .measure import ber_targets, stream_lengths
from .schema import QiaoStudy

__all__ = ["qiao_parts", "row_table", "distinct_bers", "TABLE2_UNITS", "GAP_UNITS"]

TABLE2_UNITS = {"ber_star": "", "ber_clip": "", "ber_ms_ssim": ""}
GAP_UNITS = {"avg_snr_db": "dB", "latency_ms": "ms", "brute_force_ms": "ms", "p0_w": "W", "brute_force_p0_w": "W"}


def row_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], units: Mapping[str, str]) -> Table:
    """A :class:`~scenarios.study.tables.Table` from row dicts (a missing or ``None`` cell is NaN)."""
    return Table({c: [math.nan if r.get(c) is None else r[c] for r in rows] for c in columns},
                 {c: u for c, u in units.items() if c in columns})


def _quality(study: QiaoStudy, ctx: RunContext) -> None:
    from . import measure as ms
    from .quality import read_quality_table

    q = study.quality
    if q.source == "measured":
        inp = image_inputs(q.images, q.count, "[quality]", captions=q.captions)
        ctx.say(f"quality: {len(inp.files)} images, metrics {', '.join(q.metrics)}")
        ms.measure_quality(ctx.file, inp.files, inp.captions, q.metrics, q.psis, q.repeats, study.seed, q.ntc_quality,
                           q.random_weights, ctx.device)
        doc = ms.quality_table(ctx.file, q.metrics, q.psis, q.random_weights, seed=study.seed)
        source = "measured, prompt intact: " + "; ".join(f"{k}: {v}" for k, v in doc["labels"].items())
    else:
        t = read_quality_table(q.source[6:])
        doc = {"ber": list(t.ber), "metrics": {k: list(v) for k, v in t.metrics.items()}}
        source = f"table {os.path.basename(q.source[6:])}: {t.source}"
    ms.store_table(ctx.file, doc, source)
    with open(os.path.join(ctx.out, "quality_table.json"), "w") as fh:
        json.dump({"ber": doc["ber"], "metrics": doc["metrics"], "source": source}, fh, indent=1)


def _designs(study: QiaoStudy, v: tuple[int, int], bers: list[float], rate_model: str, ctx: RunContext) -> None:
    from .sweep import fig4_sweep, solver_gaps

    de, params = study.designs, study.system.params()
    ctx.say(f"designs ({rate_model}): {len(de.avg_snr_db)} SNRs x {len(bers)} targets x {de.realizations} draws")
    sw = fig4_sweep(v[0], v[1], de.avg_snr_db, bers, rate_model, de.realizations, study.seed, params, de.unaware_ber,
                    orders=de.orders, tie_break=de.tie_break)
    gaps = solver_gaps(v[0], v[1], de.check_snrs_db, bers, rate_model, params, de.check_points, orders=de.orders,
                       tie_break=de.tie_break)
    columns = ("ber", "avg_snr_db", "latency_ms", "brute_force_ms", "gap", "p0_w", "brute_force_p0_w")
    write_group(ctx.file, f"designs/{rate_model}", {**sw, "solver_gaps": row_table(gaps, columns, GAP_UNITS)})


def _table2(study: QiaoStudy, v: tuple[int, int], targets: list[dict[str, Any]], ctx: RunContext) -> None:
    from .table2 import PAPER_TABLE_II, RANGE_COLUMNS, RANGE_UNITS, paper_implied_bers, table2_ranges

    de, params = study.designs, study.system.params()
    paper = [{"targets": dict(zip(("clip", "ms_ssim"), pair)), "used": ["paper-implied"], "missing": [],
              "ber_star": ber, "ber_per_metric": {}, "paper_implied": True}
             for pair, ber in zip(PAPER_TABLE_II, paper_implied_bers(params))]
    rows, ranges = [], []
    for i, t in enumerate(paper + targets):
        rows.append({"clip": t["targets"].get("clip"), "ms_ssim": t["targets"].get("ms_ssim"),
                     "used": ",".join(t["used"]), "missing": ",".join(t["missing"]), "ber_star": t["ber_star"],
                     "ber_clip": t["ber_per_metric"].get("clip"), "ber_ms_ssim": t["ber_per_metric"].get("ms_ssim"),
                     "paper_implied": bool(t.get("paper_implied", False))})
        if t["ber_star"]:
            ranges += [{"row": i, **r} for r in table2_ranges(v[0], v[1], t["ber_star"], params,
                                                              float(min(de.avg_snr_db)), float(max(de.avg_snr_db)),
                                                              de.table2_step_db, de.orders)]
    write_group(ctx.file, "table2", {
        "rows": row_table(rows, ("clip", "ms_ssim", "used", "missing", "ber_star", "ber_clip", "ber_ms_ssim",
                                 "paper_implied"), TABLE2_UNITS),
        "ranges": row_table(ranges, RANGE_COLUMNS, RANGE_UNITS)})


def _eq2(study: QiaoStudy, ctx: RunContext) -> None:
    from .reallink import (PER_COLUMNS, PER_UNITS, RETX_COLUMNS, RETX_UNITS, fit_kb, retransmission_check,
                           simulate_per, verdict)

    e, sy = study.eq2, study.system
    ctx.say(f"eq. (2): prompt packets on the conv-code link, L = {list(e.lengths)}, Rayleigh block fading + AWGN")
    pts = []
    for ch, snrs in (("rayleigh", e.rayleigh_snrs_db), ("awgn", e.awgn_snrs_db)):
        pts += simulate_per(e.lengths, snrs, ch, e.target_errors, e.max_packets, study.seed, ctx.device,
                            max_bits=e.max_bits, k=sy.k, b=sy.b)
    retx = [retransmission_check(e.retx_length, s, e.retx_prompts, study.seed, ctx.device, sy.k, sy.b)
            for s in e.retx_snrs_db]
    counts = [{"snr_db": r["snr_db"], "transmissions": t + 1, "prompts": c} for r in retx
              for t, c in enumerate(r["counts"])]
    write_group(ctx.file, "eq2", {
        "points": row_table(verdict(pts), PER_COLUMNS, PER_UNITS),
        "retransmissions": row_table(retx, RETX_COLUMNS, RETX_UNITS),
        "retransmission_counts": row_table(counts, ("snr_db", "transmissions", "prompts"),
                                           {"snr_db": "dB", "transmissions": "transmission", "prompts": "prompt"})},
        {"fit_kb": fit_kb(pts, "rayleigh"), "fit_kb_awgn": fit_kb(pts, "awgn")})


def _breakdown(study: QiaoStudy, bers: list[float], ctx: RunContext) -> None:
    from ..streams.cache import stream_bits
    from .breakdown import BREAKDOWN_COLUMNS, BREAKDOWN_UNITS, breakdown_rows

    b, de = stream_bits(ctx.file), study.designs
    rows = breakdown_rows(b["names"].tolist(), b["prompt"].tolist(), b["edge"].tolist(), b["pixels"].tolist(),
                          (10.0, 15.0, 20.0, 25.0), bers[0], study.system.params(), de.orders, de.tie_break)
    write_group(ctx.file, "breakdown", {"rows": row_table(rows, BREAKDOWN_COLUMNS, BREAKDOWN_UNITS)},
                {"ber": bers[0]})


def _harq(study: QiaoStudy, ctx: RunContext) -> None:
    from .reallink_harq import HARQ_COLUMNS, HARQ_UNITS, harq_check

    h = study.harq
    rows = []
    for s in h.snrs_db:
        ctx.say(f"HARQ vs ARQ: L = {h.length}, mean Es/N0 {s:g} dB, {h.prompts} prompts per scheme")
        rows += harq_check(h.length, float(s), h.prompts, study.seed, ctx.device, study.system.params(), h.cap)
    write_group(ctx.file, "harq", {"rows": row_table(rows, HARQ_COLUMNS, HARQ_UNITS)})


def _eq4(study: QiaoStudy, ctx: RunContext) -> None:
    from .reallink_eq4 import (EQ4_COLUMNS, EQ4_UNITS, REGION_COLUMNS, SIM_COLUMNS, eq4_rows, simulate_at_bounds,
                               upper_bound_rows)

    e, sy = study.eq4, study.system
    ctx.say("eq. (4): bound vs exact vs simulated uncoded M-QAM")
    rows = eq4_rows(e.ber_targets, m.QAM_ORDERS, sy.alpha, sy.beta)
    sim = simulate_at_bounds(e.sim_bers, sy.alpha, sy.beta, e.target_bit_errors, e.max_bits, study.seed, ctx.device)
    write_group(ctx.file, "eq4", {"rows": row_table(rows, EQ4_COLUMNS, EQ4_UNITS),
                                  "simulated": row_table(sim, SIM_COLUMNS, EQ4_UNITS),
                                  "upper_bound_region": row_table(upper_bound_rows(sy.alpha, sy.beta), REGION_COLUMNS,
                                                                  EQ4_UNITS)})


def _e2e(study: QiaoStudy, v: tuple[int, int], ber: float, ctx: RunContext) -> None:
    from .reallink import EQ2_SNR
    from .reallink_e2e import E2E_COLUMNS, E2E_UNITS, edge_streams, end_to_end

    ee, params = study.end_to_end, study.system.params()
    streams, quality = edge_streams(ctx.file, study.quality.source, v[1], study.seed)
    rows = []
    for s in ee.avg_snr_db:
        ctx.say(f"end to end: avg SNR {s:g} dB, {ee.draws} draws")
        rows += [d.to_row() for d in end_to_end(v[0], streams, float(s), ber, ee.draws, params,
                                                study.seed + int(round(10 * s)), ctx.device, quality,
                                                orders=study.designs.orders, tie_break=study.designs.tie_break)]
    write_group(ctx.file, "end_to_end",
                {"draws": Table.from_array(np.array(rows, dtype=np.float64), E2E_COLUMNS, E2E_UNITS)},
                {"ber_target": ber, "prompt_bits": v[0], "edge_bits": [int(x.numel()) for x in streams],
                 "quality_target": _quality_target(study), "eq2_snr": EQ2_SNR})


def distinct_bers(bers: Sequence[float], cap: float, rtol: float = 0.1) -> list[float]:
    """The BER targets sorted, capped at ``cap``, each kept only when it exceeds the last kept one by more than
    ``rtol`` (10 %: eq. (4)'s threshold ln(1/(βε))(M−1)/α then moves by < 1 %, < 0.05 dB at 1e-5, so the
    figures would draw the same curve twice).

    .. code-block:: python

        >>> distinct_bers([1e-5, 1.04e-5, 1e-6, 0.5], 0.1998)
        [1e-06, 1e-05, 0.1998]
    """
    out: list[float] = []
    for b in sorted(min(float(x), cap) for x in bers):
        if not out or b > out[-1] * (1 + rtol):
            out.append(b)
    return out


def _quality_target(study: QiaoStudy) -> Optional[float]:
    """The normalized MS-SSIM target ε of the end-to-end check's target pair (the quality it scores)."""
    q = study.quality
    return None if q.source == "none" else float(q.targets[study.end_to_end.target_pair][1])


def _quality_part(study: QiaoStudy) -> Part:
    q = study.quality
    cfg = {**asdict(q), "seed": study.seed}
    if q.source.startswith("table:"):
        with open(q.source[6:], "rb") as fh:
            cfg["table_digest"] = hashlib.sha256(fh.read()).hexdigest()
    return Part("quality", cfg, functools.partial(_quality, study), label="quality Φ(BER1)", seed=study.seed)


def _e2e_ber(study: QiaoStudy, targets: list[dict[str, Any]]) -> Optional[float]:
    """The end-to-end check's BER1*: the chosen target pair's, else ``[end_to_end] ber``; ``None``: infeasible."""
    ber = targets[study.end_to_end.target_pair]["ber_star"] if targets else study.end_to_end.ber
    return min(float(ber), 0.999 / study.system.beta) if ber else None


def qiao_parts(study: QiaoStudy, ctx: RunContext) -> Iterator[Part]:
    """The parts in order; designs/Table II/end-to-end are built after the quality part (their
    targets come from it). Each later part reads only the quality part's results, so ``--workers N``
    runs them in parallel (:func:`~scenarios.study.parts.group_part`)."""
    sy, de = study.system, study.designs
    if study.quality.source != "none":
        yield _quality_part(study)
    v = stream_lengths(study, ctx.file)
    targets = ber_targets(study, ctx.file)
    bers = distinct_bers(list(de.ber_targets) + [t["ber_star"] for t in targets if t["ber_star"]], 0.999 / sy.beta)
    base = {"bits": v, "system": asdict(sy), "seed": study.seed}
    for rm in de.rate_models:
        cfg = {**base, "designs": asdict(de), "bers": bers, "rate_model": rm}
        yield group_part(f"designs/{rm}", cfg, functools.partial(_designs, study, v, bers, rm), ctx,
                         label=f"designs {rm}", seed=study.seed)
    if study.quality.source == "measured":
        cfg = {**base, "bers": bers[:1], "orders": list(de.orders), "tie_break": de.tie_break}
        yield group_part("breakdown", cfg, functools.partial(_breakdown, study, bers), ctx,
                         label="streams: bits and latency (Fig. 3)", seed=study.seed)
    # Table II from the paper's implied BER1* always, and from the quality source when there is one
    cfg = {**base, "targets": targets, "grid": [min(de.avg_snr_db), max(de.avg_snr_db), de.table2_step_db],
           "paper_implied": True, "orders": list(de.orders), "rule": "equal-latency"}
    yield group_part("table2", cfg, functools.partial(_table2, study, v, targets), ctx, label="Table II",
                     seed=study.seed)
    for key, label, run in (("eq2", "eq. (2) on the link", _eq2), ("harq", "HARQ vs ARQ", _harq),
                            ("eq4", "eq. (4) on the link", _eq4)):
        yield group_part(key, {**asdict(getattr(study, key)), "system": asdict(sy), "seed": study.seed},
                         functools.partial(run, study), ctx, label=label, seed=study.seed)
    ber = _e2e_ber(study, targets)
    if ber:
        cfg = {**base, "end_to_end": asdict(study.end_to_end), "ber": ber, "quality": study.quality.source,
               "orders": list(de.orders), "tie_break": de.tie_break, "eq2_snr": "mean"}
        yield group_part("end_to_end", cfg, functools.partial(_e2e, study, v, ber), ctx, label="end to end",
                         seed=study.seed)
