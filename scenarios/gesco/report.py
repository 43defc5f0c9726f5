"""The GESCO map study's report (:mod:`scenarios.gesco.parts`), from the result file only.

Sections: bits per map vs the image; the FDS ablation (eq. (1)'s σ² and the authors' σ table); analog
vs digital at equal channel uses and energy per map; the analog maps over fading; the regenerated
images. Each section appears when its part is stored, so a partial file reports what it holds.

Intervals: a map is the independent unit (seeds are averaged within a map first); means and paired
FDS − no-FDS differences get a 95 % bootstrap interval over maps (:mod:`scenarios.study.stats`,
seeded from the study's seed); with fewer than five maps the value is given without an interval and
the report says so under "Warnings".
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Optional

import numpy as np

from linklevel.store.h5io import open_result

from ..study.parts import read_group
from ..study.report import Report
from ..study.stats import Interval, bootstrap, bootstrap_mean
from ..study.tables import Table
from . import figures
from .store import map_means
from .report_fds import fds_keys, fds_sections
from .report_image import baseline_section, channel_use_section, generate_section
from .schema import FADING
from .summary import CompareRow, FadingPoint, GescoSummary, MapBits

__all__ = ["gesco_report"]

_CI = "95 % bootstrap interval over maps"
#: Bits per pixel of the paper's maps: 119,000 bits per 256×512 JPEG-compressed 35-class Cityscapes map (Grassucci et
#: al., the bit comparison of the experiments: "a reduction of 92 %" vs 1,464,000 bits for the image).
PAPER_MAP_BPP = 0.91


def _note(rep: Report, ivs: Iterable[Interval], what: str) -> None:
    """Pass the intervals of one table to :meth:`Report.interval` (one warning per distinct number of maps)."""
    seen: set[int] = set()
    for iv in ivs:
        if iv.n not in seen:
            seen.add(iv.n)
            rep.interval(iv, what)


def _stored(file: str) -> list[str]:
    """The part groups the file holds, in report order."""
    with open_result(file) as f:
        have = [k for k in ("maps",) if k in f]
        have += [f"fds/{c}/{v}" for c in (f["fds"].keys() if "fds" in f else ()) for v in f[f"fds/{c}"].keys()
                 if f"fds/{c}/{v}/rows" in f]
        have += [f"compare/{c}" for c in (f["compare"].keys() if "compare" in f else ())]
        return have + [k for k in ("fading", "baseline", "generate") if k in f]


def _reduction(x: np.ndarray) -> np.ndarray:
    """1 − mean map bits / mean image bits of ``[..., maps, 2]`` resamples (a ratio of means over maps)."""
    return 1 - x[..., 0].mean(-1) / x[..., 1].mean(-1)


def _bits_summary(data: dict[str, Any], attrs: dict[str, Any], seed: int) -> MapBits:
    names, b = json.loads(attrs["names"]), data["bits"]
    h, w = data[f"labels/{names[0]}"].shape
    best = np.minimum(np.minimum(b["planes_bits"], b["png_bits"]), b["g4_bits"]).astype(np.float64)  # "auto"
    png, jpeg = b["image_png_bits"], b["image_jpeg_bits"]
    bits = MapBits(len(names), (int(h), int(w)), str(attrs["note"]), bootstrap_mean(best, seed, unit="map"),
                   classes=int(attrs["classes"]),
                   map_bpp=float(best.mean() / (h * w)))
    if np.isfinite(png).all():  # images, not label files: the map vs the image
        bits.mean_image_png_bits = bootstrap_mean(png, seed, unit="map")
        bits.reduction_vs_png = bootstrap(np.stack([best, png], 1), _reduction, seed, unit="map")
        bits.reduction_vs_jpeg = bootstrap(np.stack([best, jpeg], 1), _reduction, seed, unit="map")
    return bits


def _bits_section(rep: Report, data: dict[str, Any], names: list[str], bits: MapBits) -> None:
    b = data["bits"]
    rep.section("Bits per map vs the image")
    cell = lambda v: int(v) if np.isfinite(v) else None  # noqa: E731
    rep.table(["map", "classes present", "planes (RLE)", "palette PNG", "planes (G4)", "one-hot values", "image PNG",
               "image JPEG q75"],
              [[names[int(m)], int(p), int(pl), int(pn), int(g), int(oh), cell(ip), cell(ij)]
               for m, p, pl, pn, g, oh, ip, ij in zip(b["map"], b["present"], b["planes_bits"], b["png_bits"],
                                                      b["g4_bits"], b["onehot_values"], b["image_png_bits"],
                                                      b["image_jpeg_bits"])],
              caption="Bits per map (lossless codes) and of the RGB image at the map's resolution")
    if bits.reduction_vs_png is None or bits.reduction_vs_jpeg is None or bits.mean_image_png_bits is None:
        return
    ivs = [bits.mean_map_bits, bits.mean_image_png_bits, bits.reduction_vs_png, bits.reduction_vs_jpeg]
    _note(rep, ivs, "bits per map and the reduction vs the image")
    kbit = [dataclasses.replace(iv, value=iv.value / 1e3, lo=iv.lo / 1e3, hi=iv.hi / 1e3) for iv in ivs[:2]]
    rep.table(["map code (auto), kbit", "image PNG, kbit", "fewer bits than PNG", "fewer bits than JPEG q75"],
              [kbit + ivs[2:]], caption=f"Mean bits per map and the relative reduction ({_CI})")
    bpp = bits.mean_map_bits.value / (bits.size[0] * bits.size[1])
    rep.paragraph(f"The digital path sends the shortest exact lossless code (map codec `auto`): "
                  f"{bits.mean_map_bits.value:.0f} bits per map on average ({bpp:.3f} bpp, {bits.classes} classes), "
                  f"{100 * bits.reduction_vs_png.value:.1f} % fewer than the image as PNG and "
                  f"{100 * bits.reduction_vs_jpeg.value:.1f} % fewer than JPEG (quality 75) at the map's resolution. "
                  f"**Not comparable with the paper's figure** (\"92 % fewer\"): its maps are JPEG-compressed 35-class "
                  f"Cityscapes maps at {PAPER_MAP_BPP} bpp; these are {bits.note} maps with {bits.classes} lossless "
                  "classes, whose few large regions code far more cheaply.")


def _reach(snrs: list[float], ivs: list[Interval], level: float = 0.99) -> Optional[float]:
    hit = [s for s, iv in zip(snrs, ivs) if iv.value >= level]
    return hit[0] if hit else None


def _compare_row(d: Table, a: Table, j: int, cfg: str, policies: list[str], seed: int) -> CompareRow:
    snrs = sorted(np.unique(d["snr_db"]).tolist())
    curve = lambda t, sel: [bootstrap_mean(map_means(t, sel & (t["snr_db"] == s)), seed, unit="map")  # noqa: E731
                            for s in snrs]
    analog = curve(a, a["config"] == j)
    digital = {pol: curve(d, (d["config"] == j) & (d["policy"] == q)) for q, pol in enumerate(policies)}
    best = np.maximum.reduce([[iv.value for iv in c] for c in digital.values()])
    am = [iv.value for iv in analog]
    analog_better = [s for s, x, y in zip(snrs, am, best) if x > y]
    digital_better = [s for s, x, y in zip(snrs, am, best) if y > x]
    sel = d["config"] == j
    return CompareRow(cfg, float(np.mean(d["bits"][sel])), float(np.mean(d["channel_uses"][sel])), snrs, analog,
                      digital, _reach(snrs, digital.get("forward", next(iter(digital.values())))), _reach(snrs, analog),
                      max(analog_better) if analog_better else None, min(digital_better) if digital_better else None)


def _compare_section(rep: Report, file: str, channel: str, seed: int) -> list[CompareRow]:
    data, attrs = read_group(file, f"compare/{channel}")
    policies = json.loads(attrs["policies"])
    rows = [_compare_row(data["rows"], data["analog"], j, cfg, policies, seed)
            for j, cfg in enumerate(json.loads(attrs["configs"]))]
    rep.section(channel, 3)
    rep.figure(f"compare_{channel}", lambda: figures.compare_figure(channel, rows),
               f"Analog vs digital mIoU at equal channel uses and energy ({channel})")
    db = lambda x: None if x is None else f"{x:g} dB"  # noqa: E731
    rep.table(["digital config", "bits/map", "channel uses", "digital (forward) reaches mIoU 0.99 at",
               "analog reaches it at", "analog better up to", "digital better from"],
              [[r.config, round(r.bits), round(r.channel_uses), db(r.digital_099_db), db(r.analog_099_db),
                db(r.analog_better_max_db), db(r.digital_better_min_db)] for r in rows],
              caption=f"Where the curves cross ({channel}; from the mean mIoU over maps)")
    for r in rows:
        _note(rep, r.analog + [iv for c in r.digital.values() for iv in c],
              f"analog vs digital ({channel}, {r.config})")
        rep.table(["Es/N0 (dB)", "analog (FDS)"] + [f"digital, {p}" for p in r.digital],
                  [[s, r.analog[i]] + [c[i] for c in r.digital.values()] for i, s in enumerate(r.snrs_db)],
                  caption=f"mIoU, {r.config} on {channel} (unit-power convention: Es/N0 per channel use; {_CI})")
    return rows


def _fading_section(rep: Report, file: str, seed: int) -> list[FadingPoint]:
    data, attrs = read_group(file, "fading")
    t, names = data["rows"], json.loads(attrs["channels"])
    on_rows = t["fds"].astype(bool)
    pts = []
    for c, name in enumerate(names):
        for p in sorted(np.unique(t["psnr"]).tolist()):
            sel = (t["channel"] == c) & (t["psnr"] == p)
            pts.append(FadingPoint(name, p, bootstrap_mean(map_means(t, sel & on_rows), seed, unit="map"),
                                   bootstrap_mean(map_means(t, sel & ~on_rows), seed, unit="map")))
    _note(rep, [iv for p in pts for iv in (p.fds, p.no_fds)], "analog maps over fading")
    rep.section("Analog maps over fading (equalized)")
    rep.figure("fading", lambda: figures.fading_figure(pts), "mIoU vs PSNR of the analog map over fading channels")
    rep.table(["channel", "PSNR (dB)", "mIoU with FDS", "without FDS"],
              [[f"{p.channel} ({'OFDM, ' if FADING[p.channel][1] else ''}{FADING[p.channel][0]})", p.psnr, p.fds,
                p.no_fds] for p in pts], caption=f"The analog map over fading (unit-power convention; {_CI})")
    return pts


def gesco_report(study: Any, file: str, rep: Report) -> GescoSummary:
    """The report of a GESCO map study file (see the module docstring); its typed summary."""
    s, have, seed = GescoSummary(), _stored(file), study.seed
    if "maps" not in have:
        rep.paragraph("No label maps are stored yet: the study stopped before its first part finished.")
        return s
    data, attrs = read_group(file, "maps")
    s.bits = bits = _bits_summary(data, attrs, seed)
    rep.paragraph(f"Semantic maps over analog and digital channels (GESCO, Grassucci et al.): {bits.maps} maps of "
                  f"{bits.size[0]}×{bits.size[1]}, C = {attrs['classes']} classes; maps: **{bits.note}**. "
                  f"Seed {study.seed}. Intervals: {_CI} (the independent unit; seeds averaged within a map).")
    _bits_section(rep, data, json.loads(attrs["names"]), bits)
    s.fds = fds_sections(rep, file, have, seed)
    keys = fds_keys(have)
    if keys:
        conv, var = keys[0]
        sent = data[f"labels/{json.loads(attrs['names'])[0]}"].astype(np.int64)
        rep.figure("examples", lambda: figures.examples_figure(sent, {
            k.split("/", 1)[1]: v for k, v in read_group(file, f"fds/{conv}/{var}")[0].items()
            if k.startswith("examples/")}),
            f"The first map sent and received at each PSNR ({conv}, {var}), argmax vs FDS")
    channels = [k.split("/")[1] for k in have if k.startswith("compare/")]
    if channels:
        rep.section("Analog vs digital at equal channel uses and energy per map")
        rep.paragraph("Digital: the lossless map code over 5G LDPC (CRC24A per block) + QAM at Es/N0; analog: the "
                      "one-hot planes (downsampled by powers of two until they fit the digital uses, the remaining "
                      "budget as energy), FDS on.")
    for ch in channels:
        s.compare[ch] = _compare_section(rep, file, ch, seed)
    if "fading" in have:
        s.fading = _fading_section(rep, file, seed)
    channel_use_section(rep, data, attrs)
    if "baseline" in have:
        key = "fds/released-code/eq1"
        s.baseline = baseline_section(rep, file, seed, read_group(file, key)[0]["rows"] if key in have else None)
    if "generate" in have:
        s.generate, s.generate_note = generate_section(rep, file, seed)
    else:
        rep.paragraph("**Not measured here: the regenerated image's mIoU, LPIPS and FID** (the paper's Tables 1–3). "
                      "They need the map-conditioned generator's weights (ControlNet-seg `lllyasviel/sd-controlnet-seg` "
                      "on `stable-diffusion-v1-5/stable-diffusion-v1-5`), absent on this machine; set `[generate] "
                      "enabled = true` where they are present (`random_weights = true` runs the code path on tiny "
                      "random models, and says so).")
    return s
