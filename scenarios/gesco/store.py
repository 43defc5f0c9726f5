"""What the GESCO study's parts store and read back: the units of its table columns, the stored maps, the
channel seeds (:mod:`scenarios.gesco.parts`, :mod:`scenarios.gesco.parts_image`)."""

from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from ..study.parts import read_group
from ..study.tables import Table

__all__ = ["UNITS", "LAYOUT", "table", "seed_of", "read_maps", "map_side", "map_means"]

#: Units of the stored table columns (those without one are counts, indices, flags or scores).
UNITS = {"psnr": "dB", "snr_db": "dB", "psnr_db": "dB", "channel_uses": "channel uses", "bits": "bit",
         "bit_errors": "bit", "planes_bits": "bit", "png_bits": "bit", "g4_bits": "bit", "raw_rgb_bits": "bit",
         "image_png_bits": "bit", "image_jpeg_bits": "bit", "onehot_values": "value"}
#: Stored layout of the rows (part of every part's config: files of the older layout re-run).
LAYOUT = "tables-2"  # 2: maps segmented at the map size (so re-segmentation of the clean image returns them)


def table(rows: list[list[Any]], columns: list[str]) -> Table:
    """Rows (lists in ``columns`` order) as a :class:`~scenarios.study.tables.Table` with :data:`UNITS`."""
    return Table({c: [r[i] for r in rows] for i, c in enumerate(columns)},
                 {c: UNITS[c] for c in columns if c in UNITS})


def seed_of(study: Any, s: int, i: int) -> int:
    """The channel seed of repetition ``s`` of map ``i``."""
    return study.seed * 1000 + s * 97 + i


def read_maps(path: str) -> tuple[list[str], list[np.ndarray], dict[str, Any]]:
    """Names, label maps and attributes (``note``, ``classes``, ``files``, ...) of the stored maps."""
    data, attrs = read_group(path, "maps")
    names = json.loads(attrs["names"])
    return names, [data[f"labels/{n}"].astype(np.int64) for n in names], attrs


def map_side(path: str) -> tuple[Optional[int], dict[int, np.ndarray]]:
    """The stored maps' ignore index (``None``: none) and instance-edge planes by map index."""
    data, attrs = read_group(path, "maps")
    names = json.loads(attrs["names"])
    ignore = json.loads(attrs.get("ignore_index", "null"))
    return ignore, {i: data[f"edges/{n}"].astype(np.float32) for i, n in enumerate(names) if f"edges/{n}" in data}


def map_means(t: Table, sel: np.ndarray, col: str = "miou") -> np.ndarray:
    """Per-map mean of ``col`` over the selected rows (seeds averaged within a map: the map is the
    independent unit), maps in order; non-finite values are skipped and a map without any is dropped."""
    out = []
    for m in np.unique(t["map"][sel]):
        v = np.asarray(t[col][sel & (t["map"] == m)], dtype=np.float64)
        if np.isfinite(v).any():
            out.append(v[np.isfinite(v)].mean())
    return np.array(out)
