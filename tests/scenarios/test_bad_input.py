"""Generated bad input: every case exits 2 with one line, no traceback, nothing created or modified.

Several hundred cases (fixed seed) across every subcommand and every study kind: each takes a
valid command and breaks one thing (a value out of range, of the wrong type, NaN/inf or of an
absurd magnitude, a grid that would explode, contradictory options, an output path that cannot
be written or that is an input, a foreign, damaged or binary file, a study file with one wrong
key or value in its main table or in ``[quick]``). A case that would hang trips an alarm; each
fails in argument validation, before any heavy work.
"""

import hashlib
import json
import os
import random
import re
import signal
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from scenarios.cli import main

N_CASES = 560
#: Of which: built-in studies of every kind with one key broken (main table or [quick]).
N_KIND_CASES = 90
STUDIES = Path(__file__).resolve().parents[2] / "scenarios"

BER = ["ber", "--modulation", "bpsk", "--ebno", "0", "--max-bits", "2000", "--no-progress", "--out", "{d}/r.h5",
       "--plot", "{d}/r.png"]
BAD_BER = {
    "--modulation": ["17qam", "", "bpsk!"], "--ebno": ["0:1e-9:1", "5:1:0", "a:b:c", "nan", "inf", "1e400", "", "0:0:1"],
    "--esno": ["0:1e-9:1", "x"], "--max-bits": ["0", "-5", "1e400", "1.5", "abc"], "--max-blocks": ["0", "-1", "x"],
    "--target-bit-errors": ["-1", "1e400", "x"], "--target-block-errors": ["-2", "y"],
    "--k": ["0", "1e12", "-3", "x"], "--n": ["0", "1e12"], "--rate": ["0", "1.5", "nan", "-0.5", "inf"],
    "--coherence": ["0", "-5", "abc", "1e12"], "--fft-size": ["0", "1e12"], "--ofdm-symbols": ["0", "1e9"],
    "--bp-iterations": ["1e9", "-1"], "--batch-size": ["0", "1e12"], "--confidence": ["0", "1", "1.5", "nan"],
    "--seed": ["-1", "1e20", "x"], "--device": ["cuda:7", "gpu"], "--precision": ["quad"], "--crc": ["CRC99"],
    "--csi": ["bad"], "--max-time": ["0", "-1", "nan", "inf"], "--out": ["/proc/nope/x.h5", "{d}/x.txt", "{d}"],
    "--plot": ["{d}/x.jpg", "/proc/nope/p.png"], "--pilots": ["0", "1e12"], "--threads": ["0", "1e9", "x"],
    "--workers": ["0", "-1", "1025", "nan", "x"],
    "--cp-length": ["-1", "1e12"], "--demapping": ["soft"], "--channel": ["rician"],
    "--decoder": ["turbo"], "--schedule": ["serial"], "--cn-update": ["maxsum"], "--message-dtype": ["int8"],
    "--minsum-scale": ["2", "nan", "-1", "x", "inf"], "--minsum-offset": ["-1", "nan", "1e9"],
    "--constraint-length": ["2", "9"], "--code": ["turbo"],
}
BER_LDPC = ["ber", "--code", "ldpc", "--k", "100", "--n", "200", "--ebno", "0", "--max-bits", "2000", "--no-progress",
            "--out", "{d}/r.h5"]
BAD_BER_LDPC = {"--n": ["50", "100"], "--rate": ["0.5", "nan"], "--k": ["300", "1e7"], "--ebno": ["1e5", "-1e308"],
                "--code": ["none", "conv"], "--coherence": ["-5", "0.5"], "--max-time": ["1e-300", "1e308"],
                "--confidence": ["1e-300", "1"], "--max-bits": ["1e30"], "--out": ["{d}/labels.png"]}
BOUNDS = ["bounds", "--channel", "biawgn", "--n", "100", "--k", "50", "--target-bler", "1e-3"]
BAD_BOUNDS = {"--n": ["0", "1e12", "x"], "--k": ["0", "x", "1e12"], "--target-bler": ["0", "1", "2", "nan"],
              "--coherence": ["0", "1e12"], "--bounds": ["foo", "normal_approximation,bar"], "--channel": ["rayleigh"],
              "--rate": ["nan", "1e308", "1e-300"], "--esno": ["1e5", "x:y:z", "0:1e-9:1"]}
