"""Declarative studies: a TOML file validated into frozen dataclasses and expanded into runs.

A study is a list of *figures*; each figure holds runs that share one plot. Every
run is a :class:`~scenarios.ber.sweep.BerRun` (link + stopping rule + seed + SNR grid).
A figure sets its base config and expands it into runs by

* ``sweep``: a cartesian product over any config field (dotted paths such as
  ``"link.modulation"`` or ``"stop.max_bits"``, or ``"seed"``), and
* ``zip``: fields swept *together* (equal-length lists), e.g. a code length and its
  SNR grid; the zipped tuples are then crossed with ``sweep``.

Format (all tables but ``[study]`` and ``[[figure]]`` optional)::

    [study]
    name = "validate_analytic"      # required; names the output folder and file
    description = "..."
    out = "out/validate_analytic"   # folder for <name>.h5, PNGs and report.md
    seed = 0
    confidence = 0.95
    precision = "single"
    target_bler = 1e-2              # where the report measures coded gaps

    [defaults]                      # merged into every figure (link / stop / ebno_db)
    stop = { target_bit_errors = 1000, max_bits = 10_000_000 }

    [quick]                         # merged over everything with --quick
    stop = { max_bits = 200_000 }
    figure.coded_awgn = { ebno_db = "1:1:3" }

    [[figure]]
    name = "uncoded_awgn"
    title = "Uncoded Gray QAM on AWGN vs exact BER"
    ebno_db = "0:2:12"              # START:STEP:STOP (inclusive) or a list of dB values
    link = { channel = "awgn" }
    sweep = { "link.modulation" = ["bpsk", "16qam", "64qam"] }

Unknown keys and bad values raise :class:`StudyError` naming the file, the table
and the key (with a close match when there is one). Two runs with the same config
(same run hash) are simulated once, over the union of their SNR grids.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from dataclasses import dataclass, fields
from typing import Any, Optional

from linklevel import LinkConfig
from linklevel.store.points import StopCriteria

from ..study.quantities import BLER, SNR_DB
from ..study.schema import StudyError, StudyHeader, check_keys, merge, parse_range
from ..study.schema import table as _table
from .labels import run_label
from .sweep import BerRun, default_targets

__all__ = ["STUDY_KEYS", "TABLES", "FigureSpec", "StudyRun", "BerStudy", "load_ber"]

STUDY_KEYS = ("confidence", "precision", "target_bler")
TABLES = ("defaults", "figure")
_RUN_KEYS = ("link", "stop", "ebno_db", "seed", "precision", "confidence", "snr_batch", "compile")
_FIGURE_KEYS = ("name", "title", "labels", "sweep", "zip") + _RUN_KEYS
_LINK_KEYS = tuple(f.name for f in fields(LinkConfig))
_STOP_KEYS = tuple(f.name for f in fields(StopCriteria))


@dataclass(frozen=True)
class StudyRun:
    """One expanded run: where it belongs and what it varies."""

    figure: str
    label: str
    run: BerRun


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its title and its runs (in expansion order)."""

    name: str
    title: str
    runs: tuple[StudyRun, ...]


@dataclass(frozen=True)
class BerStudy(StudyHeader):
    """A validated, expanded BER study (kind ``ber``)."""

    confidence: float = 0.95
    precision: str = "single"
    target_bler: float = 1e-2
    figures: tuple[FigureSpec, ...] = ()

    def unique_runs(self) -> list[BerRun]:
        """Distinct runs (by run hash) with the union of their SNR grids, in first-seen order."""
        grids: dict[str, set[float]] = {}
        first: dict[str, BerRun] = {}
        for fig in self.figures:
            for sr in fig.runs:
                rid = sr.run.run_id
                first.setdefault(rid, sr.run)
                grids.setdefault(rid, set()).update(sr.run.ebno_db)
        return [dataclasses.replace(r, ebno_db=tuple(sorted(grids[rid]))) for rid, r in first.items()]


