r"""Fig. 3 analogue of Qiao et al.: what each image's two streams cost, in bits and in latency (the study's
``breakdown`` part); NumPy only.

Fig. 3 of the paper states the rates of its sample image -- prompt 0.0024 bpp and edge map 0.017 bpp,
i.e. about 944 and 6685 bits on a 768 × 512 Kodak image -- while Table I's packet length rule and the
study's defaults assume |v0| = 800 bits. Here the sizes are *measured*: the caption as actually
encoded (UTF-8 through :class:`bridge.TextCodec`, headers included) and the edge map's learned-codec
bytes (:class:`bridge.BytesCodec`), per image; for each, the exact discrete design (Lemma 1) on the mean
channel at a few γ̄ splits the latency into the prompt's T0 and the edge map's T1.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import lemma1
from . import models as m

__all__ = ["BREAKDOWN_COLUMNS", "BREAKDOWN_UNITS", "PAPER_BPP", "breakdown_rows", "summary"]

#: The paper's Fig. 3 rates (bits per pixel): prompt, edge map.
PAPER_BPP = (0.0024, 0.017)
BREAKDOWN_COLUMNS = ("image", "pixels", "prompt_bits", "edge_bits", "prompt_bpp", "edge_bpp", "avg_snr_db", "order",
                     "t0_ms", "t1_ms", "latency_ms", "prompt_share", "binding")
BREAKDOWN_UNITS = {"pixels": "pixel", "prompt_bits": "bit", "edge_bits": "bit", "prompt_bpp": "bit/pixel",
                   "edge_bpp": "bit/pixel", "avg_snr_db": "dB", "t0_ms": "ms", "t1_ms": "ms", "latency_ms": "ms"}


def breakdown_rows(names: Sequence[str], prompt_bits: Sequence[int], edge_bits: Sequence[int],
                   pixels: Sequence[int], avg_snrs_db: Sequence[float], ber: float,
                   params: m.QiaoParams = m.TABLE_I, orders: Sequence[int] = m.PAPER_ORDERS,
                   tie_break: str = "equal") -> list[dict[str, Any]]:
    """One row per (image, γ̄): the measured stream sizes, their bpp and the mean-channel discrete design's
    T0, T1 and latency (ms; NaN in outage) with the image's own |v0| (also the packet length L) and |v1|.

    .. code-block:: python

        >>> rows = breakdown_rows(["a"], [944], [6685], [768 * 512], [20.0], 1.314e-6)
        >>> round(rows[0]["prompt_bpp"], 4), rows[0]["order"], round(rows[0]["t1_ms"], 3)
        (0.0024, 16, 1.671)
    """
    from .sweep import mean_gain

    out = []
    for name, v0, v1, px in zip(names, prompt_bits, edge_bits, pixels):
        for s in avg_snrs_db:
            g = mean_gain(float(s), params)
            d = lemma1.solve(int(v0), int(v1), g, g, float(ber), "discrete", params, orders=orders,
                             tie_break=tie_break)

            def ms(x: float) -> float:  # outage: nothing is sent, no time is shown
                return x * 1e3 if math.isfinite(x) and d.feasible else math.nan

            out.append({"image": str(name), "pixels": int(px), "prompt_bits": int(v0), "edge_bits": int(v1),
                        "prompt_bpp": v0 / px if px else math.nan, "edge_bpp": v1 / px if px else math.nan,
                        "avg_snr_db": float(s), "order": int(d.modulation_order or 0), "t0_ms": ms(d.t0_s),
                        "t1_ms": ms(d.t1_s), "latency_ms": ms(d.latency_s), "prompt_share": d.prompt_share,
                        "binding": str(getattr(d, "binding", ""))})
    return out


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean measured sizes over images: ``prompt_bits``, ``edge_bits``, ``prompt_bpp``, ``edge_bpp``, ``images``."""
    imgs = {r["image"]: r for r in rows}
    v = list(imgs.values())
    return {"images": len(v), **{k: float(np.mean([r[k] for r in v])) for k in ("prompt_bits", "edge_bits",
                                                                              "prompt_bpp", "edge_bpp")}}
