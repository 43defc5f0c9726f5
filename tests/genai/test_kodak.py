"""On Kodak (read through $SEMLINK_KODAK only): the encoder's streams stay well under 0.1 bpp."""

import json
import os

import pytest

from scenarios.cli import main

KODAK = os.environ.get("SEMLINK_KODAK")
needs_kodak = pytest.mark.skipif(not KODAK or not os.path.isdir(KODAK),
                                 reason="set SEMLINK_KODAK to the Kodak folder (CI does)")


@needs_kodak
def test_encode_kodak_image_well_under_0_1_bpp(capsys, monkeypatch):
    monkeypatch.setenv("SEMLINK_CAPTIONS", os.path.join(KODAK, "captions.json"))
    img = os.path.join(KODAK, "kodim05.png")  # one of the busiest Kodak scenes
    assert main(["encode", img, "--edges", "hed", "--sketch-codec", "ntc", "--quality", "1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["size"] == [512, 768]
    assert d["streams"][0]["text"].startswith("motocross")
    assert d["bpp"] < 0.1, d
    assert d["random_weights"] is False
