r"""The parts of the Huang et al. study (``semlink run huang_cie``) and what each one runs.

Parts (each stamped in ``<out>/<name>.h5``, skipped on re-run when done; their row tables are
:class:`~scenarios.study.tables.Table`\ s with units):

1. ``fig7`` — table ``rows``: per image (centre crops), coder and α: bits (feature, hyper, mask),
   selected fraction, GVIF (eq. 27) and mask-PSNR (eq. 40) of the partial decode on the selected
   region (Fig. 7);
2. ``mcs`` — tables ``table`` (the real link's MCS: 5G LDPC + QPSK/16/64-QAM, ``blocklength`` channel
   uses per codeword, with each MCS's simulated Es/N0 threshold for ``target_bler``) and ``tested``
   (the raw counts of every tested point);
3. ``fig9`` (AWGN) and ``rayleigh`` (quasi-static Rayleigh, ``fades`` draws) — tables ``rows`` (per SNR
   and draw, :data:`scenarios.huang.sweep.COLUMNS`) and ``images`` (per image too), and for AWGN
   ``latency`` (Fig. 9(b), :math:`T_{max}` swept): Algorithm 1 with eq. (8)'s rate (the paper's
   design, with the grid optimum as its check) priced on the real link, Algorithm 1 with the real
   link's rate and the streams sent with discard-with-error, the unfiltered coder (the cliff),
   JPEG2000 at the same budget, text-to-image only (:mod:`scenarios.huang.sweep`);
4. ``examples`` — one image: importance, mask, partial decode and inpainting per α (qualitative figure);
5. ``gvif_checks`` — tables ``beta`` (the design under three readings of β, with the unfiltered baseline,
   per image) and ``independence`` (Appendix A's assumption with the classical inpainter), the Fig. 6
   analogue's arrays (:mod:`scenarios.huang.diagnosis`);
6. ``fig10`` — one image at ``latency_snr_db`` (AWGN, eq. (8) budget): the original and each scheme's
   receiver output side by side (Fig. 10).

The coder family is the shipped ``hyperprior_rgb_q*`` (or ``coders`` = a folder), loaded once, by the
first part that runs; :func:`preflight` only checks that its weights and the images are there.
Importance is the offline spectral-residual substitute unless ``importance = "cam"`` and its weights
exist.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any, Iterator, Sequence

import numpy as np

from ..study.parts import Part, RunContext, write_group
from ..study.tables import Table
from .schema import HuangData, HuangStudy, study_images

__all__ = ["huang_parts", "preflight", "units", "FIG7_COLUMNS"]

FIG7_COLUMNS = ("image", "coder", "alpha", "gvif", "bits", "feature_bits", "hyper_bits", "mask_bits",
                "selected_fraction", "mask_psnr", "crit_mask_psnr", "gvif_shared")


def units(columns: Sequence[str]) -> dict[str, str]:
    """The unit of each stored column, from its name (``*_db`` and mask-PSNR in dB, ``*_ms`` in ms,
    bits and budgets in bits; the others have none)."""
    def unit(c: str) -> str:
        if c.endswith("_db") or c.endswith("mask_psnr"):
            return "dB"
        if c.endswith("_ms"):
            return "ms"
        if c.endswith("bits") or c.endswith("budget") or c in ("payload", "k"):
            return "bit"
        return {"efficiency": "bit/use", "uses": "use", "bits_per_symbol": "bit/symbol"}.get(c, "")
    return {c: unit(c) for c in columns if unit(c)}


def preflight(study: HuangStudy) -> None:
    """Before anything is written: the images and the coder family's weight files exist (nothing is loaded:
    the parts load the family once)."""
    study_images(study.data)
    if not study.data.random_weights:
        from ..digital.codecs import coder_files

        coder_files(study.data.coders or None)


def _perceptual(d: HuangData, device: str) -> tuple[Any, Any, str]:
    """LPIPS and FID models per ``[data] perceptual`` (auto: when their weights are here), and a note."""
    from genai.registry import load_optional

    if d.perceptual == "off":
        return None, None, "LPIPS / FID: off ([data] perceptual)"
    rnd = d.perceptual == "random" or d.random_weights
    (lp, n1), (fid, n2) = (load_optional("metric", name, name.upper(), random_weights=rnd, device=device)
                           for name in ("lpips", "fid"))
    return lp, fid, f"{n1}; {n2}"


class _Models:
    """Models and per-image caches shared by the parts (loaded once, by the first part that runs)."""

    def __init__(self, study: HuangStudy, device: str) -> None:
        from .evaluator import Evaluator
        from ..digital.codecs import load_family, load_image
        from .pipeline import importance_map

        d = study.data
        self.files = study_images(d)
        self.family = load_family(d.coders or None, device, random_weights=d.random_weights)
        self.images = [load_image(f, d.crop) for f in self.files]
        self.importance = []
        self.imp_note = ""
        for img in self.images:
            m, self.imp_note = importance_map(img, d.importance, d.random_weights, device, d.importance_scale)
            self.importance.append(m)
        self.ref = max(self.family)
        self.lpips, self.fid, self.perceptual_note = _perceptual(d, device)
        self.evaluate = Evaluator(self.images, self.importance, self.family, d.gamma2, self.lpips, self.fid)
        self.shared = self.evaluate.with_beta("shared")  # β from the reference coder's features (the diagnosis)
        self.gamma2 = d.gamma2
        self.cache: dict = {}


def _fig7(study: HuangStudy, ctx: RunContext, mc: _Models) -> None:
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
                crit = mc.evaluate.output_scores(i, q, a)[0]
                rows.append(dict(zip(FIG7_COLUMNS, (i, q, a, g, int(bits), st.feature_bits, st.hyper_bits,
                                                    int(st.mask_bits.numel()), frac, mp if math.isfinite(mp) else 99.0,
                                                    crit, mc.shared(i, q, a)[0]))))
    write_group(ctx.file, "fig7", {"rows": Table.from_rows(rows, FIG7_COLUMNS, units(FIG7_COLUMNS))},
                {"importance": mc.imp_note, "coders": {str(q): c.note for q, c in mc.family.items()}})


def _mcs(study: HuangStudy, ctx: RunContext) -> None:
    from ..digital.mcs import certify_group, mcs_table

    f9 = study.fig9
    certify_group(ctx.file, "mcs", mcs_table(f9.blocklength), f9.target_bler, f9.mcs_step_db, ctx.device, study.seed,
                  ctx.say)


def _thresholds(path: str) -> list:
    """The MCS thresholds the ``mcs`` part stored."""
    from ..digital.mcs import read_thresholds

    return read_thresholds(path, "mcs")


def _sweep(study: HuangStudy, ctx: RunContext, mc: _Models, channel: str) -> None:
    from bridge import Transmitter

    from .sweep import COLUMNS, IMAGE_COLUMNS, LATENCY_COLUMNS, latency_sweep, sweep_point

    f9 = study.fig9
    thresholds = _thresholds(ctx.file)
    dist = _distortions(mc)
    gains = [1.0] if channel == "awgn" else list(np.random.default_rng(study.seed + 1).exponential(1.0, f9.fades))
    tx = Transmitter(device=ctx.device, seed=study.seed + (0 if channel == "awgn" else 10_000))
    rows, per_image = [], []
    for s in f9.snrs_db:
        ctx.say(f"Fig. 9 ({channel}): SNR {s:g} dB, {len(gains)} draw(s)")
        for d, g in enumerate(gains):
            r, pi = sweep_point(mc, f9, int(channel != "awgn"), float(s), d, float(g), dist, thresholds, tx,
                                study.seed, jpeg2000=channel == "awgn")
            rows.append(r)
            per_image += pi
    data = {"rows": Table.from_array(rows, COLUMNS, units(COLUMNS)),
            "images": Table.from_array(per_image, IMAGE_COLUMNS, units(IMAGE_COLUMNS))}
    attrs = {}
    if channel == "awgn":
        ctx.say(f"Fig. 9(b): T_max sweep at {f9.latency_snr_db:g} dB")
        lat = latency_sweep(mc, f9, f9.latency_snr_db, f9.t_max_sweep_ms, dist, thresholds, study.seed)
        data["latency"] = Table.from_array(lat, LATENCY_COLUMNS, units(LATENCY_COLUMNS))
        attrs = {"latency_snr_db": f9.latency_snr_db}
    write_group(ctx.file, "fig9" if channel == "awgn" else "rayleigh", data,
                {**attrs, "distortion_psnr": {str(k): v for k, v in dist.items()}, "perceptual": mc.perceptual_note,
                 "gains": [float(g) for g in gains], "channel": channel})


def _examples(study: HuangStudy, ctx: RunContext, mc: _Models) -> None:
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


def _distortions(mc: _Models) -> dict[int, float]:
    from .sweep import coder_distortions

    if "dist" not in mc.cache:
        mc.cache["dist"] = coder_distortions(mc.family, mc.images, mc.importance)
    return mc.cache["dist"]


def _gvif_checks(study: HuangStudy, ctx: RunContext, mc: _Models) -> None:
    from .diagnosis import BETA_COLUMNS, INDEPENDENCE_COLUMNS, VARIANTS, beta_rows, fig6_data, independence_rows

    f9 = study.fig9
    ctx.say("GVIF checks: the design under three readings of beta")
    beta = beta_rows(mc, f9, _distortions(mc), study.seed)
    q = sorted(mc.family)[(len(mc.family) - 1) // 2]
    ctx.say("GVIF checks: Appendix A independence, Fig. 6")
    ind = independence_rows(mc, q, 0.5)
    arrays, attrs = fig6_data(mc, f9.example_alphas)
    write_group(ctx.file, "gvif_checks", {"beta": Table.from_array(beta, BETA_COLUMNS, units(BETA_COLUMNS)),
                                          "independence": Table.from_array(ind, INDEPENDENCE_COLUMNS,
                                                                           {"mi_out_bits": "bit", "mi_in_bits": "bit"}),
                                          **arrays},
                {**attrs, "variants": [label for _, label in VARIANTS], "variant_names": [n for n, _ in VARIANTS],
                 "reference": mc.ref, "independence_coder": q, "independence_alpha": 0.5})


def _fig10(study: HuangStudy, ctx: RunContext, mc: _Models) -> None:
    from .diagnosis import fig10_data

    data, attrs = fig10_data(mc, study.fig9, _distortions(mc), study.seed)
    write_group(ctx.file, "fig10", data, attrs)


def huang_parts(study: HuangStudy, ctx: RunContext) -> Iterator[Part]:
    """Fig. 7, the MCS thresholds, Fig. 9 (AWGN, Rayleigh) and the examples; the models load once, on the
    first part that runs."""
    cache: dict[str, _Models] = {}

    def mc() -> _Models:
        if "c" not in cache:
            cache["c"] = _Models(study, ctx.device)
        return cache["c"]

    base = {"data": asdict(study.data), "seed": study.seed, "coders": _coder_digest(study)}
    yield Part("fig7", {**base, "fig7": asdict(study.fig7)}, lambda c: _fig7(study, c, mc()), label="Fig. 7",
               seed=study.seed)
    link = {k: getattr(study.fig9, k) for k in ("blocklength", "target_bler", "mcs_step_db")}
    from ..digital.mcs import CERTIFY_CONFIDENCE, CERTIFY_ERRORS

    link["certified"] = {"errors": CERTIFY_ERRORS, "confidence": CERTIFY_CONFIDENCE}  # the rule: older files re-run
    yield Part("mcs", {"link": link, "seed": study.seed}, lambda c: _mcs(study, c), label="MCS thresholds",
               seed=study.seed)
    yield Part("fig9", {**base, "fig9": asdict(study.fig9)}, lambda c: _sweep(study, c, mc(), "awgn"),
               label="Fig. 9 (AWGN)", seed=study.seed)
    yield Part("rayleigh", {**base, "fig9": asdict(study.fig9)}, lambda c: _sweep(study, c, mc(), "rayleigh"),
               label="Fig. 9 (quasi-static Rayleigh)", seed=study.seed)
    yield Part("examples", {**base, "alphas": study.fig9.example_alphas}, lambda c: _examples(study, c, mc()),
               label="examples", seed=study.seed)
    yield Part("gvif_checks", {**base, "fig9": asdict(study.fig9)}, lambda c: _gvif_checks(study, c, mc()),
               label="GVIF checks (beta, Appendix A, Fig. 6)", seed=study.seed)
    yield Part("fig10", {**base, "fig9": asdict(study.fig9)}, lambda c: _fig10(study, c, mc()),
               label="Fig. 10 (side by side)", seed=study.seed)


def _coder_digest(study: HuangStudy) -> str:
    """Names the coder family in the config hash (file names and sizes)."""
    from ..digital.codecs import coder_files

    if study.data.random_weights:
        return "random"
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(coder_files(study.data.coders or None)))
