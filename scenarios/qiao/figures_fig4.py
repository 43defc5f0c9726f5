"""The Fig. 4 analogue of the Qiao latency study (a Matplotlib figure; the report saves it).

Panels as the paper's: (a) prompt power share p0/P_T (%), (b) latency max(T0, T1) (ms), proposed vs the
semantic-unaware benchmark, (c) edge bits/symbol, (d) eq. (3)'s expected prompt transmissions 1/(1 − PER), all
against the average SNR γ̄ on the same x-range. Solid: the mean channel; dashed: the median over the Rayleigh
draws that send (drawn where at least ``MIN_UNITS`` do) with its 95 % bootstrap band over draws as error bars,
shaded: their 10–90 % range. No Rayleigh mean is drawn:
for latency and transmissions it is infinite (:mod:`scenarios.qiao.sweep`); log panels are scaled to the curves,
so a heavy tail's 90 % quantile may leave the panel, and a median more than 1000× the mean channel's largest value
is a triangle at the panel's top edge. Outage (nothing sent) is a gap (NaN) in every panel, never
100 % power or 0 bit/symbol, and the mean channel's outage γ̄ are marked in every panel by a hatched strip at its
bottom in the target's colour (one strip per target). BER targets that print the same at three significant
digits are drawn once, and the labels carry as many digits as it takes to tell the targets apart.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from ..study.stats import MIN_UNITS
from .sweep import TIE_BREAKS, draw_summary

__all__ = ["fig4", "distinct_targets", "ber_labels", "PANELS"]

#: (stored field, scale, y label, log y) of panels (a)-(d)
PANELS = (("prompt_share", 100.0, "prompt power p0/P_T (%)", False),
          ("latency_s", 1e3, "latency max(T0, T1) (ms)", True),
          ("bits_per_symbol", 1.0, "edge bits/symbol", False),
          ("retransmissions", 1.0, "expected prompt transmissions 1/(1−PER)", True))
_TITLES = ("(a) prompt power share", "(b) latency", "(c) edge bits/symbol", "(d) expected prompt transmissions")
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def distinct_targets(bers: Sequence[float], digits: int = 3) -> list[int]:
    """Indices of the targets to draw: the first of each group that prints the same with ``digits`` significant
    digits.

    .. code-block:: python

        >>> distinct_targets([1e-6, 1.0001e-6, 1e-5, 1.04e-5])
        [0, 2, 3]
    """
    seen: set[str] = set()
    out = []
    for i, b in enumerate(bers):
        key = f"{float(b):.{digits}g}"
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def ber_labels(bers: Sequence[float], start: int = 2, most: int = 6) -> list[str]:
    """The shortest ``g`` labels (at least ``start`` significant digits) that tell distinct targets apart.

    .. code-block:: python

        >>> ber_labels([1e-5, 1.04e-5, 1e-4])
        ['1e-05', '1.04e-05', '0.0001']
        >>> ber_labels([1.314e-6, 1e-5])
        ['1.3e-06', '1e-05']
    """
    values = [float(b) for b in bers]
    distinct = len({f"{v:.{most}g}" for v in values})
    for d in range(start, most + 1):
        labels = [f"{v:.{d}g}" for v in values]
        if len(set(labels)) >= distinct:
            return labels
    return [f"{v:.{most}g}" for v in values]


def _spans(mask: np.ndarray, x: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of ``mask`` over the grid ``x`` as (start, end), half a step beyond the end points."""
    half = float(np.min(np.diff(x))) / 2 if x.size > 1 else 0.5
    out: list[tuple[float, float]] = []
    for k in np.flatnonzero(mask):
        lo, hi = float(x[k]) - half, float(x[k]) + half
        if out and lo <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _curves(ax: Any, x: np.ndarray, mean: np.ndarray, med: np.ndarray, band: tuple[np.ndarray, np.ndarray],
            color: Any, log: bool, style: Optional[dict[str, Any]] = None,
            med_band: Optional[tuple[np.ndarray, np.ndarray]] = None) -> None:
    """Solid mean channel (with the target's marker), dashed Rayleigh median with its 95 % bootstrap band as
    error bars (``med_band``), shaded 10–90 % range (NaN: a gap)."""
    st = {"color": color, **(style or {})}
    ax.plot(x, mean, "-", **st)
    ax.plot(x, med, "--", **{k: v for k, v in st.items() if k not in ("marker", "markevery")})
    if med_band is not None:
        ok = np.isfinite(med) & np.isfinite(med_band[0]) & np.isfinite(med_band[1])
        ax.errorbar(x[ok], med[ok], yerr=[med[ok] - med_band[0][ok], med_band[1][ok] - med[ok]], fmt="none",
                    ecolor=color, elinewidth=0.8, capsize=2, alpha=0.8)
    ax.fill_between(x, band[0], band[1], color=color, alpha=0.07, lw=0)
    if log:
        ax.set_yscale("log")


def _log_limits(a: Any, span: float = 1e3) -> None:
    """Log panels: y-range from the mean-channel curves (solid) up to ``span`` times their largest value; a Rayleigh
    median above that (a heavy tail near a threshold) is marked by a triangle at the top edge in its colour, so
    the curves stay readable and nothing is hidden."""
    lines = a.get_lines()
    val = lambda ln: np.asarray(ln.get_ydata(), dtype=float)  # noqa: E731
    solid = [val(ln) for ln in lines if ln.get_linestyle() == "-"]
    ys = np.concatenate(solid or [val(ln) for ln in lines] or [np.array([])])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return
    top = ys.max() * span
    a.set_ylim(ys.min() / 2, top)
    for ln in lines:
        y = val(ln)
        over = np.isfinite(y) & (y > top)
        if ln.get_linestyle() == "--" and over.any():
            x = np.asarray(ln.get_xdata(), dtype=float)[over]
            a.plot(x, np.full(x.size, top / 1.6), "^", color=ln.get_color(), ms=5, clip_on=False)


