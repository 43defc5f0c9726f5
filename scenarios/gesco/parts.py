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
from typing import Any, Iterator

import numpy as np

from ..study.images import IMAGE_SUFFIXES
from ..study.parts import Part, RunContext, group_part, read_group, write_group
from ..study.tables import Table
from .schema import FADING, GescoStudy, digital_configs, resolve_sources

__all__ = ["gesco_parts", "read_maps", "UNITS", "LAYOUT"]

#: Units of the stored table columns (those without one are counts, indices, flags or scores).
UNITS = {"psnr": "dB", "snr_db": "dB", "psnr_db": "dB", "channel_uses": "channel uses", "bits": "bit",
         "bit_errors": "bit", "planes_bits": "bit", "png_bits": "bit", "g4_bits": "bit", "raw_rgb_bits": "bit",
         "image_png_bits": "bit", "image_jpeg_bits": "bit", "onehot_values": "value"}
#: Stored layout of the rows (part of every part's config: files of the older layout re-run).
LAYOUT = "tables"


def _table(rows: list[list[Any]], columns: list[str]) -> Table:
    return Table({c: [r[i] for r in rows] for i, c in enumerate(columns)},
                 {c: UNITS[c] for c in columns if c in UNITS})


def _seed(study: GescoStudy, s: int, i: int) -> int:
    """The channel seed of repetition ``s`` of map ``i``."""
    return study.seed * 1000 + s * 97 + i


def read_maps(path: str) -> tuple[list[str], list[np.ndarray], dict[str, Any]]:
    """Names, label maps and attributes (``note``, ``classes``, ``files``, ...) of the stored maps."""
    data, attrs = read_group(path, "maps")
    names = json.loads(attrs["names"])
    return names, [data[f"labels/{n}"].astype(np.int64) for n in names], attrs


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

    from genai.registry import load
    from genai.semmaps import read_label_map

    from .reallink import map_codec

    mp = study.maps
    files, kind = resolve_sources(mp)
    h, w = mp.size
    seg, note = None, "label maps from files"
    if kind == "images":
        seg = load("segmenter", mp.source, **({"classes": mp.classes, "seed": study.seed} if mp.source == "classical"
                                              else {"random_weights": mp.random_weights, "device": ctx.device}))
        note = seg.note
        if seg.num_classes > mp.classes:
            raise ValueError(f"the segmenter has {seg.num_classes} classes but [maps] classes = {mp.classes}")
    codec = map_codec(mp.classes, "auto")  # exact sizes of every lossless mode (RLE planes, PNG, G4 planes)
    names, labels, rows = [], {}, []
    for i, f in enumerate(files):
        name = f"{i:03d}_{Path(f).stem}"
        ctx.say(f"map {name}")
        if kind == "images":
            img = Image.open(f).convert("RGB")
            lab, rgb = seg(np.asarray(img)), img.resize((w, h), Image.BICUBIC)
        else:
            lab, rgb = read_label_map(f), None
            if lab.max() >= mp.classes:
                raise ValueError(f"{f}: class {lab.max()} outside [0, {mp.classes})")
        lab = np.asarray(Image.fromarray(lab.astype(np.int32)).resize((w, h), Image.NEAREST), dtype=np.int64)
        present = int(np.unique(lab).size)
        sizes = codec.payloads(torch.from_numpy(lab))
        rows.append([i, present, int(sizes["planes"]), int(sizes["png"]), int(sizes["planes-ext"]), present * h * w,
                     24 * h * w, *_image_bits(rgb)])
        names.append(name)
        labels[f"labels/{name}"] = lab.astype(np.uint16)
    cols = ["map", "present", "planes_bits", "png_bits", "g4_bits", "onehot_values", "raw_rgb_bits",
            "image_png_bits", "image_jpeg_bits"]
    write_group(ctx.file, "maps", {**labels, "bits": _table(rows, cols)},
                {"names": names, "note": note, "classes": mp.classes, "files": files})


