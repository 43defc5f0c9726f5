"""Generated bad input: every case exits 2 with one line, no traceback, nothing created or modified.

A few hundred cases (fixed seed) across the subcommands and study files: each takes a valid
command and breaks one thing (a value out of range or of the wrong type, a grid that would
explode, an output path that cannot be written, a foreign or damaged file, a study file with
one wrong key or value). A case that would hang trips an alarm.
"""

import hashlib
import json
import os
import random
import signal
from pathlib import Path

import h5py
import numpy as np
import pytest

from scenarios.cli import main

N_CASES = 320

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
    "--cp-length": ["-1", "1e12"], "--demapping": ["soft"], "--channel": ["rician"],
    "--decoder": ["turbo"], "--schedule": ["serial"], "--cn-update": ["maxsum"], "--message-dtype": ["int8"],
    "--minsum-scale": ["2", "nan", "-1", "x", "inf"], "--minsum-offset": ["-1", "nan", "1e9"],
}
BOUNDS = ["bounds", "--channel", "biawgn", "--n", "100", "--k", "50", "--target-bler", "1e-3"]
BAD_BOUNDS = {"--n": ["0", "1e12", "x"], "--k": ["0", "x", "1e12"], "--target-bler": ["0", "1", "2", "nan"],
              "--coherence": ["0", "1e12"], "--bounds": ["foo", "normal_approximation,bar"], "--channel": ["rayleigh"]}
TRANSMIT = ["transmit", "--text", "hi there", "--ebno", "5", "--json"]
BAD_TRANSMIT = {"--ebno": ["nan", "inf", "x", "1e400"], "--policy": ["keep"], "--compress": ["gz"],
                "--modulation": ["8qam"], "--seed": ["-3", "1e20"], "--rate": ["1.5", "0"], "--k": ["1e12"],
                "--crc": ["CRC1"], "--code": ["turbo"], "--threads": ["0"]}
ALLOCATE = ["allocate", "--target", "0.5", "--json"]
BAD_ALLOCATE = {"--target": ["nan", "inf", "x"], "--k": ["1,2,3", "0,5", "a,b", "1e400,5", "1.5,3"],
                "--gain-db": ["1", "x,y", "1e400,1", "1e300,1e300"], "--noise-dbm": ["1e308", "nan", "-1e308"],
                "--rate": ["0", "2", "nan"], "--perception-table": ["{d}/none.json", "{d}/bad.json"],
                "--discard-perception": ["1,2", "a,b,c"], "--method": ["greedy"], "--scheme": ["turbo"]}
LATENCY = ["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--json"]
BAD_LATENCY = {"--avg-snr-db": ["nan", "x", "inf"], "--ber-target": ["0", "0.5", "-1", "nan", "x"],
               "--prompt-bits": ["0", "-5", "x"], "--edge-bits": ["0", "1.5"], "--bandwidth": ["0", "-1", "a", "1,2,3"],
               "--power-mw": ["0", "-1", "nan", "inf"], "--noise-dbm-hz": ["nan", "inf"], "--rate-model": ["fast"],
               "--gain-db": ["-70"], "--quality-target": ["0.9,0.9"], "--quality-table": ["{d}/none.json"]}
MAPS = ["maps", "{d}/labels.png", "--psnr", "5", "--json", "--out", "{d}/rx.png"]
BAD_MAPS = {"image": ["{d}/none.png", "{d}/bad.txt", "{d}/img.png"], "--psnr": ["nan", "x", "inf"],
            "--classes": ["0", "1", "x", "1e9"], "--channel": ["optical"], "--fading": ["rician"],
            "--out": ["{d}/o.jpg", "/proc/nope/o.png", "{d}"], "--policy": ["keep"], "--map-codec": ["jpeg"],
            "--rate": ["1.5", "0", "nan"], "--modulation": ["8qam"], "--seed": ["-1"], "--csi": ["guess"]}
CIE = ["cie", "{d}/img.png", "--snr-db", "5", "--json"]
BAD_CIE = {"image": ["{d}/none.png"], "--alpha": ["1.5", "-0.1", "nan", "x"], "--snr-db": ["nan", "inf", "x"],
           "--bandwidth": ["0", "-1", "nan"], "--target-bler": ["0", "1", "2"], "--crop": ["-1", "x"],
           "--gamma2": ["0", "-1"], "--optimize": ["--t-max-ms"], "--t-max-ms": ["0", "-5"],
           "--importance": ["gradcam"], "--inpaint": ["telea"], "--out": ["/proc/nope", "{d}/bad.txt"],
           "--blocklength": ["0", "x"]}
ENCODE = ["encode", "{d}/img.png", "--json"]
BAD_ENCODE = {"image": ["{d}/none.png", "{d}/bad.txt"], "--edges": ["sobel"], "--sketch-codec": ["jpeg"],
              "--quality": ["0", "99"], "--sketch-scale": ["0", "-1", "nan", "1e9"], "--prompt-from": ["ocr"]}
REGEN = ["regenerate", "{d}/img.png", "--out", "{d}/o.png", "--allow-random-weights", "--steps", "1"]
BAD_REGEN = {"--out": ["{d}/o.jpg", "/proc/nope/o.png"], "--ebno": ["nan", "x"], "--policy": ["keep"],
             "--steps": ["0", "1e9"], "--seed": ["-1"]}
TRAIN = ["train-sketch-codec", "--out", "{d}/w", "--steps", "1"]
TRAIN_IMAGE = ["train-image-codec", "--out", "{d}/w", "--steps", "1"]
BAD_TRAIN = {"--lambdas": ["a,b", "", "-1", "nan", "0"], "--steps": ["0", "1e12"], "--lr": ["nan", "0", "-1", "inf"],
             "--batch": ["0", "1e9"], "--crop": ["0", "8", "1e9"], "--out": ["/proc/nope/w"]}
SHOW_FILES = ["{d}/none.h5", "{d}/bad.txt", "{d}/foreign.h5", "{d}/truncated.h5", "{d}"]

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
BAD_QUICK = ['[quick]\nfigure.nope = { ebno_db = "0" }', '[quick]\nstop = { max_bits = -3 }', '[quick]\ncolour = 1',
             '[quick]\nfigure.a = { ebno_db = "9:1:0" }', 'quick = 5']


def _fill(argv: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in argv]


def _mutate(base: list[str], bad: dict, rng: random.Random) -> list[str]:
    opt = rng.choice(sorted(bad))
    value = rng.choice(bad[opt])
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


def _cases(d: Path) -> list[list[str]]:
    rng = random.Random(20261124)
    pools = [(BER, BAD_BER, 90), (BOUNDS, BAD_BOUNDS, 25), (TRANSMIT, BAD_TRANSMIT, 30), (ALLOCATE, BAD_ALLOCATE, 35),
             (ENCODE, BAD_ENCODE, 15), (REGEN, BAD_REGEN, 12), (TRAIN, BAD_TRAIN, 18), (LATENCY, BAD_LATENCY, 25),
             (MAPS, BAD_MAPS, 25), (TRAIN_IMAGE, BAD_TRAIN, 10), (CIE, BAD_CIE, 20)]
    out = []
    for base, bad, count in pools:
        out += [_fill(_mutate(base, bad, rng), d) for _ in range(count)]
    out += [["show", f.replace("{d}", str(d))] for f in SHOW_FILES]
    out += [["run", "no_such_study"], ["run", str(d / "bad.txt")], ["frobnicate"], ["ber", "--nope"], []]
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
    assert len(cases) >= 300
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
