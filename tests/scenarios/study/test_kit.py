"""The study kit's parts on their own: tables, the report builder, statistics, image inputs, summaries."""

import json
import math
import os

import h5py
import numpy as np
import pytest

from linklevel.store.h5io import ResultFileError, atomic_h5
from scenarios.study.images import image_inputs
from scenarios.study.parts import read_group, write_group
from scenarios.study.report import Report
from scenarios.study.stats import (Interval, bootstrap_mean, generalized_inverse, isotonic, paired_difference)
from scenarios.study.summary import Summary
from scenarios.study.tables import Table, read_table, table_names


def _table():
    return Table({"map": ["kodim01", "kodim02", "kodim03"], "psnr": [1.0, 5.0, 10.0], "seed": [0, 1, 2],
                  "fds": [True, False, True]}, units={"psnr": "dB"})


def test_table_round_trip_keeps_columns_dtypes_and_units(tmp_path):
    f = str(tmp_path / "s.h5")
    write_group(f, "fds/with", {"rows": _table(), "example": np.arange(4.0)}, {"note": "x", "k": [1, 2]})
    t = read_table(f, "fds/with/rows")
    assert t.names == ["map", "psnr", "seed", "fds"] and t.units == {"map": "", "psnr": "dB", "seed": "", "fds": ""}
    assert list(t["map"]) == ["kodim01", "kodim02", "kodim03"]
    assert t["seed"].dtype.kind == "i" and t["fds"].dtype == bool and t["psnr"].tolist() == [1.0, 5.0, 10.0]
    assert t.where(fds=True)["map"].tolist() == ["kodim01", "kodim03"]
    data, attrs = read_group(f, "fds/with")
    assert isinstance(data["rows"], Table) and data["example"].tolist() == [0, 1, 2, 3]
    assert attrs["note"] == "x" and json.loads(attrs["k"]) == [1, 2] and "semlink_sha256" not in attrs
    assert table_names(f) == ["fds/with/rows"]


def test_a_changed_table_column_is_detected_before_it_is_read(tmp_path):
    f = str(tmp_path / "s.h5")
    write_group(f, "compare/awgn", {"rows": _table()})
    with h5py.File(f, "a") as h:  # behind semlink's back
        h["compare/awgn/rows/psnr"][1] = 6.0
    with pytest.raises(ResultFileError, match=r"compare/awgn/rows/psnr.*part compare/awgn.*fails its checksum"):
        read_table(f, "compare/awgn/rows")


def test_table_rejects_ragged_columns_and_unknown_units():
    with pytest.raises(ValueError, match="differ in length"):
        Table({"a": [1, 2], "b": [1]})
    with pytest.raises(ValueError, match="unknown columns"):
        Table({"a": [1]}, units={"b": "dB"})


