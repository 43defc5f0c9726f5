r"""Perception-error functions of the two semantic streams (Xu et al., Secs. III-IV; study item 1).

Images are encoded once (prompt from a caption file, HED sketch, ``ntc`` bytes) and cached
in the study's HDF5 file; then each stream is sent through the bridge's BSC fast path at
BERs ψ on a log grid (uncoded forward-with-error), with repeats, and decoded. Every
(stream, ψ, repeat, image) distance is stored as it is measured, so an interrupted
measurement resumes where it stopped.

Offline metric (labelled ``feature-level``): without a generative decoder, the perception
distance of a stream is measured on the stream's own content — prompt: 1 − text
similarity (all-MiniLM-L6-v2) of the received vs sent prompt; edge: 1 − MS-SSIM of the
received vs sent sketch. These are real measurements, but of feature fidelity, not of the
regenerated image's perception; results carry ``metric = "feature-level"``.

Fits (non-decreasing by construction): isotonic regression of the mean distance on
log10 ψ (pool-adjacent-violators), and a smooth monotone logistic in log10 ψ,
:math:`P(\psi) = a + (b-a)/(1+e^{-s(\log_{10}\psi - c)})` with :math:`s > 0, b \ge a`;
bootstrap bands over images. Semantic values (eqs. 16-17): :math:`L_i = 1 - P^{(i)}` (no
errors) and :math:`\hat L_i(\psi) = 1 - P_i(\psi)`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Optional, Sequence

import h5py
import numpy as np

from linklevel.results import atomic_h5

__all__ = ["STREAMS", "cache_streams", "measure_forward", "read_forward", "isotonic", "fit_logistic",
           "PerceptionFit", "fit_stream"]

STREAMS = ("prompt", "edge")


def cache_streams(path: str, images: Sequence[str], captions: str, quality: int = 1) -> list[str]:
    """Encode each image once into ``/streams/<name>`` (prompt, sketch, ntc bytes); skip cached ones."""
    from genai.registry import load

    from .semantic import load_image

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    have = set()
    if os.path.exists(path):
        with h5py.File(path, "r") as f:
            have = set(f["streams"].keys()) if "streams" in f else set()
    todo = [p for p in images if os.path.splitext(os.path.basename(p))[0] not in have]
    if todo:
        cap = load("prompt", "captions", path=captions)
        hed = load("edges", "hed")
        ntc = load("sketch_codec", "ntc", quality=quality)
        for p in todo:
            name = os.path.splitext(os.path.basename(p))[0]
            sketch = hed(load_image(p))
            data = ntc.compress(sketch)
            with atomic_h5(path) as f:
                g = f.require_group(f"streams/{name}")
                g.attrs["prompt"] = cap(p)
                g.attrs["image"] = os.path.abspath(p)
                g.attrs["ntc_quality"] = quality
                g.create_dataset("sketch", data=sketch.astype(np.float32), compression="gzip")
                g.create_dataset("ntc_bytes", data=np.frombuffer(data, dtype=np.uint8))
    with h5py.File(path, "r") as f:
        return sorted(f["streams"].keys())


def measure_forward(path: str, psis: Sequence[float], repeats: int = 3, seed: int = 0,
                    streams: Sequence[str] = STREAMS) -> int:
    """Measure each stream's distance at every BER in ``psis``; returns how many new samples were added.

    Samples already in ``/forward/<stream>`` (same ψ, repeat, image) are not recomputed.
    """
    from bridge import BSCChannel, BytesCodec, TextCodec, Transmitter
    from genai.metrics import ms_ssim
    from genai.registry import load

    if repeats < 1 or not psis or any(not 0 < p <= 0.5 for p in psis):
        raise ValueError("need repeats >= 1 and BERs in (0, 0.5]")
    with h5py.File(path, "r") as f:
        names = sorted(f["streams"].keys())
        done = {s: set() for s in streams}
        for s in streams:
            if f"forward/{s}" in f:
                g = f[f"forward/{s}"]
                done[s] = set(zip(np.round(g["psi"][()], 15), g["repeat"][()], g["image"][()]))
        cached = {n: (f[f"streams/{n}"].attrs["prompt"], f[f"streams/{n}/sketch"][()],
                      bytes(f[f"streams/{n}/ntc_bytes"][()]), int(f[f"streams/{n}"].attrs["ntc_quality"]))
                  for n in names}
    tc, bc = TextCodec(), BytesCodec()
    sim = load("metric", "text_similarity") if "prompt" in streams else None
    codecs: dict[int, object] = {}  # ntc codec per quality
    added = 0
    for s in streams:
        rows = []
        for psi in psis:
            for r in range(repeats):
                for i, n in enumerate(names):
                    if (round(float(psi), 15), r, i) in done[s]:
                        continue
                    prompt, sketch, data, q = cached[n]
                    tx = Transmitter(device="cpu", seed=seed + 1000 * r + 7 * i + (0 if s == "prompt" else 500_000))
                    ch = BSCChannel(float(psi), block_bits=1024)
                    if s == "prompt":
                        rx = tx.send(tc.encode(prompt), ch).bits
                        dist = 1.0 - sim(prompt, tc.decode(rx))
                    else:
                        if q not in codecs:
                            codecs[q] = load("sketch_codec", "ntc", quality=q)
                        rx = codecs[q].decompress(bc.decode(tx.send(bc.encode(data), ch).bits))
                        if rx.shape != sketch.shape:
                            rx = np.zeros_like(sketch)
                        dist = 1.0 - ms_ssim(sketch, rx)
                    rows.append((float(psi), r, i, float(np.clip(dist, 0.0, 1.0))))
        if rows:
            with atomic_h5(path) as f:
                g = f.require_group(f"forward/{s}")
                g.attrs["metric"] = "feature-level: 1 - text similarity" if s == "prompt" else \
                    "feature-level: 1 - MS-SSIM of the sketch"
                for col, j, dt in (("psi", 0, np.float64), ("repeat", 1, np.int64), ("image", 2, np.int64),
                                   ("distance", 3, np.float64)):
                    new = np.array([row[j] for row in rows], dtype=dt)
                    old = g[col][()] if col in g else np.zeros(0, dt)
                    if col in g:
                        del g[col]
                    g.create_dataset(col, data=np.concatenate([old, new]))
            added += len(rows)
    return added


def read_forward(path: str, stream: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(psi, image, distance)`` samples of a stream."""
    with h5py.File(path, "r") as f:
        g = f[f"forward/{stream}"]
        return g["psi"][()], g["image"][()], g["distance"][()]


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
    """A stream's measured perception-error function and its fits (x = log10 ψ)."""

    stream: str
    psi: np.ndarray
    mean: np.ndarray
    band: np.ndarray          # [2, len(psi)] bootstrap 95 % band of the mean over images
    isotonic: np.ndarray
    logistic: tuple[float, float, float, float]

    def __call__(self, psi: float) -> float:
        a, b, s, c = self.logistic
        return a + (b - a) / (1 + math.exp(-s * (math.log10(max(psi, 1e-300)) - c)))

    def semantic_value(self, psi: float) -> float:
        """:math:`\\hat L_i(\\psi) = 1 - P_i(\\psi)` (eq. 17)."""
        return 1.0 - self(psi)


def fit_stream(path: str, stream: str, boot: int = 500, seed: int = 0) -> PerceptionFit:
    """Fit one stream's samples: per-ψ means, bootstrap bands over images, isotonic and logistic fits."""
    psi, img, dist = read_forward(path, stream)
    grid = np.unique(psi)
    images = np.unique(img)
    per = np.array([[dist[(psi == p) & (img == i)].mean() for i in images] for p in grid])  # [psi, image]
    mean = per.mean(axis=1)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(images), (boot, len(images)))
    boots = per[:, picks].mean(axis=2)  # [psi, boot]
    band = np.percentile(boots, [2.5, 97.5], axis=1)
    return PerceptionFit(stream, grid, mean, band, isotonic(mean), fit_logistic(np.log10(grid), mean))
