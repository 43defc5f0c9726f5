"""A new kind from the documented recipe alone: a tiny kind written in the test, registered with one
line, runs, resumes, shows and reports through the kit (``semlink run`` / ``semlink show``)."""

import json
import sys

import pytest

from scenarios.cli import main
from scenarios.study import kinds

from .tinykind import write_tiny_kind


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    pkg = write_tiny_kind(tmp_path / "src")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setitem(kinds.REGISTRY, "tiny_ber", "tinykind.kind")  # the one registry line
    yield pkg
    for m in [m for m in sys.modules if m.startswith("tinykind")]:
        del sys.modules[m]


def _run(capsys, *args):
    rc = main(["run", *args, "--json", "--workers", "1"])
    return rc, json.loads(capsys.readouterr().out)


def test_tiny_kind_runs_resumes_shows_and_reports(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    rc, first = _run(capsys, str(tiny / "tiny.toml"), "--out", str(out))
    assert rc == 0 and [p["status"] for p in first["parts"]] == ["finished"] * 3
    assert first["points"] == 3 and len(first["ber"]) == 3
    # exact BPSK BER at 0 dB is 0.0786; 32,000 bits per point
    assert abs(first["ber"][0] - 0.0786) < 0.01
    # every figure in three formats, the report names the interval
    assert sorted(p.suffix for p in out.glob("ber.*")) == [".pdf", ".png", ".svg"]
    text = (out / "report.md").read_text()
    assert "BER [95 % CI over blocks]" in text and "![ber](ber.png)" in text
    rc, again = _run(capsys, str(tiny / "tiny.toml"), "--out", str(out))
    assert rc == 0 and [p["status"] for p in again["parts"]] == ["skipped"] * 3
    assert again["ber"] == first["ber"]
    # show: parts from the stamps, the summary, the report's tables with intervals
    assert main(["show", str(out / "tiny.h5"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["kind"] == "tiny_ber" and shown["study"] == "tiny"
    assert [p["status"] for p in shown["parts"]] == ["complete"] * 3
    assert shown["summary"]["ber"] == first["ber"]
    cell = shown["tables"][0]["rows"][0][1]
    assert cell["n"] == 8 and cell["lo"] < cell["value"] < cell["hi"]
    assert {t["key"] for t in shown["stored_tables"]} == {"points/0/rows", "points/2/rows", "points/4/rows"}
    assert main(["show", str(out / "tiny.h5")]) == 0
    assert "BER [95 % CI over blocks]" in capsys.readouterr().out


def test_tiny_kind_quick_variant_warns_about_few_units(tiny, tmp_path, capsys):
    rc, res = _run(capsys, str(tiny / "tiny.toml"), "--quick", "--out", str(tmp_path / "q"))
    assert rc == 0 and res["points"] == 2 and res["quick"] is True
    assert res["warnings"] == []  # 6 blocks >= 5: intervals given
    rep = open(res["report"]).read()
    assert "## Warnings" not in rep


def test_too_few_units_become_a_report_warning(tiny, tmp_path, capsys):
    toml = (tiny / "tiny.toml").read_text().replace("blocks = 6", "blocks = 3")
    (tiny / "few.toml").write_text(toml)
    rc, res = _run(capsys, str(tiny / "few.toml"), "--quick", "--out", str(tmp_path / "f"))
    assert rc == 0 and len(res["warnings"]) == 2
    assert "3 blocks (< 5)" in res["warnings"][0]
    rep = open(res["report"]).read()
    assert "## Warnings" in rep and "(n = 3 blocks: no interval)" in rep
