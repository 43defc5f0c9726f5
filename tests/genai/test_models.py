"""Registry, loading policy, captions, canny, the G4 sketch codec; every genai module imports."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from genai.loading import ModelNotAvailable, resolve_weights
from genai.registry import MODELS, available, load, model_class


def test_import_genai_and_linklevel_stay_light():
    code = ("import sys, linklevel, genai, genai.registry; "
            "heavy = [m for m in ('diffusers', 'transformers', 'compressai', 'sentence_transformers', 'torchvision') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("role,name", [(r, n) for r, names in MODELS.items() for n in names])
def test_every_registered_model_imports(role, name):
    cls = model_class(role, name)
    assert cls.canonical_name == name and cls.role == role


def test_compressai_and_torchvision_import_path():
    from genai.compat import import_compressai

    c = import_compressai()
    assert "ans" in c.available_entropy_coders()
    import numpy

    assert int(numpy.__version__.split(".")[0]) >= 2  # compressai runs on numpy 2


def test_unknown_names_and_missing_weights_fail_fast(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="available"):
        load("edges", "sobel")
    with pytest.raises(ValueError, match="roles"):
        available("vocoder")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ModelNotAvailable) as err:
        resolve_weights("acme/no-such-model", "Get it from ACME.", hf_repo="acme/no-such-model")
    assert "acme/no-such-model" in str(err.value) and "--allow-download" in str(err.value)
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ModelNotAvailable, match="no weights at"):
        resolve_weights("x", "y", path=tmp_path / "missing")


def test_caption_files(tmp_path):
    j = tmp_path / "c.json"
    j.write_text(json.dumps({"kodim01": "a stone house", "img2.png": "a door"}))
    cap = load("prompt", "captions", path=str(j))
    assert cap("/data/kodim01.png") == "a stone house" and cap("img2") == "a door"
    c = tmp_path / "c.csv"
    c.write_text("image,prompt\nkodim05,motocross riders\n")
    assert load("prompt", "captions", path=str(c))("kodim05.png") == "motocross riders"
    with pytest.raises(KeyError):
        cap("kodim99")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError):
        load("prompt", "captions", path=str(bad))
    with pytest.raises(ValueError):
        load("prompt", "captions", path=str(tmp_path / "none.json"))


def test_kodak_captions_through_the_path_setting(monkeypatch):
    path = os.environ.get("SEMLINK_CAPTIONS") or os.environ.get("SEMLINK_KODAK")
    if path and os.path.isdir(path):
        path = os.path.join(path, "captions.json")
    if not path or not os.path.isfile(path):
        pytest.skip("set SEMLINK_KODAK (folder) or SEMLINK_CAPTIONS to test the Kodak prompts")
    monkeypatch.setenv("SEMLINK_CAPTIONS", path)
    cap = load("prompt", "captions")
    assert len(cap.prompts) == 24 and cap("kodim01.png")


def test_canny_edges():
    import skimage.data as d

    e = load("edges", "canny")(d.astronaut())
    assert e.shape == (512, 512) and set(np.unique(e)) <= {0.0, 1.0} and 0.01 < e.mean() < 0.3
    with pytest.raises(ValueError):
        load("edges", "canny", sigma=0)


def test_g4_codec_exact_and_robust():
    import skimage.data as d

    from genai.hed import HEDEdges

    sketch = HEDEdges()(d.coffee()[:200, :300])
    codec = load("sketch_codec", "g4")
    data = codec.compress(sketch)
    assert codec.bits(sketch) == 8 * len(data)
    assert np.array_equal(codec.decompress(data), codec.binarize(sketch))
    assert 8 * len(data) / sketch.size < 1.0  # far below 1 bit per pixel
    rng = np.random.default_rng(0)
    for _ in range(200):
        bad = bytearray(data)
        idx = rng.integers(4, len(bad), rng.integers(1, 8))
        for i in idx:
            bad[i] ^= int(rng.integers(1, 256))
        out = codec.decompress(bytes(bad))
        assert out.shape == sketch.shape
    for _ in range(200):  # header corruption too: bounded output, never a huge allocation
        bad = bytearray(data)
        for i in rng.integers(0, len(bad), rng.integers(1, 12)):
            bad[i] ^= int(rng.integers(1, 256))
        out = codec.decompress(bytes(bad))
        assert out.size <= 4096 * len(bad) + 65536
    assert codec.decompress(b"").shape == (0, 0)
    with pytest.raises(ValueError):
        codec.compress(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError):
        codec.compress(np.full((4, 4), np.nan))
