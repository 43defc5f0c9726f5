"""``captions``: prompts read from a file mapping image name -> prompt (JSON or CSV).

The file is given explicitly or by the ``SEMLINK_CAPTIONS`` environment variable (e.g. the
Kodak reference prompts, ``.../kodak/captions.json``); images are matched by file stem.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Optional, Union

from .registry import register

__all__ = ["CaptionFile", "ENV_VAR"]

ENV_VAR = "SEMLINK_CAPTIONS"


@register("prompt", "captions")
class CaptionFile:
    """Reference prompts from a JSON object ``{"kodim01": "...", ...}`` or a CSV with columns ``image,prompt``.

    :param path: The file (default: ``$SEMLINK_CAPTIONS``).

    :input image: path or name of the image (its stem is looked up).
    :output: the prompt (str).
    """

    def __init__(self, path: Optional[Union[str, os.PathLike]] = None, **_: object) -> None:
        path = path if path is not None else os.environ.get(ENV_VAR)
        if not path:
            raise ValueError(f"no caption file: pass one or set {ENV_VAR}")
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"caption file {str(p)!r} does not exist")
        if p.suffix.lower() not in (".json", ".csv"):
            raise ValueError(f"{p}: caption files are .json or .csv")
        try:
            data = _read_captions(p)
        except UnicodeDecodeError as err:
            raise ValueError(f"caption file {str(p)!r} is not UTF-8 text (byte {err.start})") from None
        except (json.JSONDecodeError, csv.Error) as err:
            raise ValueError(f"caption file {str(p)!r} is not {p.suffix[1:].upper()}: {err}") from None
        self.prompts = {Path(k).stem: v for k, v in data.items()}
        self.path = str(p)
        self.random_weights = False

    def __call__(self, image: Union[str, os.PathLike]) -> str:
        stem = Path(image).stem
        if stem not in self.prompts:
            raise KeyError(f"no prompt for {stem!r} in {self.path}")
        return self.prompts[stem]


def _read_captions(p: Path) -> dict:
    """The image name -> prompt mapping of a ``.json`` or ``.csv`` caption file."""
    if p.suffix.lower() == ".json":
        with open(p, encoding="utf-8") as fh:
            data = json.load(fh)
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{p}: expected a JSON object mapping image name -> prompt")
        return data
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"image", "prompt"} <= set(rows[0]):
        raise ValueError(f"{p}: expected CSV columns 'image' and 'prompt'")
    return {r["image"]: r["prompt"] for r in rows}