TRANSMIT = ["transmit", "--text", "hi there", "--ebno", "5", "--json"]
BAD_TRANSMIT = {"--ebno": ["nan", "inf", "x", "1e400"], "--policy": ["keep"], "--compress": ["gz"],
                "--modulation": ["8qam"], "--seed": ["-3", "1e20"], "--rate": ["1.5", "0"], "--k": ["1e12"],
                "--crc": ["CRC1"], "--code": ["turbo"], "--threads": ["0"], "--coherence": ["0", "-2"],
                "--n": ["1e12"], "--minsum-scale": ["inf"], "--constraint-length": ["1e9"]}
TRANSMIT_FILE = ["transmit", "--file", "{d}/bad.txt", "--ebno", "5", "--out", "{d}/rx.bin", "--json"]
BAD_TRANSMIT_FILE = {"--out": ["{d}/bad.txt", "{d}", "/proc/nope/x"], "--file": ["{d}/none.bin"],
                     "--ebno": ["1e308", "-inf"], "--code": ["ldpc"], "--rate": ["0.5"]}
ALLOCATE = ["allocate", "--target", "0.5", "--json"]
BAD_ALLOCATE = {"--target": ["nan", "inf", "x", "1e308", "-1", "0"], "--k": ["1,2,3", "0,5", "a,b", "1e400,5", "1.5,3"],
                "--gain-db": ["1", "x,y", "1e400,1", "1e300,1e300"],
                "--noise-dbm": ["1e308", "nan", "-1e308", "1e5", "inf"],
                "--rate": ["0", "2", "nan"], "--perception-table": ["{d}/none.json", "{d}/bad.json"],
                "--discard-perception": ["1,2", "a,b,c", "0.5,2,0.7", "nan,0.5,0.5"], "--method": ["greedy"],
                "--scheme": ["turbo"],
                "--perception-table ": ["{d}/binary.json"], "--rate ": ["1e-300", "inf"], "--k ": ["1e20,5", "0.5,5"]}
LATENCY = ["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--json"]
BAD_LATENCY = {"--avg-snr-db": ["nan", "x", "inf"], "--ber-target": ["0", "0.5", "-1", "nan", "x"],
               "--prompt-bits": ["0", "-5", "x"], "--edge-bits": ["0", "1.5"], "--bandwidth": ["0", "-1", "a", "1,2,3"],
               "--power-mw": ["0", "-1", "nan", "inf"], "--noise-dbm-hz": ["nan", "inf"], "--rate-model": ["fast"],
               "--gain-db": ["-70"], "--quality-target": ["0.9,0.9"], "--quality-table": ["{d}/none.json"],
               "--avg-snr-db ": ["1e5", "-1e308", "1e-300x"], "--noise-dbm-hz ": ["1e6", "-1e308", "-inf"],
               "--bandwidth ": ["1e-300", "1e308", "1e6,1e-300", "nan"], "--power-mw ": ["1e308", "1e-300"],
               "--edge-bits ": ["1e20", "12345678901234567"], "--prompt-bits ": ["1e308", "inf"],
               "--ber-target ": ["1e-300", "inf"]}
LATENCY_Q = ["latency", "--gain-db", "-70", "--quality-target", "0.9,0.9", "--quality-table", "{d}/quality.json"]
BAD_LATENCY_Q = {"--quality-table": ["{d}/binary.json", "{d}/bad.json", "{d}/none.json", "{d}"],
                 "--quality-target": ["1.5,0.9", "nan,0.9", "0.9", "0,0.9"], "--gain-db": ["1e308", "-70,-1e308", "x"],
                 "--power-mw": ["inf"]}
MAPS = ["maps", "{d}/labels.png", "--psnr", "5", "--json", "--out", "{d}/rx.png"]
BAD_MAPS = {"image": ["{d}/none.png", "{d}/bad.txt", "{d}/img.png"], "--psnr": ["nan", "x", "inf"],
            "--classes": ["0", "1", "x", "1e9"], "--channel": ["optical"], "--fading": ["rician"],
            "--out": ["{d}/o.jpg", "/proc/nope/o.png", "{d}"], "--policy": ["keep"], "--map-codec": ["jpeg"],
            "--rate": ["1.5", "0", "nan"], "--modulation": ["8qam"], "--seed": ["-1"], "--csi": ["guess"],
            "--psnr ": ["-1e308", "1e5", "1e308"], "--coherence": ["0", "-5", "1e12", "x"], "--k": ["0", "-3", "1e12"],
            "--n": ["0", "-1"], "--pilots": ["0", "-2"], "--fft-size": ["0"], "--out ": ["{d}/labels.png"],
            "--classes ": ["1e20", "-3"], "--minsum-offset": ["nan"]}
