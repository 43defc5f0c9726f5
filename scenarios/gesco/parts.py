r"""The GESCO map study's parts and what each runs (``semlink run gesco_maps``).

Each part is stamped in ``<out>/<name>.h5`` and skipped on re-run when done:

1. ``maps`` — the label maps (``classical`` stand-in segmentation of the images, a ``folder`` of
   label PNGs, or ``segformer``), resized (nearest) to ``size`` (``maps/labels/<name>``), and the
   table ``maps/bits``: the maps' lossless codecs (per-class planes RLE, palette PNG, per-class planes
   G4) and one-hot values vs the RGB image at the map's resolution as PNG and JPEG;
2. ``fds/<variant>`` — mIoU vs PSNR with and without FDS (eq. (2)) on AWGN, eq. (1)'s σ² (``eq1``)
   and the authors' σ table (``paper_sigma``): table ``fds/<variant>/rows``; example maps;
3. ``compare/<channel>`` — analog vs digital at equal channel uses and energy per map: the coded
   map on 5G LDPC + QAM links (``digital`` = ``modulation:rate``) with forward and discard
   receivers (table ``compare/<channel>/rows``), and the analog map at the same uses and energy
   (table ``compare/<channel>/analog``), vs Es/N0;
4. ``fading`` — the analog map over Rayleigh block fading and OFDM (Rayleigh, TDL) with equalization
   (table ``fading/rows``);
5. ``generate`` (optional) — images regenerated from received maps by ControlNet-seg (table
   ``generate/rows``, images ``generate/images/<map>_<psnr>``).

The FDS, compare and fading parts read only the stored maps: they run in parallel with ``--workers``.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np

from ..study.parts import Part, RunContext, group_part, write_group
from .parts_image import image_baseline, regenerate, segmenter
from .store import LAYOUT, map_side, read_maps, seed_of, table
from .schema import FADING, GescoStudy, digital_configs, resolve_sources

__all__ = ["gesco_parts", "thin_classes"]

def _read_labels(f: str, mp: Any, h: int, w: int) -> tuple[np.ndarray, Optional[int], Optional[np.ndarray]]:
    """A label file of ``[maps]`` resized (nearest) to ``h × w``: labels, ignore index, edge plane."""
    from PIL import Image

    from genai.labelsets import instance_edges, read_label_set, sibling_instances

    inst = sibling_instances(f) if mp.instances else None
    if mp.instances and inst is None:
        raise ValueError(f"{f}: [maps] instances = true but no *_instanceIds.png beside it")
    lm = read_label_set(f, kind=mp.kind, palette=mp.palette or None,
                        ignore_index=None if mp.ignore_index < 0 else mp.ignore_index, instance_path=inst)
    if lm.classes > mp.classes:
        raise ValueError(f"{f}: {lm.classes} classes, more than [maps] classes = {mp.classes}")
    size = lambda a: np.asarray(Image.fromarray(a.astype(np.int32)).resize((w, h), Image.NEAREST))  # noqa: E731
    edges = None if lm.instances is None else instance_edges(size(lm.instances)).astype(np.uint8)
    return size(lm.labels).astype(np.int64), lm.ignore_index, edges


def _image_bits(rgb: Any) -> tuple[float, float]:
    """Bits of the RGB image as PNG (optimized) and JPEG (quality 75); NaN without an image."""
    if rgb is None:
        return float("nan"), float("nan")
    out = []
    for fmt, kw in (("PNG", {"optimize": True}), ("JPEG", {"quality": 75})):
        buf = io.BytesIO()
        rgb.save(buf, format=fmt, **kw)
        out.append(float(8 * len(buf.getvalue())))
    return out[0], out[1]


def _maps(study: GescoStudy, ctx: RunContext) -> None:
    import torch
    from PIL import Image

    from genai.labelsets import fill_ignored
    from genai.registry import load

    from .reallink import map_codec

    mp = study.maps
    files, kind = resolve_sources(mp)
    h, w = mp.size
    seg, note = None, "label maps from files"
    if kind == "images":
        seg = segmenter(study, ctx.device)
        note = seg.note
    codec = map_codec(mp.classes, "auto")  # exact sizes of every lossless mode (RLE planes, PNG, G4 planes)
    names, labels, rows, ignore = [], {}, [], None
    for i, f in enumerate(files):
        name = f"{i:03d}_{Path(f).stem}"
        ctx.say(f"map {name}")
        if kind == "images":
            img = Image.open(f).convert("RGB")
            rgb = img.resize((w, h), Image.BICUBIC)  # the map is the segmentation of the image at the map's size,
            lab = np.asarray(seg(np.asarray(rgb)), dtype=np.int64)  # so re-segmenting that image gives it back
        else:
            (lab, ignore, edges), rgb = _read_labels(f, mp, h, w), None
            if edges is not None:
                labels[f"edges/{name}"] = edges
        sendable = fill_ignored(lab, ignore)
        present = int(np.unique(sendable).size)
        sizes = codec.payloads(torch.from_numpy(sendable))
        rows.append([i, present, int(sizes["planes"]), int(sizes["png"]), int(sizes["planes-ext"]), present * h * w,
                     24 * h * w, *_image_bits(rgb)])
        names.append(name)
        labels[f"labels/{name}"] = lab.astype(np.uint16)
    cols = ["map", "present", "planes_bits", "png_bits", "g4_bits", "onehot_values", "raw_rgb_bits",
            "image_png_bits", "image_jpeg_bits"]
    write_group(ctx.file, "maps", {**labels, "bits": table(rows, cols)},
                {"names": names, "note": note, "classes": mp.classes, "files": files, "ignore_index": ignore})


def thin_classes(labels: np.ndarray) -> set[int]:
    """Classes no 3×3 square fits in (under 3 px wide everywhere): the 3×3 pooling of FDS can erase them."""
    from scipy.ndimage import binary_erosion

    return {int(c) for c in np.unique(labels)
            if not binary_erosion(labels == c, structure=np.ones((3, 3), bool)).any()}


def _class_rows(lab: np.ndarray, got: Any, head: list[Any], thin: set[int], ignore: Optional[int] = None
                ) -> list[list[Any]]:
    """Per sent class: its IoU in the received map over the labelled pixels (rows ``head + [class, thin, iou]``)."""
    rx, valid = np.asarray(got), lab != (-1 if ignore is None else ignore)
    out = []
    for c in np.unique(lab[valid]).tolist():
        a, b = (lab == c) & valid, (rx == c) & valid
        out.append(head + [int(c), c in thin, float((a & b).sum() / (a | b).sum())])
    return out


def _fds(study: GescoStudy, convention: str, variant: str, ctx: RunContext) -> None:
    from bridge.analog import PAPER_SIGMA, AnalogChannel

    from ..maps.analog import send_analog_map

    names, labels, _ = read_maps(ctx.file)
    ignore, edges = map_side(ctx.file)
    psnrs = study.fds.psnrs if variant == "eq1" else tuple(float(p) for p in sorted(PAPER_SIGMA))
    rows, per_class, examples = [], [], {}
    for i, lab in enumerate(labels):
        ctx.say(f"FDS ({convention}, {variant}): map {names[i]}")
        thin = thin_classes(lab) - ({ignore} if ignore is not None else set())
        for p in psnrs:
            ch = AnalogChannel(psnr_db=float(p), paper_sigma=variant == "paper_sigma", convention=convention)
            for s in range(study.fds.seeds):
                for use in (True, False):
                    out = send_analog_map(lab, study.maps.classes, ch, use, seed_of(study, s, i), ctx.device,
                                          ignore_index=ignore, edges=edges.get(i))
                    rows.append([i, float(p), s, use, float(out.miou), float(out.pixel_accuracy),
                                 int(out.channel_uses)])
                    per_class += _class_rows(lab, out.received, [i, float(p), s, use], thin, ignore)
                    if i == 0 and s == 0:
                        examples[f"examples/{'fds' if use else 'raw'}_{p:g}"] = out.received.numpy().astype(np.uint16)
    cols = ["map", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"]
    write_group(ctx.file, f"fds/{convention}/{variant}",
                {"rows": table(rows, cols), "classes": table(per_class, ["map", "psnr", "seed", "fds", "class",
                                                                           "thin", "iou"]), **examples},
                {"psnrs": list(psnrs), "convention": convention})


def _compare(study: GescoStudy, channel: str, ctx: RunContext) -> None:
    import torch

    from bridge.packets import code_blocks
    from linklevel import LinkConfig

    from ..maps.analog import equal_resource_analog
    from .reallink import map_codec, send_digital_map

    from genai.labelsets import fill_ignored

    cp, classes = study.compare, study.maps.classes
    names, labels, _ = read_maps(ctx.file)
    ignore, _ = map_side(ctx.file)
    rows, arows = [], []
    for i, lab in enumerate(labels):
        bits = map_codec(classes, cp.map_codec).bit_count(torch.from_numpy(fill_ignored(lab, ignore)))
        for j, (mod, rate) in enumerate(digital_configs(cp.digital)):
            ctx.say(f"compare ({channel}): map {names[i]}, {mod} rate {rate:g}")
            k, n, _ = code_blocks(bits, rate)
            cfg = LinkConfig(modulation=mod, code="ldpc", k=k, n=n, crc="CRC24A", snr_type="esno", channel=channel,
                             decoder=study.decoder or "semlink")
            for snr in cp.snrs_db:
                for s in range(cp.seeds):
                    seed, uses = seed_of(study, s, i), None
                    for q, pol in enumerate(cp.policies):
                        d = send_digital_map(lab, classes, cfg, snr, pol, cp.map_codec, seed, ctx.device, ignore)
                        uses = d.channel_uses
                        rows.append([i, j, q, float(snr), s, float(d.miou), float(d.pixel_accuracy), int(d.bits),
                                     int(d.channel_uses), int(d.extra["bit_errors"]), int(d.extra["block_errors"]),
                                     int(d.extra["blocks"]), bool(d.lost)])
                    a = equal_resource_analog(lab, classes, int(uses), snr, channel=channel, seed=seed,
                                              device=ctx.device, ignore_index=ignore)
                    arows.append([i, j, float(snr), s, float(a.miou), float(a.pixel_accuracy), int(a.channel_uses),
                                  int(a.extra["downsample"]), float(a.extra["energy_gain"])])
    dcols = ["map", "config", "policy", "snr_db", "seed", "miou", "pixel_accuracy", "bits", "channel_uses",
             "bit_errors", "block_errors", "blocks", "lost"]
    acols = ["map", "config", "snr_db", "seed", "miou", "pixel_accuracy", "channel_uses", "downsample", "energy_gain"]
    write_group(ctx.file, f"compare/{channel}", {"rows": table(rows, dcols), "analog": table(arows, acols)},
                {"configs": list(cp.digital), "policies": list(cp.policies)})


def _fading(study: GescoStudy, ctx: RunContext) -> None:
    from bridge.analog import AnalogChannel

    from ..maps.analog import send_analog_map

    fa = study.fading
    names, labels, _ = read_maps(ctx.file)
    ignore, edges = map_side(ctx.file)
    rows = []
    for i, lab in enumerate(labels):
        ctx.say(f"fading: map {names[i]}")
        for c, name in enumerate(fa.channels):
            chan, ofdm = FADING[name]
            for p in fa.psnrs:
                ch = AnalogChannel(psnr_db=float(p), channel=chan, ofdm=ofdm)
                for s in range(fa.seeds):
                    for use in (True, False):
                        out = send_analog_map(lab, study.maps.classes, ch, use, seed_of(study, s, i), ctx.device,
                                              ignore_index=ignore, edges=edges.get(i))
                        rows.append([i, c, float(p), s, use, float(out.miou), float(out.pixel_accuracy),
                                     int(out.channel_uses)])
    cols = ["map", "channel", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"]
    write_group(ctx.file, "fading", {"rows": table(rows, cols)}, {"channels": list(fa.channels)})


def gesco_parts(study: GescoStudy, ctx: RunContext) -> Iterator[Part]:
    """The parts in order (the later ones read the stored maps)."""
    base = {"maps": asdict(study.maps), "seed": study.seed, "layout": LAYOUT}
    yield Part("maps", base, functools.partial(_maps, study), label="label maps + bits table", seed=study.seed)
    # independent of each other (each reads only the stored maps): parallel with --workers N
    fds = {k: v for k, v in asdict(study.fds).items() if k != "conventions"}
    for conv in study.fds.conventions:
        for variant in ("eq1",) + (("paper_sigma",) if study.fds.paper_sigma else ()):
            yield group_part(f"fds/{conv}/{variant}", {**base, "fds": fds, "variant": variant, "convention": conv},
                             functools.partial(_fds, study, conv, variant), ctx,
                             label=f"FDS ablation ({conv}, {variant})", seed=study.seed)
    if resolve_sources(study.maps)[1] == "images":  # the full image over AWGN needs the images
        yield group_part("baseline", {**base, "fds": asdict(study.fds)}, functools.partial(image_baseline, study), ctx,
                         label="full image over AWGN (equal channel uses)", seed=study.seed)
    if study.fading.channels:
        yield group_part("fading", {**base, "fading": asdict(study.fading)}, functools.partial(_fading, study), ctx,
                         label="analog over fading", seed=study.seed)
    for ch in study.compare.channels:  # the longest parts last: a partial file already holds the others
        yield group_part(f"compare/{ch}", {**base, "compare": asdict(study.compare), "channel": ch,
                                           "decoder": study.decoder or "semlink"},
                         functools.partial(_compare, study, ch), ctx, label=f"analog vs digital ({ch})",
                         seed=study.seed)
    if study.generate.enabled:
        yield Part("generate", {**base, "generate": asdict(study.generate)}, functools.partial(regenerate, study),
                   label="ControlNet-seg regeneration, re-segmented", seed=study.seed)
