r"""The GESCO map study as one resumable job (``semlink run gesco_maps``).

A study file with ``[study] kind = "gesco_maps"`` is validated into the frozen :class:`GescoStudy`
and run in parts, each stamped in ``<out>/<name>.h5`` and skipped on re-run when done:

1. ``/maps`` — the label maps (``classical`` stand-in segmentation of the images, a ``folder`` of
   label PNGs, or ``segformer``), resized (nearest) to ``size``, and the bits table: the maps'
   lossless codecs (per-class planes RLE, palette PNG, per-class planes G4) and one-hot values vs the
   RGB image at the map's resolution as PNG and JPEG;
2. ``/fds/<variant>`` — mIoU vs PSNR with and without FDS (eq. (2)) on AWGN, eq. (1)'s σ² (``eq1``)
   and the authors' σ table (``paper_sigma``); example maps;
3. ``/compare/<channel>`` — analog vs digital at equal channel uses and energy per map: the coded
   map on 5G LDPC + QAM links (``digital`` = ``modulation:rate``) with forward and discard
   receivers, and the analog map at the same uses and energy, vs Es/N0;
4. ``/fading`` — the analog map over Rayleigh block fading and OFDM (Rayleigh, TDL) with equalization;
5. ``/generate`` (optional) — images regenerated from received maps by ControlNet-seg.

Rows are stored as float arrays with their column names (``columns`` attribute).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from linklevel.store.h5io import open_result

from ..study.parts import Part, RunContext, group_part, write_group
from ..study.quantities import SNR_DB
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables
from ..study.images import IMAGE_SUFFIXES, image_files

__all__ = ["GescoMaps", "GescoFDS", "GescoCompare", "GescoFading", "GescoGenerate", "GescoStudy", "load_gesco",
           "gesco_parts", "resolve_sources", "read_maps", "read_rows", "digital_configs", "PARTS", "FADING"]

PARTS = ("maps", "fds", "compare", "fading", "generate")
SOURCES = ("classical", "folder", "segformer")
FADING = {"rayleigh-block": ("rayleigh-block", False), "ofdm-rayleigh": ("rayleigh-block", True),
          "ofdm-tdl": ("tdl", True)}


@dataclass(frozen=True)
class GescoMaps:
    source: str = "classical"
    images: str = "kodak"
    folder: str = ""
    pattern: str = "*.png"
    count: int = 6
    classes: int = 8
    size: tuple[int, ...] = (256, 384)
    random_weights: bool = False


@dataclass(frozen=True)
class GescoFDS:
    psnrs: tuple[float, ...] = (-5.0, -2.0, 1.0, 5.0, 10.0, 15.0, 20.0, 30.0, 100.0)
    seeds: int = 3
    paper_sigma: bool = True


@dataclass(frozen=True)
class GescoCompare:
    snrs_db: tuple[float, ...] = tuple(float(x) for x in range(-4, 21, 2))
    digital: tuple[str, ...] = ("qpsk:0.4", "qpsk:0.5", "16qam:0.5", "16qam:0.75", "64qam:0.75")
    policies: tuple[str, ...] = ("forward", "discard")
    channels: tuple[str, ...] = ("awgn", "rayleigh-block")
    seeds: int = 2
    map_codec: str = "auto"


@dataclass(frozen=True)
class GescoFading:
    psnrs: tuple[float, ...] = (1.0, 5.0, 10.0, 20.0)
    channels: tuple[str, ...] = tuple(FADING)
    seeds: int = 2


@dataclass(frozen=True)
class GescoGenerate:
    enabled: bool = False
    random_weights: bool = False
    psnrs: tuple[float, ...] = (1.0, 10.0, 100.0)
    steps: int = 20
    prompt: str = "a photograph"
    maps: int = 2


@dataclass(frozen=True)
class GescoStudy(StudyHeader):
    maps: GescoMaps = GescoMaps()
    fds: GescoFDS = GescoFDS()
    compare: GescoCompare = GescoCompare()
    fading: GescoFading = GescoFading()
    generate: GescoGenerate = GescoGenerate()


def digital_configs(specs: tuple[str, ...]) -> list[tuple[str, float]]:
    """``"modulation:rate"`` strings -> ``(modulation, rate)``."""
    from linklevel.blocks.config import MODULATIONS

    out = []
    for s in specs:
        mod, _, rate = str(s).partition(":")
        try:
            r = float(rate)
        except ValueError:
            raise ValueError(f"digital config {s!r}: use MODULATION:RATE, e.g. qpsk:0.5") from None
        if mod not in MODULATIONS or not 1 / 3 < r < 1:
            raise ValueError(f"digital config {s!r}: modulation one of {', '.join(MODULATIONS)}, rate in (1/3, 1) "
                             "(5G LDPC without repetition)")
        out.append((mod, r))
    return out


def load_gesco(doc: dict, header: StudyHeader) -> GescoStudy:
    """Validate the GESCO tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, PARTS)
    mp: GescoMaps = build_dataclass(GescoMaps, tabs["maps"], where, "maps")
    snr = {"psnrs": SNR_DB, "snrs_db": SNR_DB}
    fd: GescoFDS = build_dataclass(GescoFDS, tabs["fds"], where, "fds", ranges={"psnrs": ""}, bounds=snr)
    cp: GescoCompare = build_dataclass(GescoCompare, tabs["compare"], where, "compare", ranges={"snrs_db": ""},
                                       bounds=snr)
    fa: GescoFading = build_dataclass(GescoFading, tabs["fading"], where, "fading", ranges={"psnrs": ""}, bounds=snr)
    ge: GescoGenerate = build_dataclass(GescoGenerate, tabs["generate"], where, "generate", ranges={"psnrs": ""},
                                        bounds=snr)
    if mp.source not in SOURCES:
        raise StudyError(f"{where}: [maps] source must be one of {', '.join(SOURCES)}, got {mp.source!r}")
    if mp.source == "folder" and not mp.folder:
        raise StudyError(f"{where}: [maps] source = \"folder\" needs folder = <label-map folder>")
    if mp.count < 1 or not 2 <= mp.classes <= 65535:
        raise StudyError(f"{where}: [maps] needs count >= 1 and classes in [2, 65535]")
    if len(mp.size) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or not 8 <= v <= 4096 for v in mp.size):
        raise StudyError(f"{where}: [maps] size must be [H, W] with 8 <= H, W <= 4096, got {list(mp.size)}")
    for name, n in (("fds", fd.seeds), ("compare", cp.seeds), ("fading", fa.seeds)):
        if n < 1:
            raise StudyError(f"{where}: [{name}] seeds must be >= 1")
    try:
        digital_configs(cp.digital)
    except ValueError as err:
        raise StudyError(f"{where}: [compare] {err}") from None
    if any(p not in ("forward", "discard") for p in cp.policies):
        raise StudyError(f"{where}: [compare] policies must be forward and/or discard")
    if any(c not in ("awgn", "rayleigh-block") for c in cp.channels):
        raise StudyError(f"{where}: [compare] channels must be awgn and/or rayleigh-block")
    from .maps import MAP_CODECS

    if cp.map_codec not in MAP_CODECS:
        raise StudyError(f"{where}: [compare] map_codec must be one of {', '.join(MAP_CODECS)}")
    if any(c not in FADING for c in fa.channels):
        raise StudyError(f"{where}: [fading] channels must be among {', '.join(FADING)}")
    if ge.steps < 1 or ge.maps < 1:
        raise StudyError(f"{where}: [generate] steps and maps must be >= 1")
    return GescoStudy(**header.fields(), maps=dataclasses.replace(mp, size=tuple(mp.size)), fds=fd, compare=cp,
                      fading=fa, generate=ge)