def _masked(a: np.ndarray, keep: np.ndarray, scale: float) -> np.ndarray:
    return np.where(keep, np.asarray(a, dtype=float) * scale, np.nan)


def _target(ax: np.ndarray, d: dict[str, Any], s: dict[str, np.ndarray], i: int, n: int, color: Any) -> None:
    """One BER target (the ``n``-th drawn) on the four panels, outage masked alike in each and marked by a
    hatched strip in the target's colour at the bottom of each panel (the ``n``-th strip)."""
    x = d["avg_snr_db"]
    sent = d["mean_feasible"][i] > 0.5
    enough = s["feasible"][i] >= MIN_UNITS
    step = max(1, x.size // 8)
    style = {"marker": _MARKERS[n % len(_MARKERS)], "markevery": (n % step, step), "ms": 4}
    for a, (key, scale, _, log) in zip(ax.flat, PANELS):
        _curves(a, x, _masked(d[f"mean_{key}"][i], sent, scale), _masked(s[f"{key}_median"][i], enough, scale),
                (_masked(s[f"{key}_p10"][i], enough, scale), _masked(s[f"{key}_p90"][i], enough, scale)), color, log,
                style, (_masked(s[f"{key}_median_lo"][i], enough, scale), _masked(s[f"{key}_median_hi"][i], enough,
                                                                                   scale)))
        for lo, hi in _spans(~sent, x):
            a.axvspan(lo, hi, ymin=0.03 * n, ymax=0.03 * (n + 1), facecolor=color, edgecolor=color, alpha=0.5,
                      lw=0, hatch="//")


def _unaware(a: Any, d: dict[str, Any], s: dict[str, np.ndarray]) -> None:
    ok = np.isfinite(d["unaware_mean"])
    enough = (1 - s["unaware_outage"]) * d["unaware_draws"].shape[1] >= MIN_UNITS
    _curves(a, d["avg_snr_db"], _masked(d["unaware_mean"], ok, 1e3),
            _masked(s["unaware_latency_s_median"], enough, 1e3),
            (_masked(s["unaware_latency_s_p10"], enough, 1e3), _masked(s["unaware_latency_s_p90"], enough, 1e3)),
            "k", True, {"lw": 1.6})


def _legend(fig: Any, handles: list[Any], unaware_ber: Optional[float], outage: bool) -> float:
    """The legend below the panels (inside the figure, so it is never cut); returns the height it takes."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = handles + [Line2D([], [], color="gray", ls="-", label="mean channel"),
                         Line2D([], [], color="gray", ls="--", marker="|", ms=8,
                                label="Rayleigh: median of the draws that send (bars: 95 % bootstrap band)"),
                         Patch(color="gray", alpha=0.25, lw=0, label="Rayleigh: 10–90 % of the draws that send")]
    if outage:
        handles.append(Patch(facecolor="gray", edgecolor="gray", alpha=0.5, hatch="//", lw=0,
                             label="mean channel in outage: γ̄ marked (strip, gap)"))
    if unaware_ber is not None:
        handles.append(Line2D([], [], color="k", lw=1.6, label=f"semantic-unaware, BER {unaware_ber:g} (b)"))
    ncol = 3
    rows = math.ceil(len(handles) / ncol)
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    return 0.03 * rows + 0.02


def fig4(d: dict[str, Any], rm: str, stats: Optional[dict[str, np.ndarray]] = None) -> Any:
    """Fig. 4 analogue of one rate model from a stored sweep ``d`` (:func:`scenarios.qiao.sweep.fig4_sweep`);
    ``stats``: its :func:`~scenarios.qiao.sweep.draw_summary` (computed here, seed 0, with the bootstrap bands of
    the medians, when not given: ~7 s for 31 γ̄ × 6 targets × 200 draws)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    s = draw_summary(d, seed=0) if stats is None else stats
    x = d["avg_snr_db"]
    keep = distinct_targets(d["ber"])
    labels = ber_labels([d["ber"][i] for i in keep])
    fig, ax = plt.subplots(2, 2, figsize=(11, 9))
    handles = []
    for n, (i, lab) in enumerate(zip(keep, labels)):
        color = f"C{n % 10}"
        _target(ax, d, s, i, n, color)
        handles.append(Line2D([], [], color=color, marker=_MARKERS[n % len(_MARKERS)], ms=4, label=f"BER1* = {lab}"))
    _unaware(ax[0, 1], d, s)
    for a, (_, _, ylabel, log), title in zip(ax.flat, PANELS, _TITLES):
        a.set_xlim(float(np.min(x)), float(np.max(x)))
        a.set_xlabel("average SNR γ̄ (dB)")
        a.set_ylabel(ylabel)
        a.set_title(title)
        a.grid(True, which="both", alpha=0.3)
        if log:
            _log_limits(a)
    ub = float(d["unaware_ber"]) if "unaware_ber" in d else None
    bottom = _legend(fig, handles, ub, bool(np.any(d["mean_feasible"][keep] < 0.5)))
    tb = TIE_BREAKS[int(d["tie_break"])] if "tie_break" in d else "equal"
    orders = ", ".join(str(int(o)) for o in d["orders"]) if "orders" in d else "-"
    fig.suptitle(f"Fig. 4 analogue, {rm} rate" + (f" (orders {orders}; tie-break {tb})" if rm == "discrete" else ""))
    fig.tight_layout(rect=(0, bottom, 1, 0.97))
    return fig