def load_ber(doc: dict, header: StudyHeader) -> BerStudy:
    """Validate and expand the BER tables of a study file (``[study]`` already checked).

    .. code-block:: python

        >>> from scenarios.study.kinds import load_study
        >>> s = load_study("validate_analytic", quick=True)
        >>> s.name, len(s.figures) > 0
        ('validate_analytic', True)
    """
    where = header.source.replace("\\", "/").rsplit("/", 1)[-1]
    quick = header.quick
    study = doc["study"]
    defaults = _table(doc.get("defaults", {}), where, "[defaults]")
    check_keys(defaults, _RUN_KEYS, where, "[defaults]")
    quick_tab = _table(doc.get("quick", {}), where, "[quick]")
    check_keys(quick_tab, _RUN_KEYS + ("figure",), where, "[quick]")
    quick_figs = _table(quick_tab.get("figure", {}), where, "[quick.figure]")
    figs = doc.get("figure")
    if not isinstance(figs, list) or not figs:
        raise StudyError(f"{where}: a study needs at least one [[figure]]")
    names = [f.get("name") if isinstance(f, dict) else None for f in figs]
    for n in quick_figs:
        if n not in names:
            raise StudyError(f"{where}: [quick.figure.{n}] names no figure (figures: {', '.join(map(str, names))})")

    seed = study.get("seed", 0)
    confidence = study.get("confidence", 0.95)
    precision = study.get("precision", "single")
    target_bler = study.get("target_bler", 1e-2)
    if target_bler not in BLER:
        raise StudyError(f"{where}: [study] target_bler must lie in {BLER.text()}, got {target_bler!r}")
    base = {"seed": seed, "confidence": confidence, "precision": precision}
    base = merge(base, defaults)
    if quick:
        base = merge(base, {k: v for k, v in quick_tab.items() if k != "figure"})
    _check_stop(base.get("stop", {}), where, "[quick]" if quick else "[defaults]")

    figures: list[FigureSpec] = []
    for i, raw in enumerate(figs):
        figures.append(_figure(i, raw, base, quick_figs if quick else {}, header.decoder, where,
                               {f.name for f in figures}))

    return BerStudy(**header.fields(), confidence=float(confidence), precision=str(precision),
                    target_bler=float(target_bler), figures=tuple(figures))


# --------------------------------------------------------------------------- helpers
def _figure(i: int, raw: Any, base: dict, quick_figs: dict, decoder: Optional[str], where: str,
            seen: set[str]) -> FigureSpec:
    """Figure ``i`` of the file (``raw``) expanded into its runs over the ``base`` config (with its
    ``[quick.figure.<name>]`` table merged when given) and with ``decoder`` on every coded link."""
    table = f"[[figure]] #{i + 1}"
    fig = _table(raw, where, table)
    check_keys(fig, _FIGURE_KEYS, where, table)
    fname = fig.get("name")
    if not isinstance(fname, str) or not fname.isidentifier():
        raise StudyError(f"{where}: {table} name must be an identifier, got {fname!r}")
    if fname in seen:
        raise StudyError(f"{where}: two figures are named {fname!r}")
    table = f"[[figure]] {fname}"
    cfg = merge(base, {k: v for k, v in fig.items() if k in _RUN_KEYS})
    if fname in quick_figs:
        qf = _table(quick_figs[fname], where, f"[quick.figure.{fname}]")
        check_keys(qf, _RUN_KEYS + ("sweep", "zip"), where, f"[quick.figure.{fname}]")
        cfg = merge(cfg, {k: v for k, v in qf.items() if k in _RUN_KEYS})
        fig = {**fig, **{k: v for k, v in qf.items() if k in ("sweep", "zip")}}
    runs = tuple(_expand(cfg, fig.get("sweep", {}), fig.get("zip", {}), fname, where, table))
    title = fig.get("title", fname)
    if not isinstance(title, str):
        raise StudyError(f"{where}: {table}: title must be a string, got {title!r}")
    labels = fig.get("labels")
    if labels is not None:
        if not isinstance(labels, list) or len(labels) != len(runs) or not all(isinstance(x, str) for x in labels):
            raise StudyError(f"{where}: {table}: labels must be a list of {len(runs)} strings (one per run)")
        runs = tuple(StudyRun(r.figure, lab, r.run) for r, lab in zip(runs, labels))
    if decoder is not None:
        runs = tuple(StudyRun(r.figure, r.label, _with_decoder(r.run, decoder, where, table)) for r in runs)
    return FigureSpec(name=fname, title=title, runs=runs)


def _with_decoder(run: BerRun, decoder: str, where: str, table: str) -> BerRun:
    """``run`` with its LDPC decoder replaced (uncoded links unchanged)."""
    if run.link.code != "ldpc" or run.link.decoder == decoder:
        return run
    try:
        link = dataclasses.replace(run.link, decoder=decoder, early_stop=None)
    except (ValueError, TypeError) as err:
        raise StudyError(f"{where}: {table}: decoder {decoder!r}: {err}") from None
    return dataclasses.replace(run, link=link)


