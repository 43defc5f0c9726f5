r"""Design sweeps of the Qiao et al. study (Fig. 4 and Table II analogues); NumPy only.

* :func:`fig4_sweep`: for each average SNR :math:`\bar\gamma` (Section III-E) and edge BER target,
  the Lemma 1 design on the *mean* channel (:math:`|h_i|^2 = \mathbb E|h_i|^2`, both streams at the
  same distance) and over ``realizations`` independent Rayleigh draws per stream
  (:math:`|h_i|^2 = \mathbb E|h_i|^2 x_i`, :math:`x_i \sim \mathrm{Exp}(1)`, eq. (1)), with the
  semantic-unaware benchmark on the same draws (its one stream sees the prompt channel's fade). In the
  proposed design's draws the prompt keeps its *mean* gain (eq. (2) already averages the block fade, so it
  takes the mean SNR); only the edge stream's fade :math:`x_1` enters.
  Every draw is stored: power share :math:`p_0/P_T`, latency, edge bits/symbol, eq. (3)'s expected
  transmissions, :math:`T_0, T_1`, feasibility, the binding constraint (:data:`BINDINGS`) and the power
  used; the discrete model's orders and tie-break (:data:`TIE_BREAKS`) with them.
* :func:`draw_summary`: the Rayleigh statistics that exist. The *mean* over fades of latency or
  transmissions does not: with the continuous rate, as :math:`x_1 \to 0` the edge stream takes nearly all
  of :math:`P_T` and the latency grows like :math:`1/x_1`, and :math:`\mathbb E[1/X] = \int_0^\infty
  e^{-x}/x\,dx = \infty`; with discrete MQAM, just above the 4-QAM threshold the prompt's power
  :math:`p_0 \to 0` and eq. (3)'s transmissions :math:`\exp(c/\gamma_0)` (:math:`c = k\ln L + b > 0`) grow
  without bound, with positive density there. A sample mean over draws is dominated by the deepest fade
  and does not settle as draws are added. Hence medians and
  10 % / 90 % quantiles over the feasible draws, each with a seeded percentile bootstrap band over draws,
  and the outage fraction with a Clopper–Pearson interval over draws.
* :func:`solver_gaps`: Lemma 1 against the brute-force grid (the certified optimum of problem (5)).
* The Table II analogue is :mod:`scenarios.qiao.table2`.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from ..study.stats import BOOTSTRAP_RESAMPLES, MIN_UNITS
from . import lemma1
from . import models as m

__all__ = ["FIG4_FIELDS", "BINDINGS", "TIE_BREAKS", "QUANTILES", "SUMMARY_FIELDS", "mean_gain", "fig4_sweep",
           "draw_summary", "solver_gaps"]

#: per-design quantities stored by :func:`fig4_sweep` (``prompt_share`` = p0/P_T; ``binding``: index into
#: :data:`BINDINGS`, -1 where nothing is sent; ``power_used_w`` = p0 + p1)
FIG4_FIELDS = ("prompt_share", "latency_s", "bits_per_symbol", "retransmissions", "t0_s", "t1_s", "feasible",
               "binding", "power_used_w")
#: :attr:`lemma1.Design.binding` values, stored as their index
BINDINGS = ("equal", "edge", "prompt")
#: the discrete model's tie-breaks when the edge stream binds (stored as the index ``tie_break``): "equal" gives
#: the prompt the power for T0 = T1 (the paper's rule), "prompt-all" all the power the edge stream leaves
TIE_BREAKS = lemma1.TIE_BREAKS
#: the quantiles :func:`draw_summary` gives over the feasible Rayleigh draws
QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}
#: the per-draw quantities :func:`draw_summary` summarizes
SUMMARY_FIELDS = ("latency_s", "retransmissions", "prompt_share", "bits_per_symbol")


def mean_gain(avg_snr_db: float, params: m.QiaoParams = m.TABLE_I) -> float:
    r"""E|h|² (linear) giving the average SNR :math:`\bar\gamma` (dB) under ``params``."""
    return m.gain_over_noise(10 ** (avg_snr_db / 10), params) * params.n0_w_hz


def _row(d: lemma1.Design) -> list[float]:
    code = BINDINGS.index(d.binding) if d.feasible and d.binding in BINDINGS else -1
    return [d.prompt_share, d.latency_s, d.bits_per_symbol, d.retransmissions, d.t0_s, d.t1_s, float(d.feasible),
            float(code), d.power_used_w]


def fig4_sweep(v0: float, v1: float, avg_snrs_db: Sequence[float], bers: Sequence[float], rate_model: str,
               realizations: int, seed: int = 0, params: m.QiaoParams = m.TABLE_I, unaware_ber: float = 1e-7,
               orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "equal") -> dict[str, np.ndarray]:
    """Lemma 1 designs over the grid (:func:`lemma1.solve` with ``orders`` and ``tie_break``): arrays
    ``mean_<field>[ber, snr]`` (mean channel) and ``draws_<field>[ber, snr, draw]`` (Rayleigh) for each of
    :data:`FIG4_FIELDS`, ``unaware_mean[snr]``, ``unaware_draws[snr, draw]`` (latency in s; the benchmark's
    one stream sees the draw's fade x0; its BER ``unaware_ber``), ``fades[snr, draw, 2]``, ``orders``,
    ``tie_break`` (index into :data:`TIE_BREAKS`) and ``power_w`` (P_T). Outage draws keep their raw values
    (infinite latency, ``feasible`` 0). In a draw the edge stream sees its fade x1 (adaptive MQAM knows it) and
    the prompt its *mean* gain: eq. (2) takes the mean SNR of block fading (:mod:`scenarios.qiao.reallink`),
    so giving it a drawn fade would count the prompt's fading twice.

    .. code-block:: python

        >>> r = fig4_sweep(800, 7864, [10.0, 20.0], [1e-5], "continuous", realizations=3)
        >>> lat = r["mean_latency_s"]
        >>> lat.shape, r["draws_latency_s"].shape, bool(lat[0, 0] > lat[0, 1])
        ((1, 2), (1, 2, 3), True)
        >>> [BINDINGS[int(c)] for c in r["mean_binding"][0]]   # the continuous root: T0 = T1 at full power
        ['equal', 'equal']
    """
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {', '.join(TIE_BREAKS)}, got {tie_break!r}")
    if isinstance(realizations, bool) or not isinstance(realizations, (int, np.integer)) or realizations < 1:
        raise ValueError(f"realizations must be a positive integer, got {realizations!r}")
    rng = np.random.default_rng(seed)
    snrs = [float(s) for s in avg_snrs_db]
    fades = rng.exponential(1.0, size=(len(snrs), realizations, 2))  # x_i ~ Exp(1): |h_i|^2 = E|h_i|^2 x_i, eq. (1)
    nf = len(FIG4_FIELDS)
    mean = np.zeros((len(bers), len(snrs), nf))
    draws = np.zeros((len(bers), len(snrs), realizations, nf))
    un_mean, un_draws = np.zeros(len(snrs)), np.zeros((len(snrs), realizations))
    kw: dict[str, Any] = {"orders": tuple(int(o) for o in orders), "tie_break": tie_break}
    for j, s in enumerate(snrs):
        g = mean_gain(s, params)
        un_mean[j] = lemma1.semantic_unaware(v0, v1, g, rate_model, unaware_ber, params, kw["orders"]).latency_s
        un_draws[j] = [lemma1.semantic_unaware(v0, v1, g * x, rate_model, unaware_ber, params, kw["orders"]).latency_s
                       for x in fades[j, :, 0]]
        for i, ber in enumerate(bers):
            mean[i, j] = _row(lemma1.solve(v0, v1, g, g, float(ber), rate_model, params, **kw))
            for r in range(realizations):
                # eq. (2) takes the prompt's MEAN SNR (its per-packet fading is inside eq. (2),
                # scenarios.qiao.reallink): only the edge stream's fade x1 enters the draw's design
                draws[i, j, r] = _row(lemma1.solve(v0, v1, g, g * fades[j, r, 1], float(ber), rate_model, params,
                                                   **kw))
    out: dict[str, np.ndarray] = {"avg_snr_db": np.array(snrs), "ber": np.array(bers, dtype=float), "fades": fades,
                                  "unaware_mean": un_mean, "unaware_draws": un_draws,
                                  "unaware_ber": np.array(float(unaware_ber)), "power_w": np.array(params.power_w),
                                  "orders": np.array(kw["orders"], dtype=np.int64),
                                  "tie_break": np.array(TIE_BREAKS.index(tie_break), dtype=np.int64)}
    for k, name in enumerate(FIG4_FIELDS):
        out[f"mean_{name}"] = mean[..., k]
        out[f"draws_{name}"] = draws[..., k]
    return out


def _quantile_stats(v: np.ndarray, seed: int, boot: int, confidence: float) -> np.ndarray:
    """``[quantile, (value, lo, hi), field]`` of ``v[draw, field]`` for :data:`QUANTILES`: the sample quantile
    and its percentile bootstrap band over draws, resampled exactly as :func:`scenarios.study.stats.bootstrap`
    does (same seed, same resamples); no band (NaN) below ``MIN_UNITS`` draws or with ``boot = 0``."""
    qs = list(QUANTILES.values())
    out = np.full((len(qs), 3, v.shape[1]), np.nan)
    n = v.shape[0]
    if n == 0:
        return out
    out[:, 0] = np.quantile(v, qs, axis=0)
    if n >= MIN_UNITS and boot > 0:
        rng = np.random.default_rng(seed)
        b = np.quantile(v[rng.integers(0, n, size=(boot, n))], qs, axis=1)  # [quantile, boot, field]
        a = (1 - confidence) / 2
        out[:, 1], out[:, 2] = np.quantile(b, a, axis=1), np.quantile(b, 1 - a, axis=1)
    return out


def _fraction(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of draws (last axis) with its Clopper–Pearson interval over draws (NaN below MIN_UNITS)."""
    from linklevel.theory.stats import clopper_pearson

    k, n = hits.sum(axis=-1), hits.shape[-1]
    lo, hi = clopper_pearson(k, np.full_like(k, n))
    if n < MIN_UNITS:
        lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    return k / n, np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def draw_summary(sweep: dict[str, np.ndarray], seed: int = 0, boot: int = BOOTSTRAP_RESAMPLES,
                 confidence: float = 0.95, snr_index: Optional[Sequence[int]] = None) -> dict[str, np.ndarray]:
    """Rayleigh statistics per (ber, snr) over the draws (the independent unit), arrays ``[ber, snr]`` (only the
    γ̄ columns ``snr_index`` when given; the bootstrap costs ~50 ms per cell):

    * ``<field>_<q>`` for each of :data:`SUMMARY_FIELDS` and ``q`` in :data:`QUANTILES` (median, 10 % and 90 %
      quantiles over the *feasible* draws), with ``<field>_<q>_lo`` / ``_hi``, its 95 % percentile bootstrap
      band over draws (seeded ``seed``; none with ``boot = 0`` or fewer than ``MIN_UNITS`` feasible draws);
    * ``prompt_share_mean``, ``bits_per_symbol_mean``: means over feasible draws (bounded, so they exist);
      no mean of latency or transmissions is given: it is infinite (module docstring);
    * ``draws``, ``feasible`` (counts), ``outage`` (fraction of draws with nothing sent: no order meets the
      target, or a latency beyond floating point) with ``outage_lo`` / ``_hi`` (Clopper–Pearson over draws);
    * ``unaware_latency_s_<q>`` (and bands), ``unaware_outage`` (and interval), arrays ``[snr]``.

    .. code-block:: python

        >>> s = draw_summary(fig4_sweep(800, 7864, [10.0], [1e-5], "continuous", realizations=30, seed=1))
        >>> bool(s["latency_s_p10"][0, 0] <= s["latency_s_median"][0, 0] <= s["latency_s_p90"][0, 0])
        True
        >>> bool(s["latency_s_median_lo"][0, 0] <= s["latency_s_median"][0, 0] <= s["latency_s_median_hi"][0, 0])
        True
    """
    cols = slice(None) if snr_index is None else np.asarray(snr_index, dtype=int)
    ok = sweep["draws_feasible"][:, cols] > 0.5
    nb, ns, nd = ok.shape
    vals = np.stack([sweep[f"draws_{f}"][:, cols] for f in SUMMARY_FIELDS], axis=-1)  # [ber, snr, draw, field]
    st = np.full((nb, ns, len(QUANTILES), 3, len(SUMMARY_FIELDS)), np.nan)
    means = np.full((nb, ns, len(SUMMARY_FIELDS)), np.nan)
    for i, j in np.ndindex(nb, ns):
        v = vals[i, j][ok[i, j]]
        st[i, j] = _quantile_stats(v, seed, boot, confidence)
        if v.size:
            means[i, j] = v.mean(axis=0)
    out: dict[str, np.ndarray] = {"draws": np.full((nb, ns), nd), "feasible": ok.sum(axis=-1)}
    for k, name in enumerate(SUMMARY_FIELDS):
        for q, qn in enumerate(QUANTILES):
            for e, suffix in enumerate(("", "_lo", "_hi")):
                out[f"{name}_{qn}{suffix}"] = st[:, :, q, e, k]
    for name in ("prompt_share", "bits_per_symbol"):
        out[f"{name}_mean"] = means[..., SUMMARY_FIELDS.index(name)]
    out["outage"], out["outage_lo"], out["outage_hi"] = _fraction(~ok)
    un = sweep["unaware_draws"][cols]
    uok = np.isfinite(un)
    ust = np.stack([_quantile_stats(un[j][uok[j]][:, None], seed, boot, confidence)[..., 0] for j in range(ns)])
    for q, qn in enumerate(QUANTILES):
        for e, suffix in enumerate(("", "_lo", "_hi")):
            out[f"unaware_latency_s_{qn}{suffix}"] = ust[:, q, e]
    out["unaware_outage"], out["unaware_outage_lo"], out["unaware_outage_hi"] = _fraction(~uok)
    return out


def solver_gaps(v0: float, v1: float, avg_snrs_db: Sequence[float], bers: Sequence[float], rate_model: str,
                params: m.QiaoParams = m.TABLE_I, points: int = 200, orders: Sequence[int] = m.PAPER_ORDERS,
                tie_break: str = "equal") -> list[dict[str, Any]]:
    """Lemma 1 (or the exact discrete enumeration, ``orders``, ``tie_break``) vs :func:`lemma1.brute_force` on
    the mean channel: ``gap`` = latency / brute-force latency − 1 (≤ 0: the solver is at least as good as the
    grid; the tie-break changes the split, not the latency)."""
    rows = []
    for ber in bers:
        for s in avg_snrs_db:
            g = mean_gain(float(s), params)
            d = lemma1.solve(v0, v1, g, g, float(ber), rate_model, params, orders, tie_break)
            bf = lemma1.brute_force(v0, v1, g, g, float(ber), rate_model, params, points=points, orders=orders)
            gap = d.latency_s / bf.latency_s - 1 if math.isfinite(bf.latency_s) and math.isfinite(d.latency_s) \
                else (0.0 if d.feasible == bf.feasible else math.nan)
            rows.append({"ber": float(ber), "avg_snr_db": float(s), "latency_ms": d.latency_s * 1e3,
                         "brute_force_ms": bf.latency_s * 1e3, "gap": gap, "p0_w": d.p0_w, "brute_force_p0_w": bf.p0_w})
    return rows
