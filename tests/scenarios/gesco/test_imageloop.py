"""GESCO's image-level loop (scenarios/gesco/imageloop.py) and the soft conditioning of ControlNet-seg,
on tiny random-weight models and the classical segmenter (fixed seeds, a few seconds)."""

import doctest
import math

import numpy as np
import pytest
import torch

from genai.controlnet import Generation
from genai.controlnet_seg import ControlNetSegDecoder, ade20k_palette, control_image, paint
from genai.slic import ClassicalSegmenter
from scenarios.gesco import imageloop as il


@pytest.fixture(scope="module")
def decoder():
    return ControlNetSegDecoder(random_weights=True, steps=1)


def _scene(h: int = 48, w: int = 64) -> np.ndarray:
    """Three flat colour regions (values in [0.2, 0.8]) with a little texture."""
    img = np.empty((h, w, 3))
    img[:, : w // 3] = [0.7, 0.3, 0.2]
    img[:, w // 3: 2 * w // 3] = [0.25, 0.6, 0.3]
    img[:, 2 * w // 3:] = [0.3, 0.35, 0.75]
    return np.clip(img + np.random.default_rng(0).normal(0, 0.02, img.shape), 0.2, 0.8)


class _Stub:
    """A decoder that returns a fixed image and records the conditioning it got (no soft planes)."""

    note = "stub decoder"

    def __init__(self, image):
        self.image, self.got = image, None

    def __call__(self, prompt, cond, seed=0):
        self.got = cond
        return Generation(self.image, bool(prompt), cond is not None, self.note)


def test_soft_control_image_equals_hard_for_one_hot_and_blends(decoder):
    pal = ade20k_palette()
    lab = np.random.default_rng(1).integers(0, 5, size=(9, 13))
    planes = (lab[None] == np.arange(5)[:, None, None]).astype(np.float32)  # [C, H, W], class 4 maybe absent
    assert np.array_equal(control_image(planes, pal), paint(lab, pal))
    assert np.array_equal(control_image(torch.from_numpy(planes), pal), paint(lab, pal))
    assert np.array_equal(np.asarray(decoder._control(planes)), np.asarray(decoder._control(lab)))  # resized alike
    cols = np.array([[200, 0, 0], [0, 100, 50]])
    soft = np.array([[[0.5, -0.3, 0.0]], [[0.5, 0.9, 0.0]]])  # [2, 1, 3]: a mix, a clipped negative, all zero
    assert control_image(soft, cols).tolist() == [[[100, 50, 25], [0, 100, 50], [0, 0, 0]]]
    with pytest.raises(ValueError):
        control_image(np.zeros((4, 4)), cols)  # a float [H, W] is neither a label map nor planes


def test_loop_end_to_end_soft_with_random_weights_named(decoder):
    from bridge.analog import AnalogChannel
    from genai.lpips_alex import LPIPSDistance
    from scenarios.maps.analog import send_analog_map

    img = _scene()
    seg = ClassicalSegmenter(classes=3, segments=30, seed=0)
    sent = seg(img)
    ch = AnalogChannel(psnr_db=5.0, convention="released-code")
    ref = send_analog_map(sent, 3, ch, True, seed=3)  # the receiver's soft planes and its argmax
    planes, present = ref.planes, ref.present
    assert planes.shape[0] == int(present.sum()) and planes.dtype == torch.float32
    lp = LPIPSDistance(random_weights=True)
    res = il.regenerate_and_score(img, sent, planes, present, decoder, seg, "a street", seed=0, lpips=lp)
    assert res["conditioning"].startswith("soft planes")
    assert res["random_weights"] and any("random weights" in n for n in res["notes"])
    assert any("classical segmentation stand-in" in n for n in res["notes"])
    assert res["image"].shape == (48, 64, 3) and res["resegmented"].shape == (48, 64)
    assert 0.0 <= res["miou"] <= 1.0 and 0.0 <= res["pixel_accuracy"] <= 1.0
    assert math.isfinite(res["lpips"]) and res["lpips"] > 0
    assert res["map_miou"] == pytest.approx(ref.miou)


def test_loop_hard_fallback_same_segmenter_and_missing_lpips():
    img = _scene()
    seg = ClassicalSegmenter(classes=3, segments=30, seed=0)
    sent = seg(img)
    planes = torch.from_numpy((sent[None] == np.arange(3)[:, None, None]).astype(np.float32))
    stub = _Stub(img)  # "regenerates" the original: the same segmenter must give back the sent map
    res = il.regenerate_and_score(img, sent, planes, torch.ones(3, dtype=torch.bool), stub, seg, None, seed=0)
    assert res["conditioning"].startswith("hard labels") and np.array_equal(stub.got, sent)
    assert res["miou"] == 1.0 and res["pixel_accuracy"] == 1.0 and res["map_miou"] == 1.0
    assert math.isnan(res["lpips"]) and any("alexnet-owt-7be5be79.pth" in n for n in res["notes"])
    assert not res["random_weights"]
    stub2 = _Stub(1.0 - img)  # a different image scores below 1
    assert il.regenerate_and_score(img, sent, sent, None, stub2, seg, None, 0)["pixel_accuracy"] < 1.0


def test_score_image_ignore_index_and_nothing_arrived(decoder):
    class Fixed:
        note = "fixed"

        def __call__(self, image):
            return np.array([[2, 2, 1, 1]])

    sent = np.array([[0, 0, 1, 1]])
    img = np.zeros((1, 4, 3))
    assert il.score_image(img, sent, Fixed())["miou"] == pytest.approx(1 / 3)
    assert il.score_image(img, sent, Fixed(), ignore_index=0)["miou"] == 1.0
    res = il.regenerate_and_score(img, sent, None, None, decoder, Fixed(), None, seed=0)
    assert res["image"] is None and res["miou"] == 0.0 and "none" in res["conditioning"]


def test_fid_over_tiny_and_missing_weights(tmp_path, monkeypatch):
    from genai.fid import FIDFeatures

    rng = np.random.default_rng(0)
    real = [rng.random((32, 32, 3)) for _ in range(4)]
    fm = FIDFeatures(random_weights=True)
    same, other = il.fid_over(real, real, fm), il.fid_over(real, [np.zeros((32, 32, 3))] * 2 + real[:2], fm)
    assert abs(same["fid"]) < 1e-6 and other["fid"] > 1e-3 and "random weights" in same["note"]
    assert same["n_real"] == 4 and "rank-deficient" in same["note"]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    miss = il.fid_over(real, real, None)
    assert math.isnan(miss["fid"]) and "inception_v3_google-0cc3c7bd.pth" in miss["note"]
    assert math.isnan(il.fid_over(real[:1], real, fm)["fid"])


@pytest.mark.parametrize("convention", ["released-code", "unit-power"])
def test_analog_baseline_huge_snr_returns_the_image(convention):
    img = _scene()
    full = 3 * 48 * 64 // 2
    out = il.analog_image_baseline(img, full, 100.0, convention, seed=0)
    assert out["psnr_db"] > 40 and out["ms_ssim"] > 0.99 and out["image"].shape == img.shape
    assert out["channel_uses"] == full and out["downsample_factor"] == 1.0 and out["sent_shape"] == (48, 64)


def test_analog_baseline_psnr_convention_and_equal_channel_uses():
    img = _scene()
    # released code: sigma = 10^(-PSNR/20) on the [0, 1] pixels, so the image PSNR is the channel's
    assert il.analog_image_baseline(img, 4608, 20.0, "released-code", seed=1)["psnr_db"] == pytest.approx(20, abs=0.3)
    for budget in (2, 7, 500, 1000, 3001, 4607):
        out = il.analog_image_baseline(img, budget, 100.0, "released-code", seed=0)
        assert out["channel_uses"] <= budget and out["channel_uses"] >= 0.8 * budget - 2
        assert out["downsample_factor"] > 1 and out["image"].shape == (48, 64, 3)
    assert il.analog_image_baseline(img, 10**6, 100.0, "released-code")["channel_uses"] == 4608  # fits: sent once
    with pytest.raises(ValueError, match="channel uses"):
        il.analog_image_baseline(img, 1, 10.0, "released-code")
    with pytest.raises(ValueError, match="convention"):
        il.analog_image_baseline(img, 4608, 10.0, "paper")


def test_channel_use_table_issue_example():
    rows = il.channel_use_table((256, 384), 8, (256, 384, 3))
    assert [r["channel_uses"] for r in rows] == [393216, 147456]
    assert rows[0]["vs_rgb"] == pytest.approx(8 / 3) and rows[1]["vs_rgb"] == 1.0
    pres = np.zeros(150, bool)
    pres[[0, 3, 7, 9, 20, 33, 40, 149]] = True
    edges = il.channel_use_table((256, 384), pres, (256, 384), instance_edges=True)
    assert [r["planes"] for r in edges] == [8, 9, 3] and edges[1]["channel_uses"] == 9 * 256 * 384 // 2
    assert il.channel_use_table((256, 384), [0, 3, 3, 7], (256, 384))[0]["planes"] == 3


def test_docstring_example():
    result = doctest.testmod(il, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
