"""Metric properties: identity is the maximum, known values, GVIF's properties, text similarity."""

import math

import numpy as np
import pytest
import torch

from genai.metrics import gvif, mask_psnr, ms_ssim, psnr


@pytest.fixture(scope="module")
def photo():
    import skimage.data as d

    return d.astronaut()[:256, :256].astype(np.float64) / 255.0


def test_psnr_known_values(photo):
    assert psnr(photo, photo) == math.inf
    noisy = photo + 0.01  # MSE = 1e-4 -> 40 dB
    assert psnr(photo, noisy) == pytest.approx(40.0, abs=1e-9)
    assert psnr(photo * 255, noisy * 255, data_range=255) == pytest.approx(40.0, abs=1e-9)
    with pytest.raises(ValueError):
        psnr(photo, photo[:10])
    with pytest.raises(ValueError):
        psnr(photo, np.full_like(photo, np.nan))


def test_mask_psnr_eq40(photo):
    x = photo * 255
    y = x.copy()
    m = np.zeros_like(x)
    m[:64] = 1
    y[64:] = 0  # damage outside the mask does not count
    assert mask_psnr(x, y, m) == math.inf
    y[:64] += 2.0  # MSE 4 inside -> 10 log10(255^2 / 4)
    assert mask_psnr(x, y, m) == pytest.approx(10 * math.log10(255**2 / 4), abs=1e-9)
    with pytest.raises(ValueError):
        mask_psnr(x, y, np.zeros_like(x))


def test_ms_ssim_identity_is_max_and_sizes(photo):
    rng = np.random.default_rng(0)
    noisy = np.clip(photo + rng.normal(0, 0.05, photo.shape), 0, 1)
    assert ms_ssim(photo, photo) == pytest.approx(1.0, abs=1e-9)
    s = ms_ssim(photo, noisy)
    assert 0 < s < 1
    assert ms_ssim(photo, np.clip(photo + rng.normal(0, 0.2, photo.shape), 0, 1)) < s
    # 64 px: 5 levels impossible -> fewer levels, still 1 for identity; 8 px: too small
    assert ms_ssim(photo[:64, :64], photo[:64, :64]) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError):
        ms_ssim(photo[:64, :64], photo[:64, :64], levels=5)
    with pytest.raises(ValueError):
        ms_ssim(photo[:8, :8], photo[:8, :8])
    # the 5-level value equals pytorch-msssim's own default on a large image
    from pytorch_msssim import ms_ssim as ref
    from pytorch_msssim import ssim as ref1

    t = lambda a: torch.from_numpy(a.transpose(2, 0, 1).copy())[None]  # noqa: E731
    assert ms_ssim(photo, noisy) == pytest.approx(float(ref(t(photo), t(noisy), data_range=1.0)), abs=1e-9)
    # one level of our reduced-level recursion is plain SSIM
    assert ms_ssim(photo, noisy, levels=1) == pytest.approx(float(ref1(t(photo), t(noisy), data_range=1.0)), abs=1e-9)
    # more levels weigh coarser scales, where noise averages out: monotone here
    vals = [ms_ssim(photo, noisy, levels=k) for k in (1, 2, 3, 4, 5)]
    assert vals == sorted(vals)


def test_gvif_properties():
    rng = np.random.default_rng(1)
    theta = np.abs(rng.normal(0, 1, (8, 16, 16)))
    assert gvif(theta) == pytest.approx(1.0)
    assert gvif(theta, kept=np.zeros(theta.shape, bool)) == 0.0
    assert gvif(theta, beta=np.zeros(theta.shape)) == 0.0
    order = np.argsort(-theta.reshape(-1))
    values = []
    for n in (0, 100, 500, 1000, 2048):
        k = np.zeros(theta.size, bool)
        k[order[:n]] = True
        values.append(gvif(theta, kept=k.reshape(theta.shape)))
    assert values == sorted(values) and values[0] == 0.0 and values[-1] == pytest.approx(1.0)
    assert gvif(theta, beta=np.full(theta.shape, 0.5)) < 1.0
    # a direct evaluation of eq. 27
    k = theta > 1.0
    ref = np.sum(np.log2(1 + theta[k] ** 2 / 0.1)) / np.sum(np.log2(1 + theta**2 / 0.1))
    assert gvif(theta, kept=k) == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError):
        gvif(theta, beta=np.full(theta.shape, 2.0))
    with pytest.raises(ValueError):
        gvif(np.zeros(4))


def test_text_similarity_real_model():
    from genai.registry import load

    sim = load("metric", "text_similarity")
    assert sim.source.kind in ("package", "hf-cache", "path")
    p = "a red painted wooden door with a black iron latch"
    assert sim(p, p) == pytest.approx(1.0, abs=1e-5)
    close = sim(p, "a red wooden door with an iron latch")
    far = sim(p, "a lecture on quantum chromodynamics in a large hall")
    assert close > 0.7 and far < 0.3 and close > far
    assert sim(p, None) == 0.0 and sim(p, "") == 0.0


def _miou_reference(ref, rec, ignore=None):
    """Independent: per-class masks over the kept pixels; classes present in either map, the ignore label excluded."""
    ref, rec = np.asarray(ref).ravel(), np.asarray(rec).ravel()
    keep = np.ones(ref.size, bool) if ignore is None else ref != ignore
    ref, rec = ref[keep], rec[keep]
    ious = []
    for c in sorted(set(ref.tolist()) | set(rec.tolist())):
        if c == ignore:
            continue
        r, s = ref == c, rec == c
        ious.append((r & s).sum() / (r | s).sum())
    return float(np.mean(ious))


@pytest.mark.parametrize("seed", range(6))
def test_miou_and_pixel_accuracy_with_an_ignore_index(seed):
    from genai.metrics import miou, pixel_accuracy

    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 6, size=(23, 17))
    ref[rng.random(ref.shape) < 0.2] = 255
    rec = np.where(rng.random(ref.shape) < 0.7, ref, rng.integers(0, 8, size=ref.shape))
    rec[rng.random(ref.shape) < 0.05] = 255  # a received "ignore" at a kept pixel is a miss
    assert miou(ref, rec, ignore_index=255) == pytest.approx(_miou_reference(ref, rec, 255), abs=1e-12)
    assert miou(ref, rec) == pytest.approx(_miou_reference(ref, rec), abs=1e-12)  # default: 255 is a class
    keep = ref != 255
    assert pixel_accuracy(ref, rec, ignore_index=255) == pytest.approx(np.mean(ref[keep] == rec[keep]), abs=1e-12)
    assert pixel_accuracy(ref, rec) == pytest.approx(np.mean(ref == rec), abs=1e-12)
    assert miou(torch.from_numpy(ref), torch.from_numpy(rec), ignore_index=255) == miou(ref, rec, ignore_index=255)


def test_miou_ignore_index_edge_cases():
    from genai.metrics import miou, pixel_accuracy

    ref = np.array([[0, 1, 255, 255]])
    assert miou(ref, np.array([[0, 1, 2, 3]]), ignore_index=255) == 1.0  # classes only at ignored pixels: out
    assert miou(ref, np.array([[0, 255, 0, 0]]), ignore_index=255) == pytest.approx((1 + 0) / 2)
    assert pixel_accuracy(ref, np.array([[0, 0, 1, 1]]), ignore_index=255) == 0.5
    with pytest.raises(ValueError, match="every reference pixel"):
        miou(np.full((2, 2), 255), np.zeros((2, 2), int), ignore_index=255)
    with pytest.raises(ValueError, match="same shape"):
        pixel_accuracy(ref, ref[:, :2], ignore_index=255)
