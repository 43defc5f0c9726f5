"""One canonical name per model, grouped by role; models are imported only when loaded.

Roles: ``prompt`` (captioners), ``edges`` (edge extractors), ``sketch_codec``, ``decoder``,
``segmenter`` (label maps), ``image_codec``, ``jscc`` (joint source-channel codecs), ``importance`` (semantic importance maps), ``inpainter``, ``metric``. ``MODELS`` maps role -> name -> ``"module:attribute"`` so that listing the
models imports nothing heavy; :func:`load` imports the module and builds the model.

.. code-block:: python

    >>> from genai.registry import available
    >>> "hed" in available("edges")
    True
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Optional

__all__ = ["MODELS", "register", "available", "load", "load_optional", "model_class"]

MODELS: dict[str, dict[str, str]] = {
    "prompt": {"captions": "genai.captions:CaptionFile", "blip": "genai.blip:BlipCaptioner"},
    "edges": {"hed": "genai.hed:HEDEdges", "canny": "genai.canny:CannyEdges"},
    "sketch_codec": {"g4": "genai.g4:G4Codec", "ntc": "genai.ntc:NTCSketchCodec"},
    "image_codec": {"hyperprior": "genai.hyperprior:HyperpriorCoder"},
    "jscc": {"deepjscc": "genai.deepjscc:JSCCCodec"},
    "inpainter": {"sd_inpaint": "genai.sd_inpaint:SDInpainter"},
    "importance": {"spectral_residual": "genai.saliency:SpectralResidualImportance", "cam": "genai.cam:CAMImportance"},
    "decoder": {"controlnet": "genai.controlnet:ControlNetDecoder",
                "controlnet_seg": "genai.controlnet_seg:ControlNetSegDecoder"},
    "segmenter": {"classical": "genai.slic:ClassicalSegmenter", "segformer": "genai.segformer:TransformersSegmenter"},
    "metric": {"text_similarity": "genai.minilm:TextSimilarity", "clip": "genai.clip:ClipSimilarity",
               "lpips": "genai.lpips_alex:LPIPSDistance", "fid": "genai.fid:FIDFeatures"},
}


def register(role: str, name: str) -> Callable[[type], type]:
    """Class decorator checking that a model class sits where :data:`MODELS` says it does."""

    def deco(cls: type) -> type:
        target = MODELS.get(role, {}).get(name)
        here = f"{cls.__module__}:{cls.__qualname__}"
        if target != here:
            raise RuntimeError(f"registry: {role}/{name} is declared as {target!r}, defined at {here!r}")
        cls.canonical_name = name
        cls.role = role
        return cls

    return deco


def available(role: str) -> list[str]:
    """Canonical names of a role."""
    if role not in MODELS:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(MODELS)}")
    return list(MODELS[role])


def model_class(role: str, name: str) -> type:
    """Import and return the class registered as ``role/name``."""
    if name not in available(role):
        raise ValueError(f"unknown {role} model {name!r}; available: {', '.join(available(role))}")
    module, attr = MODELS[role][name].split(":")
    return getattr(importlib.import_module(module), attr)


def load(role: str, name: str, **kwargs: Any) -> Any:
    """Build the model ``role/name`` (weights resolved offline-first, see :mod:`genai.loading`)."""
    return model_class(role, name)(**kwargs)


def load_optional(role: str, name: str, label: str, **kwargs: Any) -> tuple[Optional[Any], str]:
    """:func:`load` where a missing weight file is not an error: ``(model, "<label>: <its note>")``, or
    ``(None, "<label> not computed: <what is missing>")`` (the loader's
    :class:`~genai.loading.ModelNotAvailable` message, which names the file)."""
    from .loading import ModelNotAvailable

    try:
        m = load(role, name, **kwargs)
    except ModelNotAvailable as err:
        return None, f"{label} not computed: {err}"
    return m, f"{label}: {getattr(m, 'note', name)}"
