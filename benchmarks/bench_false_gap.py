"""Rate of false ``gap`` verdicts on links where the analytic BER is exact, over independent seeds.

Each case is an uncoded link of the built-in ``validate_analytic`` study (k = 1200 bits per
block, auto batch size) at one Eb/N0, simulated with ``--seeds`` seeds through the project's own
engine (:func:`linklevel.engine.montecarlo.simulate_point`) under the stop criteria the study itself uses
for its uncoded figures, quick (``[quick]``) and full, read from the study file. Every point gets
its verdict at the study's confidence (99 %, :func:`linklevel.engine.overlay.point_verdict`). The formula
is exact, so every ``gap`` is a false alarm: at 99 % the rate of ``gap`` among the decided points
(``consistent`` + ``gap``; ``insufficient`` points decide nothing) should be at most 1 %.

Printed per case: seeds, consistent / gap / insufficient counts, the gap rate among the decided
points with its 95 % Clopper–Pearson interval over seeds, and the mean independent trials and
errors. ``--check`` exits 1 if some case's gap rate is above the nominal level beyond chance: its
lower bound at 1 − 0.05/m (two-sided Clopper–Pearson, Bonferroni over the m cases and the pooled
row) exceeds 1 − confidence.

    OMP_NUM_THREADS=1 python benchmarks/bench_false_gap.py --seeds 300 --threads 1 --check
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from linklevel import Link, LinkConfig  # noqa: E402
from linklevel.engine.montecarlo import StopCriteria, auto_batch_size, simulate_point  # noqa: E402
from linklevel.engine.overlay import analytic_model, point_verdict  # noqa: E402
from linklevel.theory.stats import clopper_pearson  # noqa: E402

__all__ = ["CASES", "study_criteria", "run_case", "main"]

#: (name, link, Eb/N0 dB): exact-formula links of the study (AWGN and perfect-CSI Rayleigh, k = 1200).
CASES = [
    ("BPSK AWGN", LinkConfig("bpsk", k=1200), 4.0),
    ("16QAM AWGN", LinkConfig("16qam", k=1200), 8.0),
    ("BPSK i.i.d. Rayleigh", LinkConfig("bpsk", channel="rayleigh-block", coherence="iid", k=1200), 10.0),
    ("16QAM i.i.d. Rayleigh", LinkConfig("16qam", channel="rayleigh-block", coherence="iid", k=1200), 15.0),
    ("BPSK 100-symbol fades", LinkConfig("bpsk", channel="rayleigh-block", coherence=100, k=1200), 10.0),
    ("BPSK 100-symbol fades", LinkConfig("bpsk", channel="rayleigh-block", coherence=100, k=1200), 20.0),
    ("16QAM 100-symbol fades", LinkConfig("16qam", channel="rayleigh-block", coherence=100, k=1200), 20.0),
]


def study_criteria(quick: bool) -> StopCriteria:
    """The stop criteria of ``validate_analytic``'s uncoded Rayleigh figure (quick or full)."""
    from scenarios.study.kinds import load_study

    study = load_study("validate_analytic", quick=quick)
    fig = next(f for f in study.figures if f.name == "uncoded_rayleigh")
    return fig.runs[0].run.stop


def run_case(cfg: LinkConfig, ebno: float, stop: StopCriteria, seeds: int, confidence: float) -> dict:
    """Verdict counts of ``seeds`` independent points of one case, and their mean information."""
    link = Link(cfg, device="cpu")
    model = analytic_model(cfg, link.info_rate)
    batch = auto_batch_size(link, stop)
    counts = {"consistent": 0, "gap": 0, "insufficient": 0}
    trials, errors = [], []
    for seed in range(seeds):
        p = simulate_point(link, ebno, stop, batch, seed=seed)
        _, v = point_verdict(model, p, confidence)
        counts[v["status"]] += 1
        trials.append(v["independent_trials"])
        errors.append(v["independent_errors"])
    return {**counts, "unit": v["unit"], "trials": float(np.mean(trials)), "errors": float(np.mean(errors))}


def _rate(gap: int, decided: int, conf: float) -> tuple[float, float, float]:
    lo, hi = clopper_pearson(gap, decided, conf)
    return (gap / decided if decided else float("nan")), float(lo), float(hi)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=300, help="independent points per case and stop rule")
    ap.add_argument("--confidence", type=float, default=0.99, help="the verdicts' confidence (the study's)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--only", default=None, help="run only the cases whose name contains this text")
    ap.add_argument("--check", action="store_true", help="exit 1 if a gap rate exceeds the nominal level")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    nominal = 1.0 - args.confidence
    rows = []
    t0 = time.perf_counter()
    for label, quick in (("quick", True), ("full", False)):
        stop = study_criteria(quick)
        for name, cfg, ebno in CASES:
            if args.only and args.only not in name:
                continue
            t = time.perf_counter()
            r = run_case(cfg, ebno, stop, args.seeds, args.confidence)
            rows.append({"case": f"{name}, {ebno:g} dB", "stop": label, **r, "s": time.perf_counter() - t})
    m = len(rows) + 1
    pooled = {"case": "pooled", "stop": "both", "unit": "", "trials": float("nan"), "errors": float("nan"),
              **{k: sum(r[k] for r in rows) for k in ("consistent", "gap", "insufficient")},
              "s": sum(r["s"] for r in rows)}
    print(f"{args.seeds} seeds per row, verdicts at {args.confidence:.0%} (nominal gap rate {nominal:.0%}); "
          f"{time.perf_counter() - t0:.0f} s")
    print("| link, Eb/N0 | stop | unit | mean indep. trials | mean indep. errors | consistent | gap | insufficient "
          "| gap rate [95 % CI] | s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|---:|")
    failed = []
    for r in rows + [pooled]:
        decided = r["consistent"] + r["gap"]
        rate, lo, hi = _rate(r["gap"], decided, 0.95)
        if decided and _rate(r["gap"], decided, 1 - 0.05 / m)[1] > nominal:
            failed.append(f"{r['case']} ({r['stop']})")
        print(f"| {r['case']} | {r['stop']} | {r['unit']} | {r['trials']:,.0f} | {r['errors']:,.1f} | "
              f"{r['consistent']} | {r['gap']} | {r['insufficient']} | {100 * rate:.2f} % "
              f"[{100 * lo:.2f}, {100 * hi:.2f}] | {r['s']:.0f} |")
    if args.check and failed:
        print(f"FAIL: gap rate above {nominal:.0%} beyond chance (Bonferroni over {m} rows): {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
