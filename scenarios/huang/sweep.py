r"""The Fig. 9 sweep of the Huang et al. study: designs at each SNR, Shannon rate vs the real link.

At every mean SNR γ̄ and channel draw (AWGN: one, gain 1; quasi-static Rayleigh: ``fades`` draws of
:math:`|h|^2 \sim \mathrm{Exp}(1)`, the same draws at every γ̄), with the realized SNR
:math:`s = \bar\gamma|h|^2` known at the sender as eq. (8) assumes:

* **Shannon design** (the paper): budget :math:`C T_{max}` with :math:`C = B\log_2(1+s)`; Algorithm 1
  (:func:`~scenarios.huang.algorithm1.zero_order_alpha` per coder, eq. (39) selection) beside the
  certified optimum (exact enumeration over importance levels × coders, :mod:`scenarios.huang.design`).
  Its streams are then priced on the real link: eq. (8)'s latency, the normal-approximation latency
  (:func:`~scenarios.huang.latency.latency_fbl`) and the 5G LDPC latency at the selected MCS
  (:mod:`scenarios.digital.mcs`); an image is delivered in time only if its real latency is within
  :math:`T_{max}` and no codeword is lost;
* **real-link design**: the same Algorithm 1 with the budget the selected MCS carries in
  :math:`T_{max}` (whole codewords: ⌊B·T_max/uses⌋ × payload bits), each image's actual stream sent
  over the link with discard-with-error (a lost stream: ℙ = ∅, GVIF 0); its objective is the expected
  delivered GVIF, :math:`V (1 - p)^N` over the stream's N codewords at the certified BLER bound p;
  once over the images' mean bits (eq. 31b) and once per image (the sender knows its image);
* **no filtering** (α = 0): the highest-rate coder whose mean stream fits the budget (none fits:
  nothing decodable in time, GVIF 0 — the cliff), at the Shannon budget (the paper's baseline) and
  sent over the real link at the real budget;
* **JPEG2000** at the Shannon budget (AWGN only; the received image's GVIF through the reference
  coder), **ROI JPEG2000** (critical region at a higher rate, :mod:`scenarios.huang.baselines`) and
  **text-to-image only** (ℙ = ∅: eq. (27) gives 0).

Rows: raw per-point values; ``images``: each scheme's mask-PSNR per image (paired by image; fades, images resampled).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np
import torch

from genai.metrics import mask_psnr

from ..digital.codecs import jpeg2000_at_budget
from ..digital.mcs import latency_link, select_mcs, send_stream
from .baselines import received_gvif, roi_jpeg2000_at_budget
from .cie import critical_region, gvif_of
from .design import Design, design, link_budget, survival
from .diagnosis import unfiltered_coder
from .latency import latency_fbl, latency_shannon

__all__ = ["COLUMNS", "IMAGE_COLUMNS", "LATENCY_COLUMNS", "SCORED", "latency_sweep", "coder_distortions", "sweep_point"]

#: The schemes whose receiver output is scored (column prefixes).
SCORED = ("sh", "re", "pi", "unf_sh", "jpeg2000", "roi")

COLUMNS = ("channel", "snr_mean_db", "draw", "gain_db", "snr_db", "mcs", "efficiency",
           "sh_budget", "sh_coder", "sh_alpha", "sh_gvif", "sh_bits", "sh_feasible", "sh_exact_coder", "sh_exact_alpha",
           "sh_exact_gvif", "sh_converged", "sh_printed_stop",
           "sh_latency_ms", "sh_latency_na_ms", "sh_latency_real_ms", "sh_in_time", "sh_delivered_gvif",
           "re_budget", "re_coder", "re_alpha", "re_gvif", "re_bits", "re_feasible", "re_exact_coder",
           "re_exact_alpha", "re_exact_gvif", "re_converged", "re_printed_stop", "re_expected_gvif", "re_objective",
           "re_latency_real_ms", "re_lost", "re_delivered_gvif", "re_in_time", "pi_gvif", "pi_delivered_gvif",
           "pi_in_time", "unf_sh_coder", "unf_sh_gvif", "unf_re_coder", "unf_re_delivered_gvif",
           "unf_re_expected_gvif", "jpeg2000_gvif",
           "text_gvif", "d0_met") + tuple(f"{k}_{m}" for m in ("mask_psnr", "lpips", "fid")
                                          for k in SCORED)
#: per image and point: the design's GVIF and bits, and what the real link delivered
IMAGE_COLUMNS = ("channel", "snr_mean_db", "draw", "image", "sh_gvif", "sh_bits", "sh_latency_real_ms", "sh_in_time",
                 "re_gvif", "re_bits", "re_lost", "re_codewords", "re_block_errors", "pi_coder", "pi_alpha", "pi_gvif",
                 "pi_in_time", "re_expected_gvif", "unf_sh_coder", "unf_sh_gvif", "sh_kept_psnr", "sh_kept_full_psnr",
                 "unf_sh_psnr") + tuple(f"{k}_mask_psnr" for k in SCORED)


def coder_distortions(family: dict[int, Any], images: Sequence[np.ndarray], importance: Sequence[np.ndarray]
                      ) -> dict[int, float]:
    """D(Φ) per coder: mask-PSNR (eq. 40) of the full decode on the critical region, mean over images."""
    out = {}
    for q, c in family.items():
        vals = [mask_psnr(img * 255, c.decompress(c.compress(img)) * 255,
                          critical_region(imp, img.shape[:2])[..., None].astype(float))
                for img, imp in zip(images, importance)]
        out[q] = float(np.mean(vals))
    return out


def _design(mc: Any, f9: Any, budget: float, dist: dict[int, float], seed: int,
            images: Optional[Sequence[int]] = None, loss: Optional[tuple[float, int]] = None) -> Design:
    return design(mc.evaluate, list(mc.family), f9, budget, dist, seed,
                  range(len(mc.images)) if images is None else images, loss=loss)


class _Point:
    """One (channel, γ̄, draw) point: its row of :data:`COLUMNS`, its rows of :data:`IMAGE_COLUMNS` and what the
    designs share (the realized SNR, the selected MCS, both budgets, the link)."""

    def __init__(self, mc: Any, f9: Any, channel: int, snr_mean_db: float, draw: int, gain: float,
                 thresholds: Sequence[Any], tx: Any, scores: bool) -> None:
        self.mc, self.ev, self.f9, self.tx, self.scores, self.n = mc, mc.evaluate, f9, tx, scores, len(mc.images)
        self.snr_mean_db, self.gain = snr_mean_db, gain
        self.s = s = snr_mean_db + 10 * math.log10(gain)
        self.mcs = mcs = select_mcs(thresholds, s)
        t_max = f9.t_max_ms / 1e3
        self.sh_budget = f9.bandwidth_hz * math.log2(1 + 10 ** (s / 10)) * t_max
        self.re_budget = link_budget(mcs, f9.bandwidth_hz, t_max)
        self.row: dict[str, float] = {
            "channel": channel, "snr_mean_db": snr_mean_db, "draw": draw, "gain_db": 10 * math.log10(gain),
            "snr_db": s, "mcs": -1 if mcs is None else [t.mcs for t in thresholds].index(mcs),
            "efficiency": mcs.efficiency if mcs is not None else 0.0, "sh_budget": self.sh_budget,
            "re_budget": self.re_budget}
        self.per_image = [[channel, snr_mean_db, draw, i] + [math.nan] * (len(IMAGE_COLUMNS) - 4) for i in range(self.n)]

    def image(self, i: int, **values: float) -> None:
        """Set columns of image ``i``'s row."""
        for k, v in values.items():
            self.per_image[i][IMAGE_COLUMNS.index(k)] = v

    def link_ms(self, bits: float) -> float:
        return latency_link(bits, self.mcs, self.f9.bandwidth_hz)["latency_s"] * 1e3

    def send(self, i: int, q: int, a: float) -> tuple[bool, dict]:
        """Image i's stream over the link: (arrived intact within T_max, the link's counts)."""
        if self.mcs is None or self.link_ms(self.ev(i, q, a)[1]) > self.f9.t_max_ms * (1 + 1e-9):
            return False, {"lost": math.nan, "codewords": 0, "block_errors": math.nan}  # late: not sent
        r = send_stream(self.ev.stream(i, q, a).to_bits(), self.mcs, self.snr_mean_db, self.gain, tx=self.tx)
        return not r["lost"], r

    def score(self, i: int, q: Optional[int], a: float, ok: bool) -> tuple[float, float, Optional[np.ndarray]]:
        return self.ev.output_scores(i, q, a) if ok and q is not None and q >= 0 else self.ev.scores_of(i, None)

    def put(self, name: str, make: Any) -> None:
        """Mean mask-PSNR and LPIPS of a scheme's outputs (``make()``: their scores) and their FID against the
        originals; NaN when the point is not scored."""
        from genai.fid import frechet_distance

        if not self.scores:
            self.row[f"{name}_mask_psnr"] = self.row[f"{name}_lpips"] = self.row[f"{name}_fid"] = math.nan
            return
        scores = make()
        self.row[f"{name}_mask_psnr"] = float(np.mean([x[0] for x in scores]))
        for i, x in enumerate(scores):
            self.image(i, **{f"{name}_mask_psnr": x[0]})
        self.row[f"{name}_lpips"] = float(np.mean([x[1] for x in scores]))
        ref = self.ev.reference_features()
        self.row[f"{name}_fid"] = math.nan if ref is None or self.n < 2 else \
            frechet_distance(ref, np.stack([x[2] for x in scores]))


