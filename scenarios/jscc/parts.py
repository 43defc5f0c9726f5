r"""The parts of the ``jscc_vs_separation`` study (``semlink run jscc_vs_separation``) and what each one runs.

Parts (each stamped in ``<out>/<name>.h5``, skipped on re-run when done):

1. ``mcs`` (AWGN; also the quasi-static Rayleigh link at its realized Es/N0) and ``mcs_ofdm`` (OFDM-TDL, one
   codeword per resource grid) — the certified MCS thresholds (:func:`scenarios.digital.mcs.certify_group`);
2. ``sources`` — table ``rows`` (:data:`~scenarios.jscc.separated.SOURCE_COLUMNS`): each image's operating
   points of the hyperprior family and of JPEG2000 (:func:`~scenarios.jscc.separated.source_rows`);
3. ``jscc`` — table ``rows`` (:data:`ROW_COLUMNS`): DeepJSCC per channel, image, Es/N0 and draw: the SNR-adaptive
   models of every ``[jscc] channels`` on every channel, the fixed-SNR models on AWGN (the mismatch figure);
4. ``separated`` — table ``rows`` (:data:`ROW_COLUMNS`): the separated systems (hyperprior or JPEG2000 + 5G LDPC,
   each image's stream actually sent) and the limits (Shannon, normal approximation) at the same channel uses.

Channel draws: AWGN ``[jscc] draws`` noise draws for DeepJSCC (one stream per point for the separated system);
quasi-static Rayleigh ``[link] fades`` power gains :math:`|h|^2\sim` Exp(1), the **same** draws for every system
(the transmitter knows the mean Es/N0, the receiver the fade: DeepJSCC's encoder is told the mean, its decoder the
realized Es/N0; the flat fade with perfect CSI is simulated exactly as AWGN at the realized Es/N0); OFDM-TDL
``[jscc] draws`` for DeepJSCC (each image spans several grids, each a TDL-A draw, LS + LMMSE) and one stream
for the separated system.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any, Iterator

from ..study.parts import Part, RunContext, write_group
from ..study.tables import Table
from .rows import ROW_COLUMNS, ROW_UNITS, fade_gains, load_images, perceptual, perceptual_key, row
from .schema import JSCCStudy, parse_mcs, study_images

__all__ = ["jscc_parts", "preflight", "ofdm_grid_uses"]

def ofdm_grid_uses() -> int:
    """Data resource elements of one OFDM grid (the OFDM-TDL codeword and DeepJSCC's grid)."""
    from linklevel import LinkConfig
    from linklevel.blocks.ofdm import OFDMFrontEnd

    return int(OFDMFrontEnd(LinkConfig(ofdm=True, channel="tdl", csi="ls", tdl_model="A")).num_data_symbols)


def preflight(study: JSCCStudy) -> None:
    """Before anything is written: the images, the coder family's and the DeepJSCC models' weight files exist."""
    study_images(study.data)
    if study.data.random_weights:
        return
    from genai.deepjscc import jscc_weights_path
    from genai.loading import ModelNotAvailable

    from ..digital.codecs import coder_files

    coder_files(study.data.coders or None)
    for p in list(_model_files(study).values()) + ([_map_model_file(study)] if study.maps.count else []):
        if not p.is_file():
            raise ModelNotAvailable(f"DeepJSCC: no weights at {p}; train them with `semlink train-jscc` "
                                    f"(shipped: {jscc_weights_path(4, True).parent})")


def _model_files(study: JSCCStudy) -> dict[str, Any]:
    from genai.deepjscc import jscc_weights_path

    j, folder = study.jscc, study.data.models or None
    out = {f"jscc_c{c}": jscc_weights_path(c, True, folder=folder) for c in j.channels}
    out.update({f"jscc_c{j.fixed_channels}_snr{s:g}": jscc_weights_path(j.fixed_channels, False, s, folder)
                for s in j.fixed_snrs_db})
    return out


def _map_model_file(study: JSCCStudy) -> Any:
    from genai.deepjscc import jscc_weights_path

    return jscc_weights_path(study.maps.channels, True, folder=study.data.models or None, maps=study.maps.classes)


def _tables(study: JSCCStudy) -> dict[str, list]:
    """The MCS list of each link family (``awgn`` serves AWGN and Rayleigh; ``ofdm-tdl``)."""
    from ..digital.mcs import mcs_table

    lk, out = study.link, {}
    if {"awgn", "rayleigh"} & set(lk.channels):
        out["awgn"] = mcs_table(lk.blocklength, parse_mcs(lk.mcs, "[link]"))
    if "ofdm-tdl" in lk.channels:
        out["ofdm-tdl"] = mcs_table(ofdm_grid_uses(), parse_mcs(lk.ofdm_mcs, "[link]"), "ofdm-tdl")
    return out


def _sources(study: JSCCStudy, ctx: RunContext) -> None:
    from ..digital.codecs import load_family
    from .separated import SOURCE_COLUMNS, source_rows

    family = load_family(study.data.coders or None, ctx.device, random_weights=study.data.random_weights)
    lpips, note = perceptual(study, ctx.device)
    rows = []
    for i, img in enumerate(load_images(study)):
        ctx.say(f"sources: image {i + 1}")
        rows += source_rows(i, img, family, lpips=lpips)
    write_group(ctx.file, "sources", {"rows": Table.from_rows(rows, SOURCE_COLUMNS, {"bits": "bit", "psnr": "dB"})},
                {"coders": {str(q): c.note for q, c in family.items()}, "lpips": note})


def _jscc(study: JSCCStudy, ctx: RunContext) -> None:
    from genai.deepjscc import JSCCCodec

    from .evaluate import jscc_scores
    from .train import jscc_channel

    rnd, lk = study.data.random_weights, study.link
    images, gains, rows, notes = load_images(study), fade_gains(study), [], {}
    lpips, lp_note = perceptual(study, ctx.device)
    for name, path in _model_files(study).items():
        fixed = "_snr" in name
        codec = JSCCCodec(random_weights=rnd, weights=None if rnd else path, width=16,
                          channels=int(name.split("_c")[1].split("_")[0]), adaptive=not fixed)
        m = codec.metadata
        notes[name] = {"note": codec.note, "c": codec.model.c, "adaptive": codec.model.adaptive,
                       **{k: m.get(k) for k in ("snr_db", "steps_done", "seconds", "data", "loss", "channel", "machine",
                                                "command")}}
        for ch in (("awgn",) if fixed else lk.channels):
            fn = jscc_channel("awgn" if ch == "rayleigh" else ch, "ls" if ch == "ofdm-tdl" else "perfect")
            ctx.say(f"DeepJSCC {name} on {ch}")
            for i, img in enumerate(images):
                for j, s in enumerate(lk.snrs_db):
                    g = gains if ch == "rayleigh" else [1.0] * study.jscc.draws
                    real = [s + 10 * math.log10(x) for x in g]
                    sc = jscc_scores(codec.model, img, [s] * len(g), fn, real, real if ch == "rayleigh" else [s] * len(g),
                                     study.seed + 1000 * i + j, lpips)
                    rows += [row(ch, codec.model.c, i, s, d, g[d], name, sc[d]) for d in range(len(g))]
    write_group(ctx.file, "jscc", {"rows": Table.from_rows(rows, ROW_COLUMNS, ROW_UNITS)},
                {"models": notes, "lpips": lp_note})


def jscc_parts(study: JSCCStudy, ctx: RunContext) -> Iterator[Part]:
    """The MCS thresholds, the source points, DeepJSCC and the separated systems with their limits."""
    from ..digital.mcs import CERTIFY_CONFIDENCE, CERTIFY_ERRORS, certify_group
    from .deliver import separated_part
    from .separated import J2K_RATIOS

    lk, tables = study.link, _tables(study)
    rule = {"errors": CERTIFY_ERRORS, "confidence": CERTIFY_CONFIDENCE, "seed": study.seed}
    if "awgn" in tables:
        t = tables["awgn"]
        yield Part("mcs", {"mcs": [m.name for m in t], "target": lk.target_bler, "step": lk.mcs_step_db, **rule},
                   lambda c: certify_group(c.file, "mcs", t, lk.target_bler, lk.mcs_step_db, c.device, study.seed,
                                           c.say), label="MCS thresholds (AWGN)", seed=study.seed)
    if "ofdm-tdl" in tables:
        to = tables["ofdm-tdl"]
        yield Part("mcs_ofdm", {"mcs": [m.name for m in to], "target": lk.ofdm_target_bler, "step": lk.ofdm_step_db,
                                **rule},
                   lambda c: certify_group(c.file, "mcs_ofdm", to, lk.ofdm_target_bler, lk.ofdm_step_db, c.device,
                                           study.seed, c.say), label="MCS thresholds (OFDM-TDL)", seed=study.seed)
    data = {k: v for k, v in asdict(study.data).items() if k != "perceptual"}  # keyed as what it resolves to
    base = {"data": data, "seed": study.seed, "weights": _digest(study)}
    scored = {**base, "lpips": perceptual_key(study)}  # the parts that score images
    yield Part("sources", {**scored, "j2k_ratios": len(J2K_RATIOS)},
               lambda c: _sources(study, c), label="source operating points", seed=study.seed)
    yield Part("jscc", {**scored, "jscc": asdict(study.jscc), "link": asdict(lk)}, lambda c: _jscc(study, c),
               label="DeepJSCC", seed=study.seed)
    yield Part("separated", {**scored, "jscc": asdict(study.jscc), "link": asdict(lk)},
               lambda c: separated_part(study, c), label="separated systems and limits", seed=study.seed)
    if study.maps.count > 0 and "awgn" in tables:
        from .maps import maps_part

        mw = "random" if study.data.random_weights else f"{_map_model_file(study).name}:{_map_model_file(study).stat().st_size}"
        yield Part("maps", {**base, "map_weights": mw, "maps": asdict(study.maps), "draws": study.jscc.draws, "snrs": lk.snrs_db,
                            "mcs": [m.name for m in tables["awgn"]], "target": lk.target_bler},
                   lambda c: maps_part(study, c), label="label maps: DeepJSCC vs analog one-hot vs digital",
                   seed=study.seed)


def _digest(study: JSCCStudy) -> str:
    """Names the weights in the config hash (file names and sizes)."""
    from ..digital.codecs import coder_files

    if study.data.random_weights:
        return "random"
    files = list(coder_files(study.data.coders or None)) + list(_model_files(study).values())
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(files))
