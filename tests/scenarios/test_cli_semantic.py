"""semlink encode / regenerate: JSON contract, exact bit counts, fail-fast without weights, random-weights path."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    d_ = tmp_path_factory.mktemp("img")
    p = d_ / "chelsea.png"
    Image.fromarray(d.chelsea()[:192, :256]).save(p)
    caps = d_ / "caps.json"
    caps.write_text(json.dumps({"chelsea": "a tabby cat lying on a wooden floor"}))
    return str(p), str(caps)


def test_encode_json_contract_and_exact_bits(image, capsys):
    from bridge import BytesCodec, TextCodec
    from genai.g4 import G4Codec
    from genai.hed import HEDEdges
    from scenarios.semantic import load_image

    path, caps = image
    assert main(["encode", path, "--prompt-from", f"captions:{caps}", "--edges", "hed", "--sketch-codec", "g4",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    names = [s["name"] for s in d["streams"]]
    assert names == ["prompt", "edge"]
    prompt, edge = d["streams"]
    assert prompt["text"] == "a tabby cat lying on a wooden floor"
    assert prompt["bits"] == TextCodec().bit_count(prompt["text"])
    data = G4Codec().compress(HEDEdges()(load_image(path)))
    assert edge["bits"] == BytesCodec().bit_count(data) == 96 + 8 * len(data)
    assert d["bpp"] == pytest.approx((prompt["bits"] + edge["bits"]) / (192 * 256))
    assert d["random_weights"] is False


@pytest.mark.parametrize("argv", [
    ["encode", "/no/such.png"],
    ["encode", "IMG", "--edges", "sobel"],
    ["encode", "IMG", "--prompt-from", "gpt"],
    ["encode", "IMG", "--sketch-codec", "jpeg"],
    ["regenerate", "IMG", "--out", "/tmp/x.jpg"],
])
def test_bad_input_exits_2(image, capsys, argv):
    argv = [image[0] if a == "IMG" else a for a in argv]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("semlink: error")


def test_regenerate_without_weights_fails_fast_naming_the_model(image, tmp_path):
    path, caps = image
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"), SEMLINK_CAPTIONS=caps)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "scenarios", "regenerate", path, "--sketch-codec", "g4",
                          "--out", str(tmp_path / "r.png")], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=120)
    elapsed = time.perf_counter() - t0
    assert res.returncode != 0
    assert "stable-diffusion-v1-5" in res.stderr and "Traceback" not in res.stderr
    assert elapsed < 60  # imports included; no network waits
    assert not (tmp_path / "r.png").exists()


def test_regenerate_with_random_weights_over_a_link(image, tmp_path, capsys, monkeypatch):
    path, caps = image
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    out = tmp_path / "r.png"
    assert main(["regenerate", path, "--prompt-from", f"captions:{caps}", "--sketch-codec", "g4", "--out", str(out),
                 "--allow-random-weights", "--steps", "2", "--ebno", "12", "--modulation", "bpsk", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["random_weights"] is True and "random weights" in d["decoder"]
    assert d["prompt_received"] == "a tabby cat lying on a wooden floor"  # clean link at 12 dB
    assert d["link"]["prompt"]["bit_errors"] == 0 and d["edge_received"]
    assert 0 <= d["metrics"]["ms_ssim"] <= 1 and d["metrics"]["prompt_similarity"] == pytest.approx(1.0, abs=1e-5)
    assert d["metrics"]["clip"] is None and "clip" in d["clip_unavailable"]
    from PIL import Image

    with Image.open(out) as im:
        assert im.size == (256, 192)
    # discard over a bad coded link: both streams lost -> no regeneration, perception distance 1
    assert main(["regenerate", path, "--prompt-from", f"captions:{caps}", "--sketch-codec", "g4", "--out", str(out),
                 "--allow-random-weights", "--steps", "2", "--ebno", "-3", "--modulation", "bpsk", "--code", "ldpc",
                 "--k", "256", "--rate", "0.5", "--policy", "discard", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["prompt_received"] is None and d["link"]["prompt"]["lost"] and d["link"]["edge"]["lost"]
    assert d["image_out"] is None and d["metrics"] == {"perception_distance": 1.0, "prompt_similarity": 0.0}


def test_transmit_with_rate_alone_sizes_code_blocks_and_splits_header_bits(capsys):
    from bridge.packets import code_blocks

    assert main(["transmit", "--text", "a lighthouse on a rocky coast", "--code", "ldpc", "--rate", "0.5",
                 "--ebno", "4", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["received"] == "a lighthouse on a rocky coast" and d["blocks"] == 1
    assert d["payload_bits"] == 8 * len("a lighthouse on a rocky coast") and d["header_bits"] == 120
    assert d["bits"] == d["payload_bits"] + d["header_bits"]
    assert (d["link"]["k"], d["link"]["n"]) == code_blocks(d["bits"], 0.5)[:2] and d["link"]["crc"] == "CRC24A"
    # a long stream is segmented under the 5G block limit (8448 incl. CRC)
    assert code_blocks(30000, 0.5) == (7524, 15048, 4)
    assert main(["transmit", "--text", "x" * 2000, "--code", "ldpc", "--rate", "0.8", "--ebno", "6", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["blocks"] == 2 and d["received"] == "x" * 2000
