"""The Huang et al. study: TOML -> HDF5 tables -> figures + report and summary; preflight; bad input."""

import json

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.huang.parts import preflight
from scenarios.digital.codecs import load_family
from scenarios.huang.report import HuangSummary
from scenarios.study.kinds import load_study
from scenarios.study.schema import StudyError
from scenarios.study.tables import read_table

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


def _means(t, q, a, col):
    return float(np.mean(t.where(coder=q, alpha=a)[col]))


@pytest.mark.slow  # ~25 s; the registry contract runs huang_cie --quick in the default suite
def test_study_runs_and_reports(tmp_path, setup, capsys):
    """Kind-specific checks of a run on two tiny images (re-run, show and damage: the kinds' contract test)."""
    imgs, coders = setup
    toml = tmp_path / "h.toml"
    toml.write_text(STUDY.format(images=imgs, coders=coders))
    out = tmp_path / "o"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    h5 = res["file"]
    assert [p["key"] for p in res["parts"]] == ["fig7", "mcs", "fig9", "rayleigh", "examples", "gvif_checks", "fig10"]
    assert {p["status"] for p in res["parts"]} == {"finished"}
    r7 = read_table(h5, "fig7/rows")
    assert r7.units["bits"] == "bit" and r7.units["mask_psnr"] == "dB" and len(r7) == 2 * 2 * 2
    assert {(int(q), float(a)) for q, a in zip(r7["coder"], r7["alpha"])} == {(1, 0.2), (1, 0.8), (2, 0.2), (2, 0.8)}
    for q in (1, 2):  # a higher threshold keeps fewer elements: fewer bits, GVIF no higher
        assert _means(r7, q, 0.8, "bits") <= _means(r7, q, 0.2, "bits")
        assert _means(r7, q, 0.8, "gvif") <= _means(r7, q, 0.2, "gvif") + 1e-12
    mcs = read_table(h5, "mcs/table")
    assert mcs.units["threshold_db"] == "dB" and set(mcs["modulation"]) == {"qpsk", "16qam", "64qam"}
    assert np.isfinite(mcs["threshold_db"]).all() and len(read_table(h5, "mcs/tested")) >= len(mcs)
    f9 = read_table(h5, "fig9/rows")
    assert f9.units["sh_latency_ms"] == "ms" and f9.units["sh_budget"] == "bit" and len(f9) == 2
    for r in f9.rows():
        assert 0 <= r["sh_alpha"] <= 0.8
        assert r["sh_latency_ms"] <= r["sh_latency_na_ms"] <= r["sh_latency_real_ms"]  # eq. (8) <= NA <= 5G LDPC
        assert r["re_delivered_gvif"] <= r["re_gvif"] + 1e-12 and r["sh_delivered_gvif"] <= r["sh_gvif"] + 1e-12
        assert r["text_gvif"] == 0.0 and 0 <= r["sh_exact_gvif"] <= 1
        assert r["sh_exact_gvif"] >= r["sh_gvif"] - 1e-12 or not r["sh_feasible"]  # the certified optimum is no worse
        assert r["re_expected_gvif"] <= r["re_gvif"] + 1e-12  # stream loss only lowers the expectation
        assert r["pi_delivered_gvif"] <= r["pi_gvif"] + 1e-12 and np.isfinite(r["jpeg2000_mask_psnr"])
        assert np.isfinite(r["sh_mask_psnr"]) and np.isfinite(r["unf_sh_mask_psnr"])
        for k in ("sh", "re", "pi", "unf_sh", "jpeg2000", "roi"):  # LPIPS / FID on the tiny random models
            assert r[f"{k}_lpips"] >= 0 and np.isfinite(r[f"{k}_fid"])
        if r["re_coder"] >= 0:  # the real-link design respects its own budget
            assert r["re_bits"] <= r["re_budget"] * (1 + 1e-9) or r["re_alpha"] == pytest.approx(0.8)
    lat = read_table(h5, "fig9/latency")
    assert lat["t_max_ms"].tolist() == [3.0, 6.0]
    for t, l, a in zip(lat["t_max_ms"], lat["sh_latency_ms"], lat["sh_alpha"]):  # the design keeps its mean budget
        assert l <= t * (1 + 1e-9) or a == pytest.approx(0.8)
    assert len(read_table(h5, "rayleigh/rows")) == 2 * 2 and len(read_table(h5, "fig9/images")) == 2 * 2
    # the typed summary, and intervals over 2 images / 2 fades become warnings
    assert res["gvif_nonincreasing_in_alpha"] in (True, False) and res["rayleigh_fades"] == 2 and res["images"] == 2
    assert res["max_gap_to_exact"] >= -1e-12 and len(res["na_over_shannon_latency"]) == 2
    img = read_table(h5, "fig9/images")  # per image: every scored scheme, so the report can pair them
    assert np.isfinite(img["sh_mask_psnr"]).all() and np.isfinite(img["unf_sh_mask_psnr"]).all()
    assert np.isfinite(img["roi_mask_psnr"]).all() and set(res["filtering_beats_unfiltered"]) <= {"0", "12"}
    beta = read_table(h5, "gvif_checks/beta")  # 3 readings x 2 SNRs x 2 images
    assert len(beta) == 3 * 2 * 2 and set(beta["variant"].astype(int)) == {0, 1, 2}
    assert set(beta.where(variant=1)["coder"].astype(int)) <= {1}  # the reference coder q2 held out
    ind = read_table(h5, "gvif_checks/independence")
    assert len(ind) == 2 and np.all(np.abs(ind["rho_in"][np.isfinite(ind["rho_in"])]) <= 1)
    assert set(res["rank_correlations"]) == {"paper", "held_out", "shared"}
    assert any(w.startswith("Spearman GVIF") for w in res["warnings"])  # 2 images: no interval
    assert any(w.startswith("Fig. 7 mean GVIF") for w in res["warnings"])
    assert any(w.startswith("Rayleigh mean GVIF") for w in res["warnings"])
    for f in ("fig7", "fig9", "rayleigh", "examples", "fig6", "fig10"):
        assert all((out / f"{f}.{x}").is_file() for x in ("png", "pdf", "svg")), f
    text = (out / "report.md").read_text()
    assert "saliency substitute" in text and "certified optimum" in text and "Appendix A" in text
    assert "beats sending less unfiltered (q" in text and res["filtering_beats_unfiltered"]
    for f in out.glob("*.p*"):  # show writes nothing
        f.unlink()
    assert main(["show", h5]) == 0
    assert "GVIF non-increasing in alpha" in capsys.readouterr().out and not list(out.glob("*.png"))


