r"""Design sweeps of the Qiao et al. study (Fig. 4 and Table II analogues); NumPy only.

* :func:`fig4_sweep`: for each average SNR :math:`\bar\gamma` (Section III-E) and edge BER target,
  the Lemma 1 design on the *mean* channel (:math:`|h_i|^2 = \mathbb E|h_i|^2`, both streams at the
  same distance) and over ``realizations`` independent Rayleigh draws per stream
  (:math:`|h_i|^2 = \mathbb E|h_i|^2 x_i`, :math:`x_i \sim \mathrm{Exp}(1)`, eq. (1)), with the
  semantic-unaware benchmark on the same draws (its one stream sees the prompt channel's fade).
  Averages over draws: the prompt power share, the edge bits/symbol, the expected
  retransmissions (eq. (3)'s :math:`1/(1-\mathrm{PER})`) and the latency (mean and median; the
  discrete model's outage draws, where even 4-QAM cannot meet the target with all of
  :math:`P_T`, are counted as outage probability and left out of the latency average).
* :func:`table2_ranges`: on the mean channel, the :math:`\bar\gamma` interval over which the
  exact discrete optimum picks each order (Table II's ":math:`30 \ge \bar\gamma \ge 24.2`"
  cells), with the order's minimum edge SNR :math:`\bar\gamma_1` and latency.
* :func:`solver_gaps`: Lemma 1 against the brute-force grid (the certified optimum of problem (5)).
* :data:`PAPER_TABLE_II` and :func:`paper_implied_bers`: the paper's Table II and the BER1* its
  64-QAM thresholds imply.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import lemma1
from . import models as m

__all__ = ["FIG4_FIELDS", "PAPER_TABLE_II", "mean_gain", "fig4_sweep", "draw_summary", "table2_ranges", "solver_gaps",
           "paper_implied_bers"]

#: per-design quantities stored by :func:`fig4_sweep`
FIG4_FIELDS = ("prompt_share", "latency_s", "bits_per_symbol", "retransmissions", "t0_s", "t1_s", "feasible")

#: Table II of the paper: per (CLIP, MS-SSIM) target pair, order -> (γ̄ min, γ̄1) in dB; outage below the
#: value of order 0
PAPER_TABLE_II = {
    (0.999, 0.991): {64: (24.2, 27), 16: (18.0, 21), 4: (11.2, 14), 0: 11.0},
    (0.997, 0.982): {64: (23.4, 26), 16: (17.2, 20), 4: (10.4, 13), 0: 10.2},
    (0.978, 0.918): {64: (22.2, 25), 16: (16.0, 19), 4: (9.4, 12), 0: 9.2},
}


def mean_gain(avg_snr_db: float, params: m.QiaoParams = m.TABLE_I) -> float:
    r"""E|h|² (linear) giving the average SNR :math:`\bar\gamma` (dB) under ``params``."""
    return m.gain_over_noise(10 ** (avg_snr_db / 10), params) * params.n0_w_hz


def _row(d: lemma1.Design) -> list[float]:
    return [d.prompt_share, d.latency_s, d.bits_per_symbol, d.retransmissions, d.t0_s, d.t1_s, float(d.feasible)]


def fig4_sweep(v0: float, v1: float, avg_snrs_db: Sequence[float], bers: Sequence[float], rate_model: str,
               realizations: int, seed: int = 0, params: m.QiaoParams = m.TABLE_I,
               unaware_ber: float = 1e-7) -> dict[str, np.ndarray]:
    """Designs over the grid; arrays ``mean_<field>[ber, snr]`` (mean channel) and
    ``draws_<field>[ber, snr, draw]`` (Rayleigh), ``unaware_mean[snr]``, ``unaware_draws[snr, draw]``
    (latency in s) and ``fades[snr, draw, 2]``.

    .. code-block:: python

        >>> r = fig4_sweep(800, 7864, [10.0, 20.0], [1e-5], "continuous", realizations=3)
        >>> r["mean_latency_s"].shape, r["draws_latency_s"].shape, bool(r["mean_latency_s"][0, 0] > r["mean_latency_s"][0, 1])
        ((1, 2), (1, 2, 3), True)
    """
    rng = np.random.default_rng(seed)
    snrs = [float(s) for s in avg_snrs_db]
    fades = rng.exponential(1.0, size=(len(snrs), realizations, 2))
    nf = len(FIG4_FIELDS)
    mean = np.zeros((len(bers), len(snrs), nf))
    draws = np.zeros((len(bers), len(snrs), realizations, nf))
    un_mean = np.zeros(len(snrs))
    un_draws = np.zeros((len(snrs), realizations))
    for j, s in enumerate(snrs):
        g = mean_gain(s, params)
        un_mean[j] = lemma1.semantic_unaware(v0, v1, g, rate_model, unaware_ber, params).latency_s
        for r in range(realizations):
            un_draws[j, r] = lemma1.semantic_unaware(v0, v1, g * fades[j, r, 0], rate_model, unaware_ber,
                                                     params).latency_s
        for i, ber in enumerate(bers):
            mean[i, j] = _row(lemma1.solve(v0, v1, g, g, float(ber), rate_model, params))
            for r in range(realizations):
                draws[i, j, r] = _row(lemma1.solve(v0, v1, g * fades[j, r, 0], g * fades[j, r, 1], float(ber),
                                                   rate_model, params))
    out: dict[str, np.ndarray] = {"avg_snr_db": np.array(snrs), "ber": np.array(bers, dtype=float), "fades": fades,
                                  "unaware_mean": un_mean, "unaware_draws": un_draws}
    for k, name in enumerate(FIG4_FIELDS):
        out[f"mean_{name}"] = mean[..., k]
        out[f"draws_{name}"] = draws[..., k]
    return out


def draw_summary(sweep: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Averages over the Rayleigh draws per (ber, snr): ``share, bits, retx`` (means over feasible
    draws), ``latency_mean, latency_median`` (feasible draws), ``outage`` (fraction of draws)."""
    ok = sweep["draws_feasible"] > 0.5

    def masked(a: np.ndarray, fn: Any) -> np.ndarray:
        out = np.full(a.shape[:-1], np.nan)
        for idx in np.ndindex(*a.shape[:-1]):
            sel = a[idx][ok[idx] & np.isfinite(a[idx])]
            if sel.size:
                out[idx] = fn(sel)
        return out

    lat = sweep["draws_latency_s"]
    return {"share": masked(sweep["draws_prompt_share"], np.mean), "bits": masked(sweep["draws_bits_per_symbol"],
                                                                                   np.mean),
            "retx": masked(sweep["draws_retransmissions"], np.mean), "latency_mean": masked(lat, np.mean),
            "latency_median": masked(lat, np.median), "outage": 1 - ok.mean(axis=-1),
            "unaware_median": np.median(sweep["unaware_draws"], axis=-1)}


