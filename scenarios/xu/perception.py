r"""Perception-error functions of the two semantic streams (Xu et al. journal, Secs. III-IV; study item 1).

Images are encoded once (prompt from a caption file, HED sketch, ``ntc`` bytes) and cached
in the study's HDF5 file under ``/streams/<image>``. A *condition* ``(ψ1, ψ2)`` says how
each stream reaches the decoder: ``0`` error-free, a BER in (0, 0.5] (uncoded
forward-with-error: the stream is corrupted by a BSC — the bridge's fast path — or, as a
check, by the full uncoded BPSK/AWGN link at the Eb/N0 with that BER), or :data:`ABSENT`
(not delivered: discarded after a CRC failure, or never sent). All conditions of all
figures are samples of one table ``/perception/<metric>`` (columns ``psi1, psi2,
repeat, image, distance``), written as they are measured, so an interrupted measurement
resumes where it stopped and nothing is measured twice.

Condition sets (helpers below):

* joint forward grid :math:`P_\text{forward}(\psi_1, \psi_2)` (Fig. 4a);
* one stream alone, :math:`(\psi, \text{ABSENT})` — the received semantic value
  :math:`\hat L_{i,\text{forward}}(\psi) = 1 - P^{(i)}_\text{forward}(\psi)` (eq. 17), and at
  :math:`\psi = 0` the transmitted value :math:`L_i = 1 - P^{(i)}` (eq. 16);
* one stream correct, the other forwarded with BER ψ (Fig. 5), against discarding it;
* the four outcomes of the coded discard receiver (both, prompt only, edge only, none).

**Discard perception is bilinear (derivation).** With the discard receiver a stream is
either delivered intact (probability :math:`1-\Psi_i`) or not at all (:math:`\Psi_i`), and
the two streams' codeword errors are independent (separate links). The decoder's input
is therefore one of four outcomes :math:`s`, and by total expectation

.. math::
    P_\text{discard}(\Psi_1,\Psi_2) = (1-\Psi_1)(1-\Psi_2)P_\text{both} + (1-\Psi_1)\Psi_2 P_\text{prompt}
    + \Psi_1(1-\Psi_2) P_\text{edge} + \Psi_1\Psi_2 \cdot 1,

exactly (no fitting); :math:`P_\text{prompt} = P^{(1)} = 1 - L_1`, :math:`P_\text{edge} =
1 - L_2`, and with the other stream absent eq. (18) follows,
:math:`P^{(i)}_\text{discard}(\Psi) = \Psi + (1-\Psi)P^{(i)}`. So only the four outcome
perceptions need measuring (:func:`discard_perception`).

Metrics (pluggable, :class:`FeatureMetric` / :class:`RegeneratedMetric`):

* ``feature`` (offline default, labelled ``feature-level``): no generative decoder; the
  distance is measured on the streams themselves,
  :math:`w_1 (1 - \text{sim}_\text{MiniLM}(\text{prompt}, \hat{\text{prompt}})) + w_2 (1 -
  \text{MS-SSIM}(\text{sketch}, \hat{\text{sketch}}))`, an absent stream counting 1. It is
  additive by construction, so its :math:`L_1 + L_2 = 1 - P_\text{best}` (the paper's
  regenerated metrics are not: :math:`L_1 + L_2 > 1 - P_\text{best}`);
* ``regen-clip`` / ``regen-ms-ssim``: ControlNet regenerates the image from what arrived;
  distance = 1 − CLIP similarity or 1 − MS-SSIM against the original (1 when nothing
  arrived). With ``random_weights=True`` it runs the tiny random pipeline (tests) and the
  label says so.

Fits (non-decreasing by construction): isotonic regression of the mean distance on
:math:`\log_{10}\psi` and a smooth monotone logistic
:math:`P(\psi) = a + (b-a)/(1+e^{-s(\log_{10}\psi - c)})`, :math:`s > 0, b \ge a`; bootstrap
95 % bands over images.
"""

from __future__ import annotations

import math
import os
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from linklevel.h5io import atomic_h5, open_result

