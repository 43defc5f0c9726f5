"""The bad-input holes named one by one: exit 2, one line naming the option (or file) and its range."""

import pytest

from scenarios.cli import main
from scenarios.study.quantities import SNR_DB, Range


def _run(argv, capsys):
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, (rc, err)
    return err


@pytest.fixture
def files(tmp_path):
    import numpy as np
    from PIL import Image

    Image.fromarray(np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)).save(tmp_path / "labels.png")
    (tmp_path / "binary.json").write_bytes(bytes(range(256)))
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)))
    (tmp_path / "garbage.safetensors").write_bytes(b"garbage" * 10)
    (tmp_path / "data.bin").write_bytes(b"payload")
    return tmp_path


def test_range_text_and_check():
    assert SNR_DB.text() == "[-100, 150] dB"
    assert Range(0.0, 1.0, lo_open=True).text() == "(0, 1]"
    assert 1e5 not in SNR_DB and float("nan") not in SNR_DB and True not in SNR_DB
    with pytest.raises(ValueError, match=r"--psnr must lie in \[-100, 150\] dB"):
        SNR_DB.check(1e5, "--psnr")


@pytest.mark.parametrize("argv, words", [
    (["latency", "--avg-snr-db", "1e5", "--ber-target", "1e-6"], ["--avg-snr-db", "[-100, 150] dB"]),
    (["latency", "--avg-snr-db", "15", "--noise-dbm-hz", "1e6", "--ber-target", "1e-6"], ["--noise-dbm-hz", "dBm/Hz"]),
    (["latency", "--avg-snr-db", "nan", "--ber-target", "1e-6"], ["--avg-snr-db", "'nan'"]),
    (["latency", "--avg-snr-db", "inf", "--ber-target", "1e-6"], ["--avg-snr-db"]),
    (["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--bandwidth", "1e-300"], ["--bandwidth", "Hz"]),
    (["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--power-mw", "1e308"], ["--power-mw", "mW"]),
    (["latency", "--avg-snr-db", "15", "--ber-target", "1e-6", "--edge-bits", "1e20"], ["--edge-bits", "1000000000"]),
    (["allocate", "--gain-db", "1e308,1", "--target", "0.5"], ["--gain-db", "[-300, 100] dB"]),
    (["allocate", "--target", "nan"], ["--target"]),
    (["allocate", "--target", "0.5", "--noise-dbm", "inf"], ["--noise-dbm"]),
    (["cie", "x.png", "--snr-db", "nan"], ["--snr-db"]),
    (["transmit", "--text", "hi", "--ebno", "1e308"], ["--ebno", "dB"]),
    (["ber", "--ebno", "0:1e5:1e5"], ["--ebno", "[-100, 150] dB"]),
    (["bounds", "--n", "100", "--rate", "1e308", "--target-bler", "1e-3"], ["--rate"]),
    (["ber", "--minsum-scale", "nan"], ["--minsum-scale", "[0, 1]"]),
    (["train-sketch-codec", "--lr", "inf"], ["--lr"]),
])
def test_float_options_are_bounded(argv, words, capsys):
    err = _run(argv, capsys)
    assert all(w in err for w in words), err


@pytest.mark.parametrize("extra", [["--psnr", "-1e308"], ["--psnr", "5", "--fading", "rayleigh-block", "--coherence", "0"],
                                   ["--psnr", "5", "--fading", "rayleigh-block", "--coherence", "-5"],
                                   ["--psnr", "5", "--channel", "digital", "--k", "0"],
                                   ["--psnr", "5", "--channel", "digital", "--pilots", "-1"]])
def test_maps_sizes_and_magnitudes(files, extra, capsys):
    err = _run(["maps", files / "labels.png", *extra], capsys)
    assert "argument --" in err


def test_maps_refuses_to_overwrite_its_input(files, capsys):
    before = (files / "labels.png").read_bytes()
    err = _run(["maps", files / "labels.png", "--psnr", "5", "--out", files / "." / "labels.png"], capsys)
    assert "--out" in err and "input" in err
    assert (files / "labels.png").read_bytes() == before


def test_transmit_refuses_to_overwrite_its_input(files, capsys):
    err = _run(["transmit", "--file", files / "data.bin", "--ebno", "5", "--out", files / "data.bin"], capsys)
    assert "--out" in err and "--file" in err
    assert (files / "data.bin").read_bytes() == b"payload"


@pytest.mark.parametrize("argv, words", [
    (["ber", "--code", "ldpc", "--k", "10", "--n", "5"], ["--k 10 must be below --n 5"]),
    (["maps", "{d}/labels.png", "--psnr", "5", "--channel", "digital", "--k", "10", "--n", "5"],
     ["--k 10 must be below --n 5"]),
    (["ber", "--code", "none", "--k", "10", "--n", "20"], ["--k 10", "--n 20"]),
    (["ber", "--code", "conv", "--k", "10", "--rate", "0.5"], ["--rate 0.5", "--code conv"]),
    (["ber", "--code", "ldpc", "--k", "10", "--n", "20", "--rate", "0.5"], ["--n 20", "--rate 0.5"]),
])
def test_contradictions_name_what_was_given(files, argv, words, capsys):
    err = _run([a.replace("{d}", str(files)) for a in argv], capsys)
    assert all(w in err for w in words), err
    assert "give either" not in err or "--rate" in " ".join(argv)


@pytest.mark.parametrize("argv, name", [
    (["run", "{d}/binary.toml"], "binary.toml"),
    (["latency", "--gain-db", "-70", "--quality-target", "0.9,0.9", "--quality-table", "{d}/binary.json"], "binary.json"),
    (["allocate", "--target", "0.5", "--perception-table", "{d}/binary.json"], "binary.json"),
    (["train-image-codec", "--init", "{d}/garbage.safetensors", "--out", "{d}/w", "--steps", "1"],
     "garbage.safetensors"),
])
def test_binary_or_damaged_files_are_named(files, argv, name, capsys):
    err = _run([a.replace("{d}", str(files)) for a in argv], capsys)
    assert name in err and "codec can't decode" not in err
    assert not (files / "w").exists()


def test_caption_file_not_utf8_is_named(files):
    from genai.captions import CaptionFile

    with pytest.raises(ValueError, match="binary.json.*not UTF-8"):
        CaptionFile(files / "binary.json")
