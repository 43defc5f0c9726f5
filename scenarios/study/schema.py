"""Study files: TOML → validated, frozen dataclasses (shared by every study kind).

Every study file has a ``[study]`` table with the keys of :class:`StudyHeader`
(``kind``, ``name``, ``description``, ``out``, ``seed``) plus the kind's own, and an
optional ``[quick]`` table merged over it with ``--quick``. Everything else is the
kind's schema (:mod:`scenarios.study.kinds`). Unknown keys and values of the wrong type
raise :class:`StudyError`: one line naming the file, the table and the key, with a
close match when there is one.

Also here: :func:`parse_range` (``START:STEP:STOP`` grids in dB, negative values
included) and :func:`build_dataclass` (a table checked against a dataclass's
defaults), used by the kinds' schemas and the CLI.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .quantities import MAX_STUDY_FLOAT, MAX_STUDY_INT, Range

__all__ = [
    "StudyError",
    "StudyHeader",
    "HEADER_KEYS",
    "MAX_GRID_POINTS",
    "read_toml",
    "read_json",
    "parse_header",
    "check_keys",
    "table",
    "merge",
    "build_dataclass",
    "parse_range",
    "parse_targets",
    "check_number",
    "resolve_path",
    "kind_tables",
]


HEADER_KEYS = ("kind", "name", "description", "out", "seed", "threads", "decoder")
#: Largest number of points a START:STEP:STOP grid may expand to (a typo such as a step of
#: 1e-9 would otherwise build a billion points).
MAX_GRID_POINTS = 10_000
_MAX_SEED = 2**63 - 1


class StudyError(ValueError):
    """A study file that cannot be used (one line, names file, table and key)."""


@dataclass(frozen=True)
class StudyHeader:
    """The ``[study]`` fields every kind has; each kind's study dataclass starts with them.

    :param kind: Registered study kind (:mod:`scenarios.study.kinds`).
    :param name: Names the output file ``<out>/<name>.h5``.
    :param source: The TOML file it was read from.
    :param out: Output folder (``-quick`` appended for the quick variant).
    :param seed: Study seed.
    :param quick: Whether ``[quick]`` was merged.
    :param threads: torch threads of the run (``None``: ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``, else 1; ``semlink run --threads``
        overrides it).
    :param decoder: LDPC decoder of every coded link of the study (``semlink``/``sionna``),
        overriding the link tables (``semlink run --decoder``); ``None`` keeps them.
    """

    kind: str
    name: str
    description: str
    source: str
    out: str
    seed: int
    quick: bool
    threads: Optional[int] = None
    decoder: Optional[str] = None

    @property
    def result_file(self) -> str:
        """The study's one HDF5 file."""
        return os.path.join(self.out, f"{self.name}.h5")

    def fields(self) -> dict[str, Any]:
        """The header as keyword arguments for a kind's study dataclass."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(StudyHeader)}


def read_toml(src: Path) -> dict:
    """Parse a study file (TOML errors become :class:`StudyError`)."""
    try:
        with open(src, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise StudyError(f"{src.name}: invalid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise StudyError(f"{src.name}: not a TOML study file (not UTF-8 text: byte {err.start})") from None
    except OSError as err:
        raise StudyError(f"{src}: cannot read the study file: {err.strerror}") from None


def read_json(path: Union[str, os.PathLike], what: str) -> Any:
    """A JSON document (``what`` names the file's role in errors: one line naming the file, for a
    missing, unreadable, binary or malformed file)."""
    import json

    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{what} {str(path)!r} is not JSON (not UTF-8 text: byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{what} {str(path)!r} is not JSON: {err.msg} (line {err.lineno})") from None
    except OSError as err:
        raise ValueError(f"cannot read {what} {str(path)!r}: {err.strerror}") from None


def parse_header(study: Mapping, src: Path, kind: str, quick: bool, out: Optional[str],
                 decoder: Optional[str] = None) -> StudyHeader:
    """Validate the common ``[study]`` keys; ``out`` and ``decoder`` override the file's."""
    where = src.name
    name = study.get("name")
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ ") or name.startswith("."):
        raise StudyError(f"{where}: [study] name must be a non-empty word without '/' or spaces, got {name!r}")
    desc = study.get("description", "")
    if not isinstance(desc, str):
        raise StudyError(f"{where}: [study] description must be a string, got {desc!r}")
    seed = study.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= _MAX_SEED:
        raise StudyError(f"{where}: [study] seed must be an integer in [0, 2^63), got {seed!r}")
    out_dir = out if out is not None else study.get("out", os.path.join("out", name))
    if not isinstance(out_dir, str) or not out_dir:
        raise StudyError(f"{where}: [study] out must be a folder path, got {out_dir!r}")
    if quick and out is None:
        out_dir = out_dir.rstrip("/\\") + "-quick"
    threads = study.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 1024):
        raise StudyError(f"{where}: [study] threads must be an integer in [1, 1024], got {threads!r}")
    decoder = decoder if decoder is not None else study.get("decoder")
    if decoder is not None and decoder not in ("semlink", "sionna"):
        raise StudyError(f"{where}: decoder must be 'semlink' or 'sionna', got {decoder!r}")
    return StudyHeader(kind=kind, name=name, description=desc, source=str(src), out=out_dir, seed=seed, quick=quick,
                       threads=threads, decoder=decoder)


