"""The report of the ``jscc_vs_separation`` study (:mod:`scenarios.jscc.parts`) and its typed summary.

Sections: the models and their training budgets; the certified MCS thresholds (AWGN, OFDM-TDL); per channel a
figure (PSNR, MS-SSIM and, where computed, LPIPS vs Es/N0) and per bandwidth ratio a table of every system's mean
PSNR (and LPIPS) with its 95 % interval (images; on Rayleigh fades × images, crossed) and the separated systems'
loss rate; the verdicts (DeepJSCC
monotone and without a cliff, the separated system's cliff, the separated system never above the limit); the
crossover Es/N0 table with intervals; the SNR-mismatch figure; the comparison with published DeepJSCC curves
and what was not measured. Every section reads only what its part stored (a partial file reports what it has).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from linklevel.store.h5io import open_result

from ..study.report import Report
from ..study.summary import Summary
from ..study.tables import Table
from . import figures
from .curves import crossover_interval, has_metric, mean_interval, system_array, unit_values
from .report_text import models_section, published_section, unmeasured_section

__all__ = ["JSCCSummary", "report", "GRACEFUL_DB_PER_DB"]

#: Steepest fall of the mean PSNR per dB of Es/N0 that is still graceful. The ideal separated system (best coder
#: point at U·log2(1 + SNR)) falls at most ~1.5 dB/dB on this grid (its rate shrinks by ~17 %/dB at 0 dB, the coders
#: lose ~6 dB per halving); a stream lost to a CRC failure falls to mid-grey, ~12 dB within one 2 dB step (6 dB/dB).
#: A coarse grid (the quick variant's 10 dB steps) cannot resolve a cliff.
GRACEFUL_DB_PER_DB = 2.5
CROSS_SYSTEMS = ("separated_jpeg2000", "separated_hyperprior", "limit_shannon")


@dataclass
class JSCCSummary(Summary):
    """What the report concludes, keyed ``"<channel> c=<c>"`` (empty: that part is not in the file)."""

    images: int = 0
    jscc_monotone: dict[str, bool] = field(default_factory=dict)
    jscc_worst_fall_db_per_db: dict[str, float] = field(default_factory=dict)
    separated_worst_fall_db_per_db: dict[str, float] = field(default_factory=dict)
    separated_above_limit: dict[str, int] = field(default_factory=dict)
    crossovers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{k}: DeepJSCC monotone {v}, worst fall {self.jscc_worst_fall_db_per_db.get(k, math.nan):.2f} dB/dB; "
               f"separated (JPEG2000) worst fall {self.separated_worst_fall_db_per_db.get(k, math.nan):.2f} dB/dB, "
               f"above the limit at {self.separated_above_limit.get(k, 0)} points" for k, v in self.jscc_monotone.items()]
        for k, v in self.crossovers.items():
            iv = "" if v.get("lo") is None else f" [{v['lo']:.1f}, {v['hi']:.1f}]"
            out.append(f"crossover {k}: {v['value']:.1f} dB{iv}")
        return out


def _read(file: str) -> tuple[dict[str, Table], dict[str, Any]]:
    tabs, attrs = {}, {}
    with open_result(file) as f:
        for grp in ("mcs", "mcs_ofdm", "sources", "jscc", "separated", "maps"):
            if grp in f:
                g = f[grp]
                attrs[grp] = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}
                for name in ("table", "rows"):
                    if name in g:
                        tabs[f"{grp}/{name}"] = Table.read(g[name])
    return tabs, attrs


def _rows(tabs: dict[str, Table]) -> Optional[Table]:
    parts = [tabs[k] for k in ("jscc/rows", "separated/rows") if k in tabs]
    if not parts:
        return None
    cols = parts[0].columns.keys()
    return Table({c: np.concatenate([p[c] for p in parts]) for c in cols}, parts[0].units)


def report(study: Any, file: str, rep: Report) -> JSCCSummary:
    """The study's report from its file (module docstring)."""
    from ..digital.report import threshold_section

    tabs, attrs = _read(file)
    summary = JSCCSummary()
    rep.paragraph("DeepJSCC against a separated system (a learned or JPEG2000 source coder + 5G LDPC + QAM with "
                  "certified MCS thresholds, every image's stream sent over the simulated link) and the ideal "
                  "separated system, at equal complex channel uses per image. The link adaptation targets a codeword "
                  "BLER; an image of N codewords is then lost with probability up to about N x BLER at an MCS threshold "
                  "(no retransmissions), which the 'streams lost' columns show.")
    rep.paragraph(f"Perceptual metric: {_lpips_note(attrs)}.")
    if "jscc" in attrs:
        models_section(rep, attrs["jscc"])
    for grp, title in (("mcs", "MCS thresholds: AWGN (also the quasi-static Rayleigh link at its realized Es/N0)"),
                       ("mcs_ofdm", "MCS thresholds: OFDM-TDL (one codeword per resource grid)")):
        if f"{grp}/table" in tabs:
            threshold_section(rep, tabs[f"{grp}/table"], attrs[grp], title)
    rows = _rows(tabs)
    if rows is not None:
        summary.images = len(np.unique(rows["image"]))
        for ch in [c for c in ("awgn", "rayleigh", "ofdm-tdl") if c in set(rows["channel"])]:
            _channel_section(rep, study, rows, ch, summary)
        _crossover_section(rep, study, rows, summary)
        _mismatch_section(rep, study, rows)
    if "maps/rows" in tabs:
        from .report_maps import maps_section

        maps_section(rep, study, tabs["maps/rows"], attrs["maps"])
    published_section(rep)
    unmeasured_section(rep, _lpips_note(attrs))
    return summary


