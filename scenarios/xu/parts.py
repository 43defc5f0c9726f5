r"""The Xu et al. study as one declarative, resumable job (``semlink run xu_power_allocation``): its parts.

A study (:mod:`scenarios.xu.schema`) runs in four kinds of part, each stored in one HDF5 file
(``<out>/<name>.h5``) under its own group with the part's config, config hash, seed,
versions and git SHA as attributes. A part whose stored hash equals the current one is
skipped on re-run; the perception measurement resumes sample by sample.

1. ``/streams``, ``/perception``, ``/fits``: the images' streams (cached once), the perception
   samples of every condition (:mod:`scenarios.streams`) and their fits (:mod:`scenarios.xu.perception`);
   the report exports the measured forward function as ``perception_table_<metric>.json`` (usable
   as a source ``table:FILE`` here and by ``semlink allocate --perception-table``);
2. ``/curves/<source>/<scheme>/<method>``: total power vs target :math:`\bar P` at the
   path-loss gain (no fading) for the paper's constants (coded only: the paper publishes
   no forward-with-error constants), for the measured functions and for tables from files
   (e.g. measured with a regenerated-image metric on a GPU machine); one dataset per column
   (``target, feasible, total_power, perception``, and ``errors, power, snr`` [targets, 2] per stream);
3. ``/realizations/<method>``: Rayleigh block fading per stream: minimum total power at
   one target per realization, and the perception reached under each power budget (the
   CDF of Fig. 9);
4. ``/real_link``: the coded design at one target simulated on 5G LDPC links
   (:mod:`scenarios.xu.reallink`): the design (JSON) and the table ``check``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from typing import Any, Callable, Iterator, Optional

import numpy as np

from ..study.images import image_inputs
from ..study.parts import Part, RunContext, group_part, write_group
from .allocation import StreamSpec, allocate
from .functions import DiscardPerception
from .models import dbm_to_w, path_loss_db
from .schema import XuMeasure, XuStudy, source_key
from .sources import perception_source

__all__ = ["xu_parts", "metric_kwargs", "measured_bits", "CHECK_LAYOUT"]

#: Named in the real-link part's config: files that stored the check as JSON redo that part.
CHECK_LAYOUT = "table"


def metric_kwargs(me: XuMeasure, device: str) -> dict[str, Any]:
    """Keyword arguments of :func:`~scenarios.streams.metrics.make_metric` for ``me``."""
    if me.metric == "feature":
        return {"weights": me.weights}
    return {"random_weights": me.random_weights, "device": device}


def measured_bits(file: str) -> tuple[int, int]:
    """Mean transmitted bits (prompt, edge) over every image cached in the file."""
    from ..streams.cache import stream_bits

    bits = stream_bits(file)
    return int(round(bits["prompt"].mean())), int(round(bits["edge"].mean()))


def _measure(study: XuStudy, ctx: RunContext) -> None:
    """Streams (cached once per image), perception samples (resumable per sample), fits."""
    from ..streams import samples as sm
    from ..streams.cache import cache_streams
    from ..streams.metrics import make_metric
    from .perception import store_fits

    me = study.measure
    inputs = image_inputs(me.images, me.count, "[measure]", captions=me.captions)
    ctx.say(f"encoding {len(inputs.files)} images (cached)")
    cache_streams(ctx.file, list(inputs.files), inputs.captions, quality=me.quality)
    metric = make_metric(me.metric, **metric_kwargs(me, ctx.device))
    conds = list(dict.fromkeys(sm.single_conditions(me.psis) + sm.joint_conditions((0.0,) + me.joint_psis,
                               (0.0,) + me.joint_psis) + sm.one_correct_conditions(me.psis) + list(sm.OUTCOMES)))
    bar = _bar(ctx.progress, "perception samples")
    sm.measure(ctx.file, conds, metric, repeats=me.repeats, seed=study.seed, device=ctx.device, progress=bar)
    link_conds = [(p, sm.ABSENT) for p in me.link_psis] + [(sm.ABSENT, p) for p in me.link_psis]
    sm.measure(ctx.file, link_conds, metric, repeats=me.repeats, seed=study.seed, channel="link", device=ctx.device)
    store_fits(ctx.file, metric.key)


def _curve(scheme: str, method: str, k: tuple[int, int], gain: float, noise: float, P: Any, sv: Any,
           study: XuStudy, grp: str, ctx: RunContext) -> None:
    streams = [StreamSpec(k[0], gain, noise), StreamSpec(k[1], gain, noise)]
    rows = [allocate(scheme, method, streams, P, t, rate=study.channel.rate, semantic_values=sv)
            for t in study.curves.targets]
    write_group(ctx.file, grp, {
        "target": np.array(study.curves.targets), "feasible": np.array([r.feasible for r in rows]),
        "total_power": np.array([r.total_power for r in rows]), "perception": np.array([r.perception for r in rows]),
        "errors": np.array([r.errors for r in rows]), "power": np.array([r.power for r in rows]),
        "snr": np.array([r.snr for r in rows])})


def _realizations(method: str, k: tuple[int, int], noise: float, P: Any, sv: Any, study: XuStudy,
                  ctx: RunContext) -> None:
    from .budget import perception_under_budget, realization_study

    re, ch = study.realizations, study.channel
    ctx.say(f"realizations: {method}")
    draws = realization_study("coded", [method], k, P, re.target, realizations=re.count, rate=ch.rate,
                              distance_m=ch.distance_m, noise_dbm=ch.noise_dbm, seed=study.seed,
                              pl0_db=ch.pl0_db, exponent=ch.exponent, semantic_values=sv)
    reach = np.array([perception_under_budget(
        "coded", method, [StreamSpec(k[0], float(gg[0]), noise), StreamSpec(k[1], float(gg[1]), noise)], P,
        re.budgets_w, rate=ch.rate, semantic_values=sv) for gg in draws["gains"]])
    write_group(ctx.file, f"realizations/{method}", {"gains": draws["gains"], "total_power": draws[method],
                                                     "budgets_w": np.array(re.budgets_w),
                                                     "perception_under_budget": reach})


def _real_link(k: tuple[int, int], gain: float, noise: float, P: Any, sv: Any, study: XuStudy,
               ctx: RunContext) -> None:
    from .reallink import real_link_check

    rl, ch = study.real_link, study.channel
    ctx.say("real-link check (5G LDPC)")
    streams = [StreamSpec(k[0], gain, noise), StreamSpec(k[1], gain, noise)]
    design = allocate("coded", rl.method, streams, P, rl.target, rate=ch.rate, semantic_values=sv)
    data: dict[str, Any] = {}
    attrs: dict[str, Any] = {"design": json.dumps(design.to_dict())}
    if design.feasible:
        chk = real_link_check(design, k, P, rate=ch.rate, trials=rl.trials, offsets_db=rl.offsets_db, k_cw=rl.k_cw,
                              seed=study.seed, device=ctx.device, decoder=study.decoder or "semlink")
        data["check"] = chk.table()
        attrs.update(chk.attrs())
    write_group(ctx.file, "real_link", data, attrs)


def _with_source(fn: Callable[..., None], key: str, name: str, scheme: str, head: tuple, tail: tuple,
                 ctx: RunContext) -> None:
    """``fn(*head, P, sv, *tail, ctx)`` with the perception functions ``P`` and semantic values ``sv``
    of source ``name`` rebuilt from the stored measurement (closures do not cross processes: a
    part's inputs are what the file holds)."""
    from .perception import forward_table, read_fits

    measured = (read_fits(ctx.file, key)["discard"][0], forward_table(ctx.file, key))
    P, sv = perception_source(name, scheme, measured=measured)
    fn(*head, P, sv, *tail, ctx)


def xu_parts(study: XuStudy, ctx: RunContext) -> Iterator[Part]:
    """The study's parts in order: measurement, power curves, realizations, real-link check.

    The later parts' configs depend on the measurement (measured K, fitted functions),
    so they are built after it has run (or was found done); they depend on nothing else, so
    ``--workers N`` runs them in parallel (:func:`~scenarios.study.parts.group_part`).
    """
    from ..streams.metrics import metric_key
    from .perception import forward_table, read_fits

    me, ch = study.measure, study.channel
    key = metric_key(me.metric, me.weights, me.random_weights)
    yield Part(f"perception/{key}", asdict(me), functools.partial(_measure, study), label="perception samples",
               seed=study.seed)
    # every image cached in the file is part of the study (a larger `count` adds images, none is dropped)
    k_meas = measured_bits(ctx.file)
    measured = (read_fits(ctx.file, key)["discard"][0], forward_table(ctx.file, key))
    gain = 10 ** (path_loss_db(ch.distance_m, ch.pl0_db, ch.exponent) / 10)
    noise = dbm_to_w(ch.noise_dbm)

    def k_for(name: str) -> tuple[int, int]:
        return k_meas if name == "measured" else study.k or k_meas

    def desc(name: str, scheme: str) -> str:
        return _desc(perception_source(name, scheme, measured=measured)[0])

    cu = study.curves
    for src in cu.sources:
        for scheme in [s for s in cu.schemes if s == "coded" or not src.startswith("paper:")]:
            what = desc(src, scheme)  # the paper publishes constants of the discard receiver only (coded)
            for m in cu.methods:
                grp = f"curves/{source_key(src)}/{scheme}/{m}"
                cfg = {"targets": cu.targets, "k": k_for(src), "channel": asdict(ch), "perception": what,
                       "method": m, "scheme": scheme}
                run = functools.partial(_with_source, _curve, key, src, scheme, (scheme, m, k_for(src), gain, noise),
                                        (study, grp))
                yield group_part(grp, cfg, run, ctx, label=f"power curve {source_key(src)} {scheme} {m}",
                                 seed=study.seed)
    re = study.realizations
    what = desc(re.source, "coded")
    for m in re.methods:
        cfg = {"count": re.count, "target": re.target, "budgets_w": re.budgets_w, "k": k_for(re.source),
               "channel": asdict(ch), "perception": what, "method": m, "seed": study.seed}
        run = functools.partial(_with_source, _realizations, key, re.source, "coded", (m, k_for(re.source), noise),
                                (study,))
        yield group_part(f"realizations/{m}", cfg, run, ctx, label=f"realizations {m}", seed=study.seed)
    rl = study.real_link
    cfg = {**asdict(rl), "k": k_for(rl.source), "channel": asdict(ch), "perception": desc(rl.source, "coded"),
           "seed": study.seed, "decoder": study.decoder or "semlink", "layout": CHECK_LAYOUT}
    run = functools.partial(_with_source, _real_link, key, rl.source, "coded", (k_for(rl.source), gain, noise), (study,))
    yield group_part("real_link", cfg, run, ctx, label="real-link check", seed=study.seed)


def _desc(P: Any) -> str:
    """What a perception function is, for the config hash (a measured table: a digest of its values)."""
    if isinstance(P, DiscardPerception):
        return repr(P)
    return "table " + P.digest()


def _bar(progress: bool, what: str) -> Optional[Callable[[int, int], None]]:
    if not progress:
        return None
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, desc=what, leave=False)
        state["bar"].n = done
        state["bar"].refresh()
        if done >= total:
            state["bar"].close()

    return update
