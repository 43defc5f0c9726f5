"""LPIPS and FID: offline-first loading (missing weights fail naming them), real loading code, the FID formula."""

import numpy as np
import pytest
import torch

from genai.loading import ModelNotAvailable
from genai.registry import load
from genai.fid import frechet_distance


def _img(seed, h=64, w=64):
    return np.random.default_rng(seed).random((h, w, 3))


def test_frechet_distance_matches_the_diagonal_closed_form():
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, [1.0, 2.0, 0.5], size=(20000, 3))
    b = rng.normal(0.5, [2.0, 1.0, 0.5], size=(20000, 3))
    # independent evaluation: diagonal covariances, sqrt of the product = sqrt of the diagonal products
    va, vb = a.var(0, ddof=1), b.var(0, ddof=1)
    want = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.sum(va + vb - 2 * np.sqrt(va * vb))
    assert frechet_distance(a, b) == pytest.approx(want, abs=0.05)  # off-diagonal sample terms ~ 1e-2
    assert abs(frechet_distance(a, a)) < 1e-6
    with pytest.raises(ValueError):
        frechet_distance(a[:1], b)


def test_missing_weights_fail_naming_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="alexnet-owt-7be5be79.pth"):
        load("metric", "lpips")
    with pytest.raises(ModelNotAvailable, match="inception_v3_google-0cc3c7bd.pth"):
        load("metric", "fid")


def test_lpips_loads_a_backbone_file_into_the_network(tmp_path, monkeypatch):
    from torchvision.models import alexnet

    torch.manual_seed(3)
    sd = alexnet(weights=None).state_dict()
    ck = tmp_path / "hub" / "checkpoints"
    ck.mkdir(parents=True)
    torch.save(sd, ck / "alexnet-owt-7be5be79.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    d = load("metric", "lpips")
    assert "AlexNet" in d.note
    assert torch.equal(d.model.net.slice1._modules["0"].weight, sd["features.0.weight"])
    assert torch.equal(d.model.net.slice5._modules["10"].bias, sd["features.10.bias"])
    x = _img(0)
    assert d(x, x) == pytest.approx(0.0, abs=1e-7) and d(x, _img(1)) > 0


def test_random_code_paths():
    d = load("metric", "lpips", random_weights=True)
    x, y = _img(0), _img(1)
    assert d(x, y) == pytest.approx(d(y, x), rel=1e-5) and "random" in d.note
    with pytest.raises(ValueError):
        d(x, _img(2, 32, 32))
    f = load("metric", "fid", random_weights=True)
    feats = f.features([x, y, _img(3)])
    assert feats.shape == (3, 32) and np.isfinite(f.fid([x, y, _img(3)], [_img(4), _img(5), _img(6)]))


def test_fid_loads_an_inception_file(tmp_path, monkeypatch):
    from torchvision.models import inception_v3

    torch.manual_seed(4)
    sd = inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict()
    ck = tmp_path / "hub" / "checkpoints"
    ck.mkdir(parents=True)
    torch.save(sd, ck / "inception_v3_google-0cc3c7bd.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    f = load("metric", "fid")
    assert "Inception-v3" in f.note and torch.equal(f.model.Conv2d_1a_3x3.conv.weight, sd["Conv2d_1a_3x3.conv.weight"])
    assert f.features([_img(0), _img(1, 80, 96)]).shape == (2, 2048)


def test_load_optional_returns_the_model_or_the_missing_file(tmp_path, monkeypatch):
    from genai.registry import load_optional

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    m, note = load_optional("metric", "lpips", "LPIPS")
    assert m is None and note.startswith("LPIPS not computed: ") and "alexnet-owt-7be5be79.pth" in note
    m, note = load_optional("metric", "lpips", "LPIPS", random_weights=True)
    assert m is not None and note == f"LPIPS: {m.note}"
    with pytest.raises(ValueError, match="unknown metric"):  # only missing weights are tolerated
        load_optional("metric", "nope", "X")
