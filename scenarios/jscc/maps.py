r"""The label-map comparison of the ``jscc_vs_separation`` study (part ``maps``, AWGN): GESCO's semantic maps sent
three ways at the same complex channel uses :math:`U = c\,HW/16` per map.

* **DeepJSCC for maps** (:class:`genai.deepjscc.DeepJSCC` with ``planes`` = K: the one-hot planes in, K planes in
  [0, 1] out, the class their argmax; trained by ``semlink train-jscc --maps K`` on the scikit-image photos' maps),
  SNR-adaptive, told the Es/N0;
* **analog one-hot** (GESCO's eq. (1) with the FDS receiver of eq. (2), :func:`scenarios.maps.analog.
  equal_resource_analog`): the present classes' planes, downsampled by the smallest power of two whose uses fit
  U, at the energy of U unit-energy symbols (unit-power convention: Es/N0 per channel use);
* **digital map code** (:class:`bridge.labelmap.LabelMapCodec`, lossless run-length planes or PNG, the shorter):
  the most efficient certified MCS (the study's ``mcs`` part) whose ⌊U/n⌋ codewords hold the whole code and whose
  threshold is at most the Es/N0, sent through :class:`bridge.Transmitter` with discard-with-error; a lost or
  unsendable map scores mIoU 0 (nothing to show).

The maps: the study's first ``[maps] count`` images resized (bicubic) to ``size`` and segmented into K colour
classes by the classical segmenter (SLIC + k-means, :class:`genai.slic.ClassicalSegmenter`), GESCO's offline map
source. The map is the unit of every interval. Rows: :data:`MAP_COLUMNS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..study.parts import RunContext, write_group
from ..study.tables import Table

__all__ = ["MAP_COLUMNS", "maps_part", "study_maps"]

MAP_COLUMNS = ("map", "snr_db", "draw", "system", "miou", "pixel_accuracy", "bits", "uses", "lost", "mcs")


def study_maps(study: Any) -> list[np.ndarray]:
    """The label maps ``[H, W]`` of the study (module docstring)."""
    from PIL import Image

    from genai.slic import ClassicalSegmenter

    from .schema import study_images

    mp, h, w = study.maps, study.maps.size[0], study.maps.size[1]
    seg = ClassicalSegmenter(classes=mp.classes, seed=study.seed)
    out = []
    for f in study_images(study.data)[: mp.count]:
        rgb = np.asarray(Image.open(f).convert("RGB").resize((w, h), Image.BICUBIC))
        out.append(np.asarray(seg(rgb), dtype=np.int64))
    return out


def _jscc_rows(model: Any, i: int, lab: np.ndarray, snr: float, draws: int, seed: int) -> list[dict]:
    from sionna.phy import config

    from ..maps.analog import map_scores
    from .train import jscc_channel, one_hot_map

    x = torch.from_numpy(one_hot_map(lab, model.planes).transpose(2, 0, 1).copy())[None].expand(draws, -1, -1, -1)
    s = torch.full((draws,), float(snr))
    config.seed = int(seed)
    with torch.no_grad():
        out = model.decode(jscc_channel("awgn")(model.encode(x, s), s), lab.shape, s).argmax(dim=1)
    uses = model.c * lab.size // 16
    return [dict(zip(MAP_COLUMNS, (i, snr, d, "jscc", *map_scores(torch.from_numpy(lab), out[d]), 0, uses, False, "")))
            for d in range(draws)]


def _digital_row(i: int, lab: np.ndarray, bits: torch.Tensor, snr: float, uses: int, ctx: dict) -> dict:
    """The digital map code (``bits``: the map's lossless code) sent at ``snr`` (module docstring)."""
    from ..maps.analog import map_scores
    from .separated import deliver_bits, mcs_budget

    ok = [t.mcs for t in ctx["thresholds"] if t.snr_db <= snr and mcs_budget(t.mcs, uses) >= bits.numel()]
    if not ok:
        return dict(zip(MAP_COLUMNS, (i, snr, 0, "digital", 0.0, 0.0, int(bits.numel()), uses, True, "none")))
    m = max(ok, key=lambda x: x.efficiency)
    rx, _ = deliver_bits(bits, m, snr, 1.0, ctx["tx"])
    got = None if rx is None else ctx["codec"].decode(rx, tuple(lab.shape))
    return dict(zip(MAP_COLUMNS, (i, snr, 0, "digital", *map_scores(torch.from_numpy(lab), got), int(bits.numel()),
                                  uses, rx is None, m.name)))


def maps_part(study: Any, ctx: RunContext) -> None:
    """Every map at every Es/N0 through the three systems; writes group ``maps``."""
    from bridge import Transmitter
    from bridge.labelmap import LabelMapCodec
    from genai.deepjscc import JSCCCodec, jscc_weights_path

    from ..digital.mcs import read_thresholds
    from ..maps.analog import equal_resource_analog

    mp, rows = study.maps, []
    rnd = study.data.random_weights
    codec = JSCCCodec(channels=mp.channels, random_weights=rnd, width=16, planes=mp.classes,
                      weights=None if rnd else jscc_weights_path(mp.channels, True, folder=study.data.models or None,
                                                                 maps=mp.classes))
    ctx_ = {"codec": LabelMapCodec(mp.classes, "auto"), "thresholds": read_thresholds(ctx.file, "mcs"),
            "tx": Transmitter(device=ctx.device, seed=study.seed + 77)}
    maps = study_maps(study)
    for i, lab in enumerate(maps):
        ctx.say(f"maps: map {i + 1}/{len(maps)}")
        uses, bits = mp.channels * lab.size // 16, ctx_["codec"].encode(torch.from_numpy(lab))
        for j, s in enumerate(study.link.snrs_db):
            rows += _jscc_rows(codec.model, i, lab, float(s), study.jscc.draws, study.seed + 1000 * i + j)
            a = equal_resource_analog(lab, mp.classes, uses, float(s), seed=study.seed + 1000 * i + j, device=ctx.device)
            rows.append(dict(zip(MAP_COLUMNS, (i, float(s), 0, "analog", float(a.miou), float(a.pixel_accuracy), 0,
                                               int(a.channel_uses), False, f"downsample {a.extra['downsample']}"))))
            rows.append(_digital_row(i, lab, bits, float(s), uses, ctx_))
    write_group(ctx.file, "maps", {"rows": Table.from_rows(rows, MAP_COLUMNS, {"snr_db": "dB", "bits": "bit"})},
                {"model": codec.note, "classes": mp.classes, "size": list(mp.size), "channels": mp.channels,
                 "source": "classical segmenter (SLIC + k-means colour classes), GESCO's offline map source"})