MAPS_DIGITAL = ["maps", "{d}/labels.png", "--psnr", "5", "--channel", "digital", "--json", "--out", "{d}/rx.png"]
BAD_MAPS_DIGITAL = {"--n": ["5", "64"], "--k": ["1e9"], "--rate": ["2", "1e-300"], "--out": ["{d}/labels.png"],
                    "--code": ["conv"], "--no-fds": ["--json"], "--psnr": ["inf"], "--coherence": ["0"]}
CIE = ["cie", "{d}/img.png", "--snr-db", "5", "--json"]
BAD_CIE = {"image": ["{d}/none.png"], "--alpha": ["1.5", "-0.1", "nan", "x"], "--snr-db": ["nan", "inf", "x"],
           "--bandwidth": ["0", "-1", "nan"], "--target-bler": ["0", "1", "2"], "--crop": ["-1", "x"],
           "--gamma2": ["0", "-1"], "--optimize": ["--t-max-ms"], "--t-max-ms": ["0", "-5"],
           "--importance": ["gradcam"], "--inpaint": ["telea"], "--out": ["/proc/nope", "{d}/bad.txt"],
           "--blocklength": ["0", "4", "x", "1e12"], "--snr-db ": ["1e5", "-1e308"], "--bandwidth ": ["1e-300", "1e308"],
           "--gamma2 ": ["nan", "1e308"], "--d0-psnr-db": ["1e5", "nan"], "--target-bler ": ["1e-300", "nan"],
           "--alpha ": ["inf"], "--crop ": ["1e9"], "--allow-download": ["--json"]}
CIE_SELF = ["cie", "{d}/partial.png", "--snr-db", "5", "--out", "{d}", "--json"]
ENCODE = ["encode", "{d}/img.png", "--json"]
BAD_ENCODE = {"image": ["{d}/none.png", "{d}/bad.txt"], "--edges": ["sobel"], "--sketch-codec": ["jpeg"],
              "--quality": ["0", "99"], "--sketch-scale": ["0", "-1", "nan", "1e9", "1e-300"], "--prompt-from": ["ocr"],
              "--prompt-from ": ["captions:{d}/binary.json", "captions:{d}/bad.json", "captions:{d}/none.json"]}
REGEN = ["regenerate", "{d}/img.png", "--out", "{d}/o.png", "--allow-random-weights", "--steps", "1"]
BAD_REGEN = {"--out": ["{d}/o.jpg", "/proc/nope/o.png"], "--ebno": ["nan", "x"], "--policy": ["keep"],
             "--steps": ["0", "1e9"], "--seed": ["-1"], "--out ": ["{d}/img.png"], "--ebno ": ["1e5", "inf"],
             "--sketch-scale": ["nan", "1e308"], "--k": ["0"], "--coherence": ["0"]}
TRAIN = ["train-sketch-codec", "--out", "{d}/w", "--steps", "1"]
TRAIN_IMAGE = ["train-image-codec", "--out", "{d}/w", "--steps", "1"]
BAD_TRAIN = {"--lambdas": ["a,b", "", "-1", "nan", "0"], "--steps": ["0", "1e12"], "--lr": ["nan", "0", "-1", "inf"],
             "--batch": ["0", "1e9"], "--crop": ["0", "8", "1e9"], "--out": ["/proc/nope/w"],
             "--lambdas ": ["1e308", "1e-300", "0.001,inf"], "--lr ": ["1e308", "1e-300"]}
BAD_TRAIN_IMAGE = {**BAD_TRAIN, "--init": ["{d}/garbage.safetensors", "{d}/bad.txt", "{d}/none.safetensors"]}
TRAIN_IMAGE_INIT = ["train-image-codec", "--out", "{d}/wts", "--steps", "1", "--lambdas", "0.001"]
SHOW_FILES = ["{d}/none.h5", "{d}/bad.txt", "{d}/foreign.h5", "{d}/truncated.h5", "{d}", "{d}/binary.json",
              "{d}/garbage.safetensors"]
