"""GESCO: one map analog/digital (accounting by hand, bit-exact at high SNR), `semlink maps`, the study job."""

import json
import math
import os

import h5py
import numpy as np
import pytest
import torch

from bridge.analog import AnalogChannel
from bridge.labelmap import LabelMapCodec
from linklevel import LinkConfig
from scenarios.cli import main
from scenarios.gesco.maps import analog_channel_uses, equal_resource_analog, send_analog_map, send_digital_map
from scenarios.study.kinds import load_study
from scenarios.study.schema import StudyError

from ..tamper import assert_damage_detected


def _map(h=24, w=40, seed=0, classes=5):
    rng = np.random.default_rng(seed)
    return rng.integers(0, classes, size=(math.ceil(h / 8), math.ceil(w / 8))).repeat(8, 0).repeat(8, 1)[:h, :w]


def test_digital_map_is_bit_exact_at_high_snr_and_counted_by_hand():
    lab = _map()
    cfg = LinkConfig(modulation="qpsk", code="ldpc", k=512, n=1024, crc="CRC24A", snr_type="esno")
    out = send_digital_map(lab, 5, cfg, 12.0, seed=1)
    bits = LabelMapCodec(5).bit_count(torch.from_numpy(lab))
    blocks = math.ceil(bits / (512 - 24))
    assert out.bits == bits and out.extra["blocks"] == blocks
    assert out.channel_uses == blocks * 1024 // 2  # QPSK: 2 coded bits per channel use
    assert out.miou == 1.0 and out.pixel_accuracy == 1.0 and torch.equal(out.received, torch.from_numpy(lab))
    lost = send_digital_map(lab, 5, cfg, -6.0, policy="discard", seed=1)
    assert lost.lost and lost.received is None and lost.miou == 0.0


def test_analog_map_accounting_and_fds():
    lab = _map()
    k = np.unique(lab).size
    out = send_analog_map(lab, 5, AnalogChannel(100.0), use_fds=False, seed=0)
    assert out.miou == 1.0 and out.channel_uses == analog_channel_uses(lab.shape, k) == k * 24 * 40 // 2
    assert out.side_bits == 5 + 32
    ds = send_analog_map(lab, 5, AnalogChannel(100.0), use_fds=False, seed=0, downsample=4)
    assert ds.channel_uses == math.ceil(k * 6 * 10 / 2) and ds.miou > 0.9  # 8x8 blocks survive 4x pooling
    # equal resources: at most the digital uses, the rest as energy
    eq = equal_resource_analog(lab, 5, 500, 10.0, seed=0)
    assert eq.channel_uses <= 500 and eq.extra["energy_gain"] == pytest.approx(500 / eq.channel_uses)
    # at -5 dB FDS helps these blocky maps (paired seeds)
    on = np.mean([send_analog_map(lab, 5, AnalogChannel(-5.0), True, seed=s).miou for s in range(3)])
    off = np.mean([send_analog_map(lab, 5, AnalogChannel(-5.0), False, seed=s).miou for s in range(3)])
    assert on > off + 0.1