def table(value: Any, where: str, name: str) -> dict:
    """``value`` if it is a TOML table, else a :class:`StudyError`."""
    if not isinstance(value, dict):
        raise StudyError(f"{where}: {name} must be a table, got {type(value).__name__}")
    return value


def check_keys(d: Mapping, allowed: tuple[str, ...], where: str, name: str) -> None:
    """Every key of ``d`` is in ``allowed`` (else the error names a close match)."""
    for key in d:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
            raise StudyError(f"{where}: {name}: unknown key {key!r}{hint}")


def merge(a: dict, b: Mapping) -> dict:
    """Deep merge of two tables (``b`` wins); neither input is modified."""
    out = copy.deepcopy(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def parse_targets(v: Any, where: str, key: str) -> tuple[float, ...]:
    """A ``START:STEP:STOP`` string (inclusive) or a list of numbers."""
    if isinstance(v, str):
        try:
            return parse_range(v)
        except ValueError as err:
            raise StudyError(f"{where}: {key}: {err}") from None
    if not isinstance(v, list) or not v or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
        raise StudyError(f"{where}: {key} must be START:STEP:STOP or a non-empty list of numbers, got {v!r}")
    if not all(math.isfinite(x) for x in v):
        raise StudyError(f"{where}: {key} must be finite numbers")
    return tuple(float(x) for x in v)


def check_number(v: Any, where: str, key: str, rng: Optional[Range] = None) -> None:
    """A number of a study table: in ``rng`` (:mod:`scenarios.study.quantities`) when given, else below the
    generic magnitude caps (larger values are typos)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return
    if rng is not None:
        if v not in rng:
            raise StudyError(f"{where}: {key} must lie in {rng.text()}, got {v!r}")
    elif isinstance(v, int) and abs(v) > MAX_STUDY_INT:
        raise StudyError(f"{where}: {key} must be at most {MAX_STUDY_INT} in magnitude, got {v!r}")
    elif isinstance(v, float) and not (math.isfinite(v) and abs(v) <= MAX_STUDY_FLOAT):
        raise StudyError(f"{where}: {key} must be finite and at most {MAX_STUDY_FLOAT:g} in magnitude, got {v!r}")


def _check_elements(v: tuple, default: tuple, where: str, key: str) -> None:
    """The items of a list have the type of the default's items (numbers, integers, strings or lists)."""
    if not default:
        return
    proto = default[0]
    if isinstance(proto, bool):
        ok, kind = all(isinstance(x, bool) for x in v), "true/false values"
    elif isinstance(proto, int):
        ok, kind = all(isinstance(x, int) and not isinstance(x, bool) for x in v), "integers"
    elif isinstance(proto, float):
        ok, kind = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v), "numbers"
    elif isinstance(proto, str):
        ok, kind = all(isinstance(x, str) for x in v), "strings"
    elif isinstance(proto, (tuple, list)):
        ok, kind = all(isinstance(x, (tuple, list)) for x in v), "lists"
    else:
        return
    if not ok:
        raise StudyError(f"{where}: {key} must be a list of {kind}, got {list(v)!r}")


def _flat(v: Any) -> list:
    return [y for x in v for y in (_flat(x) if isinstance(x, (list, tuple)) else [x])]