#: Whole commands for the holes named one by one (each must fail up front, one line, exit 2).
EXPLICIT = [
    ["latency", "--avg-snr-db", "1e5", "--ber-target", "1e-6"],
    ["latency", "--avg-snr-db", "15", "--noise-dbm-hz", "1e6", "--ber-target", "1e-6"],
    ["latency", "--avg-snr-db", "nan", "--ber-target", "1e-6"],
    ["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--bandwidth", "1e-300"],
    ["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--power-mw", "1e308"],
    ["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--edge-bits", "1e20"],
    ["allocate", "--gain-db", "1e308,1", "--target", "0.5"],
    ["maps", "{d}/labels.png", "--psnr", "-1e308"],
    ["maps", "{d}/labels.png", "--psnr", "5", "--fading", "rayleigh-block", "--coherence", "0"],
    ["maps", "{d}/labels.png", "--psnr", "5", "--fading", "rayleigh-block", "--coherence", "-5"],
    ["maps", "{d}/labels.png", "--psnr", "5", "--out", "{d}/labels.png"],
    ["maps", "{d}/labels.png", "--psnr", "5", "--channel", "digital", "--k", "10", "--n", "5"],
    ["ber", "--code", "ldpc", "--k", "10", "--n", "5", "--out", "{d}/r.h5"],
    ["transmit", "--file", "{d}/bad.txt", "--ebno", "5", "--out", "{d}/bad.txt"],
    ["regenerate", "{d}/img.png", "--out", "{d}/img.png", "--allow-random-weights"],
    ["cie", "{d}/partial.png", "--snr-db", "5", "--out", "{d}"],
    ["train-image-codec", "--init", "{d}/garbage.safetensors", "--out", "{d}/w", "--steps", "1"],
    ["train-image-codec", "--init", "{d}/wts/hyperprior_rgb_q1.safetensors", "--out", "{d}/wts", "--steps", "1"],
    ["run", "{d}/binary.toml"],
    ["latency", "--gain-db", "-70", "--quality-target", "0.9,0.9", "--quality-table", "{d}/binary.json"],
    ["allocate", "--target", "0.5", "--perception-table", "{d}/binary.json"],
    ["encode", "{d}/img.png", "--prompt-from", "captions:{d}/binary.json"],
]

STUDY = """[study]
name = "tiny"
seed = 1

[[figure]]
name = "a"
title = "t"
ebno_db = "0:2:2"
stop = { target_bit_errors = 50, max_bits = 4000 }
link = { channel = "awgn", k = 600, modulation = "bpsk" }
"""
BAD_STUDY_LINES = [
    ('description = 5', "[study]"), ('seed = 1e20', "[study]"), ('seed = -1', "[study]"), ('seed = "x"', "[study]"),
    ('threads = 0', "[study]"), ('threads = 1.5', "[study]"), ('kind = "nope"', "[study]"), ('kind = 3', "[study]"),
    ('colour = 1', "[study]"), ('out = 5', "[study]"), ('confidence = 2', "[study]"), ('target_bler = 0', "[study]"),
    ('precision = "quad"', "[study]"), ('decoder = "turbo"', "[study]"), ('decoder = 1', "[study]"),
]
BAD_FIGURE = ['title = 5', 'labels = ["x", "y"]', 'labels = 3', 'ebno_db = "0:1e-9:1"', 'ebno_db = "5:1:0"',
              'ebno_db = []', 'ebno_db = [1, "x"]', 'sweep = { "link.k" = [] }', 'sweep = { "lnk.k" = [1] }',
              'zip = { "link.k" = [600, 1200], "link.n" = [1] }', 'seed = -4', 'colour = "red"',
              'stop = { max_bits = -1 }', 'stop = { max_bits = 1e400 }', 'stop = { max_bitz = 1 }',
              'stop = { target_bit_errors = 0, max_bits = 0 }', 'link = { modulation = "17qam" }',
              'link = { k = 1e12 }', 'link = { channel = "awgn", k = 600, fft_size = 0 }',
              'link = { code = "ldpc", k = 600, n = 100 }', 'link = { bp_iterations = 1e9 }',
              'link = { code = "ldpc", k = 400, n = 500, decoder = "sionna", early_stop = true }',
              'link = { code = "ldpc", k = 400, n = 500, decoder = "sionna", cn_update = "normalized-minsum" }',
              'link = { cn_update = "identity" }', 'link = { minsum_scale = 1.5 }', 'link = { early_stop = 1 }',
              'snr_batch = "yes"', 'compile = 1']
