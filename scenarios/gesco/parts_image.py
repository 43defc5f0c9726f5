"""The GESCO study's image-level parts (the paper's Tables 1–4 and their first row):

* ``baseline``: the **full image over AWGN** at equal channel uses (:func:`image_baseline`): per map and
  PSNR of ``[fds] psnrs`` (``released-code`` convention, the paper's), the image's RGB pixels sent analog
  with the same complex channel uses as its one-hot planes (area-downsampled to fit:
  :func:`scenarios.gesco.imageloop.analog_image_baseline`), then re-segmented by the same segmenter that
  made the sent map: the paper's mIoU, PSNR, MS-SSIM and LPIPS where its weights are present.
* ``generate``: the image **regenerated** from the received map by the map-conditioned decoder
  (ControlNet-seg; conditioned on the soft FDS planes), re-segmented: mIoU, pixel accuracy, LPIPS, and
  FID per PSNR over the maps (:func:`regenerate`).

Only maps made from images have them (a label folder has no image to send or compare with).
"""

from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from ..study.parts import RunContext, write_group
from .schema import GescoStudy
from .store import map_side, read_maps, seed_of, table

__all__ = ["segmenter", "image_baseline", "regenerate"]


def segmenter(study: GescoStudy, device: str) -> Any:
    """The segmenter that makes the study's maps from images (and re-segments received images)."""
    from genai.registry import load

    mp = study.maps
    seg = load("segmenter", mp.source, **({"classes": mp.classes, "seed": study.seed} if mp.source == "classical"
                                          else {"random_weights": mp.random_weights, "device": device}))
    if seg.num_classes > mp.classes:
        raise ValueError(f"the segmenter has {seg.num_classes} classes but [maps] classes = {mp.classes}")
    return seg


def _lpips(random_weights: bool, device: str) -> tuple[Optional[Any], str]:
    """An LPIPS model when its weights are here (or random ones), and a note naming what is missing."""
    from genai.registry import load_optional

    return load_optional("metric", "lpips", "LPIPS", random_weights=random_weights, device=device)


def _reference(path: str, shape: tuple[int, int]) -> np.ndarray:
    """The image at the map's size, as the map was made from it (``_maps``)."""
    from PIL import Image

    img = Image.open(path).convert("RGB").resize((shape[1], shape[0]), Image.BICUBIC)
    return np.asarray(img, dtype=np.float64) / 255.0


def _same_classes(seg: Any, ref: np.ndarray) -> Any:
    """The segmenter with the classes it found on the original (:meth:`genai.slic.ClassicalSegmenter.fit`;
    a trained segmenter's classes are fixed already)."""
    return seg.fit((ref * 255).round().astype(np.uint8)) if hasattr(seg, "fit") else seg


def image_baseline(study: GescoStudy, ctx: RunContext) -> None:
    """The full image over AWGN at the channel uses of the map's one-hot planes (module docstring)."""
    from .imageloop import analog_image_baseline, score_image
    from ..maps.analog import analog_channel_uses

    names, labels, attrs = read_maps(ctx.file)
    ignore, edges = map_side(ctx.file)
    files, seg = json.loads(attrs["files"]), segmenter(study, ctx.device)
    lp, note = _lpips(False, ctx.device)
    rows = []
    for i, lab in enumerate(labels):
        ctx.say(f"full image over AWGN: map {names[i]}")
        ref = _reference(files[i], lab.shape)
        same = _same_classes(seg, ref)
        ceiling = score_image(ref, lab, same, ref, lp, ignore)["miou"]
        k = int(np.unique(lab).size) + (1 if i in edges else 0)
        uses = analog_channel_uses(lab.shape, k)
        for p in study.fds.psnrs:
            for s in range(study.fds.seeds):
                b = analog_image_baseline(ref, uses, float(p), "released-code", seed_of(study, s, i))
                sc = score_image(b["image"], lab, same, ref, lp, ignore)
                rows.append([i, float(p), s, float(b["psnr_db"]), float(b["ms_ssim"]), float(sc["miou"]),
                             float(sc["pixel_accuracy"]), float(sc["lpips"]), int(b["channel_uses"]),
                             float(b["downsample_factor"]), float(ceiling)])
    cols = ["map", "psnr", "seed", "psnr_db", "ms_ssim", "miou", "pixel_accuracy", "lpips", "channel_uses",
            "downsample_factor", "clean_miou"]
    write_group(ctx.file, "baseline", {"rows": table(rows, cols)},
                {"convention": "released-code", "lpips_note": note, "segmenter": seg.note})


def regenerate(study: GescoStudy, ctx: RunContext) -> None:
    """Images regenerated from the received maps, re-segmented and scored; FID per PSNR (module docstring)."""
    from bridge.analog import AnalogChannel
    from genai.registry import load

    from .imageloop import fid_over, regenerate_and_score
    from ..maps.analog import send_analog_map

    ge = study.generate
    names, labels, attrs = read_maps(ctx.file)
    ignore, _ = map_side(ctx.file)
    files, seg = json.loads(attrs["files"]), segmenter(study, ctx.device)
    dec = load("decoder", "controlnet_seg", random_weights=ge.random_weights, steps=ge.steps, device=ctx.device)
    lp, note = _lpips(ge.random_weights, ctx.device)
    rows, images, gens, refs, fid_rows = [], {}, {}, [], []
    for i, lab in enumerate(labels[: ge.maps]):
        ref = _reference(files[i], lab.shape)
        refs.append(ref)
        for p in ge.psnrs:
            ch = AnalogChannel(psnr_db=float(p), convention="released-code")
            out = send_analog_map(lab, study.maps.classes, ch, True, study.seed, ctx.device, ignore_index=ignore)
            r = regenerate_and_score(ref, lab, out.planes, out.present, dec, _same_classes(seg, ref), ge.prompt,
                                     study.seed, lp, ignore)
            images[f"images/{i}_{p:g}"] = (np.clip(r["image"], 0, 1) * 255).round().astype(np.uint8)
            gens.setdefault(float(p), []).append(r["image"])
            rows.append([i, float(p), float(r["miou"]), float(out.miou), float(r["pixel_accuracy"]),
                         float(r["lpips"]), r["conditioning"]])
    for p, imgs in gens.items():
        f = fid_over(refs, imgs)
        fid_rows.append([p, float(f["fid"]), len(imgs), f["note"]])
    write_group(ctx.file, "generate", {"rows": table(rows, ["map", "psnr", "miou", "map_miou", "pixel_accuracy",
                                                            "lpips", "conditioning"]),
                                       "fid": table(fid_rows, ["psnr", "fid", "images", "note"]), **images},
                {"note": dec.note, "lpips_note": note, "segmenter": seg.note, "convention": "released-code"})