def _lpips_note(attrs: dict[str, Any]) -> str:
    """What the parts that score images said about LPIPS (computed, off, or which weights are missing)."""
    notes = sorted({str(attrs[g]["lpips"]).rstrip(".") for g in ("sources", "jscc", "separated")
                    if "lpips" in attrs.get(g, {})})
    return "; ".join(notes) if notes else "LPIPS not recorded in this file"


def _snrs(rows: Table, channel: str) -> np.ndarray:
    return np.unique(rows.where(channel=channel)["snr_db"])


def _cs(rows: Table, channel: str) -> list[int]:
    """The bandwidth ratios c of the channel's SNR-adaptive models and separated systems (not the fixed models')."""
    t = rows.where(channel=channel)
    return sorted({int(c) for c, s in zip(t["c"], t["system"]) if "_snr" not in str(s)})


def _fall(mean: np.ndarray, snrs: np.ndarray) -> float:
    """The steepest fall of a mean curve per dB going down the Es/N0 grid (the largest slope; 0 if none rises)."""
    if len(snrs) < 2:
        return 0.0
    return max(0.0, float(np.max(np.diff(mean) / np.diff(snrs))))


def _channel_section(rep: Report, study: Any, rows: Table, ch: str, summary: JSCCSummary) -> None:
    snrs, cs, lp = _snrs(rows, ch), _cs(rows, ch), has_metric(rows, "lpips")
    rep.section(f"{ch}: PSNR, MS-SSIM{' and LPIPS' if lp else ''} vs Es/N0")
    rep.paragraph(_channel_note(ch) + (" LPIPS is scored on what each receiver shows; the separated systems and the "
                                       "limits choose their operating points for PSNR, so the limit's LPIPS is that of "
                                       "its PSNR-best point, not a bound on LPIPS." if lp else ""))
    rep.figure(f"psnr_{ch}", lambda: figures.channel_figure(rows, ch, cs, snrs),
               f"{ch}: DeepJSCC, the separated systems and the limits at equal channel uses")
    for c in cs:
        systems = [f"jscc_c{c}"] + list(figures.STYLE)
        arrs = {s: system_array(rows, ch, c, s) for s in systems}
        _metric_table(rep, study, rows, (ch, c, snrs), systems, "psnr")
        if lp:
            _metric_table(rep, study, rows, (ch, c, snrs), systems, "lpips")
        _verdicts(rep, ch, c, snrs, arrs, summary, study.seed)