def resolve_sources(mp: GescoMaps) -> tuple[list[str], str]:
    """The input files (images, or label maps for ``folder``), first ``count`` sorted, and their kind."""
    if mp.source == "folder":
        from genai.semmaps import label_map_files

        files = label_map_files(mp.folder, mp.pattern)
        if not files:
            raise ValueError(f"no label maps matching {mp.pattern!r} in {mp.folder!r}")
        return files[: mp.count], "labels"
    return image_files(mp.images, mp.count, "[maps] images")[0], "images"


def read_maps(path: str) -> tuple[list[str], list[np.ndarray], dict[str, Any]]:
    """Names, label maps and attributes (``note``, ``classes``) of the stored maps."""
    with open_result(path) as f:
        g = f["maps"]
        names = json.loads(g.attrs["names"])
        return names, [g[f"labels/{n}"][()].astype(np.int64) for n in names], {k: g.attrs[k] for k in g.attrs}


def read_rows(path: str, grp: str, name: str = "rows") -> dict[str, np.ndarray]:
    """A part's rows as columns."""
    with open_result(path) as f:
        g = f[grp]
        cols = json.loads(g.attrs[f"{name}_columns"])
        data = g[name][()]
    return {c: data[:, i] for i, c in enumerate(cols)}


# --------------------------------------------------------------------------- parts
def _maps(study: GescoStudy, ctx: RunContext) -> None:
    import torch
    from PIL import Image

    from genai.registry import load
    from genai.semmaps import read_label_map

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
    from .maps import map_codec

    codec = map_codec(mp.classes, "auto")  # exact sizes of every lossless mode (RLE planes, PNG, G4 planes)
    names, labels, rows = [], {}, []
    for i, f in enumerate(files):
        name = f"{i:03d}_{Path(f).stem}"
        ctx.say(f"map {name}")
        if kind == "images":
            img = Image.open(f).convert("RGB")
            lab = seg(np.asarray(img))
            rgb = img.resize((w, h), Image.BICUBIC)
        else:
            lab, rgb = read_label_map(f), None
            if lab.max() >= mp.classes:
                raise ValueError(f"{f}: class {lab.max()} outside [0, {mp.classes})")
        lab = np.asarray(Image.fromarray(lab.astype(np.int32)).resize((w, h), Image.NEAREST), dtype=np.int64)
        t = torch.from_numpy(lab)
        present = np.unique(lab)
        sizes = codec.payloads(t)
        g4_bits = sizes["planes-ext"]
        img_png = img_jpeg = float("nan")
        if rgb is not None:
            import io

            for fmt, kw in (("PNG", {"optimize": True}), ("JPEG", {"quality": 75})):
                buf = io.BytesIO()
                rgb.save(buf, format=fmt, **kw)
                if fmt == "PNG":
                    img_png = 8 * len(buf.getvalue())
                else:
                    img_jpeg = 8 * len(buf.getvalue())
        rows.append([i, present.size, sizes["planes"], sizes["png"], g4_bits, present.size * h * w, 24 * h * w,
                     img_png, img_jpeg])
        names.append(name)
        labels[f"labels/{name}"] = lab.astype(np.uint16)
    cols = ["map", "present", "planes_bits", "png_bits", "g4_bits", "onehot_values", "raw_rgb_bits",
            "image_png_bits", "image_jpeg_bits"]
    write_group(ctx.file, "maps", {**labels, "bits": np.array(rows, dtype=np.float64)},
           {"names": names, "note": note, "classes": mp.classes, "bits_columns": cols, "files": files})