def test_report_saves_every_figure_as_png_pdf_svg_and_show_mode_writes_nothing(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def draw():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        return fig

    rep = Report(str(tmp_path / "r" / "report.md"), "t")
    rep.figure("curve", draw, caption="a curve")
    rep.table(["x", "y"], [[1, Interval(0.5, 0.4, 0.6, 12, "image")]])
    path = rep.write()
    assert sorted(os.listdir(tmp_path / "r")) == ["curve.pdf", "curve.png", "curve.svg", "report.md"]
    text = open(path).read()
    assert "![a curve](curve.png)" in text and "| 1 | 0.5 [0.4, 0.6] |" in text
    calls = []
    quiet = Report(None, "t", draw=False)
    assert quiet.figure("curve", lambda: calls.append(1)) is None and calls == [] and quiet.write() is None
    with pytest.raises(ValueError, match="needs 2 cells"):
        rep.table(["x", "y"], [[1]])


def test_bootstrap_is_seeded_guarded_and_covers():
    v = np.random.default_rng(1).normal(2.0, 1.0, 40)
    a, b = bootstrap_mean(v, seed=7, unit="image"), bootstrap_mean(v, seed=7, unit="image")
    assert a == b and a.n == 40 and a.lo < a.value < a.hi and a.value == pytest.approx(v.mean())
    assert bootstrap_mean(v, seed=8) != a  # the study seed matters
    empty = bootstrap_mean([], seed=0)
    assert empty.n == 0 and math.isnan(empty.value) and "no units" in empty.text()
    few = bootstrap_mean([1.0, 1.0, 1.0, 1.0], seed=0, unit="map")
    assert not few.ok and few.text() == "1 (n = 4 maps: no interval)"
    # coverage of the percentile bootstrap for the mean of 30 normal units: near 95 % over 400 data sets
    rng = np.random.default_rng(0)
    hits = sum(iv.lo <= 0.0 <= iv.hi for iv in (bootstrap_mean(rng.normal(0, 1, 30), seed=s, boot=1000)
                                                  for s in range(400)))
    assert 0.90 <= hits / 400 <= 0.98


def test_paired_difference_pairs_units():
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    d = paired_difference(a + 0.5, a, seed=0)
    assert d.value == pytest.approx(0.5) and d.lo == pytest.approx(0.5) and d.hi == pytest.approx(0.5)
    with pytest.raises(ValueError, match="differ in number"):
        paired_difference([1.0], [1.0, 2.0], seed=0)


def test_isotonic_and_generalized_inverse_against_brute_force():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(0.1, 1.0, 7))
    fit = isotonic(y)
    assert np.all(np.diff(fit) >= -1e-12)
    # brute force: the least-squares monotone fit is the mean of y over each pooled block; compare costs
    best = min((np.sum((y - np.maximum.accumulate(c)) ** 2) for c in
                (rng.normal(np.mean(y), 2, 7) for _ in range(20000))))
    assert np.sum((y - fit) ** 2) <= best + 1e-9
    x = np.array([0.0, 1.0, 2.0, 3.0])
    assert generalized_inverse(x, [0.1, 0.4, 0.4, 0.9], 0.5) == 3.0
    assert generalized_inverse(x, [0.1, 0.4, 0.4, 0.9], 0.95) == math.inf


def test_image_inputs_read_the_kodak_setting(tmp_path, monkeypatch):
    for n in ("b.png", "a.png", "notes.txt"):
        (tmp_path / n).write_bytes(b"")
    (tmp_path / "captions.json").write_text("{}")
    monkeypatch.setenv("SEMLINK_KODAK", str(tmp_path))
    got = image_inputs("kodak", 5, "[data]", captions="")
    assert [os.path.basename(p) for p in got.files] == ["a.png", "b.png"] and got.captions.endswith("captions.json")
    monkeypatch.delenv("SEMLINK_KODAK")
    with pytest.raises(ValueError, match=r"\[data\] images = \"kodak\" needs SEMLINK_KODAK"):
        image_inputs("kodak", 5, "[data]")


def test_summary_is_typed_and_json_safe():
    from dataclasses import dataclass

    @dataclass
    class S(Summary):
        gain_db: float = 0.0
        iv: Interval = Interval(1.0, math.nan, math.nan, 2)

    out = S(float("nan")).to_json()
    assert out["gain_db"] is None and out["iv"]["n"] == 2 and out["iv"]["lo"] is None
    json.dumps(out)


def test_a_part_stamped_before_the_kit_layout_runs_again(tmp_path):
    from scenarios.study.parts import LAYOUT, Part, PartStore

    f = str(tmp_path / "s.h5")
    part = Part("fig7", {"a": 1}, run=lambda ctx: None)
    store = PartStore(f)
    store.stamp(part)
    assert store.done(part)
    with atomic_h5(f) as h:  # as written before the kit: no layout stamp
        del h["fig7"].attrs["layout"]
    assert not store.done(part) and store.completed(part) == []
    store.stamp(part)
    assert store.done(part) and LAYOUT == 2