def _metric_table(rep: Report, study: Any, rows: Table, where: tuple, systems: list[str], metric: str) -> None:
    """Every system's mean ``metric`` per Es/N0 with its 95 % interval over the units (PSNR: and the JPEG2000
    streams lost)."""
    ch, c, snrs = where
    crossed, key = ch == "rayleigh", f"{ch} c={c}"
    arrs = {s: system_array(rows, ch, c, s, metric) for s in systems}
    table, few = [], []
    for j, s in enumerate(snrs):
        ivs = [mean_interval(unit_values(arrs[x], crossed)[j], crossed, study.seed) if arrs[x] is not None else None
               for x in systems]
        few += [iv.n for iv in ivs if iv is not None and not iv.ok]
        lost = rows.where(channel=ch, c=c, snr_db=s, system="separated_jpeg2000")["lost"]
        table.append([s] + ["-" if iv is None else iv.text(3) for iv in ivs]
                     + ([float(np.mean(lost)) if len(lost) else math.nan] if metric == "psnr" else []))
    if few and metric == "psnr":
        rep.warnings.append(f"{key}: {min(few)} {'fade x image' if crossed else 'image'} units (< 5): no interval "
                            "is given for the means; they are indicative only")
    name = {"psnr": "PSNR (dB)", "lpips": "LPIPS (lower is better)"}[metric]
    rep.table(["Es/N0 (dB)"] + [figures.STYLE.get(x, (f"DeepJSCC c={c}",))[0] for x in systems]
              + (["JPEG2000 streams lost"] if metric == "psnr" else []),
              table, f"{key}: mean {name} [95 % interval over {'fades x images' if crossed else 'images'}]")


def _channel_note(ch: str) -> str:
    return {"awgn": "AWGN: the image is the unit; DeepJSCC's noise draws are averaged inside each image.",
            "rayleigh": "Quasi-static Rayleigh, one fade per image transmission, the same fades for every system: the "
                        "transmitters know the mean Es/N0 only (DeepJSCC's encoder is told the mean, its decoder the "
                        "realized Es/N0; the separated sender picks the outage-optimal MCS), the receivers know the "
                        "fade. The limit is the ideal system with the fade known (it bounds both). Intervals resample "
                        "fades and images.",
            "ofdm-tdl": "OFDM with 3GPP TDL-A, LS channel estimation and LMMSE equalization; one codeword per "
                        "resource grid for the separated system, DeepJSCC's symbols fill whole grids. The limit is the "
                        "AWGN one at the mean Es/N0, an upper bound (Jensen) rather than the TDL channel's own. A grid "
                        "spans 72 subcarriers (about 2 MHz): little frequency diversity, so each codeword sees close "
                        "to flat Rayleigh fading and a certified codeword BLER needs ~20 dB more than on AWGN (the "
                        "threshold table); without CSI at the sender the separated system is outage-limited here."}[ch]


def _dips(a: np.ndarray, crossed: bool, seed: int) -> list:
    """The paired change of the mean from each Es/N0 to the next, with its interval over the units."""
    from ..study.stats import bootstrap_crossed, bootstrap_mean

    u = unit_values(a, crossed)
    d = u[1:] - u[:-1]
    return [bootstrap_crossed(x, seed, units="fade x image") if crossed else bootstrap_mean(x, seed, unit="image")
            for x in d]


def _verdicts(rep: Report, ch: str, c: int, snrs: np.ndarray, arrs: dict, summary: JSCCSummary, seed: int) -> None:
    key, mean = f"{ch} c={c}", lambda a: a.reshape(a.shape[0], -1).mean(axis=1)  # noqa: E731
    j, sep, lim = arrs[f"jscc_c{c}"], arrs["separated_jpeg2000"], arrs["limit_shannon"]
    if j is not None:
        mj, dips = mean(j), _dips(j, ch == "rayleigh", seed)
        mono = not any(iv.ok and iv.hi < 0 for iv in dips)  # a step of exactly 0 is no fall
        summary.jscc_monotone[key], summary.jscc_worst_fall_db_per_db[key] = mono, _fall(mj, snrs)
        worst = min(dips, key=lambda iv: iv.value) if dips else None
        rep.verdict(f"{key}: DeepJSCC's mean PSNR is monotone in Es/N0 (no step down whose 95 % paired interval lies "
                    f"below 0) and falls gracefully (at most {GRACEFUL_DB_PER_DB:g} dB per dB)",
                    mono and _fall(mj, snrs) <= GRACEFUL_DB_PER_DB,
                    f"worst fall {_fall(mj, snrs):.3f} dB/dB; PSNR {mj[0]:.2f} to {mj[-1]:.2f} dB; smallest step "
                    f"{'-' if worst is None else worst.text(3)} dB", "the next lower Es/N0, the same units")
    if sep is not None:
        fall = _fall(mean(sep), snrs)
        summary.separated_worst_fall_db_per_db[key] = fall
        rep.verdict(f"{key}: the separated system (JPEG2000 + 5G LDPC) has a cliff (a fall steeper than "
                    f"{GRACEFUL_DB_PER_DB:g} dB per dB)", fall > GRACEFUL_DB_PER_DB, f"worst fall {fall:.3f} dB/dB",
                    "the same rule as DeepJSCC")
    if sep is not None and lim is not None:
        above = int(sum(np.sum(arrs[s][:, :lim.shape[1]] > lim + 1e-9) for s in ("separated_jpeg2000",
                                                                                 "separated_hyperprior")
                        if arrs[s] is not None))
        summary.separated_above_limit[key] = above
        excess = max(float(np.max(mean(arrs[s]) - mean(lim))) for s in ("separated_jpeg2000", "separated_hyperprior")
                     if arrs[s] is not None)
        rep.verdict(f"{key}: no separated system's mean PSNR curve lies above the Shannon-budget limit's", excess <= 1e-9,
                    f"largest mean excess {excess:+.3f} dB; {above} of {2 * sep.size} single (image, Es/N0, draw) "
                    "points above it (a finite-blocklength code decodes above capacity with a small probability)",
                    "the best coder point fitting U·log2(1+SNR), or mid-grey")