def _paper_design(p: _Point, dist: dict[int, float], seed: int) -> None:
    """The paper's design (eq. 8 rate), priced on the real link."""
    f9, ev = p.f9, p.ev
    d = _design(p.mc, f9, p.sh_budget, dist, seed)
    b = d.chosen
    p.row.update(sh_coder=b.coder, sh_alpha=b.alpha, sh_gvif=b.gvif, sh_bits=b.bits * p.sh_budget,
                 sh_feasible=float(b.feasible), d0_met=float(d.d0_met), **d.columns("sh"))
    lat_sh, lat_na, lat_re, delivered, in_time = [], [], [], [], []
    for i in range(p.n):
        gv, bits, _ = ev(i, b.coder, b.alpha)
        lat_sh.append(latency_shannon(bits, f9.bandwidth_hz, p.s) * 1e3)
        lat_na.append(latency_fbl(bits, f9.bandwidth_hz, p.s, f9.blocklength, f9.target_bler)["latency_s"] * 1e3)
        lat_re.append(p.link_ms(bits))
        ok, _ = p.send(i, b.coder, b.alpha)
        in_time.append(float(ok))
        delivered.append(gv if ok else 0.0)
        p.image(i, sh_gvif=gv, sh_bits=bits, sh_latency_real_ms=lat_re[-1], sh_in_time=float(ok))
        if p.scores:
            p.image(i, **dict(zip(("sh_kept_psnr", "sh_kept_full_psnr"), ev.kept_scores(i, b.coder, b.alpha))))
    p.row.update(sh_latency_ms=float(np.mean(lat_sh)), sh_latency_na_ms=float(np.mean(lat_na)),
                 sh_latency_real_ms=float(np.mean(lat_re)), sh_in_time=float(np.mean(in_time)),
                 sh_delivered_gvif=float(np.mean(delivered)))
    p.put("sh", lambda: [p.score(i, b.coder, b.alpha, True) for i in range(p.n)])


