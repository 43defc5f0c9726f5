"""``semlink latency``: the latency-optimal power split of a prompt and an edge stream (Qiao et al.)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, Optional

from ..study.quantities import BANDWIDTH_HZ, BER, GAIN_DB, NOISE_DBM_HZ, PERCEPTION, POWER_MW, SNR_DB, STREAM_BITS
from .common import bounded_float, bounded_int, db_grid, float_list, json_default

_BITS = bounded_int(int(STREAM_BITS.lo), int(STREAM_BITS.hi))
_ORDERS = (4, 16, 64, 256)  # scenarios.qiao.models.QAM_ORDERS (not imported: --help stays light)

__all__ = ["add_parser"]


def _orders(text: str) -> tuple[int, ...]:
    """An argparse ``type``: distinct QAM orders, comma-separated, from 4, 16, 64, 256."""
    try:
        vals = tuple(int(v) for v in text.split(","))
    except ValueError:
        vals = ()
    if not vals or len(set(vals)) != len(vals) or not set(vals) <= set(_ORDERS):
        raise argparse.ArgumentTypeError(f"expected distinct orders from {','.join(map(str, _ORDERS))}, got {text!r}")
    return tuple(sorted(vals))


def add_parser(sub: argparse._SubParsersAction) -> None:
    la = sub.add_parser("latency", help="latency-optimal power split, prompt + edge map (Qiao et al., Lemma 1)")
    la.add_argument("--prompt-bits", type=_BITS, default=800,
                    help=f"|v0|, prompt bits (also the packet length L, at least 3 for eq. (2); {STREAM_BITS.text()})")
    la.add_argument("--edge-bits", type=_BITS, default=7864, help="|v1|, edge-map bits (default: the size "
                    f"Table II's latencies imply; {STREAM_BITS.text()})")
    la.add_argument("--bandwidth", default="1e6", help=f"B (Hz) for both streams or B0,B1, in {BANDWIDTH_HZ.text()}")
    la.add_argument("--power-mw", type=bounded_float(POWER_MW), default=10.0,
                    help=f"transmit power budget P_T in {POWER_MW.text()}")
    la.add_argument("--noise-dbm-hz", type=bounded_float(NOISE_DBM_HZ), default=-174.0,
                    help=f"N0 in {NOISE_DBM_HZ.text()}")
    ch = la.add_mutually_exclusive_group(required=True)
    ch.add_argument("--gain-db", default=None,
                    help=f"channel power gain |h_i|^2, one value or G0,G1, in {GAIN_DB.text()}")
    ch.add_argument("--avg-snr-db", type=db_grid, default=None,
                    help=f"average SNR P_T E|h|^2/((B0+B1)N0) in {SNR_DB.text()}: one value, or a sweep "
                    "START:STEP:STOP or a comma list (one line per SNR: the Fig. 4 columns)")
    tg = la.add_mutually_exclusive_group(required=True)
    tg.add_argument("--ber-target", type=bounded_float(BER), default=None,
                    help=f"edge-map BER target BER1* in {BER.text()} (and below 1/beta of eq. (4))")
    tg.add_argument("--quality-target", default=None,
                    help=f"CLIP,MS-SSIM normalized targets in {PERCEPTION.text()} (needs --quality-table)")
    la.add_argument("--quality-table", default=None, help="JSON table of normalized quality vs edge BER "
                    "(format in scenarios/qiao/quality.py)")
    la.add_argument("--rate-model", default="continuous", choices=("continuous", "discrete"),
                    help="eq. (4)'s continuous rate or discrete MQAM over --orders")
    la.add_argument("--orders", type=_orders, default=(4, 16, 64),
                    help="edge QAM orders for --rate-model discrete, --table and the benchmark (default the "
                    "paper's 4,16,64; 256 opt-in)")
    la.add_argument("--tie-break", default="equal", choices=("equal", "prompt-all"),
                    help="discrete rate, when the edge stream binds: give the prompt the power for T0 = T1 "
                    "(equal, Lemma 1's rule) or all the power the edge stream leaves (prompt-all)")
    la.add_argument("--table", action="store_true", help="also Table II's rows: per order the min edge SNR, the "
                    "latency T and the average SNRs where the latency equals T (mean channel)")
    la.add_argument("--check", action="store_true", help="also the brute-force optimum over (p0, p1) and the gap")
    la.add_argument("--json", action="store_true")
    la.set_defaults(func=run)


def _flag(d: dict[str, Any]) -> Optional[str]:
    """The T0 != T1 line of a feasible design (``None`` when Lemma 1's T0 = T1 holds)."""
    if d.get("binding") in (None, "equal"):
        return None
    rm = f"{d['rate_model']} rate" + (f", tie-break {d['tie_break']}" if d.get("tie_break") else "")
    if d["binding"] == "edge":
        return f"T0 != T1: the edge stream binds ({rm}; the prompt has power to spare)"
    return f"T0 != T1: the prompt binds ({rm}; the edge order's threshold power leaves too little for T0 = T1)"


def _print_table(d: dict[str, Any]) -> None:
    def db(x: Optional[float]) -> str:
        return "   -  " if x is None else f"{x:6.2f}"

    for r in d.get("modulation_table", []):
        to = "inf" if r["equal_to_db"] is None else db(r["equal_to_db"]).strip()
        print(f"{r['modulation_order']:>4}-QAM  min SNR {r['min_snr_db']:6.2f} dB  latency {r['latency_ms']:.3f} ms  "
              f"latency = T for avg SNR {db(r['equal_from_db'])} ... {to} dB  (fits P_T from "
              f"{db(r['feasible_from_db']).strip()} dB)")


def _print_point(d: dict[str, Any]) -> None:
    if not d["feasible"]:
        print("infeasible: " + d.get("note", ""))
        return
    edge = f"{d['bits_per_symbol']:.3f} bit/symbol" + (f" ({d['modulation_order']}-QAM)"
                                                         if d.get("modulation_order") else "")
    print(f"{d['rate_model']}: latency {d['latency_ms']:.6g} ms (T0 {d['t0_ms']:.6g}, T1 {d['t1_ms']:.6g}); "
          f"p0 {d['p0_w'] * 1e3:.4g} mW ({100 * d['prompt_share']:.2f} % of P_T), p1 {d['p1_w'] * 1e3:.4g} mW "
          f"(used {d['power_used_w'] * 1e3:.4g} of {d['params']['power_w'] * 1e3:g} mW); edge {edge}; "
          f"{d['retransmissions']:.4g} prompt transmissions; edge BER {d['ber_target']:.4g}; binding {d['binding']}")
    flag = _flag(d)
    if flag:
        print(flag)
    u = d["unaware"]
    print("semantic-unaware (one stream, BER 1e-7): " + (f"{u['latency_ms']:.4f} ms" if u["feasible"] else "outage"))
    if "brute_force" in d:
        gap = d["brute_force"]["gap"]
        print(f"brute force: {d['brute_force']['latency_ms']:.4f} ms (gap "
              + ("-" if gap is None else f"{100 * gap:+.3f} %") + ")")


def _print_sweep(points: list[dict[str, Any]]) -> None:
    print(f"{'avg SNR dB':>10} {'prompt %':>9} {'latency ms':>11} {'T0 ms':>11} {'T1 ms':>11} {'edge b/sym':>10} "
          f"{'M':>4} {'prompt tx':>10}  binding")
    for d in points:
        if not d["feasible"]:
            print(f"{d['average_snr_db']:10.2f}  infeasible: {d.get('note', '')}")
            continue
        m = d.get("modulation_order")
        print(f"{d['average_snr_db']:10.2f} {100 * d['prompt_share']:9.3f} {d['latency_ms']:11.5g} {d['t0_ms']:11.5g} "
              f"{d['t1_ms']:11.5g} {d['bits_per_symbol']:10.3f} {'-' if m is None else m:>4} "
              f"{d['retransmissions']:10.4g}  {d['binding']}" + ("" if d["binding"] == "equal" else "  (T0 != T1)"))


def run(args: argparse.Namespace) -> int:
    from ..qiao.calculator import check_prompt_bits, latency_request, latency_sweep
    from ..study.schema import parse_range

    check_prompt_bits(args.prompt_bits)  # up front: eq. (2) needs k ln L + b > 0
    bandwidth = float_list(args.bandwidth, "--bandwidth", rng=BANDWIDTH_HZ)
    gain = None if args.gain_db is None else float_list(args.gain_db, "--gain-db", rng=GAIN_DB)
    quality = None if args.quality_target is None else float_list(args.quality_target, "--quality-target",
                                                                   rng=PERCEPTION)
    kw = dict(ber_target=args.ber_target, quality_target=quality, quality_table=args.quality_table,
              rate_model=args.rate_model, table=args.table, check=args.check, orders=args.orders,
              tie_break=args.tie_break)
    sweep = args.avg_snr_db is not None and any(c in args.avg_snr_db for c in ":,")
    if sweep:
        out = latency_sweep(args.prompt_bits, args.edge_bits, bandwidth, args.power_mw, args.noise_dbm_hz,
                            parse_range(args.avg_snr_db), **kw)
    else:
        snr = None if args.avg_snr_db is None else float(args.avg_snr_db)
        out = latency_request(args.prompt_bits, args.edge_bits, bandwidth, args.power_mw, args.noise_dbm_hz,
                              gain_db=gain, avg_snr_db=snr, **kw)
    if args.json:
        print(json.dumps(out, default=json_default, allow_nan=False))
        return 0
    first = out["points"][0] if sweep else out
    _print_table(first)
    if sweep:
        _print_sweep(out["points"])
    else:
        _print_point(out)
    return 0
