"""Critical-information embedding: exact bits, decoding of exactly the selected elements, GVIF properties,
importance maps (substitute and CAM code path)."""

import numpy as np
import pytest
import torch

from genai.hyperprior import HyperpriorCoder
from genai.loading import ModelNotAvailable
from genai.metrics import gvif
from genai.registry import load
from scenarios.huang.cie import INPAINT_NOTE, embed, gvif_of, receive


@pytest.fixture(scope="module")
def coders():
    return HyperpriorCoder(random_weights=True), HyperpriorCoder(random_weights=True)


def _img(seed=0, h=96, w=128):
    rng = np.random.default_rng(seed)
    return np.clip(rng.random((h // 16 + 1, w // 16 + 1, 3)).repeat(16, 0).repeat(16, 1)[:h, :w]
                   + 0.03 * rng.normal(size=(h, w, 3)), 0, 1).astype(np.float32)


def test_embed_receive_exact(coders):
    coder, _ = coders
    img = _img()
    imp = np.linspace(0, 1, 6 * 8).reshape(6, 8)
    sizes = []
    for alpha in (0.0, 0.3, 0.7, 1.01 - 1e-9):
        st, lat = embed(img, coder, imp, min(alpha, 1.0))
        assert st.bits == st.feature_bits + st.hyper_bits + st.mask_bits.numel() + 64
        sel = torch.full((8, 8), alpha == 0.0)  # 96 x 128 pads to 128 x 128: an 8 x 8 grid, padding importance 0
        sel[:6] = torch.from_numpy(imp >= min(alpha, 1.0))
        assert torch.equal(st.selected, sel) and st.selected_fraction == pytest.approx(float(sel.float().mean()))
        res = receive(st, coder)
        assert res.partial.shape == res.inpainted.shape == (96, 128, 3) and INPAINT_NOTE in res.note
        assert np.array_equal(res.pixel_mask, sel.numpy().repeat(16, 0).repeat(16, 1)[:96])
        # the kept pixels of the output are the partial decode's
        assert np.allclose(res.inpainted[res.pixel_mask], res.partial[res.pixel_mask])
        sizes.append(st.feature_bits)
    assert sizes == sorted(sizes, reverse=True)
    none, _ = embed(img, coder, np.zeros((6, 8)), 0.5)
    assert none.feature_bits == 0 and not none.selected.any()
    # alpha = 0: the unfiltered coder's latent string
    square = _img(h=128, w=128)  # no padding: alpha = 0 selects everything, the unfiltered coder's string
    st0, lat = embed(square, coder, np.ones((8, 8)), 0.0)
    assert st0.selected.all() and st0.y_str == coder.model.compress(coder._prep(square)[0])["strings"][0][0]


def test_gvif_properties(coders):
    coder, ref = coders
    img = _img(1)
    everything = torch.ones(8, 8, dtype=torch.bool)
    assert gvif_of(img, ref, ref, everything) == pytest.approx(1.0)  # P = U, beta = 1
    assert gvif_of(img, ref, ref, torch.zeros(8, 8, dtype=torch.bool)) == 0.0
    assert 0 <= gvif_of(img, coder, ref, everything) <= 1
    rng = np.random.default_rng(3)
    theta = rng.uniform(0.1, 3, size=(4, 5, 6))
    kept_small = rng.random((4, 5, 6)) < 0.3
    kept_big = kept_small | (rng.random((4, 5, 6)) < 0.3)
    b1 = rng.uniform(0, 1, size=theta.shape)
    b2 = np.minimum(1, b1 + 0.2)
    assert gvif(theta, kept_small, b1) <= gvif(theta, kept_big, b1) <= gvif(theta, kept_big, b2)
    assert gvif(theta, None, np.zeros_like(theta)) == 0.0
    direct = np.sum(np.log2(1 + (b1 * theta) ** 2 / 0.1)[kept_big]) / np.sum(np.log2(1 + theta ** 2 / 0.1))
    assert gvif(theta, kept_big, b1) == pytest.approx(direct)


def test_importance_maps(tmp_path, monkeypatch):
    sr = load("importance", "spectral_residual")
    img = _img(2)
    m = sr(img, grid=(6, 8))
    assert m.shape == (6, 8) and m.max() == 1.0 and "substitute" in sr.note and "rank" in sr.note
    assert np.array_equal(m, sr(img, grid=(6, 8)))
    big = sr(_img(3, 320, 320), grid=(20, 20))  # rank scale: alpha keeps the fraction ~ 1 - alpha of the positions
    for a in (0.1, 0.3, 0.5, 0.8):
        assert abs((big >= a).mean() - (1 - a)) <= 0.01 + 1 / 400 + 1e-9
    mm = load("importance", "spectral_residual", scale="minmax")(img, grid=(6, 8))
    assert mm.min() == 0.0 and mm.max() == 1.0
    assert np.all(np.diff(m.ravel()[np.argsort(mm.ravel(), kind="stable")]) >= 0)  # same order, other scale
    cam = load("importance", "cam", random_weights=True)
    c = cam(img, grid=(6, 8))
    assert c.shape == (6, 8) and 0 <= c.min() and c.max() <= 1 and cam.last_label is not None
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="ResNet-50"):
        load("importance", "cam")


def test_diffusion_inpainting_code_path(coders, tmp_path, monkeypatch):
    coder, _ = coders
    dec = load("inpainter", "sd_inpaint", random_weights=True, steps=1)
    img = _img(4)
    st, _ = embed(img, coder, np.linspace(0, 1, 48).reshape(6, 8), 0.5)
    res = receive(st, coder, inpaint=dec, prompt="a photo", seed=1)
    assert res.inpainted.shape == (96, 128, 3) and "random weights" in res.note
    assert np.allclose(res.inpainted[res.pixel_mask], res.partial[res.pixel_mask])
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="stable-diffusion-inpainting"):
        load("inpainter", "sd_inpaint")


