"""Row tables: the one layout every study stores its rows in, written and read only through the file API.

A table is a group with one dataset per column (its own dtype: floats, integers, booleans or
strings) and two attributes: ``columns`` (their order, JSON) and ``units`` (JSON, column -> unit,
``""`` for none); the attribute ``semlink_table`` marks it. Like every object of a result file, each
column carries its SHA-256 (:mod:`linklevel.store.h5io`): a changed column is found before it is read.
Tables are written inside a part's group with :func:`~scenarios.study.parts.write_group` (pass a
:class:`Table` as a value) and read with :func:`read_table` (checksums verified).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

import numpy as np

__all__ = ["Table", "read_table", "table_names", "TABLE_ATTR"]

#: Attribute marking a table group.
TABLE_ATTR = "semlink_table"


def _column(values: Any) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 1:
        a = np.asarray(list(values))
    if a.dtype.kind in "US" or a.dtype == object:
        a = np.array(["" if v is None else (v.decode() if isinstance(v, bytes) else str(v)) for v in a], dtype=object)
    return a


@dataclass(frozen=True)
class Table:
    """Named columns of equal length, with units.

    :param columns: Column name -> 1-D values (order kept).
    :param units: Column name -> unit (``""``: none).

    .. code-block:: python

        >>> t = Table.from_rows([{"snr_db": 0.0, "miou": 0.5}, {"snr_db": 5.0, "miou": 0.7}], units={"snr_db": "dB"})
        >>> len(t), t["miou"].tolist(), t.units["snr_db"]
        (2, [0.5, 0.7], 'dB')
        >>> t.where(snr_db=5.0).rows()
        [{'snr_db': 5.0, 'miou': 0.7}]
    """

    columns: Mapping[str, np.ndarray]
    units: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cols = {str(k): _column(v) for k, v in self.columns.items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"table columns differ in length: {sorted(lengths)}")
        unknown = set(self.units) - set(cols)
        if unknown:
            raise ValueError(f"units for unknown columns: {sorted(unknown)}")
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "units", {k: str(self.units.get(k, "")) for k in cols})

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], columns: Optional[Sequence[str]] = None,
                  units: Optional[Mapping[str, str]] = None) -> "Table":
        """A table from dicts (``columns``: their order; default the first row's keys)."""
        rows = list(rows)
        names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
        return cls({n: [r[n] for r in rows] for n in names}, units or {})

    @classmethod
    def from_array(cls, array: Any, columns: Sequence[str], units: Optional[Mapping[str, str]] = None) -> "Table":
        """A table from a 2-D array whose columns are named ``columns``."""
        a = np.asarray(array, dtype=np.float64).reshape(-1, len(columns))
        return cls({n: a[:, i] for i, n in enumerate(columns)}, units or {})

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise KeyError(f"no column {name!r} (columns: {', '.join(self.columns)})")
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def mask(self, keep: np.ndarray) -> "Table":
        """The rows where ``keep`` is true."""
        return Table({k: v[keep] for k, v in self.columns.items()}, self.units)

    def where(self, **equal: Any) -> "Table":
        """The rows whose columns equal the given values (floats compared exactly)."""
        keep = np.ones(len(self), dtype=bool)
        for k, v in equal.items():
            keep &= self[k] == v
        return self.mask(keep)

    def rows(self) -> list[dict[str, Any]]:
        """The table as dicts of Python scalars."""
        return [{k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in self.columns.items()}
                for i in range(len(self))]

    def array(self, names: Optional[Sequence[str]] = None) -> np.ndarray:
        """Numeric columns as a float64 ``[rows, columns]`` array."""
        return np.stack([np.asarray(self[n], dtype=np.float64) for n in (names or self.names)], axis=1) \
            if len(self) else np.zeros((0, len(names or self.names)))

    def write(self, group: Any) -> None:
        """Write into an open (empty) h5py group."""
        import h5py

        for name, values in self.columns.items():
            data = values.astype(h5py.string_dtype()) if values.dtype == object else values
            group.create_dataset(name, data=data, compression="gzip" if values.size > 4096 else None)
        group.attrs["columns"] = json.dumps(list(self.columns))
        group.attrs["units"] = json.dumps(dict(self.units))
        group.attrs[TABLE_ATTR] = 1

    @classmethod
    def read(cls, group: Any) -> "Table":
        """Read from an open h5py group written by :meth:`write`."""
        if TABLE_ATTR not in group.attrs:
            raise ValueError(f"{group.name} is not a table")
        names = json.loads(group.attrs["columns"])
        cols = {}
        for n in names:
            v = group[n][()]
            cols[n] = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v], dtype=object) \
                if v.dtype.kind in "OS" else v
        return cls(cols, json.loads(group.attrs["units"]))


def read_table(path: str, key: str) -> Table:
    """The table at ``key`` of a result file, checksums verified first
    (:func:`~linklevel.store.h5io.open_result`; a damaged file is one line naming the part)."""
    from linklevel.store.h5io import open_result

    with open_result(path) as f:
        if key not in f:
            raise KeyError(f"{path}: no table {key!r}")
        return Table.read(f[key])


def table_names(path: str) -> list[str]:
    """Every table of a result file (group paths), checksums verified first."""
    from linklevel.store.h5io import open_result

    out: list[str] = []
    with open_result(path) as f:
        f.visititems(lambda name, obj: out.append(name) if TABLE_ATTR in getattr(obj, "attrs", {}) else None)
    return out
