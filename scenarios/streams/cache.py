"""The stream cache: each image encoded once (caption prompt, HED sketch, ``ntc`` bytes) into the study's
file under ``/streams/<image>``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from linklevel.store.h5io import atomic_h5, open_result

__all__ = ["Item", "cache_streams", "load_items", "stream_bits"]


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