def _fds(study: GescoStudy, variant: str, ctx: RunContext) -> None:
    from bridge.analog import PAPER_SIGMA, AnalogChannel

    from .maps import send_analog_map

    names, labels, _ = read_maps(ctx.file)
    psnrs = study.fds.psnrs if variant == "eq1" else tuple(float(p) for p in sorted(PAPER_SIGMA))
    rows, examples = [], {}
    for i, lab in enumerate(labels):
        ctx.say(f"FDS ({variant}): map {names[i]}")
        for p in psnrs:
            ch = AnalogChannel(psnr_db=float(p), paper_sigma=variant == "paper_sigma")
            for s in range(study.fds.seeds):
                seed = study.seed * 1000 + s * 97 + i
                for use in (True, False):
                    out = send_analog_map(lab, study.maps.classes, ch, use, seed, ctx.device)
                    rows.append([i, p, s, int(use), out.miou, out.pixel_accuracy, out.channel_uses])
                    if i == 0 and s == 0:
                        examples[f"examples/{'fds' if use else 'raw'}_{p:g}"] = out.received.numpy().astype(np.uint16)
    write_group(ctx.file, f"fds/{variant}", {"rows": np.array(rows, dtype=np.float64), **examples},
           {"rows_columns": ["map", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"],
            "psnrs": list(psnrs)})


def _compare(study: GescoStudy, channel: str, ctx: RunContext) -> None:
    from bridge.packets import code_blocks
    from linklevel import LinkConfig

    from .maps import equal_resource_analog, map_codec, send_digital_map

    import torch

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
                    seed = study.seed * 1000 + s * 97 + i
                    uses = None
                    for q, pol in enumerate(cp.policies):
                        d = send_digital_map(lab, classes, cfg, snr, pol, cp.map_codec, seed, ctx.device)
                        uses = d.channel_uses
                        rows.append([i, j, q, snr, s, d.miou, d.pixel_accuracy, d.bits, d.channel_uses,
                                     d.extra["bit_errors"], d.extra["block_errors"], d.extra["blocks"], int(d.lost)])
                    a = equal_resource_analog(lab, classes, int(uses), snr, channel=channel, seed=seed,
                                              device=ctx.device)
                    arows.append([i, j, snr, s, a.miou, a.pixel_accuracy, a.channel_uses, a.extra["downsample"],
                                  a.extra["energy_gain"]])
    write_group(ctx.file, f"compare/{channel}", {"rows": np.array(rows, dtype=np.float64),
                                           "analog": np.array(arows, dtype=np.float64)},
           {"rows_columns": ["map", "config", "policy", "snr_db", "seed", "miou", "pixel_accuracy", "bits",
                             "channel_uses", "bit_errors", "block_errors", "blocks", "lost"],
            "analog_columns": ["map", "config", "snr_db", "seed", "miou", "pixel_accuracy", "channel_uses",
                               "downsample", "energy_gain"],
            "configs": list(cp.digital), "policies": list(cp.policies)})


def _fading(study: GescoStudy, ctx: RunContext) -> None:
    from bridge.analog import AnalogChannel

    from .maps import send_analog_map

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
                    seed = study.seed * 1000 + s * 97 + i
                    for use in (True, False):
                        out = send_analog_map(lab, study.maps.classes, ch, use, seed, ctx.device)
                        rows.append([i, c, p, s, int(use), out.miou, out.pixel_accuracy, out.channel_uses])
    write_group(ctx.file, "fading", {"rows": np.array(rows, dtype=np.float64)},
           {"rows_columns": ["map", "channel", "psnr", "seed", "fds", "miou", "pixel_accuracy", "channel_uses"],
            "channels": list(fa.channels)})


def _generate(study: GescoStudy, ctx: RunContext) -> None:
    from PIL import Image

    from bridge.analog import AnalogChannel
    from genai.metrics import ms_ssim, psnr
    from genai.registry import load

    from .maps import send_analog_map

    ge = study.generate
    names, labels, attrs = read_maps(ctx.file)
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
            gen = dec(ge.prompt, out.received.numpy(), seed=study.seed)
            img = gen.image
            images[f"images/{i}_{p:g}"] = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
            rows.append([i, p, out.miou, ms_ssim(ref, img) if ref is not None else np.nan,
                         psnr(ref, img) if ref is not None else np.nan])
    write_group(ctx.file, "generate", {"rows": np.array(rows, dtype=np.float64), **images},
           {"rows_columns": ["map", "psnr", "miou", "ms_ssim", "psnr_db"], "note": dec.note})


def gesco_parts(study: GescoStudy, ctx: RunContext) -> Iterator[Part]:
    """The parts in order (the later ones read the stored maps)."""
    base = {"maps": asdict(study.maps), "seed": study.seed}
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
