r"""The Huang et al. study as one resumable job (``semlink run huang_cie``).

Parts (each stamped in ``<out>/<name>.h5``, skipped on re-run when done):

1. ``/fig7`` — per image (centre crops), coder and α: bits (feature, hyper, mask), selected fraction,
   GVIF (eq. 27) and mask-PSNR (eq. 40) of the partial decode on the selected region (Fig. 7);
2. ``/fig9`` — per SNR: Algorithm 1's (α*, Φ*) under :math:`T_{max}` with eq. (8)'s rate (and the
   grid optimum as the check), the same with the finite-blocklength rate, the unfiltered coder
   (α = 0: the best coder whose whole stream fits; none fits → nothing decodable in time, GVIF 0 —
   the cliff) and JPEG2000 at the same budget (received-image GVIF); latencies Shannon vs real;
3. ``/examples`` — one image: importance, mask, partial decode and inpainting per α (qualitative figure).

The coder family is the shipped ``hyperprior_rgb_q*`` (or ``coders`` = a folder); importance is the
offline spectral-residual substitute unless ``importance = "cam"`` and its weights exist.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..parts import Part, RunContext, write_group
from ..schema import StudyError, StudyHeader, build_dataclass, image_files, kind_tables

__all__ = ["HuangData", "HuangFig7", "HuangFig9", "HuangStudy", "load_huang", "huang_parts", "resolve_images",
           "PARTS"]

PARTS = ("data", "fig7", "fig9")


@dataclass(frozen=True)
class HuangData:
    images: str = "kodak"
    count: int = 6
    crop: int = 512
    coders: str = ""
    importance: str = "spectral_residual"
    random_weights: bool = False
    gamma2: float = 0.1


@dataclass(frozen=True)
class HuangFig7:
    alphas: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class HuangFig9:
    snrs_db: tuple[float, ...] = tuple(float(x) for x in range(-2, 21, 2))
    t_max_ms: float = 20.0
    bandwidth_hz: float = 1e6
    blocklength: int = 1024
    target_bler: float = 1e-3
    d0_mask_psnr_db: float = 30.0
    penalty: float = 10.0
    nu: float = 0.05
    eta: float = 0.05
    iters: int = 200
    alpha_th: float = 0.8
    example_alphas: tuple[float, ...] = (0.0, 0.3, 0.5, 0.7)


@dataclass(frozen=True)
class HuangStudy(StudyHeader):
    data: HuangData = HuangData()
    fig7: HuangFig7 = HuangFig7()
    fig9: HuangFig9 = HuangFig9()


def load_huang(doc: dict, header: StudyHeader) -> HuangStudy:
    """Validate the Huang tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, PARTS)
    da: HuangData = build_dataclass(HuangData, tabs["data"], where, "data")
    f7: HuangFig7 = build_dataclass(HuangFig7, tabs["fig7"], where, "fig7", ranges={"alphas": ""})
    f9: HuangFig9 = build_dataclass(HuangFig9, tabs["fig9"], where, "fig9", ranges={"snrs_db": ""})
    if da.count < 1 or not (da.crop == 0 or 64 <= da.crop <= 4096) or da.gamma2 <= 0:
        raise StudyError(f"{where}: [data] needs count >= 1, crop 0 or in [64, 4096] and gamma2 > 0")
    if da.importance not in ("spectral_residual", "cam"):
        raise StudyError(f"{where}: [data] importance must be spectral_residual or cam, got {da.importance!r}")
    if any(not 0 <= a <= 1 for a in f7.alphas + f9.example_alphas):
        raise StudyError(f"{where}: alphas must lie in [0, 1]")
    if f9.t_max_ms <= 0 or f9.bandwidth_hz <= 0 or not 0 < f9.target_bler < 1 or f9.blocklength < 8:
        raise StudyError(f"{where}: [fig9] needs t_max_ms > 0, bandwidth_hz > 0, target_bler in (0, 1), blocklength >= 8")
    if f9.penalty <= 0 or f9.nu <= 0 or f9.eta <= 0 or f9.iters < 1 or not 0 < f9.alpha_th <= 1:
        raise StudyError(f"{where}: [fig9] needs positive penalty, nu, eta, iters and alpha_th in (0, 1]")
    return HuangStudy(**header.fields(), data=da, fig7=f7, fig9=f9)


def resolve_images(d: HuangData) -> list[str]:
    return image_files(d.images, d.count, "[data] images")[0]