def _check_stop(stop: Any, where: str, name: str) -> None:
    """Values of a shared ``stop`` table are checked even where every figure overrides them."""
    stop = _table(stop, where, f"{name} stop")
    check_keys(stop, _STOP_KEYS, where, f"{name} stop")
    try:
        StopCriteria(**{k: (None if k.startswith("target_") and v == 0 else v) for k, v in stop.items()})
    except (ValueError, TypeError) as err:
        raise StudyError(f"{where}: {name} stop: {err}") from None


def _set_path(cfg: dict, path: str, value: Any, where: str, table: str) -> None:
    parts = path.split(".")
    head = parts[0]
    if head not in _RUN_KEYS:
        raise StudyError(f"{where}: {table}: cannot sweep {path!r}: {head!r} is not one of {', '.join(_RUN_KEYS)}")
    if head in ("link", "stop"):
        allowed = _LINK_KEYS if head == "link" else _STOP_KEYS
        if len(parts) != 2:
            raise StudyError(f"{where}: {table}: sweep key {path!r} must look like '{head}.<field>'")
        check_keys({parts[1]: None}, allowed, where, f"{table} sweep {head}")
        cfg.setdefault(head, {})[parts[1]] = value
    else:
        if len(parts) != 1:
            raise StudyError(f"{where}: {table}: sweep key {path!r} has no sub-fields")
        cfg[head] = value


def _sweep_lists(d: Any, where: str, table: str, what: str) -> dict[str, list]:
    d = _table(d, where, f"{table} {what}")
    for k, v in d.items():
        if not isinstance(v, list) or not v:
            raise StudyError(f"{where}: {table}: {what} {k!r} must be a non-empty list")
    return d


def _expand(cfg: dict, sweep: Any, zipped: Any, fname: str, where: str, table: str) -> list[StudyRun]:
    sweep = _sweep_lists(sweep, where, table, "sweep")
    zipped = _sweep_lists(zipped, where, table, "zip")
    lengths = {len(v) for v in zipped.values()}
    if len(lengths) > 1:
        raise StudyError(f"{where}: {table}: zip lists must have equal lengths, got {sorted(lengths)}")
    zip_rows = list(zip(*zipped.values())) if zipped else [()]
    sweep_rows = list(itertools.product(*sweep.values())) if sweep else [()]
    runs = []
    for zrow in zip_rows:
        for srow in sweep_rows:
            c = copy.deepcopy(cfg)
            for key, val in list(zip(zipped.keys(), zrow)) + list(zip(sweep.keys(), srow)):
                _set_path(c, key, val, where, table)
            run = _build_run(c, where, table)
            keys = list(zipped.keys()) + list(sweep.keys())
            runs.append(StudyRun(figure=fname, label=run_label(keys, run) or fname, run=run))
    return runs


def _build_run(c: dict, where: str, table: str) -> BerRun:
    link = _table(c.get("link", {}), where, f"{table} link")
    stop = _table(c.get("stop", {}), where, f"{table} stop")
    check_keys(link, _LINK_KEYS, where, f"{table} link")
    check_keys(stop, _STOP_KEYS, where, f"{table} stop")
    grid = c.get("ebno_db")
    try:
        if grid is None:
            raise ValueError("no ebno_db grid (set it in the figure or in [defaults])")
        if isinstance(grid, str):
            ebno = parse_range(grid)
        elif isinstance(grid, list) and grid and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid):
            ebno = tuple(float(v) for v in grid)
        else:
            raise ValueError(f"ebno_db must be 'START:STEP:STOP' or a list of numbers, got {grid!r}")
        if not all(v in SNR_DB for v in ebno):
            raise ValueError(f"ebno_db values must lie in {SNR_DB.text()}, got {grid!r}")
        given = dict(stop)
        stop = {k: (None if k.startswith("target_") and v == 0 else v) for k, v in stop.items()}  # 0 disables
        link_d = dict(link)
        if "pilot_ofdm_symbols" in link_d:
            link_d["pilot_ofdm_symbols"] = tuple(link_d["pilot_ofdm_symbols"])
        cfg = LinkConfig(**link_d)
        if "target_bit_errors" not in given and "target_block_errors" not in given:
            stop = {**default_targets(cfg), **stop}
        return BerRun(
            link=cfg, stop=StopCriteria(**stop), ebno_db=ebno,
            seed=c.get("seed", 0), confidence=c.get("confidence", 0.95), precision=c.get("precision", "single"),
            snr_batch=c.get("snr_batch", False), compile=c.get("compile", False),
        )
    except (ValueError, TypeError) as err:
        raise StudyError(f"{where}: {table}: {err}") from None