def _real_design(p: _Point, dist: dict[int, float], seed: int) -> tuple[int, float, list[float]]:
    """Algorithm 1 with the real link's rate (over the images, as eq. 31b) maximizing the expected delivered
    GVIF (stream loss at the certified BLER bound), sent with discard-with-error: ``(coder, α, delivered per
    image)``."""
    loss = (p.f9.target_bler, p.mcs.payload)
    d = _design(p.mc, p.f9, p.re_budget, dist, seed, loss=loss)
    b = d.chosen
    lost, got, lat, oks, exp = [], [], [], [], []
    for i in range(p.n):
        gv, bits, _ = p.ev(i, b.coder, b.alpha)
        ok, r = p.send(i, b.coder, b.alpha)
        lat.append(p.link_ms(bits))
        lost.append(float(r["lost"]) if r["lost"] == r["lost"] else 0.0)
        oks.append(float(ok))
        got.append(gv if ok else 0.0)  # lost or late: the receiver has the prompt only (P = {})
        in_time = p.link_ms(bits) <= p.f9.t_max_ms * (1 + 1e-9)
        exp.append(gv * survival(bits, *loss[::-1]) if in_time else 0.0)
        p.image(i, re_gvif=gv, re_bits=bits, re_lost=r["lost"], re_codewords=r["codewords"],
                re_block_errors=r["block_errors"], re_expected_gvif=exp[-1])
    gvifs = [p.ev(i, b.coder, b.alpha)[0] for i in range(p.n)]
    p.row.update(re_coder=b.coder, re_alpha=b.alpha, re_gvif=float(np.mean(gvifs)), re_bits=b.bits * p.re_budget,
                 re_feasible=float(b.feasible), re_expected_gvif=float(np.mean(exp)), re_objective=b.gvif, **d.columns("re"),
                 re_latency_real_ms=float(np.mean(lat)), re_lost=float(np.mean(lost)),
                 re_delivered_gvif=float(np.mean(got)), re_in_time=float(np.mean(oks)))
    return b.coder, b.alpha, oks


