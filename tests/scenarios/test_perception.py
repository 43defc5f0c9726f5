"""Perception-error measurement: cached streams, resumable BSC sweeps, monotone fits."""

import json

import h5py
import numpy as np
import pytest

from scenarios.perception import cache_streams, fit_logistic, fit_stream, isotonic, measure_forward, read_forward


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    import skimage.data as d
    from PIL import Image

    root = tmp_path_factory.mktemp("imgs")
    paths = []
    for name, img in (("coffee", d.coffee()[:160, :192]), ("chelsea", d.chelsea()[:160, :192])):
        p = root / f"{name}.png"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    caps = root / "caps.json"
    caps.write_text(json.dumps({"coffee": "a cup of coffee on a saucer", "chelsea": "a tabby cat lying down"}))
    return paths, str(caps)


def test_measure_resume_and_fit(images, tmp_path):
    paths, caps = images
    h5 = str(tmp_path / "p.h5")
    assert cache_streams(h5, paths, caps) == ["chelsea", "coffee"]
    assert cache_streams(h5, paths, caps) == ["chelsea", "coffee"]  # cached: nothing recomputed
    grid = [1e-4, 1e-2, 0.2]
    n = measure_forward(h5, grid[:2], repeats=2)
    assert n == 2 * 2 * 2 * 2  # streams x psi x repeats x images
    before = {s: read_forward(h5, s) for s in ("prompt", "edge")}
    # resume: only the new BER is measured, old samples untouched
    assert measure_forward(h5, grid, repeats=2) == 2 * 1 * 2 * 2
    assert measure_forward(h5, grid, repeats=2) == 0
    for s in ("prompt", "edge"):
        psi, img, dist = read_forward(h5, s)
        assert len(dist) == 12 and np.array_equal(dist[:8], before[s][2])
        assert np.all((dist >= 0) & (dist <= 1))
        f = fit_stream(h5, s, boot=100)
        assert np.all(np.diff(f.isotonic) >= 0)
        assert f.mean[-1] > f.mean[0]  # BER 0.2 hurts more than 1e-4
        assert f(1e-4) <= f(1e-2) <= f(0.2)
        assert np.all(f.band[0] <= f.mean + 1e-12) and np.all(f.mean <= f.band[1] + 1e-12)
        assert f.semantic_value(1e-4) >= f.semantic_value(0.2)
    with h5py.File(h5, "r") as fh:
        assert fh["forward/prompt"].attrs["metric"].startswith("feature-level")


def test_isotonic_and_logistic_are_monotone_by_construction():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = rng.normal(size=30).cumsum() * rng.choice([-1, 1])
        z = isotonic(y)
        assert np.all(np.diff(z) >= -1e-12)
        assert z.sum() == pytest.approx(y.sum())  # PAV preserves the mean
    x = np.linspace(-5, -0.3, 12)
    y = 0.3 + 0.5 / (1 + np.exp(-2 * (x + 2))) + rng.normal(0, 0.01, x.size)
    a, b, s, c = fit_logistic(x, y)
    assert s > 0 and b >= a and c == pytest.approx(-2, abs=0.3)
    y2 = rng.uniform(0, 1, x.size)  # noise: the fit still cannot decrease
    a, b, s, c = fit_logistic(x, y2)
    xs = np.linspace(-6, 0, 200)
    vals = a + (b - a) / (1 + np.exp(-s * (xs - c)))
    assert np.all(np.diff(vals) >= -1e-12)
