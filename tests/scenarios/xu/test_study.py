"""The Xu study job: TOML -> HDF5 parts -> figures + report; skip, partial recompute, bad input."""

import json
import os

import numpy as np
import pytest

from linklevel.store.h5io import open_result
from scenarios.cli import main
from scenarios.study.kinds import load_study, study_kind
from scenarios.study.schema import StudyError
from scenarios.study.tables import read_table

STUDY = """
[study]
kind = "xu_power_allocation"
name = "xu_test"
seed = 3
k = "measured"

[measure]
images = "{images}"
count = 2
psis = [1e-3, 0.1]
joint_psis = [0.1]
link_psis = [0.1]
repeats = 1

[curves]
targets = "0.35:0.1:0.95"

[realizations]
count = {count}
target = 0.45
budgets_w = [0.05, 1.0]

[real_link]
target = 0.36
trials = 8
offsets_db = [0.0, 3.0]
k_cw = 256
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    root = tmp_path_factory.mktemp("xuimgs")
    for name, img in (("astro", d.astronaut()[:128, :160]), ("cat", d.chelsea()[:128, :160])):
        Image.fromarray(img).save(root / f"{name}.png")
    (root / "captions.json").write_text(json.dumps({"astro": "an astronaut in a white suit with a flag",
                                                    "cat": "a ginger cat looking at the camera"}))
    return root


def _write(tmp_path, folder, count=4):
    p = tmp_path / "xu.toml"
    p.write_text(STUDY.format(images=folder, count=count))
    return str(p)


def _status(res: dict) -> dict[str, set]:
    """Statuses of the study's parts by top-level group (perception, curves, realizations, real_link)."""
    out: dict[str, set] = {}
    for p in res["parts"]:
        out.setdefault(p["key"].split("/")[0], set()).add(p["status"])
    return out


