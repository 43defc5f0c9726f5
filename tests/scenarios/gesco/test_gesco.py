"""GESCO: one map analog/digital (accounting by hand, bit-exact at high SNR), `semlink maps`, the study job.

What every kind does (quick run, re-run skipped, report from a partial file, `semlink show`, damage
detected) is the registry contract test's (`tests/scenarios/test_kinds_contract.py`); here: what is
GESCO's own (its tables, summary, verdicts, figures, map sources, parallel parts)."""

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from bridge.analog import AnalogChannel
from bridge.labelmap import LabelMapCodec
from linklevel import LinkConfig
from scenarios.cli import main
from scenarios.maps.analog import analog_channel_uses, equal_resource_analog, send_analog_map
from scenarios.gesco.reallink import map_codec, send_digital_map
from scenarios.study.kinds import load_study
from scenarios.study.parts import read_group
from scenarios.study.schema import StudyError
from scenarios.study.tables import read_table


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
count = 5
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
    for name, img in (("a", d.astronaut()), ("b", d.chelsea()), ("c", d.coffee()), ("d", d.rocket()),
                      ("e", d.immunohistochemistry())):
        Image.fromarray(img[:96, :128]).save(root / f"{name}.png")
    return root


def _figures_linked_and_drawn(out):
    """Every figure the report links exists (PNG, PDF, SVG); every PNG drawn is linked."""
    import re

    linked = set(re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", (out / "report.md").read_text()))
    drawn = {p.name for p in out.glob("*.png")}
    assert linked == drawn, (linked, drawn)
    for f in linked:
        assert (out / f).with_suffix(".pdf").is_file() and (out / f).with_suffix(".svg").is_file()
    return linked


def test_study_tables_summary_verdicts_and_figures(tmp_path, folder, capsys):
    toml = tmp_path / "g.toml"
    toml.write_text(STUDY.format(images=folder))
    out = tmp_path / "o"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {p["status"] for p in res["parts"]} == {"finished"}
    b = res["bits"]
    assert b["maps"] == 5 and b["size"] == [48, 64] and "stand-in" in b["note"]
    red = b["reduction_vs_png"]
    assert red["n"] == 5 and 0.5 < red["lo"] <= red["value"] <= red["hi"] < 1  # 5 maps: an interval
    # the comms convention (unit power, in-image AvgPool): FDS helps at -5 dB, hurts at 10 dB (as before the split)
    up = {p["psnr"]: p for p in res["fds"]["unit-power/eq1"]["points"]}
    assert up[-5.0]["difference"]["lo"] > 0 and up[10.0]["difference"]["hi"] < 0
    assert res["fds"]["unit-power/eq1"]["helps_up_to_db"] == -5 and res["fds"]["unit-power/eq1"]["hurts_from_db"] == 10
    assert set(res["fds"]) == {f"{c}/{v}" for c in ("released-code", "unit-power") for v in ("eq1", "paper_sigma")}
    # the paper's convention: FDS helps at -5 dB too, and the same nominal PSNR is harder (noise K times larger)
    rc = {p["psnr"]: p for p in res["fds"]["released-code/eq1"]["points"]}
    assert rc[-5.0]["difference"]["lo"] > 0
    assert rc[10.0]["no_fds"]["hi"] < up[10.0]["no_fds"]["lo"]
    row = res["compare"]["awgn"][0]
    assert row["config"] == "qpsk:0.5" and row["digital"]["forward"][1]["value"] == 1.0  # error-free at 8 dB
    assert [p["channel"] for p in res["fading"]] == ["ofdm-rayleigh"]
    assert res["generate_note"].startswith("random weights") and len(res["generate"]) == 1
    assert not any("FDS ablation" in w for w in res["warnings"])  # 5 maps back every interval
    assert _figures_linked_and_drawn(out) == {f"fds_{c}_{v}.png" for c in ("released-code", "unit-power")
                                              for v in ("eq1", "paper_sigma")} | {
        "examples.png", "compare_awgn.png", "fading.png", "generate.png"}
    text = (out / "report.md").read_text()
    assert "classical segmentation stand-in" in text and "**Verdict:** FDS raises the mIoU" in text
    # the stored rows are tables with units and their own dtypes
    file = str(out / "gesco_test.h5")
    t = read_table(file, "compare/awgn/rows")
    assert t.units["snr_db"] == "dB" and t.units["channel_uses"] == "channel uses" and t.units["bits"] == "bit"
    assert t["lost"].dtype == bool and t["bits"].dtype.kind == "i" and len(t) == 5 * 2 * 2
    assert read_table(file, "fds/released-code/eq1/rows").units["psnr"] == "dB" and len(read_table(file, "maps/bits")) == 5
    data, attrs = read_group(file, "maps")
    assert data["labels/000_a"].shape == (48, 64) and "git_sha" in read_group(file, "compare/awgn")[1]
    # semlink show: the same verdicts and tables, nothing written
    before = sorted(p.name for p in out.iterdir())
    assert main(["show", file, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    verdicts = {v["claim"]: v["holds"] for v in shown["verdicts"]}
    d = rc[10.0]["difference"]
    assert verdicts["FDS raises the mIoU at 10 dB (released-code, σ from the PSNR)"] == (
        True if d["lo"] > 0 else (False if d["hi"] < 0 else None))
    assert {c for c in verdicts if "σ from the authors' table" in c and "released-code" in c} == {
        f"FDS raises the mIoU at {p} dB (released-code, σ from the authors' table)" for p in (1, 5, 10)}
    ivs = [c for t in shown["tables"] for r in t["rows"] for c in r if isinstance(c, dict)]
    assert ivs and all(c["lo"] <= c["value"] <= c["hi"] for c in ivs if c["n"] >= 5)  # 5 maps: an interval
    assert all(c["lo"] is None for c in ivs if c["n"] < 5)  # fewer (thin classes in few maps, no LPIPS): none
    fds_ivs = [c for t in shown["tables"] if t["caption"].startswith("FDS ablation") for r in t["rows"] for c in r
               if isinstance(c, dict)]
    assert fds_ivs and all(c["n"] == 5 for c in fds_ivs)
    assert sorted(p.name for p in out.iterdir()) == before


BAD = {
    'source = "clip"': "source",
    'size = [4, 64]': "size",
    'digital = ["qpsk:0.2"]': "rate in",
    'digital = ["8psk:0.5"]': "modulation",
    'channels = ["tdl"]': "channels",
    "seeds = 0": "seeds",
    'kind = "coco"': "kind must be one of",
    "ignore_index = -5": "ignore_index",
    'conventions = ["peak"]': "conventions",
    'palette = "p.json"': "palette and instances apply",
}


@pytest.mark.parametrize("line", list(BAD))
def test_bad_study_files(tmp_path, folder, capsys, line):
    key = line.split(" =")[0]
    text = STUDY.format(images=folder)
    table = {"source": "[maps]", "size": "[maps]", "digital": "[compare]", "channels": "[compare]",
             "seeds": "[fds]", "kind": "[maps]", "ignore_index": "[maps]", "conventions": "[fds]", "classes": "[maps]",
             "palette": "[maps]"}[key]
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


def test_g4_map_codec_round_trip_and_auto():
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
                                                 'pattern = "*_labelIds.png"\nkind = "indexed"').replace(
                                                 "[generate]\nenabled = true",
                                                                                       "[generate]\nenabled = false")
    (tmp_path / "f.toml").write_text(text)
    out = tmp_path / "o"
    assert main(["run", str(tmp_path / "f.toml"), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["bits"]["maps"] == 2 and res["bits"]["note"] == "label maps from files"
    assert res["bits"]["reduction_vs_png"] is None  # no image to compare with
    assert np.isnan(read_table(str(out / "gesco_test.h5"), "maps/bits")["image_png_bits"]).all()
    data, attrs = read_group(str(out / "gesco_test.h5"), "maps")
    assert json.loads(attrs["names"]) == ["000_x0_labelIds", "001_x1_labelIds"]
    assert data["labels/000_x0_labelIds"].tolist() == np.asarray(
        __import__("PIL.Image", fromlist=["Image"]).open(maps / "x0_labelIds.png").resize((64, 48), 0)).tolist()
    # 2 maps back no interval: warnings, no interval printed; no regeneration, so no figure of it
    assert any(w.startswith("FDS ablation (released-code, eq1): 2 maps") for w in res["warnings"])
    text = (out / "report.md").read_text()
    assert "(n = 2 maps: no interval)" in text and "## Warnings" in text and "Regenerated" not in text
    assert res["fds"]["released-code/eq1"]["helps_up_to_db"] is None
    assert res["fds"]["released-code/eq1"]["hurts_from_db"] is None
    assert "generate.png" not in _figures_linked_and_drawn(out)


def test_independent_parts_in_two_processes_store_the_serial_numbers(tmp_path, folder, capsys):
    """``--workers 2``: the FDS, compare and fading parts (each reading only the stored maps) run in
    this process and a spawned one on copies of the file; the parent alone writes. Every stored
    number equals the serial run's."""
    import numpy as np

    from tests.scenarios.h5digest import datasets

    toml = tmp_path / "g.toml"
    toml.write_text(STUDY.format(images=folder).replace("enabled = true", "enabled = false").replace("count = 5",
                                                                                                     "count = 2"))
    for name, w in (("serial", "1"), ("two", "2")):
        assert main(["run", str(toml), "--out", str(tmp_path / name), "--json", "--workers", w]) == 0
        assert {p["status"] for p in json.loads(capsys.readouterr().out)["parts"]} == {"finished"}
    a, b = datasets(str(tmp_path / "serial" / "gesco_test.h5")), datasets(str(tmp_path / "two" / "gesco_test.h5"))
    assert sorted(a) == sorted(b) and any(k.startswith("compare/") for k in a) and "fading/rows/miou" in a
    assert [k for k in a if not np.array_equal(a[k], b[k], equal_nan=True)] == []


SAMPLE = Path(__file__).resolve().parents[3] / "scenarios" / "gesco" / "data" / "cityscapes_sample"


def test_cli_maps_conventions_memory_and_cityscapes_sample(tmp_path, capsys):
    """--noise-convention: the paper's code is harder at the same PSNR; --classes beyond the memory bound is
    refused before anything is allocated or written; a Cityscapes trainIds sample keeps 255 out of K and mIoU;
    the instance-edge plane costs channel uses."""
    from genai.semmaps import write_label_map

    lab = _map(32, 48, seed=4)
    write_label_map(tmp_path / "m.png", lab)
    runs = {}
    for conv in ("released-code", "unit-power"):
        assert main(["maps", str(tmp_path / "m.png"), "--psnr", "0", "--no-fds", "--noise-convention", conv,
                     "--json"]) == 0
        runs[conv] = json.loads(capsys.readouterr().out)
    assert runs["released-code"]["noise_convention"] == "released-code"
    assert runs["released-code"]["miou"] < runs["unit-power"]["miou"]
    out = tmp_path / "big.png"
    write_label_map(tmp_path / "wide.png", np.zeros((256, 384), np.int64))
    assert main(["maps", str(tmp_path / "wide.png"), "--psnr", "5", "--classes", "65535", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "65535 classes x 256x384 need 25.8 GB of class planes" in err and err.count("\n") == 1
    os.environ["SEMLINK_MAX_PLANE_BYTES"] = "1000"
    try:
        assert main(["maps", str(tmp_path / "m.png"), "--psnr", "5"]) == 2
        assert "SEMLINK_MAX_PLANE_BYTES" in capsys.readouterr().err
    finally:
        del os.environ["SEMLINK_MAX_PLANE_BYTES"]
    assert not out.exists()
    train = next(SAMPLE.glob("*_trainIds.png"))
    assert main(["maps", str(train), "--psnr", "100", "--no-fds", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["classes"] == 19 and res["ignore_index"] == 255 and 255 not in res["classes_present"]
    assert res["miou"] == 1.0  # ignored pixels are filled before sending and skipped in the score
    ids = next(SAMPLE.glob("*_labelIds.png"))
    inst = str(ids).replace("_labelIds", "_instanceIds")
    assert main(["maps", str(ids), "--psnr", "20", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["maps", str(ids), "--psnr", "20", "--instances", inst, "--json"]) == 0
    edged = json.loads(capsys.readouterr().out)
    h, w = plain["shape"]
    assert plain["classes"] == 35 and edged["channel_uses"] == plain["channel_uses"] + h * w // 2
    assert main(["maps", str(ids), "--psnr", "5", "--palette", str(tmp_path / "none.json")]) == 2
    assert "no such palette" in capsys.readouterr().err


def test_study_on_the_cityscapes_sample_excludes_the_ignore_index(tmp_path, capsys):
    text = STUDY.format(images="unused").replace('source = "classical"', f'source = "folder"\nfolder = "{SAMPLE}"\n'
                                                 'pattern = "*_trainIds.png"\ninstances = true').replace(
        "classes = 6", "classes = 19").replace("[generate]\nenabled = true", "[generate]\nenabled = false")
    (tmp_path / "c.toml").write_text(text)
    out = tmp_path / "o"
    assert main(["run", str(tmp_path / "c.toml"), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    data, attrs = read_group(str(out / "gesco_test.h5"), "maps")
    assert json.loads(attrs["ignore_index"]) == 255 and any(k.startswith("edges/") for k in data)
    bits = read_table(str(out / "gesco_test.h5"), "maps/bits")
    labels = [v for k, v in data.items() if k.startswith("labels/")]
    assert all((lab == 255).any() for lab in labels)  # the sample has ignored pixels ...
    assert list(bits["present"]) == [int(np.unique(lab[lab != 255]).size) for lab in labels]  # ... not in K
    rows = read_table(str(out / "gesco_test.h5"), "fds/released-code/paper_sigma/rows")  # its 100 dB row: sigma = 0
    assert rows["miou"][(rows["psnr"] == 100) & ~rows["fds"]].min() > 0.99  # clean: exact on the labelled pixels
    assert res["bits"]["classes"] == 19
