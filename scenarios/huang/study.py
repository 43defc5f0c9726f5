r"""The Huang et al. study as one resumable job (``semlink run huang_cie``).

Parts (each stamped in ``<out>/<name>.h5``, skipped on re-run when done):

1. ``/fig7`` — per image (centre crops), coder and α: bits (feature, hyper, mask), selected fraction,
   GVIF (eq. 27) and mask-PSNR (eq. 40) of the partial decode on the selected region (Fig. 7);
2. ``/mcs`` — the real link's MCS table (5G LDPC + QPSK/16/64-QAM, ``blocklength`` channel uses per
   codeword) and each MCS's simulated Es/N0 threshold for ``target_bler`` (raw counts kept);
3. ``/fig9`` (AWGN) and ``/rayleigh`` (quasi-static Rayleigh, ``fades`` draws) — per SNR and draw
   (:mod:`scenarios.huang.sweep`): Algorithm 1 with eq. (8)'s rate (the paper's design, with the grid
   optimum as its check) priced on the real link, Algorithm 1 with the real link's rate and the
   streams sent with discard-with-error, the unfiltered coder (the cliff), JPEG2000 at the same budget,
   text-to-image only;
4. ``/examples`` — one image: importance, mask, partial decode and inpainting per α (qualitative figure).

The coder family is the shipped ``hyperprior_rgb_q*`` (or ``coders`` = a folder); importance is the
offline spectral-residual substitute unless ``importance = "cam"`` and its weights exist.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from linklevel.store.h5io import open_result

from ..study.parts import Part, RunContext, write_group
from ..study.quantities import BANDWIDTH_HZ, BLER, HVS_VARIANCE, LATENCY_MS, SNR_DB, SNR_STEP_DB, UNIT
from ..study.schema import StudyError, StudyHeader, build_dataclass, kind_tables
from ..study.images import image_files

__all__ = ["HuangData", "HuangFig7", "HuangFig9", "HuangStudy", "load_huang", "huang_parts", "resolve_images",
           "PARTS"]

PARTS = ("data", "fig7", "fig9")  # TOML tables
#: Ranges of the physical [fig9] keys (:mod:`scenarios.study.quantities`, as ``semlink cie``).
FIG9_BOUNDS = {"snrs_db": SNR_DB, "t_max_ms": LATENCY_MS, "bandwidth_hz": BANDWIDTH_HZ, "target_bler": BLER,
               "d0_mask_psnr_db": SNR_DB, "latency_snr_db": SNR_DB, "t_max_sweep_ms": LATENCY_MS,
               "example_alphas": UNIT, "alpha_th": UNIT, "mcs_step_db": SNR_STEP_DB}


@dataclass(frozen=True)
class HuangData:
    images: str = "kodak"
    count: int = 6
    crop: int = 512
    coders: str = ""
    importance: str = "spectral_residual"
    importance_scale: str = "rank"
    perceptual: str = "auto"
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
    grid_points: int = 33
    fades: int = 16
    mcs_step_db: float = 0.25
    latency_snr_db: float = 10.0
    t_max_sweep_ms: tuple[float, ...] = (5.0, 10.0, 20.0, 30.0, 50.0)
    example_alphas: tuple[float, ...] = (0.0, 0.3, 0.5, 0.7)


@dataclass(frozen=True)
class HuangStudy(StudyHeader):
    data: HuangData = HuangData()
    fig7: HuangFig7 = HuangFig7()
    fig9: HuangFig9 = HuangFig9()


def load_huang(doc: dict, header: StudyHeader) -> HuangStudy:
    """Validate the Huang tables (``[quick]`` merged with ``header.quick``)."""
    where, tabs = kind_tables(doc, header, PARTS)
    da: HuangData = build_dataclass(HuangData, tabs["data"], where, "data", bounds={"gamma2": HVS_VARIANCE})
    f7: HuangFig7 = build_dataclass(HuangFig7, tabs["fig7"], where, "fig7", ranges={"alphas": ""},
                                    bounds={"alphas": UNIT})
    f9: HuangFig9 = build_dataclass(HuangFig9, tabs["fig9"], where, "fig9", ranges={"snrs_db": "", "t_max_sweep_ms": ""},
                                    bounds=FIG9_BOUNDS)
    if da.count < 1 or not (da.crop == 0 or 64 <= da.crop <= 4096) or da.gamma2 <= 0:
        raise StudyError(f"{where}: [data] needs count >= 1, crop 0 or in [64, 4096] and gamma2 > 0")
    if da.importance not in ("spectral_residual", "cam"):
        raise StudyError(f"{where}: [data] importance must be spectral_residual or cam, got {da.importance!r}")
    if da.perceptual not in ("auto", "off", "random"):
        raise StudyError(f"{where}: [data] perceptual must be auto, off or random, got {da.perceptual!r}")
    if da.importance_scale not in ("rank", "minmax"):
        raise StudyError(f"{where}: [data] importance_scale must be rank or minmax, got {da.importance_scale!r}")
    if any(not 0 <= a <= 1 for a in f7.alphas + f9.example_alphas):
        raise StudyError(f"{where}: alphas must lie in [0, 1]")
    if f9.t_max_ms <= 0 or f9.bandwidth_hz <= 0 or not 0 < f9.target_bler < 1 or f9.blocklength < 8:
        raise StudyError(f"{where}: [fig9] needs t_max_ms > 0, bandwidth_hz > 0, target_bler in (0, 1), blocklength >= 8")
    if f9.penalty <= 0 or f9.nu <= 0 or f9.eta <= 0 or f9.iters < 1 or not 0 < f9.alpha_th <= 1:
        raise StudyError(f"{where}: [fig9] needs positive penalty, nu, eta, iters and alpha_th in (0, 1]")
    if not f9.t_max_sweep_ms or any(not t > 0 for t in f9.t_max_sweep_ms):
        raise StudyError(f"{where}: [fig9] t_max_sweep_ms must be positive latencies (ms)")
    if f9.grid_points < 2 or f9.fades < 1 or not 0 < f9.mcs_step_db <= 2 or f9.blocklength < 32:
        raise StudyError(f"{where}: [fig9] needs grid_points >= 2, fades >= 1, mcs_step_db in (0, 2], blocklength >= 32")
    return HuangStudy(**header.fields(), data=da, fig7=f7, fig9=f9)


def resolve_images(d: HuangData) -> list[str]:
    return image_files(d.images, d.count, "[data] images")[0]


def _perceptual(d: HuangData, device: str) -> tuple[Any, Any, str]:
    """LPIPS and FID models per ``[data] perceptual`` (auto: when their weights are here), and a note."""
    from genai.loading import ModelNotAvailable
    from genai.registry import load

    if d.perceptual == "off":
        return None, None, "LPIPS / FID: off ([data] perceptual)"
    rnd = d.perceptual == "random" or d.random_weights
    models, notes = [], []
    for name in ("lpips", "fid"):
        try:
            m = load("metric", name, random_weights=rnd, device=device)
            models.append(m)
            notes.append(f"{name.upper()}: {m.note}")
        except ModelNotAvailable as err:
            models.append(None)
            notes.append(f"{name.upper()} not computed: {err}")
    return models[0], models[1], "; ".join(notes)


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
            m, self.imp_note = importance_map(img, d.importance, d.random_weights, device, d.importance_scale)
            self.importance.append(m)
        self.ref = max(self.family)
        from .cie import Evaluator

        self.lpips, self.fid, self.perceptual_note = _perceptual(d, device)
        self.evaluate = Evaluator(self.images, self.importance, self.family, d.gamma2, self.lpips, self.fid)
        self.gamma2 = d.gamma2
        self.cache: dict = {}


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


def _mcs(study: HuangStudy, ctx: RunContext) -> None:
    from .reallink import find_threshold, mcs_table

    f9 = study.fig9
    table, tested = [], []
    for j, m in enumerate(mcs_table(f9.blocklength)):
        ctx.say(f"MCS thresholds: {m.name}")
        th = find_threshold(m, f9.target_bler, f9.mcs_step_db, device=ctx.device, seed=study.seed)
        table.append([m.bits_per_symbol, m.rate, m.uses, m.payload, m.k, th.snr_db, th.na_snr_db])
        tested += [[j, *t] for t in th.tested]
    write_group(ctx.file, "mcs", {"table": np.array(table), "tested": np.array(tested)},
                {"table_columns": ["bits_per_symbol", "rate", "uses", "payload", "k", "threshold_db", "na_threshold_db"],
                 "tested_columns": ["mcs", "esno_db", "codewords", "errors", "ci_low", "ci_high"],
                 "target_bler": f9.target_bler, "crc": "CRC24A", "code": "5G LDPC (semlink decoder, 20 iterations)",
                 "rule": "lowest Es/N0 on the grid whose BLER over ceil(4/target) codewords is <= target"})


def _thresholds(path: str) -> list:
    from .reallink import MCS, Threshold, modulation_of

    with open_result(path) as f:
        table, target = f["mcs/table"][()], float(f["mcs"].attrs["target_bler"])
    return [Threshold(MCS(modulation_of(int(r[0])), float(r[1]), int(r[2])), float(r[5]), float(r[6]), target)
            for r in table]


def _sweep(study: HuangStudy, ctx: RunContext, mc: _Context, channel: str) -> None:
    from bridge import Transmitter

    from .sweep import COLUMNS, IMAGE_COLUMNS, LATENCY_COLUMNS, coder_distortions, latency_sweep, sweep_point

    f9 = study.fig9
    thresholds = _thresholds(ctx.file)
    if "dist" not in mc.cache:
        mc.cache["dist"] = coder_distortions(mc.family, mc.images, mc.importance)
    dist = mc.cache["dist"]
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
    data = {"rows": np.array(rows, dtype=np.float64), "images": np.array(per_image, dtype=np.float64)}
    attrs = {}
    if channel == "awgn":
        ctx.say(f"Fig. 9(b): T_max sweep at {f9.latency_snr_db:g} dB")
        data["latency"] = np.array(latency_sweep(mc, f9, f9.latency_snr_db, f9.t_max_sweep_ms, dist, thresholds,
                                                 study.seed), dtype=np.float64)
        attrs = {"latency_columns": list(LATENCY_COLUMNS), "latency_snr_db": f9.latency_snr_db}
    write_group(ctx.file, "fig9" if channel == "awgn" else "rayleigh", data,
                {**attrs, "rows_columns": list(COLUMNS), "images_columns": list(IMAGE_COLUMNS),
                 "distortion_psnr": {str(k): v for k, v in dist.items()}, "perceptual": mc.perceptual_note,
                 "gains": [float(g) for g in gains], "channel": channel})


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
    link = {k: getattr(study.fig9, k) for k in ("blocklength", "target_bler", "mcs_step_db")}
    yield Part("mcs", {"link": link, "seed": study.seed}, lambda c: _mcs(study, c), label="MCS thresholds",
               seed=study.seed)
    yield Part("fig9", {**base, "fig9": asdict(study.fig9)}, lambda c: _sweep(study, c, mc(), "awgn"),
               label="Fig. 9 (AWGN)", seed=study.seed)
    yield Part("rayleigh", {**base, "fig9": asdict(study.fig9)}, lambda c: _sweep(study, c, mc(), "rayleigh"),
               label="Fig. 9 (quasi-static Rayleigh)", seed=study.seed)
    yield Part("examples", {**base, "alphas": study.fig9.example_alphas}, lambda c: _examples(study, c, mc()),
               label="examples", seed=study.seed)


def _coder_digest(study: HuangStudy) -> str:
    """Names the coder family in the config hash (file names and sizes)."""
    from genai.hyperprior import WEIGHTS_DIR

    if study.data.random_weights:
        return "random"
    root = Path(study.data.coders) if study.data.coders else WEIGHTS_DIR
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(root.glob("hyperprior_rgb_q*.safetensors")))