@pytest.mark.slow  # ~40 s; the registry contract runs the quick study in the default suite
def test_xu_study_runs_stores_and_reports(tmp_path, folder, capsys):
    """What the kind stores and reports (the generic contract, tests/scenarios/test_kinds_contract.py, covers
    re-runs, partial files, ``semlink show`` and damaged files)."""
    toml = _write(tmp_path, folder)
    out = str(tmp_path / "out")
    assert main(["run", toml, "--out", out, "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["kind"] == "xu_power_allocation" and res["file"] == os.path.join(out, "xu_test.h5")
    assert _status(res) == {g: {"finished"} for g in ("perception", "curves", "realizations", "real_link")}
    names = {os.path.basename(f) for f in res["figures"]}
    assert names == {"fig4_perception.png", "fig5_one_correct.png", "fig6_power.png", "fig9_cdf.png", "real_link.png"}
    assert all(os.path.getsize(f) > 10_000 for f in res["figures"])
    # K and bpp: the exact stream sizes of the bridge codecs
    from scenarios.streams.cache import stream_bits

    bits = stream_bits(res["file"])
    k = res["k_bits"]
    assert k["measured_mean"] == [int(round(bits["prompt"].mean())), int(round(bits["edge"].mean()))]
    assert k["paper_bpp"] == [0.0303, 0.026]
    assert [r["bpp"] for r in k["per_image"]] == pytest.approx(list((bits["prompt"] + bits["edge"]) / (128 * 160)))
    # coded paper constants: the corner where the edge stream is switched off, with its saving
    clip = next(r for r in res["curves"] if r["source"] == "paper:clip" and r["scheme"] == "coded")
    assert clip["corner"]["to_state"] == "edge off" and clip["corner"]["saving_vs_unaware"] > 0.5
    assert {(r["source"], r["scheme"]) for r in res["curves"]} == {
        ("paper:clip", "coded"), ("paper:ms-ssim", "coded"), ("measured", "coded"), ("measured", "uncoded")}
    # real-link check: per offset, both streams, and the achieved perception vs the design; stored as a table
    chk = res["real_link"]["check"]
    assert chk["target"] == 0.36 and len(chk["points"]) == 2
    assert all(len(p["streams"]) == 2 and 0 <= p["achieved_perception"] <= 1 for p in chk["points"])
    table = read_table(res["file"], "real_link/check")
    assert len(table) == 4 and table["lost"].tolist() == [s["lost"] for p in chk["points"] for s in p["streams"]]
    rz = res["realizations"]["methods"]
    assert set(rz) == {"unaware", "proportional", "bisection", "optimal"}
    assert rz["optimal"]["median_w"] <= rz["unaware"]["median_w"]
    assert all(o <= u + 1e-9 for o, u in zip(rz["optimal"]["median_perception"], rz["unaware"]["median_perception"]))
    # intervals over the independent unit: 4 realizations, 2 images (< 5): values without intervals, and warnings
    assert rz["optimal"]["mean_w"]["n"] == 4 and rz["optimal"]["mean_w"]["lo"] is None
    assert any("realizations (< 5)" in w for w in res["warnings"]) and any("images (< 5)" in w for w in res["warnings"])
    report = open(res["report"], encoding="utf-8").read()
    for needle in ("feature-level", "0.0303", "bisection misses", "5G LDPC", "fig9_cdf.png",
                   "Gap at the design point", "backoff" if
                   chk["backoff_db"] is not None else "not met"):
        assert needle in report
    with open_result(res["file"]) as f:
        g = f["curves/paper:clip/coded/optimal"]
        for a in ("config", "config_hash", "seed", "versions", "git_sha", "complete"):
            assert a in g.attrs
        assert f["perception/feature"].attrs["metric"].startswith("feature-level")
        assert f["realizations/optimal/perception_under_budget"].shape == (4, 2)
        fits = f["fits/feature"]
        assert set(fits) == {"alone_prompt", "alone_edge", "correct_prompt", "correct_edge", "discard", "forward"}
        assert np.all(np.diff(fits["alone_edge/isotonic"][()]) >= 0)
        assert fits["discard"].attrs["L1"] == pytest.approx(1 - fits["discard"].attrs["p_prompt_only"])
        assert fits["discard"].attrs["p_both"] == pytest.approx(res["perception"]["p_best"])
    # the measured forward function is exported as a JSON table usable by `semlink allocate` (by the run only:
    # `semlink show` writes nothing)
    table = os.path.join(out, "perception_table_feature.json")
    assert main(["allocate", "--scheme", "uncoded", "--method", "optimal", "--perception-table", table,
                 "--k", "600,9000", "--gain-db=-98,-98", "--target", "0.7", "--json"]) == 0
    alloc = json.loads(capsys.readouterr().out)
    assert alloc["feasible"] and alloc["perception"] <= 0.7 + 1e-6
    saved = open(table, encoding="utf-8").read()
    os.remove(table)
    assert main(["show", res["file"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert not os.path.exists(table) and shown["summary_lines"][0].startswith("paper:clip/coded: max saving")
    with open(table, "w", encoding="utf-8") as fh:
        fh.write(saved)
    # a changed part is the only one recomputed
    _write(tmp_path, folder, count=6)
    assert main(["run", toml, "--out", out, "--json"]) == 0
    third = json.loads(capsys.readouterr().out)
    st = _status(third)
    assert st["realizations"] == {"finished"} and st["curves"] == {"skipped"}
    assert st["real_link"] == {"skipped"} and st["perception"] == {"skipped"}
    # a table from a file is a perception source like the others (both schemes)
    with open(toml) as fh:
        text = fh.read().replace('[curves]', f'[curves]\nsources = ["table:{table}"]\nschemes = ["uncoded"]')
    # ... also for the realizations, where `proportional` needs the table's single-stream semantic values
    text = text.replace("count = 6\n", f'count = 2\nsource = "table:{table}"\nmethods = ["proportional", "optimal"]\n')
    (tmp_path / "xu.toml").write_text(text)
    assert main(["run", toml, "--out", out, "--json"]) == 0
    fourth = json.loads(capsys.readouterr().out)
    assert [(r["source"], r["scheme"]) for r in fourth["curves"]] == [("table:perception_table_feature.json",
                                                                         "uncoded")]
    assert fourth["realizations"]["source"].startswith("table:")
    assert set(fourth["realizations"]["methods"]) == {"proportional", "optimal"}


def test_xu_study_validation(tmp_path, folder, capsys, monkeypatch):
    toml = _write(tmp_path, folder)
    assert study_kind(toml) == "xu_power_allocation"
    assert study_kind("validate_analytic") == "ber"
    assert type(load_study(toml)).__name__ == "XuStudy"
    s = load_study("xu_power_allocation", quick=True)
    assert s.measure.count == 2 and s.out.endswith("-quick") and s.channel.rate == 0.8
    full = load_study("xu_power_allocation")
    assert full.measure.images == "kodak" and len(full.curves.targets) > 50
    bad = {
        'metric = "lpips"': "metric",
        "weights = [0.9, 0.9]": "weights",
        'link_psis = [0.5]': "link_psis",
        'colour = 1': "unknown key 'colour'",
    }
    for line, match in bad.items():
        p = tmp_path / "bad.toml"
        text = STUDY.format(images=folder, count=4)
        key = line.split(" =")[0]
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + " ="))
        p.write_text(text.replace("repeats = 1", f"repeats = 1\n{line}"))
        with pytest.raises(StudyError, match=match):
            load_study(p)
        assert main(["run", str(p), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    p = tmp_path / "bad.toml"
    p.write_text(STUDY.format(images=folder, count=4).replace('source = "paper:clip"', 'source = "paper:lpips"')
                 .replace("[real_link]", '[real_link]\nsource = "paper:lpips"'))
    with pytest.raises(StudyError, match="unknown perception source"):
        load_study(p)
    # the default study reads Kodak through SEMLINK_KODAK only
    monkeypatch.delenv("SEMLINK_KODAK", raising=False)
    assert main(["run", "xu_power_allocation", "--quick", "--out", str(tmp_path / "k")]) == 2
    assert "SEMLINK_KODAK" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "k" / "xu_power_allocation.h5")


def test_builtin_quick_study_on_kodak(builtin_quick_run):
    res = builtin_quick_run("xu_power_allocation")["first"]  # the run the registry contract test checks too
    kb = res["k_bits"]
    assert [r["image"] for r in kb["per_image"]] == ["kodim01", "kodim02"]
    assert 0.02 < kb["mean_bpp"] < 0.05  # the paper's streams: 0.0303 / 0.0260 bpp
    assert kb["measured_mean"][0] < kb["measured_mean"][1] / 5  # the prompt is the short stream
    clip = next(r for r in res["curves"] if r["source"] == "paper:clip" and r["scheme"] == "coded")
    # the edge stream is switched off at the first target above 1 - L1 = 0.4113 (grid step 0.05)
    assert clip["corner"]["to_state"] == "edge off" and clip["corner"]["target"] == pytest.approx(0.45)
    assert clip["corner"]["saving_vs_unaware"] > 0.8
