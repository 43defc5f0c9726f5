"""The ``separated`` part of the ``jscc_vs_separation`` study: every image's stream actually sent over the
real link at every Es/N0 and draw, and the limits at the same channel uses (:mod:`scenarios.jscc.separated`).

Systems (the ``system`` column): ``separated_hyperprior`` and ``separated_jpeg2000`` (the coder's best operating
point that fits the chosen MCS's budget, sent with discard-with-error), ``limit_shannon`` and ``limit_normal``
(the best operating point of either coder whose bits fit the ideal budget, or mid-grey where that scores higher, as
an ideal system may send nothing; nothing sent).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..study.parts import RunContext, write_group
from ..study.tables import Table

__all__ = ["separated_part", "SYSTEMS"]

SYSTEMS = ("separated_hyperprior", "separated_jpeg2000", "limit_shannon", "limit_normal")


def _source_rows(file: str) -> dict[int, list[dict]]:
    from linklevel.store.h5io import open_result

    with open_result(file) as f:
        t = Table.read(f["sources/rows"])
    out: dict[int, list[dict]] = {}
    for r in t.rows():
        r = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in r.items()}
        out.setdefault(int(r["image"]), []).append(r)
    return out


def _decode(data: bytes, point: dict, family: dict[int, Any]) -> np.ndarray:
    from ..digital.codecs import jpeg2000_decode

    if point["coder"] == "jpeg2000":
        return jpeg2000_decode(data)
    return family[int(point["param"])].decompress(data)


def _send(image: np.ndarray, point: dict, mcs: Any, snr_db: float, gain: float, tx: Any, ctx: dict,
          grey: tuple[float, ...]) -> tuple[tuple[float, ...], int, bool]:
    """(scores at the receiver, codewords, lost) of one stream (discard-with-error; an undecodable one is grey).
    The stream is encoded once per source point (``cache``; both coders are deterministic); a stream received
    bit-exact decodes to the scored point (the same decoder on the same bytes), so only a corrupted one that
    passed the CRC is decoded and scored again."""
    from .separated import deliver, scores, source_stream

    key, cache, family = (id(image), point["coder"], point["param"]), ctx["streams"], ctx["family"]
    if key not in cache:
        cache[key] = source_stream(image, point, family)
    sent = cache[key]
    data, cw = deliver(sent, mcs, snr_db, gain, tx)
    if data is None:
        return grey, cw, True
    if data == sent:
        return _point_scores(point), cw, False
    try:
        return scores(image, _decode(data, point, family), ctx["lpips"]), cw, False
    except (ValueError, RuntimeError, OSError):
        return grey, cw, True


def _point_scores(point: dict) -> tuple[float, float, float]:
    return point["psnr"], point["msssim"], point["lpips"]


def _point(ctx: dict, i: int, ch: str, c: int, s: float, d: int, g: float) -> list[dict]:
    """The four systems' rows at one (image, channel, c, Es/N0, draw)."""
    from .rows import row
    from .separated import best_fitting, choose_mcs, limit_budget, mcs_budget, uses_per_image

    img, rows, grey = ctx["images"][i], [], ctx["grey"][i]
    uses = uses_per_image(c, *img.shape[:2])
    th = ctx["thresholds"]["ofdm-tdl" if ch == "ofdm-tdl" else "awgn"]
    real = s + 10 * math.log10(g)
    for coder in ("hyperprior", "jpeg2000"):
        fit = lambda m: best_fitting(ctx["sources"][i], mcs_budget(m, uses), coder)  # noqa: E731
        m = choose_mcs(th, s, ch == "rayleigh", lambda m: (fit(m) or {}).get("psnr"), grey[0])
        if m is None:
            rows.append(row(ch, c, i, s, d, g, f"separated_{coder}", grey, 0, 0, True, "none"))
            continue
        p = fit(m)
        sc, cw, lost = _send(img, p, m, s, g, ctx["tx"][ch], ctx, grey)
        rows.append(row(ch, c, i, s, d, g, f"separated_{coder}", sc, p["bits"], cw, lost, m.name))
    lim_snr = real if ch == "rayleigh" else s
    n = th[0].mcs.uses if th else ctx["blocklength"]
    for bound in ("shannon", "normal"):
        b = limit_budget(uses, lim_snr, bound, n, th[0].target_bler if th else 1e-3)
        p = best_fitting(ctx["sources"][i], b)
        if p is not None and p["psnr"] < grey[0]:  # the ideal system may send nothing and show mid-grey
            p = None
        rows.append(row(ch, c, i, s, d, g, f"limit_{bound}", grey if p is None else _point_scores(p),
                         0 if p is None else p["bits"]))
    return rows


def separated_part(study: Any, ctx: RunContext) -> None:
    """Every system at every (channel, c, image, Es/N0, draw); writes group ``separated``."""
    from bridge import Transmitter

    from ..digital.codecs import load_family
    from ..digital.mcs import read_thresholds
    from .rows import ROW_COLUMNS, ROW_UNITS, fade_gains, load_images, perceptual
    from .separated import grey_scores

    lk = study.link
    images = load_images(study)
    lpips, note = perceptual(study, ctx.device)
    c_ = {"images": images, "grey": [grey_scores(x, lpips) for x in images], "sources": _source_rows(ctx.file),
          "family": load_family(study.data.coders or None, ctx.device, random_weights=study.data.random_weights),
          "thresholds": {}, "blocklength": lk.blocklength, "streams": {}, "lpips": lpips,
          "tx": {ch: Transmitter(device=ctx.device, seed=study.seed + 10_000 * k) for k, ch in enumerate(lk.channels)}}
    if {"awgn", "rayleigh"} & set(lk.channels):
        c_["thresholds"]["awgn"] = read_thresholds(ctx.file, "mcs")
    if "ofdm-tdl" in lk.channels:
        c_["thresholds"]["ofdm-tdl"] = read_thresholds(ctx.file, "mcs_ofdm")
    rows = []
    for ch in lk.channels:
        draws = fade_gains(study) if ch == "rayleigh" else [1.0]
        for c in study.jscc.channels:
            ctx.say(f"separated systems on {ch}, bandwidth ratio {c}/48")
            for i in range(len(images)):
                for s in lk.snrs_db:
                    for d, g in enumerate(draws):
                        rows += _point(c_, i, ch, c, s, d, g)
    write_group(ctx.file, "separated", {"rows": Table.from_rows(rows, ROW_COLUMNS, ROW_UNITS)},
                {"grey": "a lost image is shown as mid-grey (the prior mean)", "lpips": note,
                 "rayleigh_mcs": "outage-optimal: the MCS maximizing the expected PSNR under |h|^2 ~ Exp(1), the "
                                 "transmitter knowing only the mean Es/N0"})
