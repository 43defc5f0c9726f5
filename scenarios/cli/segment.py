"""``semlink segment``: an image -> a label PNG of class indices (the input of ``semlink maps``).

``--segmenter classical`` (default) is the offline stand-in (:mod:`genai.slic`: SLIC superpixels
clustered by colour into ``--classes`` classes; not semantic categories); ``segformer`` runs a
``transformers`` semantic-segmentation model (:mod:`genai.segformer`) whose weights must be on the
machine (``--model-path``, the Hugging Face cache, or ``--allow-download``); a missing model fails in
one line naming it. The map is written (greyscale PNG, 8 bit when the classes fit, else 16 bit:
:func:`genai.semmaps.write_label_map`) only once it is made, under a temporary name renamed into place.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from .common import bounded_int, check_output_path, json_default, seed_int

__all__ = ["add_parser", "segment_request", "MAX_SEGMENT_CLASSES"]

#: Classes the classical stand-in / a tiny random model may be asked for.
MAX_SEGMENT_CLASSES = 255


def add_parser(sub: argparse._SubParsersAction) -> None:
    sp = sub.add_parser("segment", help="segment an image into a label PNG of class indices (input of `maps`)")
    sp.add_argument("image", help="image file (read as RGB)")
    sp.add_argument("--out", required=True, help="label PNG to write (class indices)")
    sp.add_argument("--segmenter", default="classical", choices=("classical", "segformer"),
                    help="classical: offline SLIC + k-means stand-in (default); segformer: a transformers model")
    sp.add_argument("--classes", type=bounded_int(2, MAX_SEGMENT_CLASSES), default=None,
                    help=f"classical / --random-weights: number of classes in [2, {MAX_SEGMENT_CLASSES}] (default 8)")
    sp.add_argument("--model", default=None, help="segformer: Hugging Face model id (default: the ADE20K SegFormer-B0)")
    sp.add_argument("--model-path", default=None, help="segformer: local model folder")
    sp.add_argument("--allow-download", action="store_true", help="segformer: allow a Hugging Face Hub download")
    sp.add_argument("--random-weights", action="store_true", help="segformer: a tiny random model (code-path tests)")
    sp.add_argument("--seed", type=seed_int, default=0, help="classical: k-means seed")
    sp.add_argument("--device", default="cpu", help="segformer: torch device")
    sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sp.set_defaults(func=run)


def _check(args: argparse.Namespace) -> dict[str, Any]:
    """Every option checked before anything is read or imported; the segmenter's keyword arguments."""
    if not os.path.isfile(args.image):
        raise ValueError(f"no such image {args.image!r}")
    check_output_path(args.out, (".png",), "--out", inputs=[("image", args.image)])
    if args.segmenter == "classical":
        for flag, given in (("--random-weights", args.random_weights), ("--model", args.model is not None),
                            ("--model-path", args.model_path is not None), ("--allow-download", args.allow_download)):
            if given:
                raise ValueError(f"{flag} applies to --segmenter segformer")
        return {"classes": 8 if args.classes is None else args.classes, "seed": args.seed}
    if args.random_weights:
        if args.model is not None or args.model_path is not None or args.allow_download:
            raise ValueError("--random-weights builds a tiny random model: drop --model, --model-path and "
                             "--allow-download")
        return {"random_weights": True, "classes": 8 if args.classes is None else args.classes, "device": args.device}
    if args.classes is not None:
        raise ValueError("--classes applies to --segmenter classical and --random-weights "
                         "(a trained model has its own classes)")
    kw: dict[str, Any] = {"path": args.model_path, "allow_download": args.allow_download, "device": args.device}
    if args.model is not None:
        kw["model_id"] = args.model
    return kw


def segment_request(args: argparse.Namespace) -> dict[str, Any]:
    """Validate, read, segment; the JSON-ready result (the label map under ``"_labels"``)."""
    kw = _check(args)
    import numpy as np

    from genai.registry import load

    from ..semantic import load_image

    image = load_image(args.image).copy()  # writable (torch warns on read-only arrays)
    seg = load("segmenter", args.segmenter, **kw)
    labels = seg(image)
    present = [int(c) for c in np.unique(labels)]
    return {"image": args.image, "out": args.out, "segmenter": args.segmenter, "note": seg.note,
            "classes": int(seg.num_classes), "classes_present": present, "shape": list(labels.shape),
            "random_weights": bool(args.random_weights), "_labels": labels}


def _write(path: str, labels: Any) -> None:
    """The label PNG under a temporary name in the same folder, then renamed into place."""
    from genai.semmaps import write_label_map

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.partial.png")
    try:
        write_label_map(tmp, labels)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def run(args: argparse.Namespace) -> int:
    res = segment_request(args)
    _write(args.out, res.pop("_labels"))
    if args.json:
        print(json.dumps(res, default=json_default))
    else:
        print(f"{res['out']}: {res['shape'][0]}x{res['shape'][1]} label map, {len(res['classes_present'])} of "
              f"{res['classes']} classes present ({res['note']})")
    return 0