def _per_image_design(p: _Point, dist: dict[int, float], seed: int) -> list[tuple[int, float]]:
    """Per image (the sender knows its image): Algorithm 1 on that image alone, so each one meets T_max."""
    pi, got, oks, des = [], [], [], []
    for i in range(p.n):
        c = _design(p.mc, p.f9, p.re_budget, dist, seed, images=[i], loss=(p.f9.target_bler, p.mcs.payload)).chosen
        gv = p.ev(i, c.coder, c.alpha)[0]
        des.append(gv)
        ok, r = p.send(i, c.coder, c.alpha)
        pi.append((c.coder, c.alpha))
        oks.append(float(ok))
        got.append(gv if ok else 0.0)
        p.image(i, pi_coder=c.coder, pi_alpha=c.alpha, pi_gvif=gv, pi_in_time=float(ok))
    p.row.update(pi_gvif=float(np.mean(des)), pi_delivered_gvif=float(np.mean(got)), pi_in_time=float(np.mean(oks)))
    return pi


def _baselines(p: _Point) -> None:
    """No filtering (α = 0: the highest-rate coder whose mean stream fits), JPEG2000 at the eq. (8) budget
    (GVIF cannot score it (the paper), its mask-PSNR can) and text-to-image only (ℙ = ∅)."""
    mc, ev, n = p.mc, p.ev, p.n
    q = unfiltered_coder(ev, mc.family, n, p.sh_budget)
    q = None if q < 0 else q
    p.row["unf_sh_coder"] = -1 if q is None else q
    unf = [0.0 if q is None else ev(i, q, 0.0)[0] for i in range(n)]
    p.row["unf_sh_gvif"] = float(np.mean(unf))
    for i in range(n):
        p.image(i, unf_sh_coder=-1 if q is None else q, unf_sh_gvif=unf[i])
        if p.scores and q is not None:
            p.image(i, unf_sh_psnr=ev.kept_scores(i, q, 0.0)[0])
    p.put("unf_sh", lambda: [p.score(i, q, 0.0, True) for i in range(n)])
    q = unfiltered_coder(ev, mc.family, n, p.re_budget) if p.mcs is not None else -1
    q = None if q < 0 else q
    p.row["unf_re_coder"] = -1 if q is None else q
    p.row["unf_re_delivered_gvif"] = 0.0 if q is None else float(np.mean(
        [ev(i, q, 0.0)[0] if p.send(i, q, 0.0)[0] else 0.0 for i in range(n)]))
    p.row["unf_re_expected_gvif"] = 0.0 if q is None else float(np.mean(
        [ev(i, q, 0.0)[0] * survival(ev(i, q, 0.0)[1], p.mcs.payload, p.f9.target_bler)
         if p.link_ms(ev(i, q, 0.0)[1]) <= p.f9.t_max_ms * (1 + 1e-9) else 0.0 for i in range(n)]))
    gv, sc, roi = [], [], []
    for i, img in enumerate(mc.images if p.scores else []):
        dec, _ = jpeg2000_at_budget(img, p.sh_budget)
        gv.append(received_gvif(img, dec, mc.family[mc.ref], mc.gamma2))
        sc.append(ev.scores_of(i, dec))
        roi.append(ev.scores_of(i, roi_jpeg2000_at_budget(img, mc.importance[i], p.sh_budget)[0]))
    p.row["jpeg2000_gvif"] = float(np.mean(gv)) if p.scores else math.nan
    p.put("jpeg2000", lambda: sc)
    p.put("roi", lambda: roi)
    ref = mc.family[mc.ref]
    p.row["text_gvif"] = float(np.mean([
        gvif_of(img, ref, ref, torch.zeros(ev.latents(i, mc.ref).y.shape[1:], dtype=torch.bool), mc.gamma2,
                theta_r=ev.latents(i, mc.ref).scales.cpu().numpy(),
                theta_c=ev.latents(i, mc.ref).scales.cpu().numpy()) for i, img in enumerate(mc.images)]))


