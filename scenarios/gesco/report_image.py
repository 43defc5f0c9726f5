"""The image-level sections of the GESCO report (the paper's Tables 1–4 and their first row).

* **Channel uses in the analog regime**: the one-hot planes K·H·W/2 (+ the instance-edge plane) vs the
  image's RGB pixels 3·H·W/2 (:func:`scenarios.gesco.imageloop.channel_use_table`), per map: the
  paper's bandwidth saving holds for bits (the digital table above), not for analog values.
* **Full image over AWGN at equal channel uses** (``baseline``): per PSNR, the received image's PSNR,
  MS-SSIM, the paper's mIoU of the re-segmented image vs the sent map, LPIPS where its weights are
  present; beside it the received *map*'s mIoU (released-code, σ from the PSNR, FDS on).
* **Regenerated images** (``generate``): the map-conditioned decoder's image, re-segmented: mIoU, LPIPS,
  FID per PSNR; random weights are named.

Intervals: 95 % bootstrap over maps (seeds averaged within a map), seeded from the study's seed.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from ..study.parts import read_group
from ..study.report import Report
from ..study.stats import bootstrap_mean
from ..study.tables import Table
from . import figures
from .store import map_means
from .summary import BaselinePoint, GeneratedImage

__all__ = ["channel_use_section", "baseline_section", "generate_section"]

_CI = "95 % bootstrap interval over maps"


def channel_use_section(rep: Report, data: dict[str, Any], attrs: dict[str, Any]) -> None:
    """Analog channel uses of the maps vs their RGB pixels (one row per map)."""
    from .imageloop import channel_use_table

    names = json.loads(attrs["names"])
    rows = []
    for n in names:
        lab = data[f"labels/{n}"]
        t = channel_use_table(lab.shape, int(np.unique(lab).size), (*lab.shape, 3), f"edges/{n}" in data)
        rows.append([n, t[0]["stream"], t[0]["channel_uses"], t[-1]["channel_uses"], t[0]["vs_rgb"]])
    rep.section("Channel uses in the analog regime")
    rep.table(["map", "one-hot planes sent", "map channel uses", "RGB pixels' channel uses", "map / RGB"], rows,
              caption="Complex channel uses of the analog map (K·H·W/2) vs the image's RGB pixels sent analog "
                      "(3·H·W/2)")
    ratio = np.mean([r[-1] for r in rows])
    rep.paragraph(f"Sent as analog values, the one-hot maps need {ratio:.2f}× the channel uses of the RGB pixels "
                  "on average: the bandwidth saving of semantic maps holds for *bits* (the lossless map code vs the "
                  "image file, above), not for the analog regime the paper transmits in, where K planes of H·W "
                  "values each cost more than 3 colour planes once K > 3.")


def _map_miou(fds_rows: Optional[Table], p: float) -> Optional[np.ndarray]:
    if fds_rows is None:
        return None
    sel = (fds_rows["psnr"] == p) & fds_rows["fds"].astype(bool)
    return map_means(fds_rows, sel, "miou") if sel.any() else None


def baseline_section(rep: Report, file: str, seed: int, fds_rows: Optional[Table]) -> list[BaselinePoint]:
    """The full image over AWGN at the maps' channel uses, scored like the paper's first row."""
    data, attrs = read_group(file, "baseline")
    t, out = data["rows"], []
    for p in sorted(np.unique(t["psnr"]).tolist()):
        at = t["psnr"] == p
        ivs = [bootstrap_mean(map_means(t, at, c), seed, unit="map") for c in ("psnr_db", "ms_ssim", "miou", "lpips")]
        mm = _map_miou(fds_rows, p)
        out.append(BaselinePoint(p, *ivs, None if mm is None else bootstrap_mean(mm, seed, unit="map")))
    for iv in {b.miou.n: b.miou for b in out}.values():
        rep.interval(iv, "full image over AWGN")
    rep.section("Full image over AWGN at equal channel uses (the paper's first row)")
    ceiling = bootstrap_mean(map_means(t, t["psnr"] == t["psnr"][0], "clean_miou"), seed, unit="map")
    rep.paragraph(f"The image's RGB pixels sent analog with the channel uses of its one-hot planes (released-code "
                  f"convention), re-segmented by the map's own segmenter with the classes it found on the original "
                  f"({attrs['segmenter']}); re-segmenting the *clean* image gives mIoU {ceiling.text()}, the ceiling "
                  "of this metric here; "
                  f"{str(attrs['lpips_note']).rstrip('.')}. The map column is the received map's mIoU (FDS on, same PSNR): what a "
                  "generator could at best start from; the regenerated image's own mIoU needs the generator's "
                  "weights (section below when present).")
    rep.table(["PSNR (dB)", "image PSNR (dB)", "MS-SSIM", "mIoU, re-segmented image", "LPIPS", "mIoU, received map"],
              [[b.psnr, b.image_psnr_db, b.ms_ssim, b.miou, b.lpips, b.map_miou] for b in out],
              caption=f"Full image over AWGN vs the analog map at equal channel uses ({_CI})")
    return out


def generate_section(rep: Report, file: str, seed: int) -> tuple[list[GeneratedImage], str]:
    """The regenerated images: re-segmented mIoU, LPIPS, FID per PSNR."""
    data, attrs = read_group(file, "generate")
    t, note, out = data["rows"], str(attrs["note"]), []
    fid = {float(r["psnr"]): (r["fid"], r["note"]) for r in data["fid"].rows()}
    for p in sorted(np.unique(t["psnr"]).tolist()):
        at = t["psnr"] == p
        ivs = [bootstrap_mean(map_means(t, at, c), seed, unit="map") for c in ("miou", "map_miou", "lpips")]
        out.append(GeneratedImage(p, *ivs, fid.get(p, (float("nan"), ""))[0]))
    images = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("images/")}
    rep.section("Regenerated images (map-conditioned decoder), re-segmented")
    cond = sorted(set(t["conditioning"].tolist()))
    rep.paragraph(f"Decoder: {note}. Conditioning: {'; '.join(cond)}. {attrs['lpips_note']}. FID: "
                  f"{'; '.join(sorted({n for _, n in fid.values() if n}))}.")
    rep.figure("generate", lambda: figures.generate_figure(images), "Images regenerated from received maps")
    rep.table(["PSNR (dB)", "mIoU, re-segmented regenerated image", "mIoU, received map", "LPIPS", "FID"],
              [[g.psnr, g.miou, g.map_miou, g.lpips, g.fid] for g in out],
              caption=f"Regenerated images (released-code convention; {_CI})")
    return out, note