__all__ = ["STREAMS", "ABSENT", "Item", "FeatureMetric", "RegeneratedMetric", "make_metric", "cache_streams",
           "load_items", "stream_bits", "joint_conditions", "single_conditions", "one_correct_conditions",
           "OUTCOMES", "measure", "read_samples", "isotonic", "fit_logistic", "PerceptionFit", "fit_slice",
           "discard_perception", "forward_grid", "table_doc", "forward_table", "export_table", "store_fits",
           "read_fits"]

STREAMS = ("prompt", "edge")
ABSENT = -1.0  #: condition value: the stream does not reach the decoder
#: the coded discard receiver's four outcomes (both, prompt only, edge only, none)
OUTCOMES = ((0.0, 0.0), (0.0, ABSENT), (ABSENT, 0.0), (ABSENT, ABSENT))


# --------------------------------------------------------------------------- cached streams
@dataclass
class Item:
    """One cached image: its streams and the error-free decoded sketch."""

    name: str
    image: str
    prompt: str
    sketch: np.ndarray
    data: bytes
    quality: int


def cache_streams(path: str, images: Sequence[str], captions: Optional[str], quality: int = 1) -> list[str]:
    """Encode each image once into ``/streams/<name>`` (prompt, sketch, ntc bytes); skip cached ones."""
    from genai.registry import load

    from ..semantic import load_image

    if not images:
        raise ValueError("no images to encode")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    have = set()
    if os.path.exists(path):
        with open_result(path) as f:
            have = set(f["streams"].keys()) if "streams" in f else set()
    todo = [p for p in images if os.path.splitext(os.path.basename(p))[0] not in have]
    if todo:
        cap = load("prompt", "captions", path=captions)
        hed = load("edges", "hed")
        ntc = load("sketch_codec", "ntc", quality=quality)
        for p in todo:
            name = os.path.splitext(os.path.basename(p))[0]
            img = load_image(p)
            sketch = hed(img)
            data = ntc.compress(sketch)
            with atomic_h5(path) as f:
                g = f.require_group(f"streams/{name}")
                g.attrs["prompt"] = cap(p)
                g.attrs["image"] = os.path.abspath(p)
                g.attrs["ntc_quality"] = quality
                g.attrs["pixels"] = int(img.shape[0] * img.shape[1])
                g.create_dataset("sketch", data=sketch.astype(np.float32), compression="gzip")
                g.create_dataset("ntc_bytes", data=np.frombuffer(data, dtype=np.uint8))
    with open_result(path) as f:
        return sorted(f["streams"].keys())


def load_items(path: str) -> list[Item]:
    """The cached images, sorted by name (their index is the ``image`` column of the samples)."""
    with open_result(path) as f:
        if "streams" not in f:
            raise ValueError(f"{path}: no cached streams (run cache_streams first)")
        return [Item(n, str(f[f"streams/{n}"].attrs["image"]), str(f[f"streams/{n}"].attrs["prompt"]),
                     f[f"streams/{n}/sketch"][()], bytes(f[f"streams/{n}/ntc_bytes"][()]),
                     int(f[f"streams/{n}"].attrs["ntc_quality"])) for n in sorted(f["streams"].keys())]


def stream_bits(path: str) -> dict[str, np.ndarray]:
    """Exact transmitted bits per image (bridge codecs, headers included) and pixels: ``prompt, edge, pixels``."""
    from bridge import BytesCodec, TextCodec

    tc, bc = TextCodec(), BytesCodec()
    with open_result(path) as f:
        names = sorted(f["streams"].keys())
        pix = np.array([int(f[f"streams/{n}"].attrs.get("pixels", 0)) for n in names])
    items = load_items(path)
    return {"names": np.array(names), "prompt": np.array([tc.bit_count(it.prompt) for it in items]),
            "edge": np.array([bc.bit_count(it.data) for it in items]), "pixels": pix}


