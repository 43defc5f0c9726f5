r"""One image through the Huang et al. system (``semlink cie``): models, embedding, metrics, latency, Algorithm 1.

:func:`run_cie` (the coder family from :func:`scenarios.digital.codecs.load_family`, whose highest rate point is
the reference :math:`\Phi^r`) embeds one image at threshold α with one coder and returns the JSON-ready result
(bits split as sent, GVIF, mask-PSNR (eq. 40) on the critical region, PSNR / MS-SSIM of the output,
eq. (8) latency and the finite-blocklength one); :func:`optimize_cie` runs Algorithm 1 for one SNR on
the image (among the coders meeting :math:`\mathcal D \le D_0`: mask-PSNR (eq. 40) of their full
decode ≥ ``d0_mask_psnr_db`` on the critical region, importance ≥ 0.5).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .cie import embed, gvif_of, receive
from .latency import latency_fbl, latency_shannon
from .schema import HuangFig9

__all__ = ["importance_map", "run_cie", "optimize_cie"]


def importance_map(image: np.ndarray, name: str = "spectral_residual", random_weights: bool = False,
                   device: str = "cpu", scale: str = "rank") -> tuple[np.ndarray, str]:
    """The importance ``[⌈H/16⌉, ⌈W/16⌉]`` in [0, 1] and its label (``scale``: the substitute's
    normalization, :mod:`genai.saliency`; CAM keeps eq. (15)'s min-max)."""
    from genai.registry import load

    kw = {"random_weights": random_weights, "device": device} if name == "cam" else {"scale": scale}
    model = load("importance", name, **kw)
    h, w = image.shape[:2]
    return model(image, grid=(-(-h // 16), -(-w // 16))), model.note


def _metrics(image: np.ndarray, out: np.ndarray, mask: np.ndarray, importance: np.ndarray) -> dict[str, float]:
    """PSNR, MS-SSIM and two mask-PSNRs (eq. 40): ``mask_psnr`` on the critical region (importance ≥ 0.5, the
    study's measure), ``mask_psnr_kept`` on the kept set ℙ (``None`` when nothing is kept)."""
    from genai.metrics import mask_psnr, ms_ssim, psnr

    from .cie import critical_region

    crit = critical_region(importance, image.shape[:2])
    m = {"psnr": psnr(image, out), "ms_ssim": ms_ssim(image, out),
         "mask_psnr": mask_psnr(image * 255, out * 255, crit[..., None].astype(np.float64))}
    m["mask_psnr_kept"] = mask_psnr(image * 255, out * 255, mask[..., None].astype(np.float64)) if mask.any() else None
    return m


def run_cie(image: np.ndarray, family: dict[int, Any], coder: int, alpha: float, importance: np.ndarray,
            snr_db: float, bandwidth_hz: float = 1e6, blocklength: int = 1024, target_bler: float = 1e-3,
            gamma2: float = 0.1, inpaint: Optional[Any] = None, prompt: str = "", mcs: Optional[Any] = None,
            seed: int = 0, device: Optional[str] = None) -> dict[str, Any]:
    """One image at (coder, α): JSON-ready result (and ``_images``: partial, inpainted, mask).

    ``latency_real_ms``: the normal-approximation latency at ``blocklength`` and ``target_bler``, or with
    ``mcs`` (:class:`~scenarios.digital.mcs.MCS`) the 5G LDPC link's, the stream then actually sent at
    ``snr_db`` with discard-with-error (``link``: codewords, errors, lost; ``gvif_delivered`` 0 if lost)."""
    if coder not in family:
        raise ValueError(f"coder {coder} is not in the family (have {sorted(family)})")
    ref_q = max(family)
    st, _ = embed(image, family[coder], importance, alpha)
    res = receive(st, family[coder], inpaint=inpaint, prompt=prompt)
    real = latency_fbl(st.bits, bandwidth_hz, snr_db, blocklength, target_bler)
    real["model"] = f"normal approximation (n = {blocklength} uses, BLER {target_bler:g})"
    link = None
    if mcs is not None:
        from ..digital.mcs import latency_link, send_stream

        sent = send_stream(st.to_bits(), mcs, snr_db, seed=seed, device=device)
        link = {"mcs": mcs.name, "payload": mcs.payload, "uses_per_codeword": mcs.uses,
                **latency_link(st.bits, mcs, bandwidth_hz), **sent}
        real = {"latency_s": link["latency_s"], "model": f"5G LDPC {mcs.name}, discard-with-error"}
    out = {"coder": coder, "reference_coder": ref_q, "alpha": alpha, "bits": st.bits, "feature_bits": st.feature_bits,
           "hyper_bits": st.hyper_bits, "mask_bits": int(st.mask_bits.numel()),
           "selected_fraction": st.selected_fraction,
           "gvif": gvif_of(image, family[coder], family[ref_q], st.selected, gamma2),
           "latency_ms": latency_shannon(st.bits, bandwidth_hz, snr_db) * 1e3,
           "latency_real_ms": real["latency_s"] * 1e3, "real_link": {k: v for k, v in real.items() if k != "latency_s"},
           "snr_db": snr_db, "bandwidth_hz": bandwidth_hz, "inpainting": res.note,
           **_metrics(image, res.inpainted, res.pixel_mask, importance)}
    if link is not None:
        out["link"] = link
        out["gvif_delivered"] = 0.0 if link["lost"] else out["gvif"]
    out["_images"] = {"partial": res.partial, "inpainted": res.inpainted, "mask": res.pixel_mask}
    return out


def optimize_cie(image: np.ndarray, family: dict[int, Any], importance: np.ndarray, snr_db: float, t_max_ms: float,
                 bandwidth_hz: float = 1e6, d0_mask_psnr_db: float = 30.0, gamma2: float = 0.1, seed: int = 0,
                 p: float = 10.0, nu: float = 0.05, eta: float = 0.05, iters: int = 100) -> dict[str, Any]:
    r"""Algorithm 1 on one image: α* per coder (zero-order SGD and the grid check), then eq. (39).

    The bits enter eq. (33) in units of the budget, :math:`\mathcal K = E\{B\}/(C T_{max}) - 1` (the
    penalty parameter then does not depend on the image size or the SNR; the paper leaves p's scale
    open), so ``p`` is dimensionless. The same design as the study's (:func:`scenarios.huang.design.design`),
    with the certified optimum (exact enumeration over the importance levels) beside each coder's α*.
    """
    from .evaluator import Evaluator
    from .design import design
    from .sweep import coder_distortions

    budget = bandwidth_hz * math.log2(1 + 10 ** (snr_db / 10)) * t_max_ms / 1e3  # C · T_max
    ev = Evaluator([image], [importance], family, gamma2)
    dist = coder_distortions(family, [image], [importance])
    f9 = HuangFig9(penalty=p, nu=nu, eta=eta, iters=iters, d0_mask_psnr_db=d0_mask_psnr_db)
    d = design(ev, list(family), f9, budget, dist, seed, [0], surrogate=True)
    results, exact, chosen, d0_met = d.results, d.exact, d.chosen, d.d0_met
    return {"snr_db": snr_db, "t_max_ms": t_max_ms, "budget_bits": budget,
            "coders": [{"coder": r.coder, "alpha": r.alpha, "raw_alpha": r.raw_alpha, "gvif": r.gvif,
                        "bits": r.bits * budget, "feasible": r.feasible, "iterations": r.iterations,
                        "converged": r.converged, "printed_stop": r.printed_stop,
                        "mask_psnr_full_decode": dist[r.coder], "exact_alpha": exact[r.coder].alpha,
                        "exact_gvif": exact[r.coder].gvif, "gap_to_exact": exact[r.coder].gvif - r.gvif,
                        "surrogate_gradient_alpha": d.gradient[r.coder].alpha,
                        "surrogate_gradient_gvif": d.gradient[r.coder].gvif,
                        "surrogate_gradient_gap_to_exact": exact[r.coder].gvif - d.gradient[r.coder].gvif}
                       for r in results],
            "exact_alpha_star": d.optimum.alpha, "exact_coder_star": d.optimum.coder, "gap_to_exact": d.gap,
            "alpha_star": chosen.alpha, "coder_star": chosen.coder, "gvif_star": chosen.gvif,
            "feasible": chosen.feasible, "d0_met": d0_met,
            "note": "" if d0_met else (
                f"no coder meets D0 (mask-PSNR >= {d0_mask_psnr_db:g} dB on the critical region; the best reaches "
                f"{max(dist.values()):.2f} dB): problem (31) is infeasible; eq. (39) applied without (31c)")}
