"""Figures (PNG) and the Markdown report of the Qiao latency study (:mod:`scenarios.qiao.study`).

Everything is read back from the study's HDF5 file. Figures: ``fig4_<rate_model>.png`` (prompt
power share, latency proposed vs semantic-unaware, edge bits/symbol, expected retransmissions vs γ̄;
mean channel and Rayleigh averages), ``quality.png`` (Φ vs edge BER with its band),
``eq2_per.png`` (measured PER with intervals vs eq. (2) as printed and refitted),
``eq4_mqam.png`` (bound vs exact vs simulated uncoded M-QAM) and ``end_to_end.png`` (achieved vs
designed latency).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Optional

import h5py
import numpy as np

from linklevel.store.h5io import open_result

from . import models as m
from .sweep import draw_summary

__all__ = ["write_qiao_report", "unaware_comparison", "e2e_summary", "PAPER_TABLE_II"]

#: Table II of the paper: per target pair, order -> (γ̄ min, γ̄1) in dB; outage below the last value
PAPER_TABLE_II = {
    (0.999, 0.991): {64: (24.2, 27), 16: (18.0, 21), 4: (11.2, 14), 0: 11.0},
    (0.997, 0.982): {64: (23.4, 26), 16: (17.2, 20), 4: (10.4, 13), 0: 10.2},
    (0.978, 0.918): {64: (22.2, 25), 16: (16.0, 19), 4: (9.4, 12), 0: 9.2},
}


def _attr(g: Any, name: str) -> Any:
    return json.loads(g.attrs[name])


def _save(fig: Any, path: str) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(x: Optional[float], spec: str = ".3g") -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def unaware_comparison(d: dict[str, np.ndarray], below_db: float = 12.0) -> list[dict[str, Any]]:
    """Per BER target: proposed (mean channel) / unaware latency below and above ``below_db``."""
    snr = d["avg_snr_db"]
    out = []
    for i, ber in enumerate(d["ber"]):
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = d["mean_latency_s"][i] / d["unaware_mean"]
        prop_ok, un_ok = np.isfinite(d["mean_latency_s"][i]), np.isfinite(d["unaware_mean"])
        ok = prop_ok & un_ok
        lo = ok & (snr < below_db)
        out.append({"ber": float(ber), "faster_below": [float(s) for s in snr[lo & (ratio < 1)]],
                    "snrs_below": int(lo.sum()),
                    "unaware_outage_only": [float(s) for s in snr[prop_ok & ~un_ok]],
                    "ratio_below": [float(np.min(ratio[lo])), float(np.max(ratio[lo]))] if lo.any() else None,
                    "ratio_above": [float(np.min(ratio[ok & ~lo])), float(np.max(ratio[ok & ~lo]))]
                    if (ok & ~lo).any() else None,
                    "infeasible_snrs": [float(s) for s in snr[~prop_ok]]})
    return out


def e2e_summary(draws: np.ndarray, cols: list[str], ber: float, boot: int = 1000, seed: int = 0
                ) -> list[dict[str, Any]]:
    """Per average SNR: outage, prompts never delivered (retransmission cap), designed vs achieved
    latency, transmissions, pooled edge BER (bootstrap 95 % over draws, the independent unit) and
    achieved quality (over the draws that were sent and delivered)."""
    c = {n: draws[:, i] for i, n in enumerate(cols)}
    rng = np.random.default_rng(seed)
    out = []
    for s in np.unique(c["avg_snr_db"]):
        sel = c["avg_snr_db"] == s
        sent = sel & (c["order"] > 0)
        row: dict[str, Any] = {"avg_snr_db": float(s), "draws": int(sel.sum()), "outage": float(1 - sent.sum() /
                                                                                                   sel.sum())}
        row["not_delivered"] = int(np.sum(sent & ~np.isfinite(c["achieved_t0"])))
        sent = sent & np.isfinite(c["achieved_t0"])  # a prompt never delivered (cap reached) is counted apart
        if sent.any():
            des, ach = c["designed_latency"][sent], c["achieved_latency"][sent]
            e, n = c["edge_errors"][sent], c["edge_bits"][sent]
            idx = rng.integers(0, e.size, size=(boot, e.size))
            pooled = e[idx].sum(1) / n[idx].sum(1)
            q = c["quality"][sent]
            row.update({"designed_latency_ms": float(np.mean(des) * 1e3), "achieved_latency_ms": float(
                np.mean(ach) * 1e3), "achieved_over_designed": [float(np.quantile(ach / des, p)) for p in
                                                                (0.1, 0.5, 0.9)],
                        "transmissions_mean": float(np.mean(c["transmissions"][sent])),
                        "designed_t0_ms": float(np.mean(c["designed_t0"][sent]) * 1e3),
                        "achieved_t0_ms": float(np.mean(c["achieved_t0"][sent]) * 1e3),
                        "edge_ber": float(e.sum() / n.sum()), "edge_ber_ci": [float(np.quantile(pooled, 0.025)),
                                                                              float(np.quantile(pooled, 0.975))],
                        "draws_above_target": int(np.sum(e / n > ber)), "orders": {
                            str(int(o)): int(np.sum(c["order"][sent] == o)) for o in np.unique(c["order"][sent])}})
            if np.isfinite(q).any():
                qq = q[np.isfinite(q)]
                qb = qq[rng.integers(0, qq.size, size=(boot, qq.size))].mean(1)
                row["quality_mean"] = float(qq.mean())
                row["quality_ci"] = [float(np.quantile(qb, 0.025)), float(np.quantile(qb, 0.975))]
                row["quality_min"] = float(qq.min())
        out.append(row)
    return out


# --------------------------------------------------------------------------- figures
def _fig4(d: dict[str, np.ndarray], rm: str, path: str) -> str:
    import matplotlib.pyplot as plt

    s = draw_summary(d)
    x = d["avg_snr_db"]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    for i, ber in enumerate(d["ber"]):
        lab = f"BER {ber:.3g}"
        line, = ax[0, 0].plot(x, 100 * d["mean_prompt_share"][i], label=lab)
        ax[0, 0].plot(x, 100 * s["share"][i], "--", color=line.get_color())
        ax[0, 1].semilogy(x, 1e3 * d["mean_latency_s"][i], color=line.get_color(), label=lab)
        ax[0, 1].semilogy(x, 1e3 * s["latency_median"][i], "--", color=line.get_color())
        ax[1, 0].plot(x, d["mean_bits_per_symbol"][i], color=line.get_color(), label=lab)
        ax[1, 0].plot(x, s["bits"][i], "--", color=line.get_color())
        ax[1, 1].semilogy(x, d["mean_retransmissions"][i], color=line.get_color(), label=lab)
        ax[1, 1].semilogy(x, s["retx"][i], "--", color=line.get_color())
    ax[0, 1].semilogy(x, 1e3 * d["unaware_mean"], "k-", lw=2, label="semantic-unaware (BER 1e-7)")
    ax[0, 1].semilogy(x, 1e3 * s["unaware_median"], "k--", lw=1)
    for a, t in zip(ax.flat, ("(a) prompt power share (%)", "(b) latency (ms)", "(c) edge bits/symbol",
                              "(d) expected prompt transmissions")):
        a.set_title(t)
        a.set_xlabel("average SNR γ̄ (dB)")
        a.grid(True, which="both", alpha=0.3)
    ax[0, 1].legend(fontsize=8)
    fig.suptitle(f"Fig. 4 analogue, {rm} rate (solid: mean channel; dashed: Rayleigh draws, mean/median)")
    return _save(fig, path)


def _fig_quality(f: h5py.File, targets: list, path: str) -> str:
    import matplotlib.pyplot as plt

    g = f["quality"]
    ber = g["ber"][()]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for q in g["metrics"]:
        v = g[f"metrics/{q}"][()]
        line, = ax.semilogx(ber, v, "o-", label=f"{q}: {g[f'metrics/{q}'].attrs.get('label', '')[:60]}")
        if f"band/{q}" in g:
            b = g[f"band/{q}"][()]
            ax.fill_between(ber, b[0], b[1], color=line.get_color(), alpha=0.2)
        for t in targets:
            eps = t["targets"].get(q)
            if eps is not None:
                ax.axhline(eps, color=line.get_color(), ls=":", lw=0.8)
    ax.set_xlabel("edge-map BER (prompt intact)")
    ax.set_ylabel("normalized quality")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)


def _fig_eq2(points: list, kb: Optional[list], k: float, b: float, path: str) -> str:
    import matplotlib.pyplot as plt

    from .eq2_check import model_per

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    for a, ch in zip(axes, ("awgn", "rayleigh")):
        pts = [p for p in points if p["channel"] == ch]
        for L in sorted({p["length"] for p in pts}):
            pp = [p for p in pts if p["length"] == L]
            x = np.array([p["snr_db"] for p in pp])
            y = np.array([max(p["per"], 1e-6) for p in pp])
            lo = np.array([max(p["per_ci"][0], 1e-6) for p in pp])
            hi = np.array([p["per_ci"][1] for p in pp])
            bar = a.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o", capsize=3, label=f"L = {L}: link")
            xs = np.linspace(x.min(), x.max(), 60)
            a.semilogy(xs, [model_per(10 ** (s / 10), L, ch, k, b) for s in xs], "-", color=bar[0].get_color(),
                       label=f"L = {L}: eq. (2)")
            if kb:
                a.semilogy(xs, [max(model_per(10 ** (s / 10), L, ch, kb[0], kb[1]), 1e-6) for s in xs], ":",
                           color=bar[0].get_color())
        a.set_yscale("log")
        a.set_title(f"prompt PER, {ch} (dotted: eq. (2) refitted)")
        a.set_xlabel("Es/N0 γ0 (dB)" + (" (mean)" if ch == "rayleigh" else ""))
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7)
    return _save(fig, path)


def _fig_eq4(sim: list, alpha: float, beta: float, path: str) -> str:
    import matplotlib.pyplot as plt

    from .eq4_check import exact_ber

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs = np.linspace(0, 36, 181)
    for order in m.QAM_ORDERS:
        bound = [m.mqam_ber_bound(10 ** (s / 10), order, alpha, beta) for s in xs]
        line, = ax.semilogy(xs, bound, "--", label=f"{order}-QAM eq. (4) bound")
        ax.semilogy(xs, [exact_ber(10 ** (s / 10), order) for s in xs], "-", color=line.get_color(),
                    label=f"{order}-QAM exact")
        pts = [p for p in sim if p["modulation_order"] == order]
        if pts:
            y = np.array([max(p["ber"], 1e-9) for p in pts])
            ax.errorbar([p["snr_db"] for p in pts], y, yerr=[y - np.array([max(p["ber_ci"][0], 1e-9) for p in pts]),
                                                             np.array([p["ber_ci"][1] for p in pts]) - y],
                        fmt="o", color=line.get_color(), capsize=3)
    ax.set_ylim(1e-8, 0.5)
    ax.set_xlabel("Es/N0 γ1 (dB)")
    ax.set_ylabel("BER")
    ax.set_title("eq. (4)'s bound vs exact Gray M-QAM (dots: simulated at the bound's thresholds)")
    ax.legend(fontsize=6, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)


def _fig_e2e(draws: np.ndarray, cols: list[str], path: str) -> str:
    import matplotlib.pyplot as plt

    c = {n: draws[:, i] for i, n in enumerate(cols)}
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for s in np.unique(c["avg_snr_db"]):
        sel = (c["avg_snr_db"] == s) & (c["order"] > 0)
        if not sel.any():
            continue
        r = np.sort(c["achieved_latency"][sel] / c["designed_latency"][sel])
        ax.step(r, np.arange(1, r.size + 1) / r.size, where="post", label=f"γ̄ = {s:g} dB ({sel.sum()} sent)")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("achieved / designed latency (real links)")
    ax.set_ylabel("CDF over Rayleigh draws")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return _save(fig, path)


# --------------------------------------------------------------------------- report
def _table2_md(rows: list) -> list[str]:
    lines = ["| targets (CLIP, MS-SSIM) | metrics used | BER1* | M1 | γ̄ range (dB) | γ̄1 min (dB) | T (ms) | paper γ̄ ≥ (γ̄1) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        pair = (r["targets"].get("clip"), r["targets"].get("ms_ssim"))
        paper = PAPER_TABLE_II.get(pair, {})
        used = ", ".join(r["used"]) + (f" (no {', '.join(r['missing'])} in the source)" if r["missing"] else "")
        if r.get("paper_implied"):
            used = "BER1* implied by the paper's 64-QAM γ̄1 (eq. (4) inverted)"
        if not r["ranges"]:
            lines.append(f"| {pair} | {used} | infeasible | – | – | – | – | – |")
        for x in r["ranges"]:
            o = x["modulation_order"]
            rng = "–" if x["avg_snr_min_db"] is None else f"{x['avg_snr_min_db']:.1f} … {x['avg_snr_max_db']:.1f}"
            p = paper.get(o)
            ptxt = "–" if p is None else (f"≤ {p}" if o == 0 else f"{p[0]} ({p[1]})")
            lines.append(f"| {pair} | {used} | {_fmt(r['ber_star'], '.3g')} | {o} | {rng} | "
                         f"{_fmt(x.get('min_edge_snr_db'), '.2f')} | {_fmt(x.get('latency_ms'), '.3f')} | {ptxt} |")
    return lines


def _verdicts(s: dict[str, Any]) -> list[str]:
    """One bullet per checked claim, from the summary."""
    out = []
    rows = [r for r in s.get("table2", []) if r.get("paper_implied")]
    diffs = []
    for r in rows:
        paper = PAPER_TABLE_II.get((r["targets"]["clip"], r["targets"]["ms_ssim"]), {})
        for x in r["ranges"]:
            o = x["modulation_order"]
            if o in (4, 16, 64) and o in paper and x["avg_snr_min_db"] is not None:
                diffs.append(x["avg_snr_min_db"] - paper[o][0])
    if diffs:
        extra = any(x["modulation_order"] == 256 for r in rows for x in r["ranges"])
        out.append(f"- **Table II** follows from eqs. (2)-(4) and |v1| = {s['edge_bits']}: with the BER1* its 64-QAM "
                   f"γ̄1 imply, the γ̄ lower ends of 64/16/4-QAM differ from the paper's by {min(diffs):+.1f} … "
                   f"{max(diffs):+.1f} dB" + ("; the exact optimum also uses 256-QAM near 30 dB, which the paper's "
                                             "table omits." if extra else "."))
    for rm, d in s.get("designs", {}).items():
        gap = d.get("max_solver_gap")
        fast = [c for c in d["unaware"] if c["snrs_below"]]
        txt = "; ".join(f"BER {c['ber']:.2g}: faster at {len(c['faster_below'])}/{c['snrs_below']}"
                        + (f" (ratio {c['ratio_below'][0]:.2f} … {c['ratio_below'][1]:.2f})" if c["ratio_below"]
                           else "") for c in fast)
        out.append(f"- **Lemma 1 ({rm})** equals the brute-force optimum (largest gap {_fmt(gap, '+.1e')}). "
                   f"Semantic-unaware benchmark below 12 dB: {txt or 'no γ̄ below 12 dB where both send'}.")
    e2 = s.get("eq2")
    if e2:
        kb = e2["fit_kb"]
        out.append(f"- **Eq. (2)** is inside the measured PER's 95 % interval at {e2['consistent']} of {e2['points']} "
                   f"points (refitted {{k, b}} = {_fmt(kb[0] if kb else None)}, {_fmt(kb[1] if kb else None)}: "
                   f"{e2['consistent_refit']}); above the interval (pessimistic) at {e2['above']} points, below "
                   f"(optimistic) at {e2['below']}" + (f", at Es/N0 ≤ {e2['below_max_snr']:g} dB" if e2['below'] else "")
                   + ".")
        for r in e2["retransmissions"]:
            out.append(f"- **Retransmissions** at {r['snr_db']:g} dB: mean {r['mean']:.3f} [{r['mean_ci'][0]:.3f}, "
                       f"{r['mean_ci'][1]:.3f}] vs 1/(1−PER) {r['geometric_mean']:.3f} (geometric χ² p = "
                       f"{_fmt(r['chi2_p'], '.2f')}); eq. (3) predicts {r['eq3_mean']:.3f}.")
    e4 = s.get("eq4")
    if e4:
        ub = e4.get("upper_bound_from_db", {})
        out.append(f"- **Eq. (4)**'s bound is {e4['looseness_db'][0]:.2f} … {e4['looseness_db'][1]:.2f} dB conservative "
                   f"at the BER targets; it holds (simulated CI below the target) at {e4['simulated_bound_holds']} of "
                   f"{e4['simulated']} simulated points"
                   + (("; an upper bound of the exact BER only above " + ", ".join(
                       f"{_fmt(v, '.1f')} dB ({k}-QAM)" for k, v in ub.items())) if ub else "") + ".")
    ee = s.get("end_to_end")
    if ee:
        parts = []
        for r in ee["rows"]:
            if "edge_ber" in r:
                parts.append(f"γ̄ {r['avg_snr_db']:g} dB: outage {r['outage']:.2f}, median achieved/designed "
                             f"{r['achieved_over_designed'][1]:.3f}, edge BER {r['edge_ber']:.2g}")
        out.append(f"- **End to end** (BER1* {ee['ber_target']:.2g}): " + "; ".join(parts) + ".")
    return out


def write_qiao_report(study: Any, v: tuple[int, int]) -> tuple[dict[str, Any], list[str], str]:
    """Write the PNGs and ``report.md``; return (summary for ``--json``, figure paths, report path)."""
    import matplotlib

    matplotlib.use("Agg")
    from .study import ber_targets

    h5, out = study.result_file, study.out
    sy = study.system
    figs: list[str] = []
    summary: dict[str, Any] = {"prompt_bits": v[0], "edge_bits": v[1]}
    md = [f"# {study.name}: latency-aware multi-stream design (Qiao et al.)", "",
          f"|v0| = {v[0]} prompt bits, |v1| = {v[1]} edge bits; Table I system ({sy.power_mw:g} mW, "
          f"{sy.b0_hz / 1e6:g}+{sy.b1_hz / 1e6:g} MHz, N0 {sy.n0_dbm_hz:g} dBm/Hz, {{k, b}} = {{{sy.k}, {sy.b}}}, "
          f"{{α, β}} = {{{sy.alpha}, {sy.beta}}}). Seed {study.seed}.", ""]
    targets = ber_targets(study, h5)
    with open_result(h5) as f:
        # ---- quality
        if "quality" in f:
            src = str(f["quality"].attrs["source"])
            summary["quality"] = {"source": src, "ber_star": targets}
            figs.append(_fig_quality(f, targets, os.path.join(out, "quality.png")))
            md += ["## Quality constraint Φj(BER1)", "", f"Source: {src}.", "",
                   "| targets (CLIP, MS-SSIM) | BER1* | per metric |", "| --- | --- | --- |"]
            md += [f"| {tuple(t['targets'].values())} | {_fmt(t['ber_star'])} | "
                   + ", ".join(f"{k}: {_fmt(x)}" for k, x in t["ber_per_metric"].items())
                   + (f"; not in the source: {', '.join(t['missing'])}" if t["missing"] else "") + " |"
                   for t in targets]
            md.append("")
        # ---- designs
        summary["designs"] = {}
        for rm in ("continuous", "discrete"):
            if f"designs/{rm}" not in f:
                continue
            g = f[f"designs/{rm}"]
            d = {k: g[k][()] for k in g}
            gaps = _attr(g, "solver_gaps")
            cmp_ = unaware_comparison(d)
            figs.append(_fig4(d, rm, os.path.join(out, f"fig4_{rm}.png")))
            fin = [x["gap"] for x in gaps if x["gap"] is not None and math.isfinite(x["gap"])]
            summary["designs"][rm] = {"max_solver_gap": max(fin) if fin else None, "unaware": cmp_,
                                      "realizations": int(d["fades"].shape[1])}
            md += [f"## Fig. 4 analogue, {rm} rate", "", f"![fig4](fig4_{rm}.png)", "",
                   f"Solver vs brute-force grid ({len(gaps)} points, mean channel): largest gap "
                   f"{_fmt(max(fin) if fin else None, '+.2e')} (negative = the solver beats the grid).", "",
                   "Proposed (mean channel) / semantic-unaware latency:", "",
                   "| BER target | γ̄ < 12 dB where proposed is faster | ratio below 12 dB | ratio at ≥ 12 dB | "
                   "only proposed sends (unaware in outage) | proposed in outage |",
                   "| --- | --- | --- | --- | --- | --- |"]
            for c in cmp_:
                fast = (", ".join(f"{s:g}" for s in c["faster_below"]) or "none") + \
                    f" ({len(c['faster_below'])} of {c['snrs_below']})"
                rb, ra = c["ratio_below"], c["ratio_above"]
                md.append(f"| {c['ber']:.2g} | {fast} | "
                          f"{'–' if not rb else f'{rb[0]:.2f} … {rb[1]:.2f}'} | "
                          f"{'–' if not ra else f'{ra[0]:.2f} … {ra[1]:.2f}'} | "
                          f"{', '.join(f'{x:g}' for x in c['unaware_outage_only']) or '–'} | "
                          f"{', '.join(f'{x:g}' for x in c['infeasible_snrs']) or '–'} |")
            md.append("")
        # ---- table II
        if "table2" in f:
            rows = _attr(f["table2"], "rows")
            summary["table2"] = rows
            md += ["## Table II analogue (mean channel, discrete MQAM)", ""] + _table2_md(rows) + [""]
        # ---- eq2
        if "eq2" in f:
            pts = _attr(f["eq2"], "points")
            kb = _attr(f["eq2"], "fit_kb")
            retx = _attr(f["eq2"], "retransmissions")
            figs.append(_fig_eq2(pts, kb, sy.k, sy.b, os.path.join(out, "eq2_per.png")))
            from .eq2_check import model_per

            for p in pts:
                p["refit"] = model_per(10 ** (p["snr_db"] / 10), p["length"], p["channel"], kb[0], kb[1]) if kb else None
            n_ok = sum(p["verdict"] == "consistent" for p in pts)
            n_refit = sum(p["refit"] is not None and p["per_ci"][0] <= p["refit"] <= p["per_ci"][1] for p in pts)
            summary["eq2"] = {"fit_kb": kb, "paper_kb": [sy.k, sy.b], "points": len(pts), "consistent": n_ok,
                              "consistent_refit": n_refit, "above": sum(p["verdict"] == "eq2 above" for p in pts),
                              "below": sum(p["verdict"] == "eq2 below" for p in pts),
                              "below_max_snr": max([p["snr_db"] for p in pts if p["verdict"] == "eq2 below"],
                                                   default=None),
                              "retransmissions": [{k: r[k] for k in ("snr_db", "mean", "mean_ci", "geometric_mean",
                                                                     "eq3_mean", "chi2_p")} for r in retx]}
            md += ["## Eq. (2) on the real prompt link", "", "![eq2](eq2_per.png)", "",
                   f"Fitted {{k, b}} = {_fmt(kb[0] if kb else None, '.4g')}, {_fmt(kb[1] if kb else None, '.4g')} "
                   f"(paper {{{sy.k}, {sy.b}}}); eq. (2) inside the 95 % interval at {n_ok} of {len(pts)} points, refitted "
                   f"at {n_refit}. Eq. (2) falls like 1/γ0 in the exponent; the real PER has a waterfall, so no "
                   "{k, b} fits it across SNRs (the fit is a least-squares compromise).", "",
                   "| L | channel | Es/N0 (dB) | packets | errors | PER [95 % CI] | eq. (2) | verdict | eq. (2) refitted |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            md += [f"| {p['length']} | {p['channel']} | {p['snr_db']:g} | {p['packets']} | {p['errors']} | "
                   f"{p['per']:.3g} [{p['per_ci'][0]:.3g}, {p['per_ci'][1]:.3g}] | {p['eq2']:.3g} | {p['verdict']} | "
                   f"{_fmt(p.get('refit'))} |" for p in pts]
            md += ["", "Transmissions per prompt (CRC retransmission on AWGN) vs the geometric law:", "",
                   "| L | Es/N0 (dB) | prompts | mean [95 % CI] | 1/(1−PER) [95 % CI], PER on separate packets | "
                   "eq. (3) 1/(1−PER eq. 2) | "
                   "χ² p (geometric) | undetected |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
            md += [f"| {r['length']} | {r['snr_db']:g} | {r['prompts']} | {r['mean']:.3f} [{r['mean_ci'][0]:.3f}, "
                   f"{r['mean_ci'][1]:.3f}] | {r['geometric_mean']:.3f} [{r['geometric_ci'][0]:.3f}, "
                   f"{r['geometric_ci'][1]:.3f}] | {r['eq3_mean']:.3f} | "
                   f"{_fmt(r['chi2_p'], '.3f')} | {r['undetected']} |" for r in retx]
            md.append("")
        # ---- eq4
        if "eq4" in f:
            rows = _attr(f["eq4"], "rows")
            sim = _attr(f["eq4"], "simulated")
            figs.append(_fig_eq4(sim, sy.alpha, sy.beta, os.path.join(out, "eq4_mqam.png")))
            summary["eq4"] = {"looseness_db": [min(r["looseness_db"] for r in rows),
                                               max(r["looseness_db"] for r in rows)],
                              "simulated_bound_holds": sum(p["bound_holds"] for p in sim), "simulated": len(sim)}
            region = _attr(f["eq4"], "upper_bound_region") if "upper_bound_region" in f["eq4"].attrs else []
            summary["eq4"]["upper_bound_from_db"] = {str(r["modulation_order"]): r["upper_bound_from_db"]
                                                     for r in region}
            md += ["## Eq. (4)'s M-QAM bound", "", "![eq4](eq4_mqam.png)", "",
                   "Where 0.2·exp(−1.5γ/(M−1)) is an upper bound of the exact Gray BER (Es/N0 grid −5…45 dB, "
                   "0.05 dB): " + "; ".join(f"{r['modulation_order']}-QAM from {_fmt(r['upper_bound_from_db'], '.2f')} dB"
                                           + (" (also at some lower SNRs)" if r["holds_below"] else "")
                                           for r in region) + ".", "",
                   "| M | BER target | bound SNR (dB) | exact SNR (dB) | looseness (dB) | exact BER at the bound SNR |",
                   "| --- | --- | --- | --- | --- | --- |"]
            md += [f"| {r['modulation_order']} | {r['ber_target']:.0e} | {r['bound_snr_db']:.2f} | "
                   f"{r['exact_snr_db']:.2f} | {r['looseness_db']:+.2f} | {r['exact_ber_at_bound']:.3g} |" for r in rows]
            md += ["", "Simulated uncoded M-QAM at the bound's threshold (frame-cluster 95 % interval):", "",
                   "| M | BER target | Es/N0 (dB) | bits | errors | BER [95 % CI] | exact | bound holds | exact in CI |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            md += [f"| {p['modulation_order']} | {p['ber_target']:.0e} | {p['snr_db']:.2f} | {p['bits']} | "
                   f"{p['bit_errors']} | {p['ber']:.3g} [{p['ber_ci'][0]:.3g}, {p['ber_ci'][1]:.3g}] | "
                   f"{p['exact_ber']:.3g} | {'yes' if p['bound_holds'] else 'no'} | "
                   f"{'yes' if p['exact_in_ci'] else 'no'} |" for p in sim]
            md.append("")
        # ---- end to end
        if "end_to_end" in f:
            g = f["end_to_end"]
            draws, cols, ber = g["draws"][()], _attr(g, "columns"), _attr(g, "ber_target")
            rows = e2e_summary(draws, cols, ber, seed=study.seed)
            summary["end_to_end"] = {"ber_target": ber, "rows": rows}
            figs.append(_fig_e2e(draws, cols, os.path.join(out, "end_to_end.png")))
            md += ["## End to end on real links (discrete design per Rayleigh draw)", "", "![e2e](end_to_end.png)",
                   "", f"Edge BER target BER1* = {ber:.3g}; prompt = one CRC24A packet of |v0| bits on the conv "
                   "code (real duration includes CRC and tail); edge = uncoded M-QAM through the bridge.", "",
                   "| γ̄ (dB) | draws | outage | prompt not delivered | designed T (ms) | achieved T (ms) | achieved/designed p10/p50/p90 | "
                   "designed T0 (ms) | achieved T0 (ms) | transmissions | edge BER [95 % CI] | draws > BER1* | "
                   "quality [95 % CI] |", "| --- " * 13 + "|"]
            for r in rows:
                if "edge_ber" not in r:
                    md.append(f"| {r['avg_snr_db']:g} | {r['draws']} | {r['outage']:.2f} | {r['not_delivered']} |"
                              + " – |" * 9)
                    continue
                qtxt = "–" if "quality_mean" not in r else (f"{r['quality_mean']:.4f} [{r['quality_ci'][0]:.4f}, "
                                                            f"{r['quality_ci'][1]:.4f}]")
                a = r["achieved_over_designed"]
                md.append(f"| {r['avg_snr_db']:g} | {r['draws']} | {r['outage']:.2f} | {r['not_delivered']} | "
                          f"{r['designed_latency_ms']:.3f} | "
                          f"{r['achieved_latency_ms']:.3f} | {a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f} | "
                          f"{r['designed_t0_ms']:.3f} | {r['achieved_t0_ms']:.3f} | "
                          f"{r['transmissions_mean']:.3f} | {r['edge_ber']:.2g} [{r['edge_ber_ci'][0]:.2g}, "
                          f"{r['edge_ber_ci'][1]:.2g}] | {r['draws_above_target']} | {qtxt} |")
            md.append("")
    md[4:4] = ["## Verdicts", ""] + _verdicts(summary) + [""]
    report = os.path.join(out, "report.md")
    with open(report, "w") as fh:
        fh.write("\n".join(md) + "\n")
    return summary, figs, report
