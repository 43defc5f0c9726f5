"""Perception metrics of the two streams: the offline feature-level distance and the regenerated-image
distance (see :mod:`scenarios.xu.perception` for their definitions in the Xu et al. study)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .cache import Item

__all__ = ["FeatureMetric", "RegeneratedMetric", "metric_key", "make_metric"]


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
