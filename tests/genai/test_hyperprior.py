"""The hyperprior RGB codec family (Huang et al.): latents, exact bits, coding of selected elements, training."""

import numpy as np
import pytest
import torch

from genai.hyperprior import HyperpriorCoder
from genai.loading import ModelNotAvailable


@pytest.fixture(scope="module")
def coder():
    return HyperpriorCoder(random_weights=True)


def _img(h=70, w=100, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((h // 10 + 1, w // 10 + 1, 3)).repeat(10, 0).repeat(10, 1)[:h, :w]
    return np.clip(base + 0.05 * rng.normal(size=(h, w, 3)), 0, 1).astype(np.float32)


def test_latents_and_full_stream(coder):
    img = _img()
    lat = coder.analyze(img)
    assert lat.padded == (128, 128) and lat.size == (70, 100)
    assert lat.y.shape == lat.y_hat.shape == lat.scales.shape == (96, 8, 8) and lat.z.shape == (64, 2, 2)
    assert torch.equal(lat.y_hat, torch.round(lat.y)) and bool((lat.scales > 0).all())
    data = coder.compress(img)
    assert coder.bits(img) == 8 * len(data)
    rec = coder.decompress(data)
    assert rec.shape == (70, 100, 3) and np.isfinite(rec).all()
    assert np.allclose(rec, coder.synthesize(lat.y_hat, lat.size), atol=1e-5)  # rANS is lossless on ŷ
    bad = bytearray(data)
    bad[12] ^= 0xFF
    assert coder.decompress(bytes(bad)).shape == (70, 100, 3)
    assert coder.decompress(b"x").shape == (0, 0, 3)


def test_selected_elements_decode_exactly(coder):
    img = _img(seed=1)
    lat = coder.analyze(img)
    full = coder.model.compress(coder._prep(img)[0])["strings"]
    everything = torch.ones_like(lat.y, dtype=torch.bool)
    y_all, z_all = coder.compress_selected(lat, everything)
    assert y_all == full[0][0] and z_all == full[1][0]  # alpha = 0: the unfiltered coder's stream
    rng = np.random.default_rng(2)
    sizes = []
    for frac in (0.0, 0.1, 0.5, 0.9):
        sel = torch.from_numpy(rng.random(tuple(lat.y.shape)) < frac)
        y_str, z_str = coder.compress_selected(lat, sel)
        got = coder.decompress_selected(y_str, z_str, sel, lat.padded)
        assert torch.equal(got[sel], lat.y_hat[sel]) and float(got[~sel].abs().sum()) == 0.0
        sizes.append(len(y_str))
    assert sizes[0] == 0 and sizes == sorted(sizes)  # more selected elements, more bits
    with pytest.raises(ValueError, match="selection shape"):
        coder.compress_selected(lat, torch.ones(3, 3, dtype=torch.bool))


def test_missing_weights_and_training(tmp_path):
    with pytest.raises(ModelNotAvailable, match="train-image-codec"):
        HyperpriorCoder(weights=tmp_path / "none.safetensors")
    from genai.hyperprior_train import train_image_codec

    imgs = [_img(96, 96, seed=s) for s in range(2)]
    res = train_image_codec(str(tmp_path), lambdas=(0.01, 0.001), steps=2, batch=2, crop=64, log_every=0,
                            images=imgs)
    assert [r["quality"] for r in res] == [1, 2] and [r["lambda"] for r in res] == [0.001, 0.01]
    c = HyperpriorCoder(weights=tmp_path / "hyperprior_rgb_q2.safetensors")
    assert c.metadata["lambda"] == "0.01" and "scikit-image" in c.metadata["data"]
    assert c.decompress(c.compress(imgs[0])).shape == (96, 96, 3)
    with pytest.raises(ValueError, match="crop"):
        train_image_codec(str(tmp_path), crop=100, images=imgs)