def sweep_point(mc: Any, f9: Any, channel: int, snr_mean_db: float, draw: int, gain: float, dist: dict[int, float],
                thresholds: Sequence[Any], tx: Any, seed: int, jpeg2000: bool) -> tuple[list[float], list[list[float]]]:
    """One (channel, γ̄, draw) point: the row of :data:`COLUMNS` and the rows of :data:`IMAGE_COLUMNS`
    (``jpeg2000``: also the JPEG2000 baseline and every scheme's critical-region mask-PSNR, which needs
    the receiver's inpainted output)."""
    p = _Point(mc, f9, channel, snr_mean_db, draw, gain, thresholds, tx, jpeg2000)
    _paper_design(p, dist, seed)
    if p.re_budget <= 0:  # no MCS works at this SNR (or not one codeword fits T_max): nothing is delivered
        p.row.update(re_coder=-1, re_alpha=math.nan, re_gvif=0.0, re_bits=0.0, re_feasible=0.0, re_exact_coder=-1,
                     re_exact_alpha=math.nan, re_exact_gvif=0.0, re_converged=math.nan, re_printed_stop=math.nan,
                     re_expected_gvif=0.0, re_objective=0.0, re_latency_real_ms=math.inf, re_lost=1.0, re_delivered_gvif=0.0,
                     re_in_time=0.0, pi_gvif=0.0, pi_delivered_gvif=0.0, pi_in_time=0.0)
        re_q, re_a, re_ok, pi = -1, 0.0, [0.0] * p.n, [(-1, 0.0)] * p.n
    else:
        re_q, re_a, re_ok = _real_design(p, dist, seed)
        pi = _per_image_design(p, dist, seed)
    p.put("re", lambda: [p.score(i, re_q, re_a, bool(re_ok[i])) for i in range(p.n)])
    p.put("pi", lambda: [p.score(i, q, a, p.per_image[i][IMAGE_COLUMNS.index("pi_in_time")] == 1.0)
                         for i, (q, a) in enumerate(pi)])
    _baselines(p)
    return [float(p.row[c]) for c in COLUMNS], p.per_image


LATENCY_COLUMNS = ("t_max_ms", "sh_coder", "sh_alpha", "sh_gvif", "sh_latency_ms", "sh_latency_real_ms", "re_coder",
                   "re_alpha", "re_gvif", "re_latency_real_ms", "sh_feasible", "re_feasible")


def latency_sweep(mc: Any, f9: Any, snr_db: float, t_maxes: Sequence[float], dist: dict[int, float],
                  thresholds: Sequence[Any], seed: int) -> list[list[float]]:
    """Fig. 9(b): the designs' mean GVIF against their mean latency as :math:`T_{max}` varies at one SNR (AWGN):
    rows of :data:`LATENCY_COLUMNS` (eq. (8) design, its eq. (8) and LDPC latency; real-link design without loss)."""
    n = len(mc.images)
    mcs = select_mcs(thresholds, snr_db)
    rows = []
    for t in t_maxes:
        sh_budget = f9.bandwidth_hz * math.log2(1 + 10 ** (snr_db / 10)) * t / 1e3
        b = _design(mc, f9, sh_budget, dist, seed).chosen
        bits = [mc.evaluate(i, b.coder, b.alpha)[1] for i in range(n)]
        row = [t, b.coder, b.alpha, b.gvif, float(np.mean([latency_shannon(x, f9.bandwidth_hz, snr_db) for x in bits]))
               * 1e3, float(np.mean([latency_link(x, mcs, f9.bandwidth_hz)["latency_s"] for x in bits])) * 1e3]
        budget = link_budget(mcs, f9.bandwidth_hz, t / 1e3)
        if budget <= 0:
            row += [-1, math.nan, 0.0, math.inf, float(b.feasible), 0.0]
        else:
            c = _design(mc, f9, budget, dist, seed).chosen
            bits = [mc.evaluate(i, c.coder, c.alpha)[1] for i in range(n)]
            row += [c.coder, c.alpha, c.gvif,
                    float(np.mean([latency_link(x, mcs, f9.bandwidth_hz)["latency_s"] for x in bits])) * 1e3,
                    float(b.feasible), float(c.feasible)]
        rows.append(row)
    return rows