def _fds(study: GescoStudy, variant: str, ctx: RunContext) -> None:
    from bridge.analog import PAPER_SIGMA, AnalogChannel

    from .models import send_analog_map

    names, labels, _ = read_maps(ctx.file)
    psnrs = study.fds.psnrs if variant == "eq1" else tuple(float(p) for p in sorted(PAPER_SIGMA))
    rows, examples = [], {}
    for i, lab in enumerate(labels):
        ctx.say(f"FDS ({variant}): map {names[i]}")
        for p in psnrs:
            ch = AnalogChannel(psnr_db=float(p), paper_sigma=variant == "paper_sigma")
            for s in range(study.fds.seeds):
                for use in (True, False):
                    out = send_analog_map(lab, study.maps.classes, ch, use, _seed(study, s, i), ctx.device)
                    rows.append([i, float(p), s, use, float(out.miou), float(out.pixel_accuracy),
                                 int(out.channel_uses)])
                    if i == 0 and s == 0:
                        examples[f"examples/{'fds' if use else 'raw'}_{p:g}"] = out.received.numpy().astype(np.uint16)
    cols = ["map", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"]
    write_group(ctx.file, f"fds/{variant}", {"rows": _table(rows, cols), **examples}, {"psnrs": list(psnrs)})


def _compare(study: GescoStudy, channel: str, ctx: RunContext) -> None:
    import torch

    from bridge.packets import code_blocks
    from linklevel import LinkConfig

    from .models import equal_resource_analog
    from .reallink import map_codec, send_digital_map

    cp, classes = study.compare, study.maps.classes
    names, labels, _ = read_maps(ctx.file)
    rows, arows = [], []
    for i, lab in enumerate(labels):
        bits = map_codec(classes, cp.map_codec).bit_count(torch.from_numpy(lab))
        for j, (mod, rate) in enumerate(digital_configs(cp.digital)):
            ctx.say(f"compare ({channel}): map {names[i]}, {mod} rate {rate:g}")
            k, n, _ = code_blocks(bits, rate)
            cfg = LinkConfig(modulation=mod, code="ldpc", k=k, n=n, crc="CRC24A", snr_type="esno", channel=channel,
                             decoder=study.decoder or "semlink")
            for snr in cp.snrs_db:
                for s in range(cp.seeds):
                    seed, uses = _seed(study, s, i), None
                    for q, pol in enumerate(cp.policies):
                        d = send_digital_map(lab, classes, cfg, snr, pol, cp.map_codec, seed, ctx.device)
                        uses = d.channel_uses
                        rows.append([i, j, q, float(snr), s, float(d.miou), float(d.pixel_accuracy), int(d.bits),
                                     int(d.channel_uses), int(d.extra["bit_errors"]), int(d.extra["block_errors"]),
                                     int(d.extra["blocks"]), bool(d.lost)])
                    a = equal_resource_analog(lab, classes, int(uses), snr, channel=channel, seed=seed,
                                              device=ctx.device)
                    arows.append([i, j, float(snr), s, float(a.miou), float(a.pixel_accuracy), int(a.channel_uses),
                                  int(a.extra["downsample"]), float(a.extra["energy_gain"])])
    dcols = ["map", "config", "policy", "snr_db", "seed", "miou", "pixel_accuracy", "bits", "channel_uses",
             "bit_errors", "block_errors", "blocks", "lost"]
    acols = ["map", "config", "snr_db", "seed", "miou", "pixel_accuracy", "channel_uses", "downsample", "energy_gain"]
    write_group(ctx.file, f"compare/{channel}", {"rows": _table(rows, dcols), "analog": _table(arows, acols)},
                {"configs": list(cp.digital), "policies": list(cp.policies)})


def _fading(study: GescoStudy, ctx: RunContext) -> None:
    from bridge.analog import AnalogChannel

    from .models import send_analog_map

    fa = study.fading
    names, labels, _ = read_maps(ctx.file)
    rows = []
    for i, lab in enumerate(labels):
        ctx.say(f"fading: map {names[i]}")
        for c, name in enumerate(fa.channels):
            chan, ofdm = FADING[name]
            for p in fa.psnrs:
                ch = AnalogChannel(psnr_db=float(p), channel=chan, ofdm=ofdm)
                for s in range(fa.seeds):
                    for use in (True, False):
                        out = send_analog_map(lab, study.maps.classes, ch, use, _seed(study, s, i), ctx.device)
                        rows.append([i, c, float(p), s, use, float(out.miou), float(out.pixel_accuracy),
                                     int(out.channel_uses)])
    cols = ["map", "channel", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"]
    write_group(ctx.file, "fading", {"rows": _table(rows, cols)}, {"channels": list(fa.channels)})


def _generate(study: GescoStudy, ctx: RunContext) -> None:
    from PIL import Image

    from bridge.analog import AnalogChannel
    from genai.metrics import ms_ssim, psnr
    from genai.registry import load

    from .models import send_analog_map

    ge = study.generate
    _, labels, attrs = read_maps(ctx.file)
    files = json.loads(attrs["files"])
    dec = load("decoder", "controlnet_seg", random_weights=ge.random_weights, steps=ge.steps, device=ctx.device)
    rows, images = [], {}
    for i, lab in enumerate(labels[: ge.maps]):
        ref = None
        if Path(files[i]).suffix.lower() in IMAGE_SUFFIXES and study.maps.source != "folder":
            ref = np.asarray(Image.open(files[i]).convert("RGB").resize((dec.size, dec.size), Image.BICUBIC),
                             dtype=np.float32) / 255
        for p in ge.psnrs:
            out = send_analog_map(lab, study.maps.classes, AnalogChannel(psnr_db=float(p)), True, study.seed,
                                  ctx.device)
            img = dec(ge.prompt, out.received.numpy(), seed=study.seed).image
            images[f"images/{i}_{p:g}"] = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
            rows.append([i, float(p), float(out.miou), float(ms_ssim(ref, img)) if ref is not None else np.nan,
                         float(psnr(ref, img)) if ref is not None else np.nan])
    write_group(ctx.file, "generate", {"rows": _table(rows, ["map", "psnr", "miou", "ms_ssim", "psnr_db"]), **images},
                {"note": dec.note})


def gesco_parts(study: GescoStudy, ctx: RunContext) -> Iterator[Part]:
    """The parts in order (the later ones read the stored maps)."""
    base = {"maps": asdict(study.maps), "seed": study.seed, "layout": LAYOUT}
    yield Part("maps", base, functools.partial(_maps, study), label="label maps + bits table", seed=study.seed)
    # independent of each other (each reads only the stored maps): parallel with --workers N
    for variant in ("eq1",) + (("paper_sigma",) if study.fds.paper_sigma else ()):
        yield group_part(f"fds/{variant}", {**base, "fds": asdict(study.fds), "variant": variant},
                         functools.partial(_fds, study, variant), ctx, label=f"FDS ablation ({variant})",
                         seed=study.seed)
    for ch in study.compare.channels:
        yield group_part(f"compare/{ch}", {**base, "compare": asdict(study.compare), "channel": ch,
                                           "decoder": study.decoder or "semlink"},
                         functools.partial(_compare, study, ch), ctx, label=f"analog vs digital ({ch})",
                         seed=study.seed)
    if study.fading.channels:
        yield group_part("fading", {**base, "fading": asdict(study.fading)}, functools.partial(_fading, study), ctx,
                         label="analog over fading", seed=study.seed)
    if study.generate.enabled:
        yield Part("generate", {**base, "generate": asdict(study.generate)}, functools.partial(_generate, study),
                   label="ControlNet-seg regeneration", seed=study.seed)
