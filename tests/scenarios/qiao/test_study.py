"""The Qiao latency study: sweeps vs the paper's Table II, real-link checks, the study job (stored tables,
summary, what a changed grid recomputes, bad input). Running, re-running, showing and damage detection of
the built-in quick study are the registry contract's (``tests/scenarios/test_kinds_contract.py``)."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from scenarios.cli import main
from scenarios.qiao import lemma1, reallink, reallink_e2e, reallink_eq4, sweep
from scenarios.qiao import models as m
from scenarios.qiao.summary_links import e2e_summary
from scenarios.qiao.table2 import PAPER_TABLE_II, paper_implied_bers, table2_ranges
from scenarios.study.kinds import load_study
from scenarios.study.parts import read_group
from scenarios.study.schema import StudyError
from scenarios.study.tables import Table, read_table

V0, V1 = 800, 7864


def test_paper_implied_bers_invert_eq4():
    """BER1* from Table II's 64-QAM γ̄1 gives back that SNR through eq. (4)'s threshold."""
    for ber, g1 in zip(paper_implied_bers(m.TABLE_I), (27.0, 26.0, 25.0)):
        assert 10 * math.log10(m.min_snr_for_order(64, ber)) == pytest.approx(g1, abs=1e-9)


def test_table2_reproduces_the_paper():
    """Table II's γ̄ ranges follow from eq. (4), eq. (2)-(3) and |v1| = 7864 (paper values, 0.1 dB grid):
    the lower ends of 64/16/4-QAM within 0.7 dB, the latency column exact."""
    for pair, ber in zip(PAPER_TABLE_II, paper_implied_bers(m.TABLE_I)):
        rows = {r["modulation_order"]: r for r in table2_ranges(V0, V1, ber)}
        paper = PAPER_TABLE_II[pair]
        for order in (64, 16, 4):
            assert rows[order]["avg_snr_min_db"] == pytest.approx(paper[order][0], abs=0.7), (pair, order)
            assert rows[order]["min_edge_snr_db"] == pytest.approx(paper[order][1], abs=0.6)
        assert rows[0]["avg_snr_max_db"] == pytest.approx(paper[0], abs=0.6)
        assert [round(rows[o]["latency_ms"], 2) for o in (64, 16, 4)] == [1.31, 1.97, 3.93]


def test_fig4_sweep_trends_and_solver():
    """Mean channel: latency and prompt share fall with γ̄, edge bits/symbol rise; Rayleigh draws are
    reproducible; the solver is never worse than the brute-force grid by more than 0.5 %."""
    d = sweep.fig4_sweep(V0, V1, [0.0, 10.0, 20.0, 30.0], [1e-6, 1e-4], "continuous", realizations=5, seed=2)
    assert np.all(np.diff(d["mean_latency_s"], axis=1) < 0)
    assert np.all(np.diff(d["mean_prompt_share"], axis=1) < 0)
    assert np.all(np.diff(d["mean_bits_per_symbol"], axis=1) > 0)
    assert np.all(d["mean_latency_s"][0] > d["mean_latency_s"][1])  # a stricter BER costs time
    again = sweep.fig4_sweep(V0, V1, [0.0, 10.0, 20.0, 30.0], [1e-6, 1e-4], "continuous", realizations=5, seed=2)
    assert np.array_equal(d["draws_latency_s"], again["draws_latency_s"])
    s = sweep.draw_summary(d)
    assert s["prompt_share_mean"].shape == (2, 4) and np.all(s["outage"] == 0)
    for rm in ("continuous", "discrete"):
        for g in sweep.solver_gaps(V0, V1, [5.0, 15.0, 25.0], [1e-5], rm, points=80):
            assert g["gap"] <= 0.005, g


def test_discrete_sweep_outage_is_counted():
    d = sweep.fig4_sweep(V0, V1, [0.0, 30.0], [1e-6], "discrete", realizations=20, seed=1)
    s = sweep.draw_summary(d)
    assert s["outage"][0, 0] == 1.0 and s["outage"][0, 1] < 0.5  # 0 dB: even 4-QAM is out of reach
    assert not np.isfinite(d["mean_latency_s"][0, 0])


def test_mqam_simulation_matches_the_exact_ber():
    """Uncoded Gray M-QAM on the link at the bound's 1e-2 threshold: the exact BER lies in the
    simulated 95 % interval, and the bound holds (BER below 1e-2)."""
    torch.manual_seed(0)
    for order in m.QAM_ORDERS:
        r = reallink_eq4.eq4_rows([1e-2], (order,))[0]
        pt = reallink_eq4.simulate_mqam(order, [r["bound_snr_db"]], target_bit_errors=400, seed=order)[0]
        assert pt["ber_lo"] <= r["exact_ber_at_bound"] <= pt["ber_hi"], (order, pt)
        assert pt["ber_hi"] < 1e-2


def test_retransmissions_are_geometric():
    """CRC retransmission of the prompt packet: the mean number of transmissions agrees with
    1/(1 - PER) from separate packets, the counts fit a geometric law, and eq. (3) (eq. (2)'s PER)
    is far from both at this SNR."""
    r = reallink.retransmission_check(200, 1.5, prompts=400, seed=5)
    assert r["prompts"] == 400 and sum(r["counts"]) == 400 and r["not_delivered"] == 0
    assert r["mean_lo"] <= r["geometric_hi"] and r["geometric_lo"] <= r["mean_hi"]
    assert r["chi2_p"] is not None and r["chi2_p"] > 1e-3
    assert 0.15 < r["per"] < 0.45
    assert r["eq3_mean"] > r["mean_hi"] * 1.5  # eq. (2) is pessimistic here
    assert set(reallink.RETX_COLUMNS) <= set(r)


def test_end_to_end_draws():
    """At 30 dB every draw sends: achieved T1 is |v1|/(B1 log2 M) exactly, transmissions >= 1, achieved
    T0 is whole packets of (L + 30) symbols, the edge BER stays at the design's order, and the latency
    target is the mean-channel design's latency."""
    streams = [torch.randint(0, 2, (4000,), generator=torch.Generator().manual_seed(3)).float()]
    draws = reallink_e2e.end_to_end(V0, streams, 30.0, 1e-4, 12, seed=4)
    sent = [d for d in draws if d.order > 0]
    assert len(sent) >= 9
    for d in sent:
        assert d.achieved_t1 == pytest.approx(4000 / (1e6 * math.log2(d.order)))
        assert d.transmissions >= 1
        assert d.achieved_t0 == pytest.approx(d.transmissions * (V0 + 30) / 1e6)
        assert d.achieved_latency == max(d.achieved_t0, d.achieved_t1)
        assert d.designed_latency == pytest.approx(max(d.designed_t0, d.designed_t1))
    table = Table.from_array(np.array([d.to_row() for d in draws]), reallink_e2e.E2E_COLUMNS)
    summ = e2e_summary(table, 1e-4, None, seed=3).rows[0]
    assert summ.draws == 12 and summ.edge_ber.value < 5e-4 and summ.edge_ber.unit == "draw"
    assert summ.edge_ber.n == sum(d.order > 0 for d in draws)
    assert summ.edge_ber.lo <= summ.edge_ber.value <= summ.edge_ber.hi
    # the pooled edge BER is errors over bits of the sent draws
    assert summ.edge_ber.value == pytest.approx(sum(d.edge_errors for d in sent) / sum(d.edge_bits for d in sent))
    # the design is the exact discrete optimum of that draw's edge fade, the prompt at its mean SNR (eq. (2)'s reading)
    d = sent[0]
    g = sweep.mean_gain(30.0)
    ref = lemma1.solve(V0, 4000, g, g * d.fades[1], 1e-4, "discrete")
    assert ref.modulation_order == d.order and ref.latency_s == pytest.approx(d.designed_latency)
    target = lemma1.solve(V0, 4000, g, g, 1e-4, "discrete").latency_s
    assert all(x.target_latency == pytest.approx(target) for x in draws)
    late = sum(x.achieved_latency > x.target_latency for x in sent)
    assert summ.late.n == len(sent) and summ.late.value == pytest.approx(late / len(sent))
    assert summ.outage.unit == "draw" and summ.outage.value == pytest.approx(1 - len(sent) / 12)


# --------------------------------------------------------------------------- the study job
STUDY = """
[study]
kind = "qiao_latency"
name = "qiao_test"
seed = 1
prompt_bits = "measured"
edge_bits = "measured"

[quality]
source = "measured"
images = "{images}"
count = 1
psis = [1e-7, 1e-5, 1e-3]
repeats = 1
targets = [[0.999, 0.991], [0.978, 0.918]]

[designs]
avg_snr_db = "0:10:30"
realizations = 4
ber_targets = [1e-5]
check_snrs_db = [20.0]
check_points = 40

[eq2]
lengths = [200]
awgn_snrs_db = [2.0]
rayleigh_snrs_db = [10.0]
target_errors = 10
max_packets = 300
retx_length = 200
retx_snrs_db = [2.0]
retx_prompts = 50

[eq4]
ber_targets = [1e-6]
sim_bers = [1e-2]
target_bit_errors = 30

[end_to_end]
avg_snr_db = [24.0]
draws = 3

[harq]
length = 200
snrs_db = [10.0]
prompts = 6
cap = 4
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    root = tmp_path_factory.mktemp("qiaoimgs")
    Image.fromarray(d.astronaut()[:128, :160]).save(root / "astro.png")
    (root / "captions.json").write_text(json.dumps({"astro": "an astronaut in a white suit with a flag"}))
    return root


@pytest.mark.slow  # ~40 s; the registry contract runs the quick study in the default suite
def test_study_stores_tables_and_recomputes_what_changed(tmp_path, folder, capsys):
    toml = tmp_path / "q.toml"
    toml.write_text(STUDY.format(images=folder))
    out = tmp_path / "o"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {p["status"] for p in res["parts"]} == {"finished"}
    assert res["prompt_bits"] > 8 and res["edge_bits"] > res["prompt_bits"]  # measured from the cached streams
    assert res["designs"]["continuous"]["max_solver_gap"] <= 0.005
    assert len(res["table2"]) == 3 + 2  # paper-implied + the measured pairs
    first = res["table2"][0]
    assert first["paper_implied"] and first["ber_star"] == pytest.approx(paper_implied_bers()[0], rel=1e-12)
    assert first["ranges"] and first["ranges"][-1]["modulation_order"] == 0  # outage at the low end
    assert res["ber_star"][0]["missing"] == ["clip"]  # the offline source has no CLIP
    assert res["eq2"]["points"] == 1 and res["eq2"]["awgn_points"] == 1 and res["eq4"]["simulated"] == 4
    assert res["end_to_end"]["rows"][0]["draws"] == 3
    for f in ("report.md", "fig4_continuous.png", "fig4_discrete.svg", "quality.pdf", "eq2_per.png", "eq4_mqam.png",
              "end_to_end.png", "harq.png", "fig3_streams.png", "quality_table.json"):
        assert (out / f).is_file(), f
    h5 = str(out / "qiao_test.h5")
    data, attrs = read_group(h5, "quality")
    assert data["metrics/ms_ssim"][0] == pytest.approx(1.0)  # BER 1e-7 on ~10^4 bits: error-free, the reference
    assert "config_hash" in read_group(h5, "designs/continuous")[1] and "git_sha" in read_group(h5, "eq2")[1]
    # the row tables: one layout, with units; Table II's ranges point at its rows
    pts = read_table(h5, "eq2/points")
    assert len(pts) == 2 and pts.units["snr_db"] == "dB" and list(pts["channel"]) == ["rayleigh", "awgn"]
    assert np.all(pts["per_lo"] <= pts["per"]) and np.all(pts["per"] <= pts["per_hi"])
    rows, ranges = read_table(h5, "table2/rows"), read_table(h5, "table2/ranges")
    assert len(rows) == 5 and set(ranges["row"].tolist()) <= set(range(5)) and ranges.units["latency_ms"] == "ms"
    draws = read_table(h5, "end_to_end/draws")
    assert len(draws) == 3 and draws.units["achieved_latency"] == "s"
    assert read_table(h5, "designs/discrete/solver_gaps").units["brute_force_ms"] == "ms"
    counts = read_table(h5, "eq2/retransmission_counts")
    assert counts["prompts"].sum() == read_table(h5, "eq2/retransmissions")["prompts"][0] == 50
    report = (out / "report.md").read_text()
    assert "Table II analogue" in report and "feature-level" in report and "**Verdict:** Lemma 1" in report
    # a changed design grid recomputes only the designs (and what depends on them)
    toml.write_text(STUDY.format(images=folder).replace('avg_snr_db = "0:10:30"', 'avg_snr_db = "0:15:30"'))
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    third = {p["key"]: p["status"] for p in json.loads(capsys.readouterr().out)["parts"]}
    assert third["designs/continuous"] == "finished" and third["eq2"] == "skipped" and third["quality"] == "skipped"
    # semlink show: the kind's summary lines and tables, intervals included
    assert main(["show", h5]) == 0
    shown = capsys.readouterr().out
    assert "Table II (0.999, 0.991): BER1*" in shown and "eq. (2) at the mean SNR, Rayleigh block fading: inside at" in shown
    assert "PER [95 % CI]" in shown and "eq2/points: 2 rows" in shown


@pytest.mark.slow  # a whole study run for the table source (~21 s): `make test-all`
def test_table_source_and_no_source(tmp_path, capsys):
    table = tmp_path / "phi.json"
    table.write_text(json.dumps({"ber": [1e-6, 1e-4, 1e-2], "metrics": {"clip": [1.0, 0.99, 0.9],
                                                                       "ms_ssim": [1.0, 0.98, 0.7]},
                                 "source": "hand-made"}))
    text = STUDY.format(images="unused").replace('source = "measured"', 'source = "table:phi.json"').replace(
        'prompt_bits = "measured"\nedge_bits = "measured"', "prompt_bits = 800\nedge_bits = 7864")
    text = text.split("[eq2]")[0]
    (tmp_path / "t.toml").write_text(text + '[eq2]\nlengths = [64]\nawgn_snrs_db = [3.0]\nrayleigh_snrs_db = [10.0]\n'
                                     'target_errors = 5\nmax_packets = 100\nretx_length = 64\nretx_snrs_db = [3.0]\n'
                                     'retx_prompts = 20\n[eq4]\nber_targets = [1e-6]\nsim_bers = [1e-2]\n'
                                     'target_bit_errors = 20\n[end_to_end]\navg_snr_db = [24.0]\ndraws = 2\n'
                                     '[harq]\nlength = 64\nsnrs_db = [10.0]\nprompts = 4\ncap = 3\n')
    s = load_study(tmp_path / "t.toml")
    assert s.quality.source.startswith("table:") and os.path.isabs(s.quality.source[6:])
    assert main(["run", str(tmp_path / "t.toml"), "--out", str(tmp_path / "o"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    bs = res["ber_star"]
    # BER1* = min over both metrics of the generalized inverse (log-linear between table points)
    assert bs[0]["ber_star"] == pytest.approx(min(10 ** (-6 + 2 * 0.1), 10 ** (-6 + 2 * 0.009 / 0.02)), rel=1e-6)
    assert res["end_to_end"]["rows"][0]["quality"]["value"] <= 1.0


BAD = {
    ("quality", 'metrics = ["lpips"]'): "unknown metric",
    ("quality", 'targets = [[1.2, 0.9]]'): "targets",
    ("quality", 'source = "table:nope.json"'): "not found",
    ("quality", "psis = [1e-3, 1e-5]"): "increasing",
    ("designs", 'rate_models = ["shannon"]'): "rate_models",
    ("designs", "ber_targets = [0.5]"): "ber_targets",
    ("eq2", "lengths = [4]"): "lengths",
    ("end_to_end", "target_pair = 7"): "target_pair",
    ("system", "b0_hz = -1.0"): "b0_hz",
    ("study", "prompt_bits = -3"): "prompt_bits",
}


@pytest.mark.parametrize("where,line", list(BAD))
def test_bad_study_files(tmp_path, folder, capsys, where, line):
    text = STUDY.format(images=folder)
    key = line.split(" =")[0]
    lines = text.splitlines()
    start = lines.index(f"[{where}]") if f"[{where}]" in lines else None
    if start is None:
        lines += [f"[{where}]", line]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        block = [ln for ln in lines[start + 1:end] if not ln.startswith(key + " =")]
        lines = lines[: start + 1] + block + [line] + lines[end:]
    p = tmp_path / "bad.toml"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(StudyError, match=BAD[(where, line)]):
        load_study(p)
    assert main(["run", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_builtin_study_loads_and_needs_kodak(tmp_path, capsys, monkeypatch):
    s = load_study("qiao_latency", quick=True)
    assert s.kind == "qiao_latency" and s.out.endswith("-quick") and s.designs.realizations == 10
    full = load_study("qiao_latency")
    assert len(full.designs.avg_snr_db) == 31 and full.prompt_bits == 800 and full.edge_bits == 7864
    monkeypatch.delenv("SEMLINK_KODAK", raising=False)
    assert main(["run", "qiao_latency", "--quick", "--out", str(tmp_path / "k")]) == 2
    assert "SEMLINK_KODAK" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_qiao_imports_no_other_study():
    """The study kind and the calculator import no other study (the shared streams are scenarios.streams)."""
    code = ("import sys, pkgutil, importlib, scenarios.qiao as q; "
            "[importlib.import_module(f'scenarios.qiao.{n.name}') for n in pkgutil.iter_modules(q.__path__)]; "
            "import scenarios.cli.latency; "
            "print(sorted(m for m in sys.modules if m.split('.')[:2][-1] in ('xu', 'gesco', 'huang', 'ber') "
            "and m.startswith('scenarios.')))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_end_to_end_summary_without_errors_bounds_the_ber_over_symbols():
    """No edge bit error in any draw: the bootstrap over draws would be [0, 0]; the summary gives Clopper–Pearson
    over symbols instead (upper end 1 - 0.025^(1/n)), and late/on-time rates count against the target."""
    rows = [[20.0, 1.0, 1.0, 16, 1e-3, 2e-3, 2e-3, 1, 1e-3, 2e-3, 2e-3 + 1e-3 * (i % 2), 4000, 0, 1.0, 2.5e-3]
            for i in range(10)]
    table = Table.from_array(np.array(rows, dtype=np.float64), reallink_e2e.E2E_COLUMNS)
    r = e2e_summary(table, 1e-3, 0.99, seed=0).rows[0]
    assert r.edge_ber.unit == "symbol" and r.edge_ber.n == 10 * 1000 and r.edge_ber.value == 0.0
    assert r.edge_ber.hi == pytest.approx(1 - 0.025 ** (1 / 10000), rel=1e-9)
    assert r.late.value == 0.5 and r.on_time.value == 0.5 and r.outage.value == 0.0
