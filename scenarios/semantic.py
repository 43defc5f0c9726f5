"""The semantic transmitter/receiver chain: image -> (prompt, edge) streams -> [link] -> decoder -> metrics.

Used by ``semlink encode`` and ``semlink regenerate``. Bit counts are those of the
streams that would be transmitted: the prompt through :class:`bridge.TextCodec` and the
compressed sketch through :class:`bridge.BytesCodec` (headers included).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

__all__ = ["EncoderSpec", "Encoded", "load_image", "load_reference", "resize_like", "decode_sketch", "encode_image",
           "regenerate"]


def load_image(path: str) -> np.ndarray:
    """RGB uint8 [H, W, 3] from an image file (clear error if unreadable)."""
    from PIL import Image, UnidentifiedImageError

    if not os.path.isfile(path):
        raise ValueError(f"no such image {path!r}")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"cannot read image {path!r}: {err}") from None


def load_reference(path: str) -> np.ndarray:
    """The original image as float64 RGB in [0, 1] (the reference of the image metrics)."""
    return load_image(path).astype(np.float64) / 255.0


def resize_like(image: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """A generated float image in [0, 1] resized (bicubic) to ``ref``'s height and width, float64 in [0, 1]."""
    from PIL import Image

    img = Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8))
    return np.asarray(img.resize((ref.shape[1], ref.shape[0]), Image.BICUBIC), dtype=np.float64) / 255.0


def decode_sketch(codec: Any, data: bytes, like: np.ndarray) -> np.ndarray:
    """Decompress a received sketch; a corrupted header (wrong size) gives an empty sketch of ``like``'s size."""
    rx = codec.decompress(data)
    return rx if rx.shape == like.shape else np.zeros_like(like)


@dataclass(frozen=True)
class EncoderSpec:
    """Which models make the streams: ``prompt_from`` is ``captions[:FILE]`` or ``blip``."""

    prompt_from: str = "captions"
    edges: str = "hed"
    sketch_codec: str = "ntc"
    quality: int = 1
    sketch_scale: Optional[float] = None
    allow_download: bool = False
    allow_random_weights: bool = False

    def codec_kwargs(self) -> dict[str, Any]:
        """Arguments of the sketch codec (its own defaults where not set)."""
        kw: dict[str, Any] = {"quality": self.quality} if self.sketch_codec == "ntc" else {}
        if self.sketch_scale is not None:
            kw["scale"] = self.sketch_scale
        return kw

    def __post_init__(self) -> None:
        from genai.registry import available

        kind = self.prompt_from.split(":", 1)[0]
        if kind not in available("prompt"):
            raise ValueError(f"--prompt-from must be captions[:FILE] or blip, got {self.prompt_from!r}")
        if self.edges not in available("edges"):
            raise ValueError(f"--edges must be one of {available('edges')}, got {self.edges!r}")
        if self.sketch_codec not in available("sketch_codec"):
            raise ValueError(f"--sketch-codec must be one of {available('sketch_codec')}, got {self.sketch_codec!r}")


@dataclass
class Encoded:
    """The streams of one image and their exact bit counts."""

    image: str
    height: int
    width: int
    prompt: str
    sketch: np.ndarray
    sketch_bytes: bytes
    prompt_bits: int
    edge_bits: int
    models: dict[str, str] = field(default_factory=dict)
    random_weights: bool = False
    seconds: float = 0.0

    @property
    def bpp(self) -> float:
        return (self.prompt_bits + self.edge_bits) / (self.height * self.width)

    def to_dict(self) -> dict[str, Any]:
        """JSON: per stream its bits, split into payload and (repetition-protected) header bits."""
        from bridge import BytesCodec, TextCodec

        th, bh = TextCodec().header.bits, BytesCodec().header.bits
        return {
            "image": self.image, "size": [self.height, self.width],
            "streams": [
                {"name": "prompt", "bits": self.prompt_bits, "payload_bits": self.prompt_bits - th, "header_bits": th,
                 "text": self.prompt, "codec": "utf-8 (bridge.TextCodec)"},
                {"name": "edge", "bits": self.edge_bits, "payload_bits": self.edge_bits - bh, "header_bits": bh,
                 "bytes": len(self.sketch_bytes), "codec": self.models.get("sketch_codec", "")},
            ],
            "bits": self.prompt_bits + self.edge_bits, "bpp": self.bpp, "models": self.models,
            "random_weights": self.random_weights, "seconds": self.seconds,
        }


