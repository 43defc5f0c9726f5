"""The ``jscc_vs_separation`` study scores LPIPS where its AlexNet weights are present (``[data] perceptual = auto``):
absent, the column is NaN and the report names the missing file; when the file appears, the parts that score images
re-run (the thresholds do not) and every row's LPIPS is the one an independent LPIPS network gives for what the
receiver shows. The weight file here is a randomly initialised AlexNet saved where torch hub keeps it (the ImageNet
one cannot be downloaded here): the real loading code reads it."""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest
import torch

from scenarios.study.tables import Table

STUDY = """
[study]
kind = "jscc_vs_separation"
name = "lp"
out = "{out}"
seed = 0

[data]
count = 1
crop = 64

[jscc]
channels = [8]
fixed_snrs_db = [5.0]
draws = 1

[link]
snrs_db = [-4.0, 20.0]
channels = ["awgn"]
blocklength = 256
target_bler = 0.05
mcs_step_db = 1.0
mcs = ["qpsk 1/3", "16qam 1/2"]

[maps]
count = 0
"""


def _rows(path):
    with h5py.File(path, "r") as f:
        return {g: Table.read(f[f"{g}/rows"]) for g in ("sources", "jscc", "separated")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from genai.compat import import_torchvision
    from scenarios.study.kinds import load_study
    from tests.scenarios.conftest import _missing_input, run_json

    import_torchvision()
    from torchvision.models import alexnet

    root = tmp_path_factory.mktemp("lpips")
    study = root / "lp.toml"
    study.write_text(STUDY.format(out=(root / "out").as_posix()))
    missing = _missing_input(load_study(study))
    if missing:
        pytest.skip(missing)
    (root / "empty").mkdir()
    ck = root / "hub" / "hub" / "checkpoints"
    ck.mkdir(parents=True)
    torch.manual_seed(3)
    torch.save(alexnet(weights=None).state_dict(), ck / "alexnet-owt-7be5be79.pth")
    args = ["run", str(study), "--json", "--no-progress", "--workers", "1"]
    mp = pytest.MonkeyPatch()
    out = {}
    try:
        for name, home in (("absent", root / "empty"), ("present", root / "hub")):
            mp.setenv("TORCH_HOME", str(home))
            res = run_json(args)
            out[name] = {"json": res, "rows": _rows(res["file"]), "report": open(res["report"], encoding="utf-8").read()}
    finally:
        mp.undo()
    out["weights"], out["study"] = ck / "alexnet-owt-7be5be79.pth", study
    return out


def test_absent_weights_leave_lpips_out_and_the_report_names_the_file(runs):
    r = runs["absent"]
    for t in r["rows"].values():
        assert np.isnan(t["lpips"]).all()
    assert "alexnet-owt-7be5be79.pth" in r["report"].split("## Not measured")[1]
    assert "mean LPIPS" not in r["report"]


def test_weights_that_appear_rerun_only_the_parts_that_score_images(runs):
    status = {p["key"]: p["status"] for p in runs["present"]["json"]["parts"]}
    assert status == {"mcs": "skipped", "sources": "finished", "jscc": "finished", "separated": "finished"}
    rep = runs["present"]["report"]
    assert "mean LPIPS" in rep and "LPIPS v0.1 (AlexNet, alexnet-owt-7be5be79.pth)" in rep
    assert "LPIPS with its trained network" not in rep
    for t in runs["present"]["rows"].values():
        assert np.isfinite(t["lpips"]).all() and (t["lpips"] >= 0).all()
    for g in ("sources", "jscc", "separated"):  # LPIPS added, nothing else changed
        for col in ("psnr", "msssim"):
            assert np.array_equal(runs["absent"]["rows"][g][col], runs["present"]["rows"][g][col]), (g, col)


def test_each_rows_lpips_is_what_the_receiver_shows(runs):
    from genai.lpips_alex import LPIPSDistance
    from scenarios.digital.codecs import jpeg2000_decode
    from scenarios.jscc.rows import load_images
    from scenarios.jscc.separated import source_stream
    from scenarios.study.kinds import load_study

    ref = LPIPSDistance(weights=runs["weights"])  # an independent instance on the same file
    img = load_images(load_study(runs["study"]))[0]
    grey = ref(img, np.full_like(img, 0.5))
    rows = runs["present"]["rows"]
    src = rows["sources"].where(coder="jpeg2000")
    for r in list(src.rows())[::12]:
        got = jpeg2000_decode(source_stream(img, {"coder": "jpeg2000", "param": r["param"]}, {}))
        assert r["lpips"] == pytest.approx(ref(img, got), rel=1e-5, abs=1e-7)
    sep = rows["separated"].where(system="separated_jpeg2000")
    lost, sent = sep.where(snr_db=-4.0), sep.where(snr_db=20.0)
    assert lost["lost"].all() and lost["lpips"] == pytest.approx([grey], rel=1e-5)
    assert not sent["lost"].any()
    point = src.where(bits=float(sent["bits"][0]))
    assert sent["lpips"][0] == pytest.approx(point["lpips"][0], rel=1e-9)
    j = rows["jscc"].where(system="jscc_c8")
    assert not math.isclose(j["lpips"][0], j["lpips"][1])  # scored per Es/N0
