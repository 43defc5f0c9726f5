"""Perception samples: the metric's distance at each condition, repeat and cached image, stored as one
resumable table ``/perception/<metric>`` (columns ``psi1, psi2, repeat, image, distance``)."""

from __future__ import annotations

import math
import zlib
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from linklevel.store.h5io import atomic_h5, open_result

from .cache import Item, load_items
from .metrics import FeatureMetric, RegeneratedMetric

__all__ = ["STREAMS", "ABSENT", "OUTCOMES", "joint_conditions", "single_conditions", "one_correct_conditions",
           "measure", "read_samples"]

STREAMS = ("prompt", "edge")
ABSENT = -1.0  #: condition value: the stream does not reach the decoder
#: the coded discard receiver's four outcomes (both, prompt only, edge only, none)
OUTCOMES = ((0.0, 0.0), (0.0, ABSENT), (ABSENT, 0.0), (ABSENT, ABSENT))


def _check_psis(psis: Sequence[float], allow_zero: bool = False) -> list[float]:
    out = [float(p) for p in psis]
    if not out or any(not ((0 < p <= 0.5) or (allow_zero and p == 0)) for p in out):
        raise ValueError(f"BERs must lie in (0, 0.5]{' or be 0' if allow_zero else ''}, got {list(psis)}")
    return out


def joint_conditions(psis1: Sequence[float], psis2: Sequence[float]) -> list[tuple[float, float]]:
    """Both streams forwarded: the 2-D grid (0 = error-free) — Fig. 4(a)."""
    return [(a, b) for a in _check_psis(psis1, True) for b in _check_psis(psis2, True)]


def single_conditions(psis: Sequence[float]) -> list[tuple[float, float]]:
    """Each stream alone (the other absent), ψ and 0 — eqs. (16)-(17)."""
    ps = [0.0] + _check_psis(psis)
    return [(p, ABSENT) for p in ps] + [(ABSENT, p) for p in ps]


def one_correct_conditions(psis: Sequence[float]) -> list[tuple[float, float]]:
    """One stream error-free, the other forwarded with BER ψ — Fig. 5."""
    ps = _check_psis(psis)
    return [(0.0, p) for p in ps] + [(p, 0.0) for p in ps]


# --------------------------------------------------------------------------- measurement
def _group(metric_key: str, channel: str) -> str:
    return f"perception/{metric_key}" + ("" if channel == "bsc" else "-link")


def _seed(seed: int, psi1: float, psi2: float, repeat: int, image: int) -> int:
    return (seed * 1_000_003 + zlib.crc32(f"{psi1:.15g},{psi2:.15g},{repeat},{image}".encode())) % (2**31 - 1)


