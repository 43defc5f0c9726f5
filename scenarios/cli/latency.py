"""``semlink latency``: the latency-optimal power split of a prompt and an edge stream (Qiao et al.)."""

from __future__ import annotations

import argparse
import json

from ..study.quantities import BANDWIDTH_HZ, BER, GAIN_DB, NOISE_DBM_HZ, PERCEPTION, POWER_MW, SNR_DB, STREAM_BITS
from .common import bounded_float, bounded_int, float_list, json_default

_BITS = bounded_int(int(STREAM_BITS.lo), int(STREAM_BITS.hi))

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    la = sub.add_parser("latency", help="latency-optimal power split, prompt + edge map (Qiao et al., Lemma 1)")
    la.add_argument("--prompt-bits", type=_BITS, default=800,
                    help=f"|v0|, prompt bits (also the packet length L; {STREAM_BITS.text()})")
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
    ch.add_argument("--avg-snr-db", type=bounded_float(SNR_DB), default=None,
                    help=f"average SNR P_T E|h|^2/((B0+B1)N0) in {SNR_DB.text()}")
    tg = la.add_mutually_exclusive_group(required=True)
    tg.add_argument("--ber-target", type=bounded_float(BER), default=None,
                    help=f"edge-map BER target BER1* in {BER.text()} (and below 1/beta of eq. (4))")
    tg.add_argument("--quality-target", default=None,
                    help=f"CLIP,MS-SSIM normalized targets in {PERCEPTION.text()} (needs --quality-table)")
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

    bandwidth = float_list(args.bandwidth, "--bandwidth", rng=BANDWIDTH_HZ)
    gain = None if args.gain_db is None else float_list(args.gain_db, "--gain-db", rng=GAIN_DB)
    quality = None if args.quality_target is None else float_list(args.quality_target, "--quality-target",
                                                                   rng=PERCEPTION)
    d = latency_request(
        args.prompt_bits, args.edge_bits, bandwidth, args.power_mw, args.noise_dbm_hz, gain_db=gain,
        avg_snr_db=args.avg_snr_db, ber_target=args.ber_target, quality_target=quality,
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