def test_preflight_checks_the_weights_without_loading_them(tmp_path, setup):
    from genai.loading import ModelNotAvailable

    imgs, coders = setup
    bad = tmp_path / "c"
    bad.mkdir()
    (bad / "hyperprior_rgb_q1.safetensors").write_bytes(b"not weights")  # loading it would fail
    toml = tmp_path / "p.toml"
    toml.write_text(STUDY.format(images=imgs, coders=bad))
    study = load_study(toml)
    preflight(study)
    with pytest.raises(Exception, match="deserializing"):  # what loading them (the parts' job) finds
        load_family(str(bad))
    toml.write_text(STUDY.format(images=imgs, coders=tmp_path / "none"))
    with pytest.raises(ModelNotAvailable, match="train-image-codec"):
        preflight(load_study(toml))


def test_summary_lines():
    s = HuangSummary(gvif_nonincreasing_in_alpha=True, gvif_nondecreasing_in_rate=False, max_gap_to_exact=0.0125,
                     real_over_shannon_latency=(1.2, 1.6), cliff_snrs_db=[-2.0, 0.0],
                     filtering_beats_unfiltered={"0": False, "10": None})
    assert s.lines() == ["GVIF non-increasing in alpha: True; non-decreasing in rate: False",
                         "filtering beats unfiltered (mask-PSNR): holds at 0, fails at 1, undecided at 1 SNRs",
                         "Algorithm 1 vs the certified optimum: largest gap +0.0125",
                         "5G LDPC latency of the eq. (8) design: 1.20-1.60x eq. (8); unfiltered cliff at -2, 0 dB"]
    assert HuangSummary().lines() == [] and HuangSummary().to_json()["max_gap_to_exact"] is None


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


def test_family_labels_name_each_coder_by_its_rate_point():
    """Each coder of the shipped family knows its own rate point (the first pass labelled every file q1)."""
    fam = load_family()
    assert len(fam) >= 2
    for q, coder in fam.items():
        assert coder.quality == q and coder.note.startswith(f"hyperprior q{q} ") and f"_q{q}" in coder.note
    assert [c.quality for c in load_family(random_weights=True).values()] == [1, 2]