def build_dataclass(cls: type, d: Any, where: str, name: str, ranges: Optional[Mapping[str, str]] = None,
                    bounds: Optional[Mapping[str, Range]] = None) -> Any:
    """Build the frozen dataclass ``cls`` from table ``d``, type-checked against its defaults.

    A tuple default takes a non-empty list (or, for the keys in ``ranges``, a
    ``START:STEP:STOP`` string); bool, int, float and str defaults take values of that
    type (an int is accepted for a float). Numbers (also inside lists) must lie in
    ``bounds[key]`` where given, else within :data:`~scenarios.study.quantities.MAX_STUDY_INT` /
    :data:`~scenarios.study.quantities.MAX_STUDY_FLOAT` in magnitude.
    """
    d = table(d, where, f"[{name}]")
    check_keys(d, tuple(f.name for f in dataclasses.fields(cls)), where, f"[{name}]")
    proto = cls()
    kw = {}
    for k, v in d.items():
        default = getattr(proto, k)
        if isinstance(default, tuple):
            if ranges and k in ranges:
                v = parse_targets(v, where, f"[{name}] {k}")
            elif not isinstance(v, list) or not v:
                raise StudyError(f"{where}: [{name}] {k} must be a non-empty list, got {v!r}")
            else:
                v = tuple(v)
            _check_elements(v, default, where, f"[{name}] {k}")
            for x in _flat(v):
                check_number(x, where, f"[{name}] {k}", (bounds or {}).get(k))
        elif isinstance(default, bool):
            if not isinstance(v, bool):
                raise StudyError(f"{where}: [{name}] {k} must be true or false, got {v!r}")
        elif isinstance(default, (int, float)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(default, int) and not isinstance(v, int)):
                kind = "an integer" if isinstance(default, int) else "a number"
                raise StudyError(f"{where}: [{name}] {k} must be {kind}, got {v!r}")
            if not math.isfinite(v):
                raise StudyError(f"{where}: [{name}] {k} must be finite, got {v!r}")
            check_number(v, where, f"[{name}] {k}", (bounds or {}).get(k))
            v = type(default)(v)
        elif isinstance(default, str) and not isinstance(v, str):
            raise StudyError(f"{where}: [{name}] {k} must be a string, got {v!r}")
        kw[k] = v
    return cls(**kw)


def parse_range(text: str) -> tuple[float, ...]:
    """Parse ``START:STEP:STOP`` (inclusive) or a comma list / single value.

    Negative values are fine (``-2:0.5:1``); a grid of more than
    :data:`MAX_GRID_POINTS` points is refused.

    .. code-block:: python

        >>> parse_range("0:2:6")
        (0.0, 2.0, 4.0, 6.0)
        >>> parse_range("-1:0.5:0")
        (-1.0, -0.5, 0.0)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty range")
    try:
        if ":" in text:
            parts = [float(v) for v in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, step, stop = parts
            if not all(map(math.isfinite, parts)):
                raise ValueError
            if step == 0 or (stop - start) * step < 0:
                raise ValueError(f"empty range {text!r} (step must move START towards STOP)")
            count = math.floor((stop - start) / step + 1e-9) + 1
            if count > MAX_GRID_POINTS:
                raise ValueError(f"range {text!r} has {count} points (at most {MAX_GRID_POINTS})")
            values = tuple(round(start + i * step, 10) for i in range(int(count)))
        else:
            values = tuple(float(v) for v in text.split(","))
    except ValueError as err:
        if str(err):
            raise
        raise ValueError(f"invalid range {text!r}; use START:STEP:STOP") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"invalid range {text!r}")
    if len(values) > MAX_GRID_POINTS:
        raise ValueError(f"list {text!r} has {len(values)} values (at most {MAX_GRID_POINTS})")
    return values


def resolve_path(value: str, src: Union[str, os.PathLike]) -> str:
    """A path from a study file: as given if it exists, else relative to the file's folder."""
    if os.path.exists(value):
        return value
    alt = Path(src).parent / value
    return str(alt) if alt.exists() else value


def kind_tables(doc: Mapping, header: "StudyHeader", names: tuple[str, ...]) -> tuple[str, dict[str, dict]]:
    """A kind's tables ``names`` of a study file, type-checked as tables, with ``[quick.<name>]`` merged
    over them when ``header.quick`` (the ``[quick]`` table is validated either way); returns
    ``(file name, tables)``."""
    where = Path(header.source).name
    quick_tab = table(doc.get("quick", {}), where, "[quick]")
    check_quick = {p: table(quick_tab.get(p, {}), where, f"[quick.{p}]") for p in quick_tab}
    check_keys(check_quick, names, where, "[quick]")
    tabs = {p: table(doc.get(p, {}), where, f"[{p}]") for p in names}
    if header.quick:
        tabs = {p: merge(tabs[p], check_quick.get(p, {})) for p in names}
    return where, tabs
