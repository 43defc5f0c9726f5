"""genai.deepjscc: shapes, the per-image power constraint, bandwidth ratio, the SNR-adaptive path, save/load."""

import pytest
import torch

from genai.deepjscc import DeepJSCC, JSCCCodec
from genai.loading import ModelNotAvailable
from genai.registry import load


@pytest.mark.parametrize("c,ratio", [(4, 1 / 12), (8, 1 / 6)])
def test_power_normalization_and_bandwidth_ratio(c, ratio):
    m = DeepJSCC(channels=c, width=8)
    x = torch.rand(3, 3, 32, 48)
    z = m.encode(x, 5.0)
    assert z.shape == (3, c * 8 * 12) and m.bandwidth_ratio == pytest.approx(ratio)
    assert z.shape[1] / x[0].numel() == pytest.approx(ratio)  # k / n: channel uses per source value
    assert torch.allclose(z.abs().square().mean(dim=1), torch.ones(3), atol=1e-5)  # unit power per image
    assert m.decode(z, (32, 48), 5.0).shape == x.shape
    with pytest.raises(ValueError, match="multiples of 4"):
        m.encode(torch.rand(1, 3, 30, 32))
    with pytest.raises(ValueError, match="symbols"):
        m.decode(z[:, :-1], (32, 48))


def test_snr_adaptive_model_uses_the_snr_and_the_plain_one_does_not():
    torch.manual_seed(0)
    ad, pl = DeepJSCC(4, 8, adaptive=True), DeepJSCC(4, 8, adaptive=False)
    for p in ad.film.parameters():  # FiLM starts as the identity; perturb it
        torch.nn.init.normal_(p, std=0.5)
    x = torch.rand(2, 3, 16, 16)
    assert not torch.allclose(ad.encode(x, 0.0), ad.encode(x, 20.0))
    assert torch.allclose(pl.encode(x, 0.0), pl.encode(x, 20.0))


def test_save_load_and_registry(tmp_path):
    m = DeepJSCC(8, 8, adaptive=True)
    f = tmp_path / "j.safetensors"
    m.save(f, {"steps": 3})
    m2, meta = DeepJSCC.load(f)
    x = torch.rand(1, 3, 16, 16)
    assert meta["steps"] == 3 and m2.adaptive and m2.c == 8
    assert torch.allclose(m2.encode(x, 3.0), m.eval().encode(x, 3.0))
    codec = load("jscc", "deepjscc", weights=str(f))
    assert isinstance(codec, JSCCCodec) and "c=8" in codec.note
    assert "random weights" in load("jscc", "deepjscc", random_weights=True, width=8).note
    with pytest.raises(ModelNotAvailable, match="train-jscc"):
        load("jscc", "deepjscc", weights=str(tmp_path / "none.safetensors"))


@pytest.mark.parametrize("c", [4, 8])
def test_shipped_cpu_trained_models_load_offline_with_their_budget(c):
    codec = load("jscc", "deepjscc", channels=c, adaptive=True)
    meta = codec.metadata
    assert codec.model.c == c and codec.model.adaptive and meta["channel"] == "awgn" and meta["steps_done"] == 3000
    assert meta["data"].startswith("scikit-image") and meta["seconds"] > 0 and "train-jscc" in meta["command"]
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        assert codec.model.decode(codec.model.encode(x, 10.0), (32, 32), 10.0).shape == x.shape


def test_random_weight_codec_for_label_maps_has_their_planes():
    import torch

    from genai.deepjscc import JSCCCodec

    m = JSCCCodec(channels=4, random_weights=True, width=8, planes=8).model
    x = torch.zeros(1, 8, 16, 16)
    assert m.planes == 8 and m.decode(m.encode(x, 10.0), (16, 16), 10.0).shape == (1, 8, 16, 16)