class _Context:
    """Models and per-image caches shared by the parts (loaded lazily, once)."""

    def __init__(self, study: HuangStudy, device: str) -> None:
        from .pipeline import importance_map, load_family, load_image

        d = study.data
        self.files = resolve_images(d)
        self.family = load_family(d.coders or None, device, random_weights=d.random_weights)
        self.images = [load_image(f, d.crop) for f in self.files]
        self.importance = []
        self.imp_note = ""
        for img in self.images:
            m, self.imp_note = importance_map(img, d.importance, d.random_weights, device)
            self.importance.append(m)
        self.ref = max(self.family)
        from .cie import Evaluator

        self.evaluate = Evaluator(self.images, self.importance, self.family, d.gamma2)
        self.gamma2 = d.gamma2


def _fig7(study: HuangStudy, ctx: RunContext, mc: _Context) -> None:
    from genai.metrics import mask_psnr

    from .cie import embed, receive

    rows = []
    for i, img in enumerate(mc.images):
        ctx.say(f"Fig. 7: image {i + 1}/{len(mc.images)}")
        for q, c in mc.family.items():
            for a in study.fig7.alphas:
                st, _ = embed(img, c, mc.importance[i], a)
                res = receive(st, c, inpaint=lambda p, x, k, s: x)  # partial decode only (no inpainting cost)
                mp = mask_psnr(img * 255, res.partial * 255, res.pixel_mask[..., None].astype(float)) \
                    if res.pixel_mask.any() else math.nan
                g, bits, frac = mc.evaluate(i, q, a)
                rows.append([i, q, a, g, bits, st.feature_bits, st.hyper_bits, int(st.mask_bits.numel()), frac,
                             mp if math.isfinite(mp) else 99.0])
    write_group(ctx.file, "fig7", {"rows": np.array(rows, dtype=np.float64)},
           {"rows_columns": ["image", "coder", "alpha", "gvif", "bits", "feature_bits", "hyper_bits", "mask_bits",
                             "selected_fraction", "mask_psnr"], "importance": mc.imp_note,
            "coders": {str(q): c.note for q, c in mc.family.items()}})


def _fig9(study: HuangStudy, ctx: RunContext, mc: _Context) -> None:
    from .algorithm1 import grid_alpha, select_coder, zero_order_alpha
    from .baselines import jpeg2000_at_budget, received_gvif
    from .latency import latency_fbl, latency_shannon

    f9 = study.fig9
    n = len(mc.images)
    # D(Φ): mask-PSNR of the full decode on the critical region (importance >= 0.5), averaged
    from genai.metrics import mask_psnr

    dist = {}
    for q, c in mc.family.items():
        vals = []
        for i, img in enumerate(mc.images):
            h, w = img.shape[:2]
            crit = (mc.importance[i] >= 0.5).repeat(16, 0).repeat(16, 1)[:h, :w]
            crit = crit if crit.any() else np.ones((h, w), bool)
            vals.append(mask_psnr(img * 255, c.decompress(c.compress(img)) * 255, crit[..., None].astype(float)))
        dist[q] = float(np.mean(vals))
    rows, j2k = [], []
    for s in f9.snrs_db:
        ctx.say(f"Fig. 9: SNR {s:g} dB")
        rate_sh = f9.bandwidth_hz * math.log2(1 + 10 ** (s / 10))
        probe = latency_fbl(1e6, f9.bandwidth_hz, s, f9.blocklength, f9.target_bler)
        rate_real = 1e6 / probe["latency_s"] if probe["latency_s"] > 0 else 0.0
        for model, rate in (("shannon", rate_sh), ("real", rate_real)):
            budget = rate * f9.t_max_ms / 1e3
            code = {"shannon": 0, "real": 1}[model]
            if budget <= 0:  # no rate at all: nothing is delivered in time
                rows.append([s, code, -1, math.nan, 0.0, 0.0, 0.0, 0, math.nan, math.nan, 0.0, 0, math.nan, math.nan, 0])
                continue

            def V(q: int, a: float, i: int) -> float:
                return mc.evaluate(i, q, a)[0]

            def B(q: int, a: float, i: int, budget: float = budget) -> float:
                return mc.evaluate(i, q, a)[1] / budget  # bits in units of the budget (eq. 33's K)

            res, grids = [], {}
            for q in sorted(mc.family):
                res.append(zero_order_alpha(V, B, q, n, 1.0, p=f9.penalty, nu=f9.nu, eta=f9.eta,
                                            alpha_th=f9.alpha_th, iters=f9.iters, seed=study.seed))
                grids[q] = grid_alpha(V, B, q, n, 1.0, f9.alpha_th, points=33)
            best = select_coder(res, {q: -dist[q] for q in mc.family}, -f9.d0_mask_psnr_db)
            # no filtering: the highest-rate coder whose whole stream fits (mean over images), else nothing in time
            fits = [q for q in sorted(mc.family) if np.mean([mc.evaluate(i, q, 0.0)[1] for i in range(n)]) <= budget]
            unf = float(np.mean([mc.evaluate(i, max(fits), 0.0)[0] for i in range(n)])) if fits else 0.0
            b = best or res[-1]  # no coder meets D0: the highest rate point (the report says so)
            g = grids[b.coder]
            bits = b.bits * budget
            lat_sh = latency_shannon(bits, f9.bandwidth_hz, s) * 1e3
            lat_real = latency_fbl(bits, f9.bandwidth_hz, s, f9.blocklength, f9.target_bler)["latency_s"] * 1e3
            rows.append([s, code, b.coder, b.alpha, b.gvif, bits, budget, int(b.feasible), g.alpha, g.gvif, unf,
                         max(fits) if fits else 0, lat_sh, lat_real, int(best is not None)])
            if model == "shannon":
                gv = []
                for i, img in enumerate(mc.images):
                    dec, bits = jpeg2000_at_budget(img, budget)
                    gv.append(received_gvif(img, dec, mc.family[mc.ref], mc.gamma2))
                j2k.append([s, float(np.mean(gv)), budget])
    write_group(ctx.file, "fig9", {"rows": np.array(rows, dtype=np.float64), "jpeg2000": np.array(j2k, dtype=np.float64)},
           {"rows_columns": ["snr_db", "rate_model", "coder", "alpha", "gvif", "bits", "budget_bits", "feasible",
                             "grid_alpha", "grid_gvif", "unfiltered_gvif", "unfiltered_coder", "latency_shannon_ms",
                             "latency_real_ms", "d0_met"],
            "jpeg2000_columns": ["snr_db", "gvif", "budget_bits"], "distortion_psnr": {str(k): v for k, v in
                                                                                        dist.items()}})