def measure(path: str, conditions: Sequence[tuple[float, float]], metric: Union[FeatureMetric, RegeneratedMetric],
            repeats: int = 2, seed: int = 0, channel: str = "bsc", device: str = "cpu",
            progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Measure the metric's distance at every condition, repeat and cached image; returns the samples added.

    :param channel: ``bsc`` (fast path) or ``link`` (Sionna uncoded BPSK on AWGN at the Eb/N0
        where :math:`Q(\\sqrt{2E_b/N_0}) = \\psi`; BERs must then be below 0.5).
    Samples already stored (same condition, repeat, image) are not recomputed; new samples
    are appended after each condition, atomically.
    """
    from bridge import BSCChannel, BytesCodec, LinkChannel, TextCodec, Transmitter
    from genai.registry import load
    from linklevel import LinkConfig

    from ..semantic import decode_sketch
    from linklevel.theory.analytic import qfuncinv

    if channel not in ("bsc", "link"):
        raise ValueError(f"channel must be 'bsc' or 'link', got {channel!r}")
    if repeats < 1:
        raise ValueError("repeats must be positive")
    conds = []
    for c in conditions:
        a, b = (float(c[0]), float(c[1]))
        for p in (a, b):
            if not (p == ABSENT or p == 0 or 0 < p <= 0.5) or (channel == "link" and p >= 0.5):
                raise ValueError(f"bad condition {c}: each value is ABSENT (-1), 0 or a BER in (0, 0.5]"
                                 + (" (below 0.5 on the full link)" if channel == "link" else ""))
        conds.append((a, b))
    items = load_items(path)
    grp = _group(metric.key, channel)
    done: set = set()
    with open_result(path) as f:
        if grp in f:
            g = f[grp]
            if g.attrs.get("metric", metric.label) != metric.label:
                raise ValueError(f"{path}:/{grp} was measured with {g.attrs['metric']!r}, not {metric.label!r}")
            done = set(zip(np.round(g["psi1"][()], 15), np.round(g["psi2"][()], 15), g["repeat"][()], g["image"][()]))
    tc, bc = TextCodec(), BytesCodec()
    codecs: dict[int, Any] = {}
    clean: dict[str, np.ndarray] = {}

    def codec(q: int) -> Any:
        if q not in codecs:
            codecs[q] = load("sketch_codec", "ntc", quality=q)
        return codecs[q]

    def receive(item: Item, psi: float, which: int, s: int) -> Any:
        if psi == ABSENT:
            return None
        if which == 1 and item.name not in clean:
            clean[item.name] = codec(item.quality).decompress(item.data)
        if psi == 0:
            return item.prompt if which == 0 else clean[item.name]
        tx = Transmitter(device=device, seed=s + which)
        ch = BSCChannel(psi, block_bits=1024) if channel == "bsc" else LinkChannel(
            LinkConfig(modulation="bpsk", k=1024), ebno_db=10 * math.log10(float(qfuncinv(psi)) ** 2 / 2.0))
        if which == 0:
            return tc.decode(tx.send(tc.encode(item.prompt), ch).bits)
        return decode_sketch(codec(item.quality), bc.decode(tx.send(bc.encode(item.data), ch).bits), item.sketch)

    total = len(conds) * repeats * len(items)
    added, count = 0, 0
    for a, b in conds:
        rows = []
        for r in range(repeats):
            for i, item in enumerate(items):
                count += 1
                if (round(a, 15), round(b, 15), r, i) in done:
                    continue
                s = _seed(seed, a, b, r, i)
                dist = metric(item, receive(item, a, 0, s), receive(item, b, 1, s), seed=s % 100_000)
                rows.append((a, b, r, i, dist))
                done.add((round(a, 15), round(b, 15), r, i))
            if progress:
                progress(count, total)
        if rows:
            _append(path, grp, rows, metric.label, channel)
            added += len(rows)
    return added


def _append(path: str, grp: str, rows: list, label: str, channel: str) -> None:
    with atomic_h5(path) as f:
        g = f.require_group(grp)
        g.attrs["metric"] = label
        g.attrs["channel"] = channel
        g.attrs["absent"] = ABSENT
        for j, (col, dt) in enumerate((("psi1", np.float64), ("psi2", np.float64), ("repeat", np.int64),
                                       ("image", np.int64), ("distance", np.float64))):
            new = np.array([row[j] for row in rows], dtype=dt)
            old = g[col][()] if col in g else np.zeros(0, dt)
            if col in g:
                del g[col]
            g.create_dataset(col, data=np.concatenate([old, new]))


def read_samples(path: str, metric_key: str, channel: str = "bsc") -> dict[str, np.ndarray]:
    """All samples of a metric: ``psi1, psi2, repeat, image, distance`` (+ ``label``)."""
    grp = _group(metric_key, channel)
    with open_result(path) as f:
        if grp not in f:
            raise ValueError(f"{path}: no samples for metric {metric_key!r} ({channel})")
        g = f[grp]
        out = {c: g[c][()] for c in ("psi1", "psi2", "repeat", "image", "distance")}
        out["label"] = np.array(g.attrs["metric"])
        return out
