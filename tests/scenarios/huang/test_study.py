"""The Huang et al. study job: TOML -> HDF5 parts -> figures + report; resume; bad input."""

import json
import os

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.study.kinds import load_study
from scenarios.study.schema import StudyError

from ..tamper import assert_damage_detected

STUDY = """
[study]
kind = "huang_cie"
name = "huang_test"
seed = 1

[data]
images = "{images}"
count = 2
crop = 128
coders = "{coders}"
perceptual = "random"

[fig7]
alphas = [0.2, 0.8]

[fig9]
snrs_db = [0.0, 12.0]
t_max_ms = 5.0
iters = 20
example_alphas = [0.0, 0.6]
target_bler = 0.1
blocklength = 128
mcs_step_db = 0.5
fades = 2
t_max_sweep_ms = [3.0, 6.0]
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    from genai.hyperprior_train import train_image_codec

    root = tmp_path_factory.mktemp("huang")
    imgs = root / "imgs"
    imgs.mkdir()
    Image.fromarray(d.astronaut()[::2, ::2]).save(imgs / "a.png")
    Image.fromarray(d.coffee()[::2, ::2]).save(imgs / "b.png")
    coders = root / "coders"
    rng = np.random.default_rng(0)
    train_image_codec(str(coders), lambdas=(0.001, 0.01), steps=2, batch=2, crop=64, log_every=0,
                      images=[rng.random((96, 96, 3)).astype(np.float32)])
    return imgs, coders


def test_study_runs_resumes_and_reports(tmp_path, setup, capsys):
    imgs, coders = setup
    toml = tmp_path / "h.toml"
    toml.write_text(STUDY.format(images=imgs, coders=coders))
    out = tmp_path / "o"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {p["status"] for p in res["parts"]} == {"finished"}
    rows = res["fig7"]["rows"]
    assert {(r["coder"], r["alpha"]) for r in rows} == {(1, 0.2), (1, 0.8), (2, 0.2), (2, 0.8)}
    for q in (1, 2):  # a higher threshold keeps fewer elements: fewer bits, GVIF no higher
        lo, hi = (next(r for r in rows if r["coder"] == q and r["alpha"] == a) for a in (0.2, 0.8))
        assert hi["bits"] <= lo["bits"] and hi["gvif"][0] <= lo["gvif"][0] + 1e-12
    assert {p["key"] for p in res["parts"]} == {"fig7", "mcs", "fig9", "rayleigh", "examples"}
    f9 = res["fig9"]["rows"]
    assert len(f9) == 2 and all(0 <= r["sh_alpha"] <= 0.8 for r in f9)
    for r in f9:  # eq. (8) <= normal approximation <= the 5G LDPC link, for the same streams
        assert r["sh_latency_ms"] <= r["sh_latency_na_ms"] <= r["sh_latency_real_ms"]
        assert r["re_delivered_gvif"] <= r["re_gvif"] + 1e-12 and r["sh_delivered_gvif"] <= r["sh_gvif"] + 1e-12
        assert r["text_gvif"] == 0.0 and 0 <= r["sh_grid_gvif"] <= 1
        assert r["pi_delivered_gvif"] <= r["pi_gvif"] + 1e-12 and np.isfinite(r["jpeg2000_mask_psnr"])
        assert np.isfinite(r["sh_mask_psnr"]) and np.isfinite(r["unf_sh_mask_psnr"])
        for k in ("sh", "re", "pi", "unf_sh", "jpeg2000"):  # LPIPS / FID on the tiny random models
            assert r[f"{k}_lpips"] >= 0 and np.isfinite(r[f"{k}_fid"])
    lat = res["fig9"]["latency_sweep"]
    assert lat["t_max_ms"] == [3.0, 6.0]
    for t, l, a in zip(lat["t_max_ms"], lat["sh_latency_ms"], lat["sh_alpha"]):  # the design keeps its mean budget
        assert l <= t * (1 + 1e-9) or a == pytest.approx(0.8)
        if r["re_coder"] >= 0:  # the real-link design respects its own budget
            assert r["re_bits"] <= r["re_budget"] * (1 + 1e-9) or r["re_alpha"] == pytest.approx(0.8)
    assert len(res["rayleigh"]["rows"]) == 2 and res["rayleigh"]["fades"] == 2
    for f in ("report.md", "fig7.png", "fig9.png", "rayleigh.png", "examples.png"):
        assert (out / f).is_file()
    assert "saliency substitute" in (out / "report.md").read_text()
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    assert {p["status"] for p in json.loads(capsys.readouterr().out)["parts"]} == {"skipped"}
    assert_damage_detected(str(toml), out, tmp_path, capsys)


@pytest.mark.parametrize("line,msg", [('importance = "lime"', "importance"), ("crop = 10", "crop"),
                                      ("count = 0", "count")])
def test_bad_study_files(tmp_path, setup, capsys, line, msg):
    imgs, coders = setup
    key = line.split(" =")[0]
    text = STUDY.format(images=imgs, coders=coders)
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + " =")).replace("[data]",
                                                                                             f"[data]\n{line}")
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(StudyError, match=msg):
        load_study(p)
    assert main(["run", str(p), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "o").exists()


def test_missing_coders_and_kodak(tmp_path, setup, capsys, monkeypatch):
    imgs, _ = setup
    p = tmp_path / "m.toml"
    p.write_text(STUDY.format(images=imgs, coders=tmp_path))
    assert main(["run", str(p), "--out", str(tmp_path / "o")]) == 2
    assert "train-image-codec" in capsys.readouterr().err and not (tmp_path / "o").exists()
    s = load_study("huang_cie", quick=True)
    assert s.data.count == 2 and s.out.endswith("-quick")
    monkeypatch.delenv("SEMLINK_KODAK", raising=False)
    assert main(["run", "huang_cie", "--quick", "--out", str(tmp_path / "k")]) == 2
    assert "SEMLINK_KODAK" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("SEMLINK_KODAK"), reason="set SEMLINK_KODAK to the Kodak folder (CI does)")
def test_builtin_quick_study_on_kodak(tmp_path, capsys):
    assert main(["run", "huang_cie", "--quick", "--out", str(tmp_path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["fig7"]["gvif_nonincreasing_in_alpha"]