# --------------------------------------------------------------------------- metrics
class FeatureMetric:
    """Offline feature-level distance (module docstring); ``weights`` = (prompt, edge), summing to 1."""

    def __init__(self, weights: Sequence[float] = (0.5, 0.5)) -> None:
        w = [float(x) for x in weights]
        if len(w) != 2 or min(w) < 0 or abs(sum(w) - 1) > 1e-9:
            raise ValueError(f"feature metric weights must be two non-negative numbers summing to 1, got {weights}")
        self.weights = (w[0], w[1])
        self.key = metric_key("feature", self.weights)
        self.label = (f"feature-level: {w[0]:g} (1 - MiniLM text similarity of the prompt) + "
                      f"{w[1]:g} (1 - MS-SSIM of the received vs sent sketch); not a regenerated-image metric")
        self.random_weights = False
        self._sim: Any = None

    def __call__(self, item: Item, prompt: Optional[str], sketch: Optional[np.ndarray], seed: int) -> float:
        from genai.metrics import ms_ssim

        if self._sim is None:
            from genai.registry import load

            self._sim = load("metric", "text_similarity")
        d1 = 1.0 if prompt is None else 1.0 - self._sim(item.prompt, prompt)
        d2 = 1.0 if sketch is None else 1.0 - ms_ssim(item.sketch, np.clip(sketch, 0.0, 1.0))
        return float(np.clip(self.weights[0] * d1 + self.weights[1] * d2, 0.0, 1.0))


class RegeneratedMetric:
    """Distance of the regenerated image (ControlNet decoder) to the original: ``clip`` or ``ms-ssim``."""

    def __init__(self, kind: str = "clip", random_weights: bool = False, steps: int = 20, device: str = "cpu",
                 allow_download: bool = False) -> None:
        if kind not in ("clip", "ms-ssim"):
            raise ValueError(f"regenerated metric must be 'clip' or 'ms-ssim', got {kind!r}")
        from genai.registry import load

        self.kind, self.random_weights = kind, bool(random_weights)
        kw: dict[str, Any] = {"random_weights": True, "steps": min(steps, 4)} if random_weights else {
            "allow_download": allow_download, "steps": steps}
        self.decoder = load("decoder", "controlnet", device=device, **kw)
        self._clip = load("metric", "clip", device=device, **({"random_weights": True} if random_weights else
                                                               {"allow_download": allow_download})) \
            if kind == "clip" else None
        self.key = metric_key(f"regen-{kind}", random_weights=random_weights)
        self.label = f"regenerated image: 1 - {kind.upper()} vs the original ({self.decoder.note})"
        self._refs: dict[str, np.ndarray] = {}

    def __call__(self, item: Item, prompt: Optional[str], sketch: Optional[np.ndarray], seed: int) -> float:
        from genai.metrics import ms_ssim

        from ..semantic import load_reference, resize_like

        gen = self.decoder(prompt, sketch, seed=seed)
        if gen.image is None:
            return 1.0  # nothing arrived: no regeneration (delta = 1)
        if item.image not in self._refs:
            self._refs[item.image] = load_reference(item.image)
        ref = self._refs[item.image]
        rec = resize_like(gen.image, ref)
        sim = self._clip(ref, rec) if self._clip is not None else ms_ssim(ref, rec)
        return float(np.clip(1.0 - sim, 0.0, 1.0))


def metric_key(name: str, weights: Sequence[float] = (0.5, 0.5), random_weights: bool = False) -> str:
    """HDF5 key of a metric's samples: ``feature[-w1-w2]`` or ``regen-<kind>[-random]``."""
    if name == "feature":
        w = (float(weights[0]), float(weights[1]))
        return "feature" if w == (0.5, 0.5) else f"feature-{w[0]:g}-{w[1]:g}"
    return name + ("-random" if random_weights else "")


def make_metric(name: str, **kw: Any) -> Union[FeatureMetric, RegeneratedMetric]:
    """``feature`` or ``regen-clip`` / ``regen-ms-ssim`` (keyword arguments go to the class)."""
    if name == "feature":
        return FeatureMetric(**kw)
    if name in ("regen-clip", "regen-ms-ssim"):
        return RegeneratedMetric(name[6:], **kw)
    raise ValueError(f"unknown perception metric {name!r}; use feature, regen-clip or regen-ms-ssim")


