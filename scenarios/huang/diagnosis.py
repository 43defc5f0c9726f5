r"""What GVIF measures, checked (the ``gvif_checks`` part of ``semlink run huang_cie``).

* **β choice** (:data:`VARIANTS`): the certified-optimum design (exact enumeration, :mod:`scenarios.huang.design`)
  at every AWGN SNR with the eq. (8) budget, under three readings of β — the paper's eq. (29)–(30) with the
  reference coder in the family (it then has β ≡ 1 by construction), the same with the reference coder held
  out of the candidates, and β from one shared feature extractor (the reference coder's analysis of each
  coder's decode, :class:`~scenarios.huang.evaluator.Evaluator`) — each design's critical-region mask-PSNR beside
  the unfiltered coder that fits the same budget, per image (:data:`BETA_COLUMNS`). The paper (Section IV-B,
  eqs. 28–29) computes :math:`\theta^c` with each coder's *own* hyper-synthesis: the "paper" variant.
* **Appendix A's independence** behind eqs. (23)–(24) and (43)(b): outside ℙ the generated features
  :math:`y^g` are assumed independent of :math:`y^r`. With the classical inpainter: the reference coder's
  features of the receiver's output against the original's, correlation ρ outside and inside ℙ per image,
  and the Gaussian mutual information :math:`-\tfrac12\log_2(1-\rho^2)` per element that (43)(b) sets to 0
  (:data:`INDEPENDENCE_COLUMNS`).
* **Fig. 6 analogue** (:func:`fig6_data`): the per-position information :math:`\log_2(1 + \theta_r^2/\gamma^2)`
  averaged over channels for one image, GVIF with β = 1 of three sets ℙ, and β's quantiles per coder and
  reading; GVIF of the unfiltered coders at γ² ∈ {0.01, 0.1, 1} (the paper's Fig. 6 uses γ = 0.1).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .cie import receive
from .design import design

__all__ = ["VARIANTS", "BETA_COLUMNS", "INDEPENDENCE_COLUMNS", "beta_rows", "independence_rows", "fig6_data",
           "fig10_data", "unfiltered_coder"]

#: The β readings compared (name, label).
VARIANTS = (("paper", "eq. (29): each coder's own θ^c, reference in the family"),
            ("held_out", "eq. (29), reference coder held out of the candidates"),
            ("shared", "shared features: the reference coder's θ of each coder's decode"))
BETA_COLUMNS = ("variant", "snr_db", "budget", "image", "coder", "alpha", "gvif", "mask_psnr", "unf_coder",
                "unf_gvif", "unf_mask_psnr")
INDEPENDENCE_COLUMNS = ("image", "coder", "alpha", "kept_fraction", "rho_out", "rho_in", "mi_out_bits", "mi_in_bits")
GAMMA2S = (0.01, 0.1, 1.0)


def unfiltered_coder(evaluate: Any, coders: Sequence[int], n: int, budget: float) -> int:
    """The highest-rate coder whose mean unfiltered stream over ``n`` images fits ``budget`` bits (−1: none)."""
    fits = [q for q in sorted(coders) if np.mean([evaluate(i, q, 0.0)[1] for i in range(n)]) <= budget]
    return max(fits) if fits else -1


def beta_rows(mc: Any, f9: Any, dist: dict[int, float], seed: int) -> list[list[float]]:
    """Rows of :data:`BETA_COLUMNS`: per β reading, AWGN SNR and image, the certified-optimum design and the
    unfiltered coder at the eq. (8) budget."""
    n, rows = len(mc.images), []
    for v, (name, _) in enumerate(VARIANTS):
        ev = mc.shared if name == "shared" else mc.evaluate
        cands = [q for q in mc.family if name != "held_out" or q != mc.ref]
        for s in f9.snrs_db:
            budget = f9.bandwidth_hz * math.log2(1 + 10 ** (s / 10)) * f9.t_max_ms / 1e3
            o = design(ev, cands, f9, budget, dist, seed, range(n), algorithm1=False).optimum
            u = unfiltered_coder(mc.evaluate, mc.family, n, budget)
            for i in range(n):
                mp = mc.evaluate.output_scores(i, o.coder, o.alpha)[0]
                ump = mc.evaluate.output_scores(i, u, 0.0)[0] if u >= 0 else mc.evaluate.scores_of(i, None)[0]
                rows.append([v, s, budget, i, o.coder, o.alpha, ev(i, o.coder, o.alpha)[0], mp, u,
                             ev(i, u, 0.0)[0] if u >= 0 else 0.0, ump])
    return rows


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _mi(rho: float) -> float:
    return math.nan if not math.isfinite(rho) else -0.5 * math.log2(max(1e-300, 1 - min(rho * rho, 1 - 1e-12)))


def independence_rows(mc: Any, coder: int, alpha: float) -> list[list[float]]:
    """Rows of :data:`INDEPENDENCE_COLUMNS` (one per image) at (``coder``, ``alpha``): the reference coder's
    features ``y`` of the receiver's output (partial decode + classical inpainting) vs the original's."""
    ref = mc.family[mc.ref]
    rows = []
    for i in range(len(mc.images)):
        st = mc.evaluate.stream(i, coder, alpha)
        out = receive(st, mc.family[coder]).inpainted
        y_r = mc.evaluate.latents(i, mc.ref).y.cpu().numpy()
        y_g = ref.analyze(out).y.cpu().numpy()
        kept = np.broadcast_to(st.selected.numpy().astype(bool)[None], y_r.shape)
        ro, ri = _rho(y_g[~kept], y_r[~kept]), _rho(y_g[kept], y_r[kept])
        rows.append([i, coder, alpha, float(kept.mean()), ro, ri, _mi(ro), _mi(ri)])
    return rows


def fig6_data(mc: Any, alphas: Sequence[float]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The Fig. 6 analogue's arrays (image 0's channel-averaged information map, β quantiles per coder and
    reading) and attributes (GVIF with β = 1 per α; GVIF of the unfiltered coders per γ²)."""
    from genai.metrics import gvif

    t_ref = mc.evaluate.latents(0, mc.ref).scales.cpu().numpy()
    info = np.log2(1 + t_ref ** 2 / mc.gamma2).mean(axis=0)
    sets = {}
    for a in alphas:
        sel = mc.evaluate.stream(0, mc.ref, a).selected.numpy().astype(bool)
        sets[f"{a:g}"] = gvif(t_ref, np.broadcast_to(sel[None], t_ref.shape), None, mc.gamma2)
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    quant = np.array([[np.quantile(np.concatenate([ev.beta_of(i, q).ravel() for i in range(len(mc.images))]), qs)
                       for q in sorted(mc.family)] for ev in (mc.evaluate, mc.shared)])
    by_gamma = {f"{g:g}": {str(q): float(np.mean([gvif(mc.evaluate.latents(i, mc.ref).scales.cpu().numpy(), None,
                                                       mc.evaluate.beta_of(i, q), g) for i in range(len(mc.images))]))
                           for q in sorted(mc.family)} for g in GAMMA2S}
    return ({"information": info.astype(np.float32), "beta_quantiles": quant},
            {"gvif_beta1": sets, "quantiles": list(qs), "readings": ["paper", "shared"],
             "coders": sorted(int(q) for q in mc.family), "gvif_by_gamma2": by_gamma})