BAD_FIGURE += ['ebno_db = [1e5]', 'ebno_db = "-1e308:1:0"', 'link = { coherence = 0, channel = "rayleigh-block" }']
BAD_STUDY_LINES += [('target_bler = 1e-300', "[study]"), ('seed = 12345678901234567890', "[study]")]
BAD_QUICK = ['[quick]\nfigure.nope = { ebno_db = "0" }', '[quick]\nstop = { max_bits = -3 }', '[quick]\ncolour = 1',
             '[quick]\nfigure.a = { ebno_db = "9:1:0" }', 'quick = 5', '[quick]\nfigure.a = { ebno_db = [1e5] }',
             '[quick]\nstop = { max_bits = 1e400 }', '[quick]\nconfidence = 2', '[quick]\nprecision = "quad"',
             '[quick]\nfigure.a = { link = { k = 1e12 } }', '[quick]\nfigure.a = { sweep = { "link.k" = [] } }']

#: Built-in studies of the other kinds: (table, key, invalid values); each case breaks one key in the
#: main table or in ``[quick]`` (``study`` keys: main table only) and runs with or without ``--quick``.
KIND_STUDIES = {
    "qiao/qiao_latency.toml": [
        ("study", "prompt_bits", ["12345678901234567", "0", '"x"', "1e20"]), ("study", "edge_bits", ["1e20", "-1"]),
        ("system", "power_mw", ["0", "1e308", "nan", '"x"']), ("system", "b0_hz", ["1e-300", "inf"]),
        ("system", "n0_dbm_hz", ["1e6"]), ("system", "beta", ["1e-300"]), ("system", "k", ["-1"]),
        ("quality", "count", ["0", "1e30"]), ("quality", "psis", ["[0.7]", "[1e-300]", '["x"]']),
        ("quality", "metrics", ['["nope"]', "[1]", "[[]]"]), ("designs", "avg_snr_db", ['"0:1e-9:30"', "[1e5]"]),
        ("designs", "table2_step_db", ["1e-300", "0"]), ("designs", "realizations", ["0", "12345678901234567"]),
        ("eq2", "lengths", ["[4]", "[1.5]"]), ("eq2", "awgn_snrs_db", ['["x"]', "[1e300]", "[true]"]),
        ("eq4", "max_bits", ["10", "12345678901234567"]), ("end_to_end", "draws", ["0"]),
        ("end_to_end", "target_pair", ["7"])],
    "xu/xu_power_allocation.toml": [
        ("study", "k", ["[0, 5]", "[12345678901234567, 5]", '"x"']), ("channel", "distance_m", ["0", "-1"]),
        ("channel", "pl0_db", ["1e308"]), ("channel", "noise_dbm", ["nan"]), ("channel", "rate", ["0", "1.5", "1e-300"]),
        ("measure", "count", ["0"]), ("measure", "quality", ["0"]), ("measure", "psis", ["[0.7]", "[1e-300]"]),
        ("measure", "weights", ["[0.9, 0.9]"]), ("measure", "metric", ['"nope"']),
        ("curves", "targets", ['"0:1e-9:1"', "[2]"]), ("curves", "sources", ["[-1]", '["nope"]']),
        ("realizations", "budgets_w", ["[true]", "[1e30]"]), ("real_link", "offsets_db", ['["x"]']),
        ("real_link", "k_cw", ["4"]), ("real_link", "trials", ["0"])],
    "gesco/gesco_maps.toml": [
        ("maps", "count", ["0"]), ("maps", "classes", ["1", "70000"]), ("maps", "size", ["[4, 4]", "[1e9, 2]"]),
        ("maps", "source", ['"nope"']), ("fds", "psnrs", ["[1e5]", '["x"]']), ("fds", "seeds", ["0"]),
        ("compare", "snrs_db", ['"0:1e-9:1"', "[-1e308]"]), ("compare", "digital", ['["qpsk:2"]']),
        ("compare", "map_codec", ['"jpeg"']), ("fading", "channels", ['["nope"]']), ("generate", "steps", ["0"]),
        ("generate", "psnrs", ["[nan]"])],
    "huang/huang_cie.toml": [
        ("data", "count", ["0"]), ("data", "crop", ["8", "1e9"]), ("data", "gamma2", ["0", "1e-300"]),
        ("data", "importance", ['"gradcam"']), ("fig7", "alphas", ["[1.5]", '"0:1e-9:1"']),
        ("fig9", "snrs_db", ["[1e5]"]), ("fig9", "t_max_ms", ["0", "1e308"]), ("fig9", "bandwidth_hz", ["1e-300"]),
        ("fig9", "target_bler", ["0", "1"]), ("fig9", "mcs_step_db", ["1e-300"]), ("fig9", "blocklength", ["4"]),
        ("fig9", "iters", ["0"])],
    "ber/validate_analytic.toml": [("study", "confidence", ["2", "nan"]), ("study", "target_bler", ["0", "1e-300"]),
                                   ("study", "seed", ["-1"])],
}


