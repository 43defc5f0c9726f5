"""Trained parts as safetensors with their training metadata (one JSON string under ``"semlink"``)."""

from __future__ import annotations

import json
import os
from typing import Any

import torch

__all__ = ["save_trained", "load_trained"]


def save_trained(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, Any]) -> str:
    """Write ``tensors`` and ``metadata`` (JSON-serializable) atomically to ``path`` (``.safetensors``)."""
    from safetensors.torch import save_file

    tmp = f"{path}.tmp{os.getpid()}"
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, tmp,
              metadata={"semlink": json.dumps(metadata, allow_nan=False)})
    os.replace(tmp, path)
    return path


def load_trained(path: str, kind: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """``(tensors, metadata)`` of a file :func:`save_trained` wrote for ``kind`` (``"constellation"``,
    ``"weighted_bp"``); ``ValueError`` naming the file otherwise."""
    from safetensors import SafetensorError, safe_open

    if not os.path.isfile(path):
        raise ValueError(f"no such trained {kind} file {path!r}")
    try:
        with safe_open(path, framework="pt") as fh:
            meta = json.loads((fh.metadata() or {}).get("semlink", "{}"))
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise ValueError(f"{path!r} is not a readable .safetensors file ({str(err).splitlines()[0]})") from None
    if meta.get("kind") != kind:
        raise ValueError(f"{path!r} holds a trained {meta.get('kind', 'unknown')!r}, not a {kind!r}")
    return tensors, meta