def fig10_data(mc: Any, f9: Any, dist: dict[int, float], seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fig. 10: image 0 at ``f9.latency_snr_db`` (AWGN, eq. (8) budget) — the original and the outputs of the
    design (Algorithm 1, classical inpainting), the unfiltered coder, JPEG2000 and ROI JPEG2000 (uint8)."""
    from ..digital.codecs import jpeg2000_at_budget
    from .baselines import roi_jpeg2000_at_budget

    n, img = len(mc.images), mc.images[0]
    budget = f9.bandwidth_hz * math.log2(1 + 10 ** (f9.latency_snr_db / 10)) * f9.t_max_ms / 1e3
    d = design(mc.evaluate, list(mc.family), f9, budget, dist, seed, range(n))
    u = unfiltered_coder(mc.evaluate, mc.family, n, budget)
    grey = np.full_like(img, 0.5)
    c = d.chosen
    outs = {"original": img, "design": receive(mc.evaluate.stream(0, c.coder, c.alpha), mc.family[c.coder]).inpainted,
            "unfiltered": mc.evaluate.full_decode(0, u) if u >= 0 else grey,
            "jpeg2000": jpeg2000_at_budget(img, budget)[0],
            "roi_jpeg2000": roi_jpeg2000_at_budget(img, mc.importance[0], budget)[0]}
    data = {k: ((grey if v is None else v) * 255).round().astype(np.uint8) for k, v in outs.items()}
    return data, {"snr_db": f9.latency_snr_db, "budget_bits": budget, "coder": d.chosen.coder,
                  "alpha": d.chosen.alpha, "unfiltered_coder": u}
