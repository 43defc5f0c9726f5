"""`semlink bounds` JSON contract and ordering of the bounds; `semlink ber` overlays."""

import json

import pytest

from scenarios.cli import main


def run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_target_mode_contract_and_order(capsys):
    doc = run(capsys, ["bounds", "--channel", "biawgn", "--n", "1000", "--rate", "0.5",
                       "--target-bler", "1e-3", "--json"])
    by = {r["bound"]: r for r in doc["results"]}
    assert set(by) == {"normal_approximation", "metaconverse", "rcus", "shannon"}
    for r in doc["results"]:
        for key in ("bound", "ebno_db", "esno_db", "bler"):
            assert key in r
    assert by["normal_approximation"]["ebno_db"] == pytest.approx(1.136, abs=0.002)
    assert by["shannon"]["ebno_db"] == pytest.approx(0.187, abs=0.002)  # BI-AWGN rate-1/2 limit
    assert by["shannon"]["ebno_db"] < by["metaconverse"]["ebno_db"] < by["normal_approximation"]["ebno_db"] \
        < by["rcus"]["ebno_db"]


def test_grid_mode(capsys):
    doc = run(capsys, ["bounds", "--channel", "awgn-complex", "--n", "200", "--k", "300",
                       "--esno", "0:2:6", "--json"])
    na = [r for r in doc["results"] if r["bound"] == "normal_approximation"]
    assert [r["esno_db"] for r in na] == pytest.approx([0, 2, 4, 6])
    assert all(a["bler"] > b["bler"] for a, b in zip(na, na[1:]))


@pytest.mark.parametrize("argv", [
    ["--channel", "awgn", "--n", "100", "--k", "50", "--target-bler", "1e-3", "--bounds", "rcus"],
    ["--channel", "biawgn", "--n", "100", "--k", "50", "--target-bler", "2"],
    ["--channel", "biawgn", "--n", "100", "--k", "50"],
    ["--channel", "rician", "--n", "100", "--k", "50", "--ebno", "0:1:2"],
])
def test_bad_input(capsys, argv):
    assert main(["bounds", *argv]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_ber_json_has_analytic_and_verdict(capsys):
    doc = run(capsys, ["ber", "--modulation", "qpsk", "--ebno", "2:2:6", "--max-bits", "200000",
                       "--target-bit-errors", "300", "--no-progress", "--json"])
    for p in doc["points"]:
        assert set(p["analytic"]) == {"ber"}
        assert p["verdict"]["status"] == "consistent"
