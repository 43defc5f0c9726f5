"""``semlink latency``: the latency-optimal power split of a prompt and an edge stream (Qiao et al.)."""

from __future__ import annotations

import argparse
import json

from .common import float_list, json_default, pos_int

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    la = sub.add_parser("latency", help="latency-optimal power split, prompt + edge map (Qiao et al., Lemma 1)")
    la.add_argument("--prompt-bits", type=pos_int, default=800, help="|v0|, prompt bits (also the packet length L)")
    la.add_argument("--edge-bits", type=pos_int, default=7864, help="|v1|, edge-map bits (default: the size "
                    "Table II's latencies imply)")
    la.add_argument("--bandwidth", default="1e6", help="B (Hz) for both streams or B0,B1")
    la.add_argument("--power-mw", type=float, default=10.0, help="transmit power budget P_T (mW)")
    la.add_argument("--noise-dbm-hz", type=float, default=-174.0, help="N0 (dBm/Hz)")
    ch = la.add_mutually_exclusive_group(required=True)
    ch.add_argument("--gain-db", default=None, help="channel power gain |h_i|^2 (dB), one value or G0,G1")
    ch.add_argument("--avg-snr-db", type=float, default=None, help="average SNR P_T E|h|^2/((B0+B1)N0) in dB")
    tg = la.add_mutually_exclusive_group(required=True)
    tg.add_argument("--ber-target", type=float, default=None, help="edge-map BER target BER1*")
    tg.add_argument("--quality-target", default=None, help="CLIP,MS-SSIM normalized targets (needs --quality-table)")
    la.add_argument("--quality-table", default=None, help="JSON table of normalized quality vs edge BER "
                    "(format in scenarios/qiao/quality.py)")
    la.add_argument("--rate-model", default="continuous", choices=("continuous", "discrete"),
                    help="eq. (4)'s continuous rate or discrete {4,16,64,256}-QAM")
    la.add_argument("--table", action="store_true", help="also the modulation table (min SNR and latency per order)")
    la.add_argument("--check", action="store_true", help="also the brute-force optimum over (p0, p1) and the gap")
    la.add_argument("--json", action="store_true")
    la.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..qiao.calculator import latency_request

    d = latency_request(
        args.prompt_bits, args.edge_bits, float_list(args.bandwidth, "--bandwidth"), args.power_mw, args.noise_dbm_hz,
        gain_db=None if args.gain_db is None else float_list(args.gain_db, "--gain-db"), avg_snr_db=args.avg_snr_db,
        ber_target=args.ber_target,
        quality_target=None if args.quality_target is None else float_list(args.quality_target, "--quality-target"),
        quality_table=args.quality_table, rate_model=args.rate_model, table=args.table, check=args.check)
    if args.json:
        print(json.dumps(d, default=json_default, allow_nan=False))
        return 0
    for row in d.get("modulation_table", []):
        print(f"{row['modulation_order']:>4}-QAM  min SNR {row['min_snr_db']:6.2f} dB  latency {row['latency_ms']:.3f} ms")
    if not d["feasible"]:
        print("infeasible: " + d.get("note", ""))
        return 0
    print(f"{d['rate_model']}: latency {d['latency_ms']:.4f} ms (T0 {d['t0_ms']:.4f}, T1 {d['t1_ms']:.4f}); "
          f"p0 {d['p0_w'] * 1e3:.4f} mW ({100 * d['prompt_share']:.2f} %), p1 {d['p1_w'] * 1e3:.4f} mW; "
          f"edge {d['bits_per_symbol']:.3f} bit/symbol; {d['retransmissions']:.3f} prompt transmissions; "
          f"edge BER {d['ber_target']:.3g}")
    u = d["unaware"]
    print("semantic-unaware (one stream, BER 1e-7): " + (f"{u['latency_ms']:.4f} ms" if u["feasible"] else "outage"))
    if "brute_force" in d:
        print(f"brute force: {d['brute_force']['latency_ms']:.4f} ms (gap {100 * d['brute_force']['gap']:+.3f} %)")
    return 0
