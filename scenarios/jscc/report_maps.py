"""The label-map section of the ``jscc_vs_separation`` report (part ``maps``, :mod:`scenarios.jscc.maps`): mean
mIoU per system and Es/N0 with 95 % intervals over maps, the figure, and the verdicts."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

__all__ = ["maps_section", "SYSTEMS"]

SYSTEMS = (("jscc", "DeepJSCC for maps", "o-"), ("analog", "analog one-hot (GESCO eq. 1 + FDS)", "s--"),
           ("digital", "lossless map code + 5G LDPC (sent)", "D--"))


def _per_map(rows: Any, system: str, snrs: np.ndarray) -> np.ndarray:
    """``[snr, map]`` mean mIoU (draws averaged inside a map)."""
    t = rows.where(system=system)
    maps = np.unique(t["map"])
    return np.array([[t.where(snr_db=s, map=m)["miou"].mean() for m in maps] for s in snrs])


def _figure(snrs: np.ndarray, curves: dict[str, np.ndarray], uses: int) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.5), dpi=110)
    ax = fig.subplots()
    for key, label, style in SYSTEMS:
        ax.plot(snrs, curves[key].mean(axis=1), style, label=label)
    ax.set_xlabel("Es/N0 (dB)")
    ax.set_ylabel("mIoU")
    ax.set_title(f"label maps on AWGN, {uses} channel uses per map")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def maps_section(rep: Any, study: Any, rows: Any, attrs: dict) -> None:
    """The section (module docstring)."""
    from ..study.stats import bootstrap_mean

    snrs = np.unique(rows["snr_db"])
    curves = {k: _per_map(rows, k, snrs) for k, _, _ in SYSTEMS}
    uses = int(rows.where(system="jscc")["uses"][0])
    rep.section("Label maps (GESCO's maps): DeepJSCC vs analog one-hot vs the digital map code (AWGN)")
    rep.paragraph(f"{curves['jscc'].shape[1]} maps ({json.loads(attrs.get('classes', '0'))} classes, "
                  f"{'x'.join(str(s) for s in json.loads(attrs.get('size', '[]')))}, {attrs.get('source', '')}), "
                  f"{uses} complex channel uses per map for every system; model: {attrs.get('model', '?')}. The map "
                  "is the unit of every interval; a lost or unsendable digital map scores mIoU 0.")
    rep.figure("maps_miou", lambda: _figure(snrs, curves, uses), "mIoU vs Es/N0 of the three map systems")
    table, few = [], False
    for j, s in enumerate(snrs):
        ivs = [bootstrap_mean(curves[k][j], study.seed, unit="map") for k, _, _ in SYSTEMS]
        few |= any(not iv.ok for iv in ivs)
        lost = rows.where(system="digital", snr_db=s)["lost"]
        table.append([s] + [iv.text(3) for iv in ivs] + [float(np.mean(lost))])
    rep.table(["Es/N0 (dB)"] + [lab for _, lab, _ in SYSTEMS] + ["digital maps lost"], table,
              "Mean mIoU [95 % interval over maps]")
    if few:
        rep.warnings.append("label maps: fewer than 5 maps; no interval is given, the means are indicative only")
    steps = [bootstrap_mean(curves["jscc"][j + 1] - curves["jscc"][j], study.seed, unit="map")
             for j in range(len(snrs) - 1)]
    worst = min(steps, key=lambda iv: iv.value) if steps else None
    rep.verdict("DeepJSCC's mean mIoU on maps is monotone in Es/N0 (no step down whose 95 % paired interval over "
                "maps lies below 0)", not any(iv.ok and iv.hi < 0 for iv in steps),
                f"{curves['jscc'].mean(axis=1)[0]:.3f} to {curves['jscc'].mean(axis=1)[-1]:.3f}; smallest step "
                f"{'-' if worst is None else worst.text(3)}", "the next lower Es/N0, the same maps")
    for other in ("analog", "digital"):
        d = curves["jscc"] - curves[other]
        ivs = [bootstrap_mean(x, study.seed, unit="map") for x in d]
        sides = [iv.side(0.0) for iv in ivs]
        wins = sides.count(1)
        holds = True if wins == len(snrs) else False if -1 in sides else None
        rep.verdict(f"DeepJSCC for maps beats the {other} map system at every Es/N0 (paired mIoU difference > 0, "
                    "95 % interval over maps)", holds,
                    f"at {wins} of {len(snrs)} Es/N0 points; differences "
                    + ", ".join(f"{s:g} dB: {iv.text(3)}" for s, iv in zip(snrs, ivs)), f"{other} at equal uses")