def table2_ranges(v0: float, v1: float, ber: float, params: m.QiaoParams = m.TABLE_I, lo_db: float = 0.0,
                  hi_db: float = 30.0, step_db: float = 0.1) -> list[dict[str, Any]]:
    """Per order (and 0 = outage), the γ̄ range (dB, mean channel) where the discrete optimum uses it.

    .. code-block:: python

        >>> rows = table2_ranges(800, 7864, 1.3e-6)
        >>> [r["modulation_order"] for r in rows], rows[0]["latency_ms"]
        ([64, 16, 4, 0], 1.3106666666666666)
    """
    grid = np.round(np.arange(lo_db, hi_db + step_db / 2, step_db), 6)
    orders = []
    for s in grid:
        g = mean_gain(float(s), params)
        d = lemma1.solve_discrete(v0, v1, g, g, ber, params)
        orders.append(int(d.modulation_order or 0))
    orders_arr = np.array(orders)
    table = {r["modulation_order"]: r for r in lemma1.modulation_table(v1, ber, params)}
    rows = []
    for order in sorted(set(m.QAM_ORDERS) | {0}, reverse=True):
        sel = grid[orders_arr == order]
        if order and order not in orders_arr:
            continue
        row: dict[str, Any] = {"modulation_order": order,
                               "avg_snr_min_db": float(sel.min()) if sel.size else None,
                               "avg_snr_max_db": float(sel.max()) if sel.size else None}
        if order:
            row["min_edge_snr_db"] = table[order]["min_snr_db"]
            row["latency_ms"] = table[order]["latency_ms"]
        rows.append(row)
    return rows


def solver_gaps(v0: float, v1: float, avg_snrs_db: Sequence[float], bers: Sequence[float], rate_model: str,
                params: m.QiaoParams = m.TABLE_I, points: int = 200) -> list[dict[str, Any]]:
    """Lemma 1 (or the exact discrete enumeration) vs :func:`lemma1.brute_force` on the mean channel:
    ``gap`` = latency / brute-force latency − 1 (≤ 0: the solver is at least as good as the grid)."""
    rows = []
    for ber in bers:
        for s in avg_snrs_db:
            g = mean_gain(float(s), params)
            d = lemma1.solve(v0, v1, g, g, float(ber), rate_model, params)
            bf = lemma1.brute_force(v0, v1, g, g, float(ber), rate_model, params, points=points)
            gap = d.latency_s / bf.latency_s - 1 if math.isfinite(bf.latency_s) and math.isfinite(d.latency_s) \
                else (0.0 if d.feasible == bf.feasible else math.nan)
            rows.append({"ber": float(ber), "avg_snr_db": float(s), "latency_ms": d.latency_s * 1e3,
                         "brute_force_ms": bf.latency_s * 1e3, "gap": gap, "p0_w": d.p0_w, "brute_force_p0_w": bf.p0_w})
    return rows


def paper_implied_bers(params: m.QiaoParams = m.TABLE_I) -> list[float]:
    r"""BER1* behind Table II: eq. (4)'s threshold solved for the BER at the paper's 64-QAM
    :math:`\bar\gamma_1` = 27 / 26 / 25 dB, :math:`\mathrm{BER} = e^{-\alpha\gamma_1/(M-1)}/\beta`.

    .. code-block:: python

        >>> [f"{b:.3g}" for b in paper_implied_bers()]
        ['1.31e-06', '1.53e-05', '0.000107']
    """
    return [math.exp(-params.alpha * 10 ** (g / 10) / 63) / params.beta for g in (27.0, 26.0, 25.0)]
