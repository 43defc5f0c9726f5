r"""The Fig. 9 sweep of the Huang et al. study: designs at each SNR, Shannon rate vs the real link.

At every mean SNR γ̄ and channel draw (AWGN: one, gain 1; quasi-static Rayleigh: ``fades`` draws of
:math:`|h|^2 \sim \mathrm{Exp}(1)`, the same draws at every γ̄), with the realized SNR
:math:`s = \bar\gamma|h|^2` known at the sender as eq. (8) assumes:

* **Shannon design** (the paper): budget :math:`C T_{max}` with :math:`C = B\log_2(1+s)`; Algorithm 1
  (:func:`~scenarios.huang.algorithm1.zero_order_alpha` per coder, eq. (39) selection, the grid
  optimum as its check). Its streams are then priced on the real link: eq. (8)'s latency, the
  normal-approximation latency (:func:`~scenarios.huang.latency.latency_fbl`) and the 5G LDPC
  latency at the selected MCS (:mod:`scenarios.huang.reallink`); an image counts as delivered in
  time only if its real latency is within :math:`T_{max}` and no codeword is lost;
* **real-link design**: the same Algorithm 1 with the budget the selected MCS carries in
  :math:`T_{max}` (payload bits per use × B × T_max), each image's actual stream sent over the link
  with discard-with-error (a lost stream: ℙ = ∅, GVIF 0);
* **no filtering** (α = 0): the highest-rate coder whose mean stream fits the budget (none fits:
  nothing decodable in time, GVIF 0 — the cliff), at the Shannon budget (the paper's baseline) and
  sent over the real link at the real budget;
* **JPEG2000** at the Shannon budget (AWGN only; the received image's GVIF through the reference
  coder) and **text-to-image only** (ℙ = ∅: eq. (27) gives 0).

Rows hold raw per-point values; the report averages over draws (the fade is the independent unit).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np
import torch

__all__ = ["COLUMNS", "IMAGE_COLUMNS", "coder_distortions", "sweep_point"]

COLUMNS = ("channel", "snr_mean_db", "draw", "gain_db", "snr_db", "mcs", "efficiency",
           "sh_budget", "sh_coder", "sh_alpha", "sh_gvif", "sh_bits", "sh_feasible", "sh_grid_alpha", "sh_grid_gvif",
           "sh_latency_ms", "sh_latency_na_ms", "sh_latency_real_ms", "sh_in_time", "sh_delivered_gvif",
           "re_budget", "re_coder", "re_alpha", "re_gvif", "re_bits", "re_feasible", "re_grid_alpha", "re_grid_gvif",
           "re_latency_real_ms", "re_lost", "re_delivered_gvif",
           "unf_sh_coder", "unf_sh_gvif", "unf_re_coder", "unf_re_delivered_gvif", "jpeg2000_gvif", "text_gvif",
           "d0_met")
#: per image and point: the design's GVIF and bits, and what the real link delivered
IMAGE_COLUMNS = ("channel", "snr_mean_db", "draw", "image", "sh_gvif", "sh_bits", "sh_latency_real_ms", "sh_in_time",
                 "re_gvif", "re_bits", "re_lost", "re_codewords", "re_block_errors")


def coder_distortions(mc: Any) -> dict[int, float]:
    """D(Φ) per coder: mask-PSNR of the full decode on the critical region (importance ≥ 0.5), mean over images."""
    from genai.metrics import mask_psnr

    out = {}
    for q, c in mc.family.items():
        vals = []
        for i, img in enumerate(mc.images):
            h, w = img.shape[:2]
            crit = (mc.importance[i] >= 0.5).repeat(16, 0).repeat(16, 1)[:h, :w]
            crit = crit if crit.any() else np.ones((h, w), bool)
            vals.append(mask_psnr(img * 255, c.decompress(c.compress(img)) * 255, crit[..., None].astype(float)))
        out[q] = float(np.mean(vals))
    return out


def _design(mc: Any, f9: Any, budget: float, dist: dict[int, float], seed: int) -> tuple[Any, Any, bool]:
    """Algorithm 1 at ``budget`` bits: (chosen result, its coder's grid optimum, D0 met)."""
    from .algorithm1 import grid_alpha, select_coder, zero_order_alpha

    n = len(mc.images)

    def V(q: int, a: float, i: int) -> float:
        return mc.evaluate(i, q, a)[0]

    def B(q: int, a: float, i: int) -> float:
        return mc.evaluate(i, q, a)[1] / budget  # bits in units of the budget (eq. 33's K)

    res, grids = [], {}
    for q in sorted(mc.family):
        res.append(zero_order_alpha(V, B, q, n, 1.0, p=f9.penalty, nu=f9.nu, eta=f9.eta, alpha_th=f9.alpha_th,
                                    iters=f9.iters, seed=seed))
        grids[q] = grid_alpha(V, B, q, n, 1.0, f9.alpha_th, points=f9.grid_points)
    best = select_coder(res, {q: -dist[q] for q in mc.family}, -f9.d0_mask_psnr_db)
    # no coder meets D0: eq. (39) without (31c), feasible first (the report says so)
    b = best or select_coder(res, {q: 0.0 for q in mc.family}, math.inf)
    return b, grids[b.coder], best is not None


def _unfiltered(mc: Any, budget: float) -> Optional[int]:
    n = len(mc.images)
    fits = [q for q in sorted(mc.family) if np.mean([mc.evaluate(i, q, 0.0)[1] for i in range(n)]) <= budget]
    return max(fits) if fits else None


def sweep_point(mc: Any, f9: Any, channel: int, snr_mean_db: float, draw: int, gain: float, dist: dict[int, float],
                thresholds: Sequence[Any], tx: Any, seed: int, jpeg2000: bool) -> tuple[list[float], list[list[float]]]:
    """One (channel, γ̄, draw) point: the row of :data:`COLUMNS` and the rows of :data:`IMAGE_COLUMNS`."""
    from .baselines import jpeg2000_at_budget, received_gvif
    from .cie import gvif_of
    from .latency import latency_fbl, latency_shannon
    from .reallink import latency_link, select_mcs, send_stream

    n = len(mc.images)
    t_max = f9.t_max_ms / 1e3
    s = snr_mean_db + 10 * math.log10(gain)
    mcs = select_mcs(thresholds, s)
    eff = mcs.efficiency if mcs is not None else 0.0
    sh_budget = f9.bandwidth_hz * math.log2(1 + 10 ** (s / 10)) * t_max
    re_budget = eff * f9.bandwidth_hz * t_max
    row: dict[str, float] = {"channel": channel, "snr_mean_db": snr_mean_db, "draw": draw, "gain_db": 10 * math.log10(gain),
                             "snr_db": s, "mcs": -1 if mcs is None else [t.mcs for t in thresholds].index(mcs),
                             "efficiency": eff, "sh_budget": sh_budget, "re_budget": re_budget}
    per_image = [[channel, snr_mean_db, draw, i] + [math.nan] * (len(IMAGE_COLUMNS) - 4) for i in range(n)]
    col = {c: k for k, c in enumerate(IMAGE_COLUMNS)}
    # the paper's design, priced on the real link
    b, g, d0 = _design(mc, f9, sh_budget, dist, seed)
    row.update(sh_coder=b.coder, sh_alpha=b.alpha, sh_gvif=b.gvif, sh_bits=b.bits * sh_budget,
               sh_feasible=float(b.feasible), sh_grid_alpha=g.alpha, sh_grid_gvif=g.gvif, d0_met=float(d0))
    lat_sh, lat_na, lat_re, delivered, in_time = [], [], [], [], []
    for i in range(n):
        gv, bits, _ = mc.evaluate(i, b.coder, b.alpha)
        lat_sh.append(latency_shannon(bits, f9.bandwidth_hz, s) * 1e3)
        lat_na.append(latency_fbl(bits, f9.bandwidth_hz, s, f9.blocklength, f9.target_bler)["latency_s"] * 1e3)
        lr = latency_link(bits, mcs, f9.bandwidth_hz)["latency_s"] * 1e3
        lat_re.append(lr)
        ok = lr <= f9.t_max_ms * (1 + 1e-9)
        if ok:  # within the deadline on paper: send it (the link may still lose it)
            ok = not send_stream(mc.evaluate.stream(i, b.coder, b.alpha).to_bits(), mcs, snr_mean_db, gain,
                                 tx=tx)["lost"]
        in_time.append(float(ok))
        delivered.append(gv if ok else 0.0)
        per_image[i][col["sh_gvif"]], per_image[i][col["sh_bits"]] = gv, bits
        per_image[i][col["sh_latency_real_ms"]], per_image[i][col["sh_in_time"]] = lr, float(ok)
    row.update(sh_latency_ms=float(np.mean(lat_sh)), sh_latency_na_ms=float(np.mean(lat_na)),
               sh_latency_real_ms=float(np.mean(lat_re)), sh_in_time=float(np.mean(in_time)),
               sh_delivered_gvif=float(np.mean(delivered)))
    # the real-link design, sent with discard-with-error
    if mcs is None:  # no MCS works at this SNR: nothing is delivered
        row.update(re_coder=-1, re_alpha=math.nan, re_gvif=0.0, re_bits=0.0, re_feasible=0.0, re_grid_alpha=math.nan,
                   re_grid_gvif=0.0, re_latency_real_ms=math.inf, re_lost=1.0, re_delivered_gvif=0.0,
                   unf_re_coder=-1, unf_re_delivered_gvif=0.0)
    else:
        b, g, _ = _design(mc, f9, re_budget, dist, seed)
        lost, got, lat = [], [], []
        for i in range(n):
            gv, bits, _ = mc.evaluate(i, b.coder, b.alpha)
            r = send_stream(mc.evaluate.stream(i, b.coder, b.alpha).to_bits(), mcs, snr_mean_db, gain, tx=tx)
            lat.append(latency_link(bits, mcs, f9.bandwidth_hz)["latency_s"] * 1e3)
            lost.append(float(r["lost"]))
            got.append(0.0 if r["lost"] or lat[-1] > f9.t_max_ms * (1 + 1e-9) else gv)  # lost or late: P = {}
            per_image[i][col["re_gvif"]], per_image[i][col["re_bits"]] = gv, bits
            per_image[i][col["re_lost"]], per_image[i][col["re_codewords"]] = float(r["lost"]), r["codewords"]
            per_image[i][col["re_block_errors"]] = r["block_errors"]
        row.update(re_coder=b.coder, re_alpha=b.alpha, re_gvif=b.gvif, re_bits=b.bits * re_budget,
                   re_feasible=float(b.feasible), re_grid_alpha=g.alpha, re_grid_gvif=g.gvif,
                   re_latency_real_ms=float(np.mean(lat)), re_lost=float(np.mean(lost)),
                   re_delivered_gvif=float(np.mean(got)))
        q = _unfiltered(mc, re_budget)
        row["unf_re_coder"] = -1 if q is None else q
        if q is None:
            row["unf_re_delivered_gvif"] = 0.0
        else:
            got = []
            for i in range(n):
                r = send_stream(mc.evaluate.stream(i, q, 0.0).to_bits(), mcs, snr_mean_db, gain, tx=tx)
                got.append(0.0 if r["lost"] else mc.evaluate(i, q, 0.0)[0])
            row["unf_re_delivered_gvif"] = float(np.mean(got))
    q = _unfiltered(mc, sh_budget)
    row["unf_sh_coder"] = -1 if q is None else q
    row["unf_sh_gvif"] = 0.0 if q is None else float(np.mean([mc.evaluate(i, q, 0.0)[0] for i in range(n)]))
    if jpeg2000:
        gv = []
        for i, img in enumerate(mc.images):
            dec, _ = jpeg2000_at_budget(img, sh_budget)
            gv.append(received_gvif(img, dec, mc.family[mc.ref], mc.gamma2))
        row["jpeg2000_gvif"] = float(np.mean(gv))
    else:
        row["jpeg2000_gvif"] = math.nan
    ref = mc.family[mc.ref]
    row["text_gvif"] = float(np.mean([
        gvif_of(img, ref, ref, torch.zeros(mc.evaluate.latents(i, mc.ref).y.shape[1:], dtype=torch.bool), mc.gamma2,
                theta_r=mc.evaluate.latents(i, mc.ref).scales.cpu().numpy(),
                theta_c=mc.evaluate.latents(i, mc.ref).scales.cpu().numpy()) for i, img in enumerate(mc.images)]))
    return [float(row[c]) for c in COLUMNS], per_image