def test_beta_readings_and_kept_scores(coders):
    """The paper's β gives the reference coder β ≡ 1 (so its GVIF is 1 unfiltered whatever it decodes); the shared
    reading (the reference's features of each decode) does not; zero-filling outside P is scored on P."""
    from scenarios.huang.evaluator import Evaluator

    fam = {1: coders[0], 2: coders[1]}
    img, imp = _img(1), np.random.default_rng(2).random((6, 8))
    ev = Evaluator([img], [imp], fam)
    sh = ev.with_beta("shared")
    assert np.all(ev.beta_of(0, 2) == 1.0) and ev(0, 2, 0.0)[0] == pytest.approx(1.0)
    ref = fam[2]
    dec = ref.decompress(ref.compress(img))
    want = np.clip(ref.analyze(dec).scales.numpy() / ref.analyze(img).scales.numpy(), 0, 1)
    assert np.allclose(sh.beta_of(0, 2), want, atol=1e-6) and sh._lat is ev._lat  # the reference's θ of the decode
    assert sh(0, 2, 0.0)[0] == pytest.approx(gvif(ref.analyze(img).scales.numpy(), None, want, 0.1), rel=1e-6)
    assert set(ev.levels()) == set(np.unique(imp)) and sh(0, 2, 0.5)[1] == ev(0, 2, 0.5)[1]  # same bits
    kept, full = ev.kept_scores(0, 1, 0.5)
    assert np.isfinite(kept) and np.isfinite(full)
    assert ev.kept_scores(0, 1, 0.0)[0] == pytest.approx(ev.kept_scores(0, 1, 0.0)[1])  # nothing zero-filled
    with pytest.raises(ValueError):
        ev.with_beta("own")


def test_roi_jpeg2000_puts_the_budget_on_the_critical_region():
    from skimage import data

    from genai.metrics import mask_psnr
    from scenarios.digital.codecs import jpeg2000_at_budget
    from scenarios.huang.baselines import roi_jpeg2000_at_budget
    from scenarios.huang.cie import critical_region

    img = data.astronaut()[:256, :256].astype(np.float32) / 255
    imp = np.zeros((16, 16))
    imp[3:10, 5:12] = 0.9
    crit = critical_region(imp, (256, 256))[..., None].astype(float)
    for budget in (8000, 30000):
        roi, bits = roi_jpeg2000_at_budget(img, imp, budget)
        plain, _ = jpeg2000_at_budget(img, budget)
        assert bits <= budget and roi.shape == img.shape
        assert mask_psnr(img * 255, roi * 255, crit) > mask_psnr(img * 255, plain * 255, crit) + 1.0
    assert roi_jpeg2000_at_budget(img, imp, 100) == (None, 0)  # not even the mask fits
