"""Tiny random-weight BLIP, CLIP and ControlNet pipelines run offline through the real code paths;
real models fail fast, naming what is missing."""

import time

import numpy as np
import pytest

from genai.loading import RANDOM_WEIGHTS_NOTE, ModelNotAvailable
from genai.registry import load


@pytest.fixture(scope="module")
def img():
    import skimage.data as d

    return d.astronaut()[::8, ::8]  # 64 x 64 RGB uint8


def test_tiny_clip_metric(img):
    clip = load("metric", "clip", random_weights=True)
    assert clip.random_weights and "random weights" in clip.note
    assert clip(img, img) == pytest.approx(1.0, abs=1e-6)
    other = np.ascontiguousarray(img[::-1])
    assert -1.0 <= clip(img, other) < 1.0
    assert clip(img, None) == 0.0


def test_tiny_blip_captioner(img):
    blip = load("prompt", "blip", random_weights=True, max_new_tokens=6)
    cap = blip(img)
    assert isinstance(cap, str) and blip.note == RANDOM_WEIGHTS_NOTE


def test_tiny_controlnet_handles_missing_streams(img):
    dec = load("decoder", "controlnet", random_weights=True, steps=2, guidance=3.0)
    edges = np.zeros((64, 64), np.float32)
    edges[20, :] = 1
    both = dec("a red door", edges, seed=1)
    assert both.image.shape == (64, 64, 3) and both.prompt_used and both.edges_used
    assert np.all((both.image >= 0) & (both.image <= 1)) and "random weights" in both.note
    again = dec("a red door", edges, seed=1)
    assert np.array_equal(both.image, again.image)  # seeded
    prompt_only = dec("a red door", None, seed=1)
    edge_only = dec(None, edges, seed=1)
    nothing = dec(None, None)
    assert prompt_only.image is not None and not prompt_only.edges_used
    assert edge_only.image is not None and not edge_only.prompt_used
    assert nothing.image is None
    assert not np.array_equal(both.image, prompt_only.image)
    batch = dec.generate(["a", None, "b"], [edges, None, None], seed=1)
    assert batch[1].image is None and batch[0].image.shape == batch[2].image.shape == (64, 64, 3)
    with pytest.raises(ValueError):
        dec.generate(["a"], [])


@pytest.mark.parametrize("role,name,match", [
    ("decoder", "controlnet", "stable-diffusion-v1-5"),
    ("metric", "clip", "openai/clip-vit-large-patch14"),
    ("prompt", "blip", "Salesforce/blip-image-captioning-large"),
])
def test_real_models_fail_fast_offline(monkeypatch, tmp_path, role, name, match):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    t0 = time.perf_counter()
    with pytest.raises(ModelNotAvailable, match=match) as err:
        load(role, name)
    assert time.perf_counter() - t0 < 10
    assert "allow-download" in str(err.value)
