"""Image inputs of a study: the one helper that turns an ``images``/``captions`` setting into files.

``images = "kodak"`` reads the folder named by ``$SEMLINK_KODAK`` (never a path into the source tree:
a user's clone has no data folder); any other value is a folder. The first ``count`` image files
(sorted by name) are used; captions come from ``<folder>/captions.json`` unless a file is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

__all__ = ["IMAGE_SUFFIXES", "ImageInputs", "image_inputs", "image_files", "caption_file"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class ImageInputs:
    """The resolved images of a study: ``files`` (sorted), their ``folder`` and the ``captions`` file
    (``None`` when not asked for)."""

    files: tuple[str, ...]
    folder: str
    captions: Optional[str] = None


def image_files(folder: str, count: int, where: str) -> tuple[list[str], str]:
    """The first ``count`` image files (sorted) of a study's image folder, and the folder:
    ``"kodak"`` reads ``$SEMLINK_KODAK``; ``where`` names the setting in errors (e.g.
    ``"[measure] images"``)."""
    if folder == "kodak":
        folder = os.environ.get("SEMLINK_KODAK", "")
        if not folder:
            raise ValueError(f"{where} = \"kodak\" needs SEMLINK_KODAK=<folder with the Kodak images "
                             f"(kodim*.png, captions.json)> (or set {where} to a folder)")
    if not os.path.isdir(folder):
        raise ValueError(f"no image folder {folder!r}")
    files = sorted(str(p) for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no images in {folder!r}")
    return files[:count], folder


def caption_file(folder: str, captions: str, where: str) -> str:
    """The captions JSON of an image folder (``captions`` overrides ``<folder>/captions.json``)."""
    caps = captions or os.path.join(folder, "captions.json")
    if not os.path.isfile(caps):
        raise ValueError(f"no caption file {caps!r} (set {where})")
    return caps


def image_inputs(images: str, count: int, table: str, captions: Optional[str] = None) -> ImageInputs:
    """The images (and, when ``captions`` is not ``None``, the caption file: ``""`` for the folder's
    ``captions.json``) of a study table named ``table`` (e.g. ``"[measure]"``), for its errors.

    .. code-block:: python

        >>> import tempfile, os
        >>> d = tempfile.mkdtemp(); open(os.path.join(d, "b.png"), "wb").close(); open(os.path.join(d, "a.png"), "wb").close()
        >>> [os.path.basename(p) for p in image_inputs(d, 1, "[data]").files]
        ['a.png']
    """
    files, folder = image_files(images, count, f"{table} images")
    caps = None if captions is None else caption_file(folder, captions, f"{table} captions")
    return ImageInputs(tuple(files), folder, caps)