def _crossover_section(rep: Report, study: Any, rows: Table, summary: JSCCSummary) -> None:
    rep.section("Crossover: where separation overtakes DeepJSCC")
    rep.paragraph("The lowest Es/N0 from which a system's mean PSNR stays at or above DeepJSCC's (linear "
                  "interpolation on the grid; -inf: ahead everywhere, +inf: never), with a 95 % paired bootstrap "
                  "interval over the units; 'beyond' is the share of resamples without a crossing inside the grid.")
    table = []
    for ch in [c for c in ("awgn", "rayleigh", "ofdm-tdl") if c in set(rows["channel"])]:
        crossed, snrs = ch == "rayleigh", _snrs(rows, ch)
        for c in _cs(rows, ch):
            a = system_array(rows, ch, c, f"jscc_c{c}")
            for s in CROSS_SYSTEMS:
                b = system_array(rows, ch, c, s)
                if a is None or b is None:
                    continue
                ua, ub = unit_values(a, crossed), unit_values(b, crossed)
                if crossed:
                    ua, ub = ua[:, : ub.shape[1]], ub[:, : ua.shape[1]]
                iv = crossover_interval(snrs, ua, ub, crossed, study.seed)
                summary.crossovers[f"{ch} c={c} {s}"] = iv
                table.append([ch, f"{c}/48", figures.STYLE[s][0], iv["value"],
                              "-" if iv["lo"] is None else f"[{iv['lo']:.2f}, {iv['hi']:.2f}]",
                              "-" if iv["beyond"] is None else iv["beyond"]])
    if any(r[4] == "-" for r in table):
        rep.warnings.append("crossovers: fewer than 5 units; no interval is given, the values are indicative only")
    rep.table(["channel", "k/n", "system", "crossover Es/N0 (dB)", "95 % interval", "beyond"], table,
              "Crossover Es/N0 of each separated system over DeepJSCC (same k/n)")


def _mismatch_section(rep: Report, study: Any, rows: Table) -> None:
    j = study.jscc
    names = [f"jscc_c{j.fixed_channels}_snr{s:g}" for s in j.fixed_snrs_db]
    if not any(len(rows.where(channel="awgn", system=n)["psnr"]) for n in names):
        return
    snrs = _snrs(rows, "awgn")
    adaptive = f"jscc_c{j.fixed_channels}"
    rep.section("SNR mismatch (AWGN)")
    rep.paragraph(f"Fixed-SNR models (c = {j.fixed_channels}) evaluated across Es/N0 against the SNR-adaptive model of "
                  "the same bandwidth ratio (told the true Es/N0).")
    rep.figure("snr_mismatch", lambda: figures.mismatch_figure(rows, names + [adaptive], list(j.fixed_snrs_db) +
                                                               [math.nan], snrs), "DeepJSCC SNR mismatch")
    table = []
    for n in names + [adaptive]:
        a = system_array(rows, "awgn", j.fixed_channels, n)
        if a is not None:
            table.append([n] + [float(v) for v in a.mean(axis=(1, 2))])
    rep.table(["model"] + [f"{s:g} dB" for s in snrs], table, "Mean PSNR (dB) on AWGN")