def _examples(study: HuangStudy, ctx: RunContext, mc: _Context) -> None:
    from .cie import embed, receive

    img, imp = mc.images[0], mc.importance[0]
    q = sorted(mc.family)[(len(mc.family) - 1) // 2]
    data = {"original": (img * 255).round().astype(np.uint8), "importance": imp.astype(np.float32)}
    for a in study.fig9.example_alphas:
        st, _ = embed(img, mc.family[q], imp, a)
        res = receive(st, mc.family[q])
        data[f"partial_{a:g}"] = (res.partial * 255).round().astype(np.uint8)
        data[f"inpainted_{a:g}"] = (res.inpainted * 255).round().astype(np.uint8)
        data[f"mask_{a:g}"] = res.pixel_mask.astype(np.uint8)
    write_group(ctx.file, "examples", data, {"coder": q, "alphas": list(study.fig9.example_alphas), "inpainting": res.note})


def huang_parts(study: HuangStudy, ctx: RunContext) -> Iterator[Part]:
    """Fig. 7, Fig. 9 and the examples; the models load once, on the first part that runs."""
    cache: dict[str, _Context] = {}

    def mc() -> _Context:
        if "c" not in cache:
            cache["c"] = _Context(study, ctx.device)
        return cache["c"]

    base = {"data": asdict(study.data), "seed": study.seed, "coders": _coder_digest(study)}
    yield Part("fig7", {**base, "fig7": asdict(study.fig7)}, lambda c: _fig7(study, c, mc()), label="Fig. 7",
               seed=study.seed)
    yield Part("fig9", {**base, "fig9": asdict(study.fig9)}, lambda c: _fig9(study, c, mc()), label="Fig. 9",
               seed=study.seed)
    yield Part("examples", {**base, "alphas": study.fig9.example_alphas}, lambda c: _examples(study, c, mc()),
               label="examples", seed=study.seed)


def _coder_digest(study: HuangStudy) -> str:
    """Names the coder family in the config hash (file names and sizes)."""
    from genai.hyperprior import WEIGHTS_DIR

    if study.data.random_weights:
        return "random"
    root = Path(study.data.coders) if study.data.coders else WEIGHTS_DIR
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(root.glob("hyperprior_rgb_q*.safetensors")))