def _fill(argv: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in argv]


def _mutate(base: list[str], bad: dict, rng: random.Random) -> list[str]:
    key = rng.choice(sorted(bad))
    value = rng.choice(bad[key])
    opt = key.strip()  # "--psnr " holds more bad values of --psnr
    argv = list(base)
    if opt == "image":
        argv[1] = value
    elif opt in argv:
        argv[argv.index(opt) + 1] = value
    else:
        argv += [opt, value]
    return argv


def _study_case(rng: random.Random, d: Path) -> list[str]:
    text = STUDY
    kind = rng.randrange(3)
    if kind == 0:
        line, _ = rng.choice(BAD_STUDY_LINES)
        key = line.split(" =")[0]
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + " ="))
        text = text.replace("[study]\n", f"[study]\n{line}\n", 1)
    elif kind == 1:
        line = rng.choice(BAD_FIGURE)
        key = line.split(" =")[0]
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + " ="))
        text = text.replace('name = "a"\n', f'name = "a"\n{line}\n')
    else:
        text = text + "\n" + rng.choice(BAD_QUICK) + "\n"
    path = d / f"study{rng.randrange(10**6)}.toml"
    path.write_text(text)
    return ["run", str(path), "--out", str(d / "sout"), "--no-progress"]


def _set_main(text: str, table: str, key: str, value: str) -> str:
    """``text`` with ``key = value`` in ``[table]`` (replacing the key's line, else added to the table)."""
    out, section, done = [], None, False
    for line in text.splitlines():
        head = re.match(r"^\[([^\]]+)\]", line)
        if head:
            if section == table and not done:
                out.append(f"{key} = {value}")
                done = True
            section = head.group(1)
        if section == table and re.match(rf"^{key}\s*=", line):
            line, done = f"{key} = {value}", True
        out.append(line)
    if not done:
        out += [f"{key} = {value}"] if section == table else [f"[{table}]", f"{key} = {value}"]
    return "\n".join(out) + "\n"


def _set_quick(text: str, table: str, key: str, value: str) -> str:
    """``text`` with ``[quick]``'s override of ``table`` replaced by ``table = { key = value }``."""
    head, _, quick = text.partition("\n[quick]\n")
    lines = [ln for ln in quick.splitlines() if not ln.startswith(table + " =")]
    return head + "\n[quick]\n" + "\n".join(lines + [f"{table} = {{ {key} = {value} }}"]) + "\n"


def _kind_case(rng: random.Random, d: Path) -> list[str]:
    name = rng.choice(sorted(KIND_STUDIES))
    table, key, values = rng.choice(KIND_STUDIES[name])
    text = (STUDIES / name).read_text()
    in_quick = table not in ("study", "defaults") and rng.random() < 0.5
    text = (_set_quick if in_quick else _set_main)(text, table, key, rng.choice(values))
    path = d / f"study{rng.randrange(10**6)}.toml"
    path.write_text(text)
    return ["run", str(path), "--out", str(d / "sout"), "--no-progress"] + (["--quick"] if rng.random() < 0.5 else [])


