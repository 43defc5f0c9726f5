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
from ..study.stats import Interval, bootstrap, bootstrap_mean, paired_difference
from ..study.tables import Table
from . import figures
from .schema import FADING
from .summary import (CompareRow, FadingPoint, FdsPoint, FdsResult, GeneratedImage, GescoSummary, MapBits,
                      fds_word)

__all__ = ["gesco_report", "map_means"]

_CI = "95 % bootstrap interval over maps"


def map_means(rows: Table, sel: np.ndarray, col: str = "miou") -> np.ndarray:
    """Per-map mean of ``col`` over the selected rows (seeds averaged within a map), maps in order."""
    maps = np.unique(rows["map"][sel])
    return np.array([rows[col][sel & (rows["map"] == m)].mean() for m in maps])


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
        have = [k for k in ("maps", "fds/eq1", "fds/paper_sigma") if k in f]
        have += [f"compare/{c}" for c in (f["compare"].keys() if "compare" in f else ())]
        return have + [k for k in ("fading", "generate") if k in f]


def _reduction(x: np.ndarray) -> np.ndarray:
    """1 − mean map bits / mean image bits of ``[..., maps, 2]`` resamples (a ratio of means over maps)."""
    return 1 - x[..., 0].mean(-1) / x[..., 1].mean(-1)


def _bits_summary(data: dict[str, Any], attrs: dict[str, Any], seed: int) -> MapBits:
    names, b = json.loads(attrs["names"]), data["bits"]
    h, w = data[f"labels/{names[0]}"].shape
    best = np.minimum(np.minimum(b["planes_bits"], b["png_bits"]), b["g4_bits"]).astype(np.float64)  # "auto"
    png, jpeg = b["image_png_bits"], b["image_jpeg_bits"]
    bits = MapBits(len(names), (int(h), int(w)), str(attrs["note"]), bootstrap_mean(best, seed, unit="map"))
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
    rep.paragraph(f"The digital path sends the shortest exact lossless code (map codec `auto`): "
                  f"{bits.mean_map_bits.value:.0f} bits per map on average, {100 * bits.reduction_vs_png.value:.1f} % "
                  f"fewer than the image as PNG and {100 * bits.reduction_vs_jpeg.value:.1f} % fewer than JPEG "
                  "(quality 75) at the map's resolution (the paper's analogue: \"92 % fewer\").")


def _fds_points(t: Table, seed: int) -> list[FdsPoint]:
    on_rows = t["fds"].astype(bool)
    points = []
    for p in sorted(np.unique(t["psnr"]).tolist()):
        at = t["psnr"] == p
        on, off = map_means(t, at & on_rows), map_means(t, at & ~on_rows)
        points.append(FdsPoint(p, bootstrap_mean(on, seed, unit="map"), bootstrap_mean(off, seed, unit="map"),
                               paired_difference(on, off, seed, unit="map")))
    return points


def _fds_text(res: FdsResult) -> str:
    """Where FDS raises and lowers the mIoU significantly, and what it costs on a clean map."""
    if not all(p.difference.ok for p in res.points):
        judged = f"With {res.points[0].difference.n} maps no interval is given, so no difference is judged significant"
    else:
        judged = (f"FDS raises the mIoU significantly at PSNR ≤ {res.helps_up_to_db:g} dB" if res.helps_up_to_db
                  is not None else "FDS raises the mIoU at no tested PSNR")
        judged += f" and lowers it from {res.hurts_from_db:g} dB on" if res.hurts_from_db is not None else ""
    return (f"{judged}; on the highest PSNR tested its own distortion leaves mIoU {res.fds_on_clean_map:.4f} (the 3×3 "
            "pooling erodes thin regions and boundaries that the argmax of the received planes already gets right).")


def _fds_section(rep: Report, file: str, variant: str, seed: int) -> FdsResult:
    pts = _fds_points(read_group(file, f"fds/{variant}")[0]["rows"], seed)
    _note(rep, [iv for p in pts for iv in (p.fds, p.no_fds, p.difference)], f"FDS ablation ({variant})")
    helps = [p.psnr for p in pts if p.difference.ok and p.difference.lo > 0]
    hurts = [p.psnr for p in pts if p.difference.ok and p.difference.hi < 0]
    res = FdsResult(variant, pts, max(helps) if helps else None, min(hurts) if hurts else None, pts[-1].fds.value)
    sigma = "σ² = 10^(−PSNR/10), P = 1" if variant == "eq1" else "σ from the authors table (std)"
    rep.section(f"{variant}: {sigma}", 3)
    rep.figure(f"fds_{variant}", lambda: figures.fds_figure(pts, variant),
               f"mIoU vs PSNR with and without FDS ({sigma})")
    rep.table(["PSNR (dB)", "mIoU with FDS", "without FDS", "FDS − no FDS (paired)", "FDS raises mIoU"],
              [[p.psnr, p.fds, p.no_fds, p.difference, fds_word(p.difference)] for p in pts],
              caption=f"FDS ablation ({variant}), mIoU of the received map ({_CI})")
    rep.paragraph(_fds_text(res))
    low = pts[0].difference
    holds = None if not low.ok or low.lo <= 0 <= low.hi else bool(low.lo > 0)  # straddling 0: undecided
    rep.verdict(f"FDS raises the mIoU at the lowest PSNR tested ({pts[0].psnr:g} dB, {variant})", holds, low,
                "the argmax of the same received planes without FDS")
    return res


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
                  caption=f"mIoU, {r.config} on {channel} ({_CI})")
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
                p.no_fds] for p in pts], caption=f"The analog map over fading ({_CI})")
    return pts


def _generate_section(rep: Report, file: str) -> tuple[list[GeneratedImage], str]:
    data, attrs = read_group(file, "generate")
    note = str(attrs["note"])
    rows = [GeneratedImage(int(r["map"]), float(r["psnr"]), float(r["miou"]), float(r["ms_ssim"]), float(r["psnr_db"]))
            for r in data["rows"].rows()]
    images = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("images/")}
    rep.section("Regenerated images (ControlNet-seg)")
    rep.paragraph(f"Decoder: {note}.")
    rep.figure("generate", lambda: figures.generate_figure(images), "Images regenerated from received maps")
    rep.table(["map", "PSNR (dB)", "map mIoU", "MS-SSIM", "PSNR of the image (dB)"],
              [[g.map, g.psnr, g.miou, g.ms_ssim, g.psnr_db] for g in rows], caption="Regenerated images")
    return rows, note


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
    variants = [k.split("/")[1] for k in have if k.startswith("fds/")]
    if variants:
        rep.section("FDS ablation (mIoU of the argmax map, AWGN)")
    for v in variants:
        s.fds[v] = _fds_section(rep, file, v, seed)
    if "fds/eq1" in have:
        sent = data[f"labels/{json.loads(attrs['names'])[0]}"].astype(np.int64)
        rep.figure("examples", lambda: figures.examples_figure(sent, {
            k.split("/", 1)[1]: v for k, v in read_group(file, "fds/eq1")[0].items() if k.startswith("examples/")}),
            "The first map sent and received at each PSNR (eq. (1)), argmax vs FDS")
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
    if "generate" in have:
        s.generate, s.generate_note = _generate_section(rep, file)
    return s
