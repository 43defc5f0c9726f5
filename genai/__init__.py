"""semlink genai: foundation-model semantic encoders, generative decoders and metrics.

Import direction: ``genai`` uses neither ``linklevel`` nor ``bridge``. Importing ``genai``
imports nothing heavy: models are listed in :mod:`genai.registry` and imported when
loaded (``genai.registry.load(role, name, ...)``).

Roles and canonical names: ``prompt`` (``captions``, ``blip``), ``edges`` (``hed``,
``canny``), ``sketch_codec`` (``ntc``, ``g4``), ``decoder`` (``controlnet``), ``metric``
(``clip``, ``text_similarity``); pure metric functions in :mod:`genai.metrics`.
"""

from .registry import MODELS, available, load

__all__ = ["MODELS", "available", "load"]