# --------------------------------------------------------------------------- conditions
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
    from .allocation import snr_for_ber_bpsk

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
            LinkConfig(modulation="bpsk", k=1024), ebno_db=10 * math.log10(snr_for_ber_bpsk(psi)))
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


# --------------------------------------------------------------------------- fits
def isotonic(y: np.ndarray, w: Optional[np.ndarray] = None) -> np.ndarray:
    """Non-decreasing least-squares fit of ``y`` in the given order (SciPy's pool-adjacent-violators)."""
    from scipy.optimize import isotonic_regression

    return isotonic_regression(np.asarray(y, dtype=np.float64), weights=w, increasing=True).x


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Monotone logistic ``(a, b, s, c)``: ``a + (b - a) / (1 + exp(-s (x - c)))``, ``s > 0``, ``b >= a``."""
    from scipy.optimize import least_squares

    x, y = np.asarray(x, float), np.asarray(y, float)

    def model(p: np.ndarray) -> np.ndarray:
        a, d, s, c = p
        return a + d / (1 + np.exp(-s * (x - c)))

    p0 = [float(y.min()), float(max(y.max() - y.min(), 1e-3)), 2.0, float(np.median(x))]
    r = least_squares(lambda p: model(p) - y, p0, bounds=([-1, 0, 1e-3, x.min() - 5], [2, 2, 50, x.max() + 5]))
    a, d, s, c = r.x
    return float(a), float(a + d), float(s), float(c)


@dataclass
class PerceptionFit:
    """A measured perception-error curve in one stream's BER (x = log10 ψ) and its fits.

    ``at_zero`` is the error-free perception (ψ = 0), measured separately.
    """

    stream: str
    psi: np.ndarray
    mean: np.ndarray
    band: np.ndarray          # [2, len(psi)] bootstrap 95 % band of the mean over images
    isotonic: np.ndarray
    logistic: tuple[float, float, float, float]
    at_zero: float = float("nan")

    def __call__(self, psi: float) -> float:
        a, b, s, c = self.logistic
        return a + (b - a) / (1 + math.exp(-s * (math.log10(max(psi, 1e-300)) - c)))

    def semantic_value(self, psi: float) -> float:
        """:math:`\\hat L_i(\\psi) = 1 - P_i(\\psi)` (eq. 17)."""
        return 1.0 - self(psi)


def _per_image(s: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
    img = s["image"][mask]
    d = s["distance"][mask]
    return np.array([d[img == i].mean() for i in np.unique(img)])


def _bootstrap(per: np.ndarray, boot: int, seed: int) -> np.ndarray:
    """95 % band of the mean over images; ``per`` is [points, images]."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, per.shape[1], (boot, per.shape[1]))
    return np.percentile(per[:, picks].mean(axis=2), [2.5, 97.5], axis=1)


def fit_slice(path: str, metric_key: str, vary: int, other: float = ABSENT, boot: int = 500, seed: int = 0,
              channel: str = "bsc") -> PerceptionFit:
    """Fit the curve in stream ``vary``'s BER (0 prompt, 1 edge) with the other stream at ``other``.

    ``other = ABSENT``: the stream alone (eq. 17's :math:`P^{(i)}_\\text{forward}`);
    ``other = 0``: the other stream error-free (Fig. 5).
    """
    if vary not in (0, 1):
        raise ValueError("vary must be 0 (prompt) or 1 (edge)")
    s = read_samples(path, metric_key, channel)
    mine, theirs = (s["psi1"], s["psi2"]) if vary == 0 else (s["psi2"], s["psi1"])
    sel = np.isclose(theirs, other, rtol=0, atol=1e-15)
    grid = np.unique(mine[sel & (mine > 0)])
    if grid.size < 2:
        raise ValueError(f"{metric_key}: fewer than 2 BERs measured for stream {STREAMS[vary]} with the other at {other}")
    per = np.array([_per_image(s, sel & (mine == p)) for p in grid])
    zero = sel & (mine == 0)
    at_zero = float(_per_image(s, zero).mean()) if zero.any() else float("nan")
    mean = per.mean(axis=1)
    return PerceptionFit(STREAMS[vary], grid, mean, _bootstrap(per, boot, seed), isotonic(mean),
                         fit_logistic(np.log10(grid), mean), at_zero)