def test_cli_maps(tmp_path, capsys):
    from genai.semmaps import read_label_map, write_label_map

    lab = _map(32, 48, seed=4)
    write_label_map(tmp_path / "m.png", lab)
    assert main(["maps", str(tmp_path / "m.png"), "--psnr", "30", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {"miou", "pixel_accuracy", "bits", "channel_uses", "classes_present"} <= set(res)
    assert res["miou"] > 0.9 and res["classes"] == int(lab.max()) + 1
    out = tmp_path / "rx.png"
    assert main(["maps", str(tmp_path / "m.png"), "--psnr", "10", "--channel", "digital", "--json",
                 "--out", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["miou"] == 1.0 and res["bits"] > 0 and read_label_map(out).tolist() == lab.tolist()
    assert main(["maps", str(tmp_path / "m.png"), "--psnr", "-3", "--fading", "tdl", "--ofdm", "--no-fds"]) == 0
    assert "mIoU" in capsys.readouterr().out
    for argv, msg in ((["--psnr", "5", "--classes", "2"], "largest label"),
                      (["--psnr", "7", "--paper-sigma"], "sigma table"),
                      (["--psnr", "5", "--channel", "digital", "--no-fds"], "analog"),
                      (["--psnr", "5", "--out", str(tmp_path / "x.jpg")], "--out"),
                      (["--psnr", "nan"], "finite")):
        assert main(["maps", str(tmp_path / "m.png")] + argv) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1, err
    assert main(["maps", str(tmp_path / "none.png"), "--psnr", "1"]) == 2
    assert not (tmp_path / "x.jpg").exists()


STUDY = """
[study]
kind = "gesco_maps"
name = "gesco_test"
seed = 2

[maps]
source = "classical"
images = "{images}"
count = 2
classes = 6
size = [48, 64]

[fds]
psnrs = [-5, 10]
seeds = 2

[compare]
snrs_db = [0, 8]
digital = ["qpsk:0.5"]
channels = ["awgn"]
seeds = 1

[fading]
psnrs = [5]
channels = ["ofdm-rayleigh"]
seeds = 1

[generate]
enabled = true
random_weights = true
psnrs = [5]
steps = 1
maps = 1
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    root = tmp_path_factory.mktemp("gescoimgs")
    Image.fromarray(d.astronaut()[:96, :128]).save(root / "a.png")
    Image.fromarray(d.chelsea()[:96, :128]).save(root / "b.png")
    return root


def test_study_runs_resumes_and_reports(tmp_path, folder, capsys):
    toml = tmp_path / "g.toml"
    toml.write_text(STUDY.format(images=folder))
    out = tmp_path / "o"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {p["status"] for p in res["parts"]} == {"finished"}
    b = res["bits"]
    assert b["maps"] == 2 and b["size"] == [48, 64] and "stand-in" in b["note"] and b["reduction_vs_png"] > 0.5
    eq1 = {x["psnr"]: x for x in res["fds"]["eq1"]}
    assert eq1[-5.0]["difference"][0] > 0  # FDS helps at -5 dB
    assert {"eq1", "paper_sigma"} <= set(res["fds"]) and res["fds"]["eq1_verdict"]["helps_up_to_db"] == -5
    row = res["compare"]["awgn"][0]
    assert row["config"] == "qpsk:0.5" and row["digital"]["forward"][1] == 1.0  # error-free at 8 dB
    assert res["generate"]["note"].startswith("random weights")
    for f in ("report.md", "fds_eq1.png", "examples.png", "compare_awgn.png"):
        assert (out / f).is_file(), f
    with h5py.File(out / "gesco_test.h5", "r") as f:
        assert f["maps/labels/000_a"].shape == (48, 64) and "git_sha" in f["compare/awgn"].attrs
    assert "classical segmentation stand-in" in (out / "report.md").read_text()
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    assert {p["status"] for p in json.loads(capsys.readouterr().out)["parts"]} == {"skipped"}
    assert_damage_detected(str(toml), out, tmp_path, capsys)


BAD = {
    'source = "clip"': "source",
    'size = [4, 64]': "size",
    'digital = ["qpsk:0.2"]': "rate in",
    'digital = ["8psk:0.5"]': "modulation",
    'channels = ["tdl"]': "channels",
    "seeds = 0": "seeds",
}


@pytest.mark.parametrize("line", list(BAD))
def test_bad_study_files(tmp_path, folder, capsys, line):
    key = line.split(" =")[0]
    text = STUDY.format(images=folder)
    table = {"source": "[maps]", "size": "[maps]", "digital": "[compare]", "channels": "[compare]",
             "seeds": "[fds]"}[key]
    lines, out, inside = text.splitlines(), [], False
    for ln in lines:
        if ln.startswith("["):
            inside = ln == table
        if inside and ln.startswith(key + " ="):
            continue
        out.append(ln)
        if ln == table:
            out.append(line)
    p = tmp_path / "bad.toml"
    p.write_text("\n".join(out) + "\n")
    with pytest.raises(StudyError, match=BAD[line]):
        load_study(p)
    assert main(["run", str(p), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and not (tmp_path / "o").exists()


def test_builtin_study_loads_and_needs_kodak(tmp_path, capsys, monkeypatch):
    s = load_study("gesco_maps", quick=True)
    assert s.kind == "gesco_maps" and s.maps.size == (64, 96) and s.out.endswith("-quick")
    assert load_study("gesco_maps").fds.psnrs[:3] == (-5.0, -2.0, 1.0)
    monkeypatch.delenv("SEMLINK_KODAK", raising=False)
    assert main(["run", "gesco_maps", "--quick", "--out", str(tmp_path / "k")]) == 2
    assert "SEMLINK_KODAK" in capsys.readouterr().err and not (tmp_path / "k").exists()


@pytest.mark.skipif(not os.environ.get("SEMLINK_KODAK"), reason="set SEMLINK_KODAK to the Kodak folder (CI does)")
def test_builtin_quick_study_on_kodak(tmp_path, capsys):
    assert main(["run", "gesco_maps", "--quick", "--out", str(tmp_path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["bits"]["maps"] == 2 and 0.5 < res["bits"]["reduction_vs_png"] < 1


def test_g4_map_codec_round_trip_and_auto():
    from scenarios.gesco.maps import map_codec

    lab = torch.from_numpy(_map(40, 56, seed=9, classes=7))
    sizes = map_codec(7, "auto").payloads(lab)
    for name in ("auto", "planes", "g4", "png"):
        c = map_codec(7, name)
        bits = c.encode(lab)
        assert torch.equal(c.decode(bits), lab) and bits.numel() == c.bit_count(lab)
    assert map_codec(7, "auto").bit_count(lab) == min(sizes.values())
    assert map_codec(7, "g4").bit_count(lab) == sizes["planes-ext"]


def test_study_from_a_folder_of_label_maps(tmp_path, capsys):
    from genai.semmaps import write_label_map

    maps = tmp_path / "maps"
    maps.mkdir()
    for i in range(2):
        write_label_map(maps / f"x{i}_labelIds.png", _map(40, 56, seed=20 + i, classes=6))
    (maps / "ignored.txt").write_text("not a map")
    text = STUDY.format(images="unused").replace('source = "classical"', f'source = "folder"\nfolder = "{maps}"\n'
                                                 'pattern = "*_labelIds.png"').replace("[generate]\nenabled = true",
                                                                                       "[generate]\nenabled = false")
    (tmp_path / "f.toml").write_text(text)
    assert main(["run", str(tmp_path / "f.toml"), "--out", str(tmp_path / "o"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["bits"]["maps"] == 2 and res["bits"]["note"] == "label maps from files"
    assert "reduction_vs_png" not in res["bits"]  # no image to compare with
    with h5py.File(tmp_path / "o" / "gesco_test.h5", "r") as f:
        names = json.loads(f["maps"].attrs["names"])
        assert names == ["000_x0_labelIds", "001_x1_labelIds"]
        assert f["maps/labels/000_x0_labelIds"][()].tolist() == np.asarray(
            __import__("PIL.Image", fromlist=["Image"]).open(maps / "x0_labelIds.png").resize((64, 48), 0)).tolist()


def test_independent_parts_in_two_processes_store_the_serial_numbers(tmp_path, folder, capsys):
    """``--workers 2``: the FDS, compare and fading parts (each reading only the stored maps) run in
    this process and a spawned one on copies of the file; the parent alone writes. Every stored
    number equals the serial run's."""
    import numpy as np

    from tests.scenarios.h5digest import datasets

    toml = tmp_path / "g.toml"
    toml.write_text(STUDY.format(images=folder).replace("enabled = true", "enabled = false"))
    for name, w in (("serial", "1"), ("two", "2")):
        assert main(["run", str(toml), "--out", str(tmp_path / name), "--json", "--workers", w]) == 0
        assert {p["status"] for p in json.loads(capsys.readouterr().out)["parts"]} == {"finished"}
    a, b = datasets(str(tmp_path / "serial" / "gesco_test.h5")), datasets(str(tmp_path / "two" / "gesco_test.h5"))
    assert sorted(a) == sorted(b) and any(k.startswith("compare/") for k in a) and "fading/rows" in a
    assert [k for k in a if not np.array_equal(a[k], b[k], equal_nan=True)] == []