def _prompt_model(spec: EncoderSpec):
    from genai.registry import load

    kind, _, arg = spec.prompt_from.partition(":")
    if kind == "captions":
        return load("prompt", "captions", path=arg or None)
    return load("prompt", "blip", allow_download=spec.allow_download)


def encode_image(path: str, spec: EncoderSpec) -> Encoded:
    """Run the semantic encoders on one image."""
    from bridge import BytesCodec, TextCodec
    from genai.registry import load

    t0 = time.perf_counter()
    img = load_image(path)
    prompter = _prompt_model(spec)
    prompt = prompter(path) if spec.prompt_from.startswith("captions") else prompter(img)
    sketch = load("edges", spec.edges)(img)
    codec = load("sketch_codec", spec.sketch_codec, **spec.codec_kwargs())
    data = codec.compress(sketch)
    models = {"prompt": spec.prompt_from.split(":")[0], "edges": spec.edges,
              "sketch_codec": spec.sketch_codec + (f" q{spec.quality}" if spec.sketch_codec == "ntc" else "")
              + f" scale {codec.scale:g}"}
    return Encoded(
        image=path, height=img.shape[0], width=img.shape[1], prompt=prompt, sketch=sketch, sketch_bytes=data,
        prompt_bits=TextCodec().bit_count(prompt), edge_bits=BytesCodec().bit_count(data), models=models,
        random_weights=any(getattr(m, "random_weights", False) for m in (prompter, codec)),
        seconds=time.perf_counter() - t0)


def regenerate(enc: Encoded, spec: EncoderSpec, out_png: Optional[str], link: Optional[Any] = None,
               policy: str = "forward", seed: int = 0, steps: int = 20, device: str = "cpu") -> dict[str, Any]:
    """Streams -> (optional link) -> ControlNet decoder -> metrics; writes the PNG.

    :param link: ``bridge.LinkChannel`` for both streams, or ``None`` (error-free).
    """
    from bridge import BytesCodec, TextCodec, Transmitter
    from genai.loading import ModelNotAvailable
    from genai.metrics import ms_ssim, psnr
    from genai.registry import load

    try:
        dec = load("decoder", "controlnet", allow_download=spec.allow_download, steps=steps, device=device)
    except ModelNotAvailable:
        if not spec.allow_random_weights:
            raise
        dec = load("decoder", "controlnet", random_weights=True, steps=min(steps, 4), device=device)
    prompt: Optional[str] = enc.prompt
    sketch_rx: Optional[np.ndarray] = enc.sketch
    codec = load("sketch_codec", spec.sketch_codec, **spec.codec_kwargs())
    sketch_rx = codec.decompress(enc.sketch_bytes)
    stats: dict[str, Any] = {}
    if link is not None:
        tx = Transmitter(device=device, seed=seed)
        tc, bc = TextCodec(), BytesCodec()
        rp = tx.send(tc.encode(enc.prompt), link, policy)
        re = tx.send(bc.encode(enc.sketch_bytes), link, policy)
        prompt = None if rp.bits is None else tc.decode(rp.bits)
        sketch_rx = None if re.bits is None else decode_sketch(codec, bc.decode(re.bits), enc.sketch)
        stats = {"prompt": rp.stats.to_dict(), "edge": re.stats.to_dict()}
    gen = dec(prompt, sketch_rx, seed=seed)
    result: dict[str, Any] = {"prompt_received": prompt, "edge_received": sketch_rx is not None, "link": stats,
                              "decoder": dec.note, "random_weights": dec.random_weights or enc.random_weights,
                              "image_out": None, "metrics": {}}
    ref = load_reference(enc.image)
    sim = load("metric", "text_similarity")
    if gen.image is None:  # nothing arrived: no regeneration, perception distance 1
        result["metrics"] = {"perception_distance": 1.0, "prompt_similarity": sim(enc.prompt, prompt)}
        return result
    from PIL import Image

    rec = resize_like(gen.image, ref)
    if out_png:
        os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
        Image.fromarray((rec * 255).round().astype(np.uint8)).save(out_png)
        result["image_out"] = out_png
    m = {"ms_ssim": ms_ssim(ref, rec), "psnr": psnr(ref, rec)}
    m["prompt_similarity"] = sim(enc.prompt, prompt)
    if sketch_rx is not None:
        m["edge_ms_ssim"] = ms_ssim(enc.sketch, np.clip(sketch_rx, 0, 1))
    try:
        m["clip"] = load("metric", "clip", allow_download=spec.allow_download)(ref, rec)
    except ModelNotAvailable as err:
        m["clip"] = None
        result["clip_unavailable"] = str(err)
    result["metrics"] = m
    return result