def discard_perception(path: str, metric_key: str, boot: int = 500, seed: int = 0) -> tuple[Any, np.ndarray]:
    """The coded discard receiver's :class:`~scenarios.allocation.DiscardPerception` from the four
    measured outcomes, and their bootstrap bands ``[2, 3]`` (both, prompt only, edge only)."""
    from .allocation import DiscardPerception

    s = read_samples(path, metric_key)
    per = []
    for a, b in OUTCOMES[:3]:
        m = np.isclose(s["psi1"], a, atol=1e-15) & np.isclose(s["psi2"], b, atol=1e-15)
        if not m.any():
            raise ValueError(f"{metric_key}: outcome ({a}, {b}) not measured (use OUTCOMES)")
        per.append(_per_image(s, m))
    per_arr = np.array(per)
    v = per_arr.mean(axis=1)
    # monotone by construction: losing a stream cannot help (measured values are clipped to that order)
    both = float(v[0])
    return DiscardPerception(both, float(max(v[1], both)), float(max(v[2], both))), _bootstrap(per_arr, boot, seed)


def forward_grid(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The joint forward grid of a sample table: ``e1``, ``e2`` (0 = error-free) and mean ``p`` [e1, e2].

    Uses the largest complete grid (other sweeps, e.g. one stream correct, add values on one axis only).
    """
    joint = (s["psi1"] >= 0) & (s["psi2"] >= 0)
    pairs = set(zip(s["psi1"][joint], s["psi2"][joint]))
    e1, e2 = np.unique(s["psi1"][joint]), np.unique(s["psi2"][joint])
    e1 = np.array([a for a in e1 if sum((a, b) in pairs for b in e2) >= max(2, e2.size // 2)])
    e2 = np.array([b for b in e2 if all((a, b) in pairs for a in e1)])
    e1 = np.array([a for a in e1 if all((a, b) in pairs for b in e2)])
    if e1.size < 2 or e2.size < 2:
        raise ValueError("the joint grid is incomplete (use joint_conditions)")
    tab = np.array([[s["distance"][joint & (s["psi1"] == a) & (s["psi2"] == b)].mean() for b in e2] for a in e1])
    return {"e1": e1, "e2": e2, "p": tab}


def table_doc(path: str, metric_key: str, floor: float = 1e-9) -> dict[str, Any]:
    """The measured forward function in the JSON perception-table format of
    :class:`~scenarios.allocation.TablePerception`: ``e1, e2, p`` from the joint grid (mean over
    images and repeats), ``single1, single2`` from each stream alone (eq. 17's semantic values,
    used by ``proportional``) and ``metric``. ψ = 0 is placed at ``floor`` (axes are log-interpolated).
    """
    s = read_samples(path, metric_key)
    try:
        grid = forward_grid(s)
    except ValueError as err:
        raise ValueError(f"{metric_key}: {err}") from None
    doc: dict[str, Any] = {"metric": str(s["label"]), "e1": np.maximum(grid["e1"], floor).tolist(),
                           "e2": np.maximum(grid["e2"], floor).tolist(), "p": grid["p"].tolist()}
    for vary, key in ((0, "single1"), (1, "single2")):
        mine, theirs = (s["psi1"], s["psi2"]) if vary == 0 else (s["psi2"], s["psi1"])
        sel = theirs == ABSENT
        g = np.unique(mine[sel & (mine >= 0)])
        if g.size >= 2:
            doc[key] = {"e": np.maximum(g, floor).tolist(),
                        "p": [float(s["distance"][sel & (mine == v)].mean()) for v in g]}
    return doc


def forward_table(path: str, metric_key: str, floor: float = 1e-9) -> Any:
    """The uncoded forward perception function as a :class:`~scenarios.allocation.TablePerception`."""
    from .allocation import TablePerception

    return TablePerception.from_dict(table_doc(path, metric_key, floor))


def export_table(path: str, metric_key: str, json_path: str, floor: float = 1e-9) -> dict[str, Any]:
    """Write :func:`table_doc` as JSON (``semlink allocate --perception-table``, study source ``table:FILE``)."""
    import json

    doc = table_doc(path, metric_key, floor)
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
    return doc


def store_fits(path: str, metric_key: str, boot: int = 500, seed: int = 0) -> None:
    """Store every fit of a metric's samples in ``/fits/<metric>`` (rewritten from the samples each time).

    ``alone_<stream>`` (the other stream absent: eq. 17, with ``L = 1 - at_zero``, eq. 16) and
    ``correct_<stream>`` (the other stream error-free: Fig. 5): datasets ``psi, mean, band,
    isotonic`` and attributes ``logistic`` (a, b, s, c), ``at_zero``; ``discard``: the outcome
    perceptions ``p_both, p_prompt_only, p_edge_only`` (eq. 18's :math:`P^{(i)}`), ``L1, L2``
    and their bootstrap ``band`` [2, 3]; ``forward``: the joint grid ``e1, e2, p``.
    """
    fits: dict[str, PerceptionFit] = {}
    for vary in (0, 1):
        for name, other in (("alone", ABSENT), ("correct", 0.0)):
            try:
                fit = fit_slice(path, metric_key, vary, other, boot, seed)
            except ValueError:
                continue  # that sweep was not measured
            fits[f"{name}_{STREAMS[vary]}"] = fit
    try:
        discard, band = discard_perception(path, metric_key, boot, seed)
    except ValueError:
        discard, band = None, None
    try:
        grid: Optional[dict[str, np.ndarray]] = forward_grid(read_samples(path, metric_key))
    except ValueError:
        grid = None
    with atomic_h5(path) as f:
        root = f"fits/{metric_key}"
        if root in f:
            del f[root]
        g = f.create_group(root)
        g.attrs["metric"] = str(f[_group(metric_key, "bsc")].attrs["metric"])
        for key, fit in fits.items():
            h = g.create_group(key)
            for col in ("psi", "mean", "band", "isotonic"):
                h.create_dataset(col, data=getattr(fit, col))
            h.attrs["logistic"] = np.array(fit.logistic)
            h.attrs["at_zero"] = fit.at_zero
        if discard is not None:
            h = g.create_group("discard")
            for a in ("p_both", "p_prompt_only", "p_edge_only", "p_none"):
                h.attrs[a] = getattr(discard, a)
            h.attrs["L1"], h.attrs["L2"] = 1 - discard.p_prompt_only, 1 - discard.p_edge_only
            h.create_dataset("band", data=band)
        if grid is not None:
            h = g.create_group("forward")
            for k, v in grid.items():
                h.create_dataset(k, data=v)


def read_fits(path: str, metric_key: str) -> dict[str, Any]:
    """What :func:`store_fits` wrote: ``{"alone_prompt": PerceptionFit, ..., "discard": (DiscardPerception,
    band [2, 3]), "forward": {"e1", "e2", "p"}}`` (keys present only where measured)."""
    from .allocation import DiscardPerception

    out: dict[str, Any] = {}
    with open_result(path) as f:
        root = f"fits/{metric_key}"
        if root not in f:
            raise ValueError(f"{path}: no fits for metric {metric_key!r} (run store_fits)")
        g = f[root]
        for key in g:
            h = g[key]
            if key == "discard":
                out[key] = (DiscardPerception(*(float(h.attrs[a]) for a in ("p_both", "p_prompt_only", "p_edge_only",
                                                                             "p_none"))), h["band"][()])
            elif key == "forward":
                out[key] = {k: h[k][()] for k in h}
            else:
                out[key] = PerceptionFit(key.split("_", 1)[1], h["psi"][()], h["mean"][()], h["band"][()],
                                         h["isotonic"][()], tuple(float(x) for x in h.attrs["logistic"]),
                                         float(h.attrs["at_zero"]))
    return out
