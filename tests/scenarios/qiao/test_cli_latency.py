"""``semlink latency`` (issue #25): the prompt length validated up front, --orders / --tie-break, the T0 != T1
flag in text and JSON, the γ̄ sweep, Table II reproduced with the README's BER targets, and no overflow for
any accepted input."""

import json
import math
import random

import pytest

from scenarios.cli import main

BASE = ["latency", "--ber-target", "1e-6"]
#: The BER targets the README gives for Table II (eq. (4) inverted at the paper's 64-QAM γ̄1 = 27/26/25 dB).
README_BERS = ("1.314e-6", "1.529e-5", "1.074e-4")


def ok(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


def js(capsys, argv):
    return json.loads(ok(capsys, argv + ["--json"]))


def fails(capsys, argv, *words):
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (rc, err)
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize("bits", ["1", "2"])
def test_prompt_bits_below_the_smallest_packet(capsys, bits):
    err = fails(capsys, BASE + ["--avg-snr-db", "10", "--prompt-bits", bits], "--prompt-bits must be >= 3",
                "k ln L + b", "2.29")
    assert "OverflowError" not in err
    fails(capsys, BASE + ["--avg-snr-db", "0:5:10", "--prompt-bits", bits, "--json"], "--prompt-bits must be >= 3")
    d = js(capsys, BASE + ["--avg-snr-db", "10", "--prompt-bits", "3"])
    g0 = 10 ** (d["snr0_db"] / 10)  # eq. (2) at L = 3 by hand: PER = 1 - exp(-(k ln 3 + b)/g0), k ln 3 + b = 0.101
    assert d["feasible"] and d["per"] == pytest.approx(1 - math.exp(-(0.374 * math.log(3) - 0.31) / g0), rel=1e-9)


def test_low_average_snr_is_a_root(capsys):
    d = js(capsys, BASE + ["--avg-snr-db", "-20"])
    assert d["feasible"] and d["binding"] == "equal" and d["t0_equals_t1"] is True
    assert d["t0_ms"] == pytest.approx(d["t1_ms"], rel=1e-9) and d["latency_ms"] == pytest.approx(2.879e47, rel=1e-3)
    assert "no root" not in ok(capsys, BASE + ["--avg-snr-db", "-20"])
    d = js(capsys, BASE + ["--avg-snr-db", "-60"])  # the root exists, the delay is beyond a float: said so
    assert not d["feasible"] and d["binding"] == "equal" and "beyond a float" in d["note"]


def test_edge_bits_bounded_and_flagged(capsys):
    fails(capsys, BASE + ["--avg-snr-db", "10", "--edge-bits", "1e30"], "--edge-bits", "1000000000")
    d = js(capsys, BASE + ["--avg-snr-db", "20", "--edge-bits", "1e9", "--rate-model", "discrete"])
    assert d["feasible"] and d["binding"] == "equal" and d["latency_ms"] == pytest.approx(1e9 / 4e6 * 1e3)
    d = js(capsys, BASE + ["--avg-snr-db", "20", "--edge-bits", "1e9", "--rate-model", "discrete",
                           "--tie-break", "prompt-all"])
    assert d["binding"] == "edge" and d["t0_equals_t1"] is False and d["t0_ms"] < d["t1_ms"]


def test_t0_ne_t1_flag_in_text_and_json(capsys):
    disc = BASE + ["--avg-snr-db", "22", "--rate-model", "discrete"]
    d = js(capsys, disc + ["--tie-break", "prompt-all"])
    assert d["binding"] == "edge" and not d["t0_equals_t1"] and d["tie_break"] == "prompt-all"
    assert d["prompt_share"] == pytest.approx(0.615, abs=5e-4) and d["power_used_w"] == pytest.approx(0.01)
    assert "T0 != T1: the edge stream binds (discrete rate" in ok(capsys, disc + ["--tie-break", "prompt-all"])
    d = js(capsys, disc)  # the default: Lemma 1's T0 = T1
    assert d["binding"] == "equal" and d["t0_ms"] == pytest.approx(d["t1_ms"], rel=1e-9) and d["tie_break"] == "equal"
    assert d["power_used_w"] < 0.01 and d["prompt_share"] == pytest.approx(0.0077, abs=1e-4)
    assert "T0 != T1" not in ok(capsys, disc)
    d = js(capsys, BASE + ["--avg-snr-db", "11", "--rate-model", "discrete"])  # no prompt power reaches T0 = T1
    assert d["binding"] == "prompt" and d["t0_ms"] > d["t1_ms"] == pytest.approx(3.932)
    assert "T0 != T1: the prompt binds" in ok(capsys, BASE + ["--avg-snr-db", "11", "--rate-model", "discrete"])


def test_sweep(capsys):
    argv = BASE + ["--avg-snr-db", "0:2:30", "--rate-model", "discrete"]
    pts = js(capsys, argv)["points"]
    single = js(capsys, BASE + ["--avg-snr-db", "22", "--rate-model", "discrete"])
    assert len(pts) == 16 and all(set(p) == set(single) for p in pts)  # one vocabulary
    assert [p["average_snr_db"] for p in pts] == pytest.approx(list(range(0, 31, 2)))
    assert pts[11]["latency_ms"] == single["latency_ms"] and pts[11]["prompt_share"] == single["prompt_share"]
    orders = [p["modulation_order"] for p in pts]
    assert orders == [0] * 6 + [4] * 3 + [16] * 4 + [64] * 3  # outage below 12 dB (4-QAM fits from 10.9)
    assert all(p["binding"] == "equal" for p in pts if p["feasible"])
    text = ok(capsys, argv).splitlines()
    assert len(text) == 17 and "prompt %" in text[0] and "binding" in text[0]
    row = text[12].split()  # 22 dB
    assert row[0] == "22.00" and float(row[1]) == pytest.approx(0.768, abs=1e-3) and row[-1] == "equal"
    assert "infeasible" in text[1]
    pts = js(capsys, BASE + ["--avg-snr-db", "0,10,20"])["points"]
    assert [p["binding"] for p in pts] == ["equal"] * 3 and pts[0]["latency_ms"] > pts[2]["latency_ms"]
    fails(capsys, BASE + ["--avg-snr-db", "0:-1:30"], "--avg-snr-db")


@pytest.mark.parametrize("column", range(3))
def test_table_reproduces_table_ii(capsys, column):
    d = js(capsys, ["latency", "--avg-snr-db", "20", "--ber-target", README_BERS[column], "--rate-model", "discrete",
                    "--orders", "4,16,64", "--table"])
    rows = {r["modulation_order"]: r for r in d["modulation_table"]}
    assert sorted(rows) == [4, 16, 64]
    gamma1 = {64: (27, 26, 25), 16: (21, 20, 19), 4: (14, 13, 12)}
    for o, want in gamma1.items():
        assert round(rows[o]["min_snr_db"]) == want[column]  # rounded as the paper prints γ̄1
    assert abs(rows[64]["min_snr_db"] - gamma1[64][column]) < 0.05
    assert [round(rows[o]["latency_ms"], 2) for o in (64, 16, 4)] == [1.31, 1.97, 3.93]
    # where the latency reaches 4-QAM's T on the mean channel (closed form): (g0*(T_4) + g_4) / 2 with
    # g0*(T) = (0.374 ln 800 - 0.31) / ln(T / 0.8 ms) by eq. (3) and g_4 = 3 (-ln 5 BER) / 1.5 by eq. (4)
    ber = float(README_BERS[column])
    start = (2.190045 / math.log(3.932 / 0.8) + 2 * -math.log(5 * ber)) / 2
    assert rows[4]["equal_from_db"] == pytest.approx(10 * math.log10(start), abs=1e-4)
    assert round(rows[4]["equal_from_db"], 2) == (11.01, 10.07, 9.15)[column]
    text = ok(capsys, ["latency", "--avg-snr-db", "20", "--ber-target", README_BERS[column], "--table"])
    assert "64-QAM" in text and "256-QAM" not in text


def test_orders(capsys):
    d = js(capsys, BASE + ["--avg-snr-db", "35", "--rate-model", "discrete"])
    assert d["modulation_order"] == 64 and d["orders"] == [4, 16, 64]
    d = js(capsys, BASE + ["--avg-snr-db", "35", "--rate-model", "discrete", "--orders", "4,16,64,256", "--table"])
    assert d["modulation_order"] == 256 and [r["modulation_order"] for r in d["modulation_table"]] == [256, 64, 16, 4]
    d = js(capsys, BASE + ["--avg-snr-db", "35", "--rate-model", "discrete", "--orders", "16"])
    assert d["modulation_order"] == 16
    for bad in ("4,8", "4,4", "x", ""):
        fails(capsys, BASE + ["--avg-snr-db", "20", "--orders", bad], "--orders")
    fails(capsys, BASE + ["--avg-snr-db", "20", "--tie-break", "nearest"], "--tie-break")


def test_no_overflow_for_any_accepted_input(capsys):
    """Corners of every accepted range (scenarios.study.quantities): exit 0 with strict JSON, never a raw
    OverflowError (ValueError only from the up-front checks)."""
    corners = {"--avg-snr-db": ["-100", "150"], "--power-mw": ["1e-6", "1e6"], "--bandwidth": ["1e3", "1e12", "1e3,1e12"],
               "--noise-dbm-hz": ["-300", "0"], "--prompt-bits": ["3", "1e9"], "--edge-bits": ["1", "1e9"],
               "--ber-target": ["1e-15", "0.19"], "--rate-model": ["continuous", "discrete"],
               "--tie-break": ["equal", "prompt-all"]}
    rng = random.Random(25)
    cases = [[x for k, v in corners.items() for x in (k, rng.choice(v))] for _ in range(30)]
    cases += [["--gain-db", g, "--ber-target", "1e-6", "--rate-model", rm] for g in ("-300", "100", "-300,100")
              for rm in ("continuous", "discrete")]
    for argv in cases:
        rc = main(["latency", *argv, "--json", "--check"])
        out, err = capsys.readouterr()
        assert rc == 0, (argv, err)
        d = json.loads(out)
        assert isinstance(d["feasible"], bool) and d["binding"] in ("equal", "edge", "prompt"), argv
        if d["feasible"]:
            assert math.isfinite(d["latency_ms"]) and d["latency_ms"] == max(d["t0_ms"], d["t1_ms"])
