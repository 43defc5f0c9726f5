"""Every ``semlink`` command in README.md parses against the real CLI and runs (tiny budgets).

The commands are extracted from the README itself, so the test fails when the README
drifts from the CLI (an option renamed or removed, a value that no longer parses). Each
is then executed in a scratch folder with the README's own arguments plus, for
simulations, small budgets appended (later options win in argparse). Commands that need
the Kodak images run when ``SEMLINK_KODAK`` is set (as in CI); the long ones (the full Xu
study, retraining) run only with the slow tests.
"""

import json
import shutil
import os
import re
import shlex
from pathlib import Path

import pytest

from scenarios.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
KODAK = os.environ.get("SEMLINK_KODAK", "")


def readme_commands() -> list[tuple[int, dict[str, str], list[str], str]]:
    """``(line, env, argv, comment)`` of every ``.venv/bin/semlink`` command in README.md."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        start, text = i + 1, lines[i]
        while text.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        m = re.match(r"^((?:[A-Z_]+=\S+\s+)*)\.venv/bin/semlink\s+(.*)$", text.strip())
        if not m:
            continue
        cmd, _, comment = m.group(2).partition(" #")
        env = dict(kv.split("=", 1) for kv in m.group(1).split())
        out.append((start, env, shlex.split(cmd), comment.strip()))
    return out


COMMANDS = readme_commands()
TINY_STUDY = """
[study]
name = "my_study"
seed = 1
[[figure]]
name = "awgn"
ebno_db = "0:4:4"
stop = { target_bit_errors = 50, max_bits = 20_000 }
link = { channel = "awgn", k = 600, modulation = "bpsk" }
"""
TABLE = {"e1": [1e-6, 1e-3, 0.5], "e2": [1e-6, 1e-3, 0.5],
         "p": [[0.1, 0.3, 0.6], [0.3, 0.5, 0.8], [0.6, 0.8, 1.0]],
         "single1": {"e": [1e-6, 1e-3, 0.5], "p": [0.5, 0.6, 1.0]},
         "single2": {"e": [1e-6, 1e-3, 0.5], "p": [0.5, 0.7, 1.0]}}
BUDGET = {"ber": ["--max-bits", "20000", "--max-blocks", "40", "--no-progress"],
          "run": ["--no-progress"], "train-constellation": ["--steps", "20", "--eval-symbols", "5000"],
          "train-decoder": ["--steps", "5", "--min-errors", "10", "--eval-ebno", "3:1:4"],
          "train-jscc": ["--steps", "2", "--width", "8", "--batch", "2", "--crop", "32"]}


def test_readme_shows_every_subcommand():
    shown = {argv[0] for _, _, argv, _ in COMMANDS}
    assert shown >= {"run", "show", "ber", "transmit", "encode", "regenerate", "train-sketch-codec", "allocate",
                     "bounds", "latency", "maps", "cie", "train-image-codec", "segment", "train-constellation",
                     "train-decoder"}


@pytest.mark.parametrize("line,env,argv,comment", COMMANDS, ids=[f"L{c[0]}-{c[2][0]}" for c in COMMANDS])
def test_readme_command_parses(line, env, argv, comment):
    build_parser().parse_args(argv)  # a UsageError here: the README drifted from the CLI


def _kind(argv: list[str], comment: str) -> str:
    """``run`` (in the default suite), ``slow``, ``kodak`` or ``fails`` (an expected, documented failure)."""
    studies = (["run", "xu_power_allocation"], ["run", "qiao_latency"], ["run", "gesco_maps"], ["run", "huang_cie"],
               ["run", "jscc_vs_separation"])
    if argv[0] in ("train-sketch-codec", "train-image-codec") or (argv[:2] in studies and "--quick" not in argv):
        return "slow"
    if "needs SD weights" in comment:
        return "fails"
    if argv[0] in ("encode", "regenerate", "cie", "segment") or {"xu_power_allocation", "qiao_latency", "gesco_maps",
                                                       "huang_cie", "jscc_vs_separation"} & set(argv):
        return "kodak"
    return "run"


def _param(c: tuple) -> object:
    """The studies on Kodak (covered by their own quick-study tests) and the slow ones: slow tests."""
    slow = _kind(c[2], c[3]) == "slow" or bool({"xu_power_allocation", "qiao_latency", "gesco_maps",
                                                 "huang_cie", "jscc_vs_separation"} & set(c[2]))
    return pytest.param(*c, marks=pytest.mark.slow) if slow else c


@pytest.mark.parametrize("line,env,argv,comment", [_param(c) for c in COMMANDS],
                         ids=[f"L{c[0]}-{c[2][0]}" for c in COMMANDS])
def test_readme_command_runs(line, env, argv, comment, tmp_path, monkeypatch, capsys):
    kind = _kind(argv, comment)
    if kind in ("kodak", "fails") and not KODAK:
        pytest.skip("needs SEMLINK_KODAK (CI sets it)")
    if "--executor" in argv and "ray" in argv:
        pytest.importorskip("ray")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for k, v in env.items():
        monkeypatch.setenv(k, KODAK if v == "/path/to/kodak" else v)
    if KODAK:
        monkeypatch.setenv("SEMLINK_CAPTIONS", os.path.join(KODAK, "captions.json"))
        for name in ("kodim05.png",):
            (tmp_path / name).write_bytes(Path(KODAK, name).read_bytes())
    (tmp_path / "my_study.toml").write_text(TINY_STUDY)
    (tmp_path / "table.json").write_text(json.dumps(TABLE))
    from genai.semmaps import write_label_map

    write_label_map(tmp_path / "labels.png", [[0, 0, 3, 3], [0, 1, 1, 3], [2, 2, 1, 3]])
    sample = Path(__file__).resolve().parents[1] / "scenarios" / "gesco" / "data" / "cityscapes_sample"
    shutil.copytree(sample, tmp_path / "scenarios" / "gesco" / "data" / "cityscapes_sample")  # repo-relative paths
    extra = list(BUDGET.get(argv[0], []))
    if argv[0] == "run" and argv[1] == "my_study.toml" or argv[0] == "show":
        assert main(["run", "my_study.toml", "--no-progress"]) == 0  # what `show` reads: out/my_study/my_study.h5
        capsys.readouterr()
    if argv[0] in ("train-sketch-codec", "train-image-codec"):
        extra = ["--steps", "2", "--out", str(tmp_path / "w")]
    if argv[0] == "train-jscc" and "--init" in argv:  # what it continues: the README's first train-jscc line
        f = argv[argv.index("--init") + 1]
        assert main(["train-jscc", "--channels", "4", "--steps", "1", "--width", "8", "--batch", "2", "--crop", "32",
                     "--out", f]) == 0
        capsys.readouterr()
    if "--constellation" in argv:  # what it reads: a constellation the README's train-constellation line writes
        f = argv[argv.index("--constellation") + 1]
        assert main(["train-constellation", "--points", "16", "--snr-db", "10", "--steps", "2", "--eval-symbols",
                     "2000", "--out", f]) == 0
        capsys.readouterr()
    rc = main(argv + extra)
    out, err = capsys.readouterr()
    if kind == "fails":
        assert rc == 2 and err.count("\n") == 1 and "stable-diffusion" in err.lower(), err
        return
    assert rc == 0, f"README line {line}: semlink {' '.join(argv)}\n{err[-2000:]}"
    if "--json" in argv:
        json.loads(out)