def _cases(d: Path) -> list[list[str]]:
    rng = random.Random(20261124)
    pools = [(BER, BAD_BER, 90), (BOUNDS, BAD_BOUNDS, 25), (TRANSMIT, BAD_TRANSMIT, 30), (ALLOCATE, BAD_ALLOCATE, 35),
             (ENCODE, BAD_ENCODE, 15), (REGEN, BAD_REGEN, 12), (TRAIN, BAD_TRAIN, 18), (LATENCY, BAD_LATENCY, 25),
             (MAPS, BAD_MAPS, 25), (TRAIN_IMAGE, BAD_TRAIN, 10), (CIE, BAD_CIE, 20),
             # added with the bounded quantities: more of the same and the commands that read and write files
             (BER_LDPC, BAD_BER_LDPC, 20), (TRANSMIT_FILE, BAD_TRANSMIT_FILE, 12), (LATENCY, BAD_LATENCY, 20),
             (LATENCY_Q, BAD_LATENCY_Q, 15), (ALLOCATE, BAD_ALLOCATE, 15), (MAPS, BAD_MAPS, 20),
             (MAPS_DIGITAL, BAD_MAPS_DIGITAL, 12), (CIE, BAD_CIE, 12), (ENCODE, BAD_ENCODE, 8), (REGEN, BAD_REGEN, 8),
             (TRAIN, BAD_TRAIN, 6), (TRAIN_IMAGE, BAD_TRAIN_IMAGE, 10), (BOUNDS, BAD_BOUNDS, 10)]
    out = []
    for base, bad, count in pools:
        out += [_fill(_mutate(base, bad, rng), d) for _ in range(count)]
    out += [_fill(argv, d) for argv in EXPLICIT]
    out += [["show", f.replace("{d}", str(d))] for f in SHOW_FILES]
    out += [["run", "no_such_study"], ["run", str(d / "bad.txt")], ["run", str(d / "binary.toml")], ["frobnicate"],
            ["ber", "--nope"], []]
    out += [_kind_case(rng, d) for _ in range(N_KIND_CASES)]
    while len(out) < N_CASES:
        out.append(_study_case(rng, d))
    return out


def _snapshot(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(d.rglob("*"))}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    import skimage.data as sd
    from PIL import Image

    d = tmp_path_factory.mktemp("bad")
    Image.fromarray(sd.astronaut()[:64, :64]).save(d / "img.png")
    (d / "bad.txt").write_text("not what it claims to be")
    Image.fromarray(np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)).save(d / "labels.png")
    (d / "bad.json").write_text("{not json")
    (d / "quality.json").write_text(json.dumps({"ber": [1e-6, 1e-4, 1e-2], "metrics": {"clip": [1.0, 0.99, 0.9],
                                                                                     "ms_ssim": [1.0, 0.98, 0.8]}}))
    binary = bytes(range(256)) * 4
    for name in ("binary.json", "binary.toml", "garbage.safetensors"):
        (d / name).write_bytes(binary)
    Image.open(d / "img.png").save(d / "partial.png")
    from safetensors.numpy import save_file

    (d / "wts").mkdir()
    save_file({"w": np.zeros(3, dtype=np.float32)}, str(d / "wts" / "hyperprior_rgb_q1.safetensors"))
    with h5py.File(d / "foreign.h5", "w") as f:
        f["data"] = np.arange(5.0)
    assert main(["ber", "--modulation", "bpsk", "--ebno", "0", "--max-bits", "2000", "--out", str(d / "ok.h5"),
                 "--no-progress", "--json"]) == 0
    (d / "truncated.h5").write_bytes((d / "ok.h5").read_bytes()[:2500])
    return d


def _alarm(signum, frame):  # noqa: ARG001
    raise TimeoutError("a bad-input case ran for more than 30 s (it should fail up front)")


def test_generated_bad_input_exits_2_with_one_line(scratch, capsys):
    cases = _cases(scratch)
    assert len(cases) >= 500
    t0 = time.perf_counter()
    capsys.readouterr()
    failures = []
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for argv in cases:
            for study in scratch.glob("study*.toml"):
                if study.name not in " ".join(argv):
                    study.unlink()
            before = _snapshot(scratch)
            signal.alarm(30)
            try:
                rc = main(list(argv))
            except SystemExit as err:  # argparse --help paths never reached here, but be strict
                rc = err.code
            finally:
                signal.alarm(0)
            out, err = capsys.readouterr()
            after = {k: v for k, v in _snapshot(scratch).items() if not k.startswith("study")}
            before = {k: v for k, v in before.items() if not k.startswith("study")}
            problem = None
            if rc != 2:
                problem = f"exit {rc}"
            elif err.count("\n") != 1 or "Traceback" in err:
                problem = f"stderr not one line: {err[-300:]!r}"
            elif after != before:
                problem = f"files changed: {sorted(set(after) ^ set(before)) or 'contents'}"
            if problem:
                failures.append(f"{' '.join(argv)} -> {problem}")
    finally:
        signal.signal(signal.SIGALRM, old)
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures[:40])
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0 * len(cases) / 10, f"{len(cases)} cases took {elapsed:.1f} s: some fail too late"
