r"""Perception-error functions of the two semantic streams (Xu et al. journal, Secs. III-IV; study item 1):
the fits and tables made from the measured samples.

The measurement itself is shared with the Qiao study (:mod:`scenarios.streams`): images are encoded
once into ``/streams/<image>`` (:mod:`~scenarios.streams.cache`), and a *condition* ``(ψ1, ψ2)`` says how
each stream reaches the decoder: ``0`` error-free, a BER in (0, 0.5] (uncoded forward-with-error: the
stream is corrupted by a BSC — the bridge's fast path — or, as a check, by the full uncoded BPSK/AWGN
link at the Eb/N0 with that BER), or :data:`~scenarios.streams.samples.ABSENT` (not delivered:
discarded after a CRC failure, or never sent). All conditions of all figures are samples of one
resumable table ``/perception/<metric>`` (:mod:`~scenarios.streams.samples`).

Condition sets (:mod:`scenarios.streams.samples`):

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

Metrics (:mod:`scenarios.streams.metrics`):

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

import json
import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from linklevel.store.h5io import atomic_h5, open_result

from ..streams.samples import ABSENT, OUTCOMES, STREAMS, read_samples
from ..study.stats import bootstrap_band, isotonic
from .functions import DiscardPerception, TablePerception

__all__ = ["fit_logistic", "PerceptionFit", "fit_slice", "per_image_at", "discard_perception", "forward_grid",
           "table_doc", "forward_table", "export_table", "store_fits", "read_fits", "has_fits"]


# --------------------------------------------------------------------------- fits
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


def per_image_at(s: dict[str, np.ndarray], psi1: float, psi2: float) -> dict[int, float]:
    """Mean distance per image (over repeats) at one condition of a sample table: image index -> mean
    (empty when the condition was not measured). Images are the independent units of every interval."""
    m = np.isclose(s["psi1"], psi1, rtol=0, atol=1e-15) & np.isclose(s["psi2"], psi2, rtol=0, atol=1e-15)
    img, d = s["image"][m], s["distance"][m]
    return {int(i): float(d[img == i].mean()) for i in np.unique(img)}


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
    return PerceptionFit(STREAMS[vary], grid, mean, bootstrap_band(per.T, seed, boot), isotonic(mean),
                         fit_logistic(np.log10(grid), mean), at_zero)


def discard_perception(path: str, metric_key: str, boot: int = 500, seed: int = 0
                       ) -> tuple[DiscardPerception, np.ndarray]:
    """The coded discard receiver's :class:`~scenarios.xu.functions.DiscardPerception` from the four
    measured outcomes, and their bootstrap bands ``[2, 3]`` (both, prompt only, edge only)."""
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
    return DiscardPerception(both, float(max(v[1], both)), float(max(v[2], both))), bootstrap_band(per_arr.T, seed, boot)


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
    :class:`~scenarios.xu.functions.TablePerception`: ``e1, e2, p`` from the joint grid (mean over
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


def forward_table(path: str, metric_key: str, floor: float = 1e-9) -> TablePerception:
    """The uncoded forward perception function as a :class:`~scenarios.xu.functions.TablePerception`."""
    return TablePerception.from_dict(table_doc(path, metric_key, floor))


def export_table(path: str, metric_key: str, json_path: str, floor: float = 1e-9) -> dict[str, Any]:
    """Write :func:`table_doc` as JSON (``semlink allocate --perception-table``, study source ``table:FILE``)."""
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
    samples = read_samples(path, metric_key)
    try:
        grid: Optional[dict[str, np.ndarray]] = forward_grid(samples)
    except ValueError:
        grid = None
    with atomic_h5(path) as f:
        root = f"fits/{metric_key}"
        if root in f:
            del f[root]
        g = f.create_group(root)
        g.attrs["metric"] = str(samples["label"])
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


def has_fits(path: str, metric_key: str) -> bool:
    """Whether :func:`store_fits` has written the fits of ``metric_key`` (the measurement is complete)."""
    with open_result(path) as f:
        return f"fits/{metric_key}" in f


def read_fits(path: str, metric_key: str) -> dict[str, Any]:
    """What :func:`store_fits` wrote: ``{"alone_prompt": PerceptionFit, ..., "discard": (DiscardPerception,
    band [2, 3]), "forward": {"e1", "e2", "p"}}`` (keys present only where measured)."""
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
