"""Perception-error measurement: cached streams, resumable condition sweeps, monotone fits, metrics."""

import json

import h5py
import numpy as np
import pytest

from scenarios.streams.cache import cache_streams, load_items, stream_bits
from scenarios.streams.metrics import FeatureMetric, make_metric
from scenarios.streams.samples import (ABSENT, OUTCOMES, joint_conditions, measure, one_correct_conditions,
                                       read_samples, single_conditions)
from scenarios.study.stats import isotonic
from scenarios.xu.allocation import StreamSpec, allocate
from scenarios.xu.perception import (discard_perception, export_table, fit_logistic, fit_slice, forward_table,
                                     has_fits, per_image_at, read_fits, store_fits)


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


@pytest.fixture(scope="module")
def measured(images, tmp_path_factory):
    paths, caps = images
    h5 = str(tmp_path_factory.mktemp("perc") / "p.h5")
    assert cache_streams(h5, paths, caps) == ["chelsea", "coffee"]
    metric = FeatureMetric()
    n = measure(h5, single_conditions([1e-4, 1e-2]), metric, repeats=2)
    assert n == 6 * 2 * 2  # (0 + 2 BERs) x 2 streams, x repeats x images
    return h5, metric


def test_cache_is_reused_and_bits_are_exact(images, measured):
    from bridge import BytesCodec, TextCodec

    paths, caps = images
    h5, _ = measured
    with h5py.File(h5, "r") as f:
        before = f["streams/coffee/ntc_bytes"][()]
    assert cache_streams(h5, paths, caps) == ["chelsea", "coffee"]
    with h5py.File(h5, "r") as f:
        assert np.array_equal(f["streams/coffee/ntc_bytes"][()], before)
    bits = stream_bits(h5)
    items = load_items(h5)
    assert list(bits["names"]) == ["chelsea", "coffee"] and np.all(bits["pixels"] == 160 * 192)
    assert bits["prompt"][1] == TextCodec().bit_count("a cup of coffee on a saucer")
    assert bits["edge"][0] == BytesCodec().bit_count(items[0].data)


def test_measurement_resumes_and_single_stream_fits_are_monotone(measured):
    h5, metric = measured
    old = read_samples(h5, metric.key)
    # more BERs: only the new conditions are measured, stored samples untouched
    assert measure(h5, single_conditions([1e-4, 1e-2, 0.2]), metric, repeats=2) == 2 * 2 * 2
    assert measure(h5, single_conditions([1e-4, 1e-2, 0.2]), metric, repeats=2) == 0
    new = read_samples(h5, metric.key)
    assert np.array_equal(new["distance"][: old["distance"].size], old["distance"])
    assert str(new["label"]).startswith("feature-level")
    for vary in (0, 1):
        f = fit_slice(h5, metric.key, vary, boot=100)
        assert np.all(np.diff(f.isotonic) >= 0)
        assert f.mean[-1] > f.mean[0]  # BER 0.2 hurts more than 1e-4
        assert f(1e-4) <= f(1e-2) <= f(0.2)
        assert np.all(f.band[0] <= f.mean + 1e-12) and np.all(f.mean <= f.band[1] + 1e-12)
        assert f.semantic_value(1e-4) >= f.semantic_value(0.2)
        # the other stream absent counts 1 with weight 1/2: distance >= 0.5 everywhere
        assert f.at_zero >= 0.5 - 1e-9 and np.all(f.mean >= 0.5 - 1e-9)
    with pytest.raises(ValueError, match="fewer than 2"):
        fit_slice(h5, metric.key, 0, other=0.0)


def test_discard_outcomes_give_the_bilinear_function_exactly(measured):
    h5, metric = measured
    measure(h5, OUTCOMES, metric, repeats=1)
    P, band = discard_perception(h5, metric.key, boot=100)
    s = read_samples(h5, metric.key)
    both = s["distance"][(s["psi1"] == 0) & (s["psi2"] == 0)].mean()
    assert P.p_both == pytest.approx(both)
    # the report's unit is the image: one mean per image, and their mean is the stored P_best
    per = per_image_at(s, 0.0, 0.0)
    assert sorted(per) == [0, 1] and np.mean(list(per.values())) == pytest.approx(P.p_both)
    assert per_image_at(s, 0.123, 0.0) == {}
    # the feature metric is additive: prompt self-similarity is 1, so prompt-only = 1/2 exactly,
    # and L1 + L2 = 1 - P_best (independent streams)
    assert P.p_prompt_only == pytest.approx(0.5, abs=1e-6)
    assert (1 - P.p_prompt_only) + (1 - P.p_edge_only) == pytest.approx(1 - P.p_both, abs=1e-6)
    assert np.all(s["distance"][(s["psi1"] == ABSENT) & (s["psi2"] == ABSENT)] == 1.0)
    # bilinear expectation equals a Monte Carlo over the four outcomes
    rng = np.random.default_rng(0)
    e1, e2 = 0.3, 0.6
    lost1, lost2 = rng.random(200_000) < e1, rng.random(200_000) < e2
    vals = np.where(lost1 & lost2, 1.0, np.where(lost1, P.p_edge_only, np.where(lost2, P.p_prompt_only, P.p_both)))
    assert vals.mean() == pytest.approx(P(e1, e2), abs=3e-3)
    assert band.shape == (2, 3)


def test_joint_grid_feeds_the_uncoded_allocation(measured):
    h5, metric = measured
    psis = [1e-4, 1e-2, 0.2]
    before = read_samples(h5, metric.key)["distance"].size
    n = measure(h5, joint_conditions([0.0] + psis, [0.0] + psis) + one_correct_conditions(psis), metric, repeats=1)
    # 16 joint conditions x 2 images; the one-correct ones are part of the grid, (0, 0) may exist already
    assert n == read_samples(h5, metric.key)["distance"].size - before and 30 <= n <= 32
    table = forward_table(h5, metric.key)
    assert table(1e-12, 1e-12) <= table(1e-2, 1e-2) <= table(0.2, 0.2)
    f5 = fit_slice(h5, metric.key, 1, other=0.0, boot=50)  # Fig. 5: prompt correct, edge forwarded
    assert f5.mean[-1] >= f5.mean[0]
    streams = [StreamSpec(400, 1e-10, 1e-14), StreamSpec(8000, 1e-10, 1e-14)]
    target = 0.5 * (table(1e-12, 1e-12) + table(0.2, 0.2))
    res = {m: allocate("uncoded", m, streams, table, target, semantic_values=table.semantic_values())
           for m in ("unaware", "proportional", "optimal")}
    assert all(r.feasible for r in res.values())
    assert res["optimal"].total_power <= min(r.total_power for r in res.values()) * (1 + 1e-9)


def test_stored_fits_and_exported_table_read_back(measured, tmp_path):
    from scenarios.xu.functions import TablePerception

    h5, metric = measured
    store_fits(h5, metric.key, boot=100)
    assert has_fits(h5, metric.key) and not has_fits(h5, "regen-clip")
    back = read_fits(h5, metric.key)
    for vary, stream in enumerate(("prompt", "edge")):
        f = fit_slice(h5, metric.key, vary, boot=100)
        g = back[f"alone_{stream}"]
        assert g.stream == stream and np.array_equal(f.psi, g.psi) and np.allclose(f.band, g.band)
        assert g.logistic == pytest.approx(f.logistic) and g(1e-3) == pytest.approx(f(1e-3))
    P, band = back["discard"]
    assert P == discard_perception(h5, metric.key, boot=100)[0] and band.shape == (2, 3)
    js = tmp_path / "t.json"
    doc = export_table(h5, metric.key, str(js))
    a, b = TablePerception.from_json(str(js)), forward_table(h5, metric.key)
    assert a.digest() == b.digest() and a(1e-3, 0.1) == b(1e-3, 0.1)
    doc["p"][0][0] = min(1.0, doc["p"][0][0] + 0.01)  # any change of content changes the digest
    assert TablePerception.from_dict(doc).digest() != a.digest()


def test_full_link_check_stored_apart(measured):
    h5, metric = measured
    assert measure(h5, [(1e-5, ABSENT), (0.2, ABSENT)], metric, repeats=1, channel="link") == 4
    link = read_samples(h5, metric.key, channel="link")
    bsc = read_samples(h5, metric.key)
    lo = link["distance"][link["psi1"] == 1e-5]
    hi = link["distance"][link["psi1"] == 0.2]
    assert np.all(hi > lo)
    assert abs(hi.mean() - bsc["distance"][(bsc["psi1"] == 0.2) & (bsc["psi2"] == ABSENT)].mean()) < 0.15
    with pytest.raises(ValueError, match="below 0.5"):
        measure(h5, [(0.5, ABSENT)], metric, channel="link")


def test_bad_conditions_and_metrics():
    with pytest.raises(ValueError):
        single_conditions([0.0])
    with pytest.raises(ValueError):
        joint_conditions([0.7], [0.1])
    with pytest.raises(ValueError, match="weights"):
        FeatureMetric((0.7, 0.7))
    with pytest.raises(ValueError, match="unknown perception metric"):
        make_metric("lpips")


def test_regenerated_metric_on_random_weights(measured):
    h5, _ = measured
    metric = make_metric("regen-clip", random_weights=True)
    assert "random weights" in metric.label and metric.key.endswith("-random")
    assert measure(h5, OUTCOMES, metric, repeats=1) == 8
    s = read_samples(h5, metric.key)
    none = (s["psi1"] == ABSENT) & (s["psi2"] == ABSENT)
    assert np.all(s["distance"][none] == 1.0)
    assert np.all((s["distance"][~none] >= 0) & (s["distance"][~none] <= 1))


def _pav_reference(y: np.ndarray) -> np.ndarray:
    """Pool-adjacent-violators written out plainly (an independent reference for ``isotonic``)."""
    blocks = [[float(v), 1] for v in y]  # [mean, count]
    i = 0
    while i < len(blocks) - 1:
        if blocks[i][0] > blocks[i + 1][0]:
            m = (blocks[i][0] * blocks[i][1] + blocks[i + 1][0] * blocks[i + 1][1]) / (blocks[i][1] + blocks[i + 1][1])
            blocks[i] = [m, blocks[i][1] + blocks[i + 1][1]]
            del blocks[i + 1]
            i = max(i - 1, 0)
        else:
            i += 1
    return np.concatenate([[m] * c for m, c in blocks])


def test_isotonic_equals_plain_pav_and_logistic_recovers_its_parameters():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = rng.normal(size=30).cumsum() * rng.choice([-1, 1])
        np.testing.assert_allclose(isotonic(y), _pav_reference(y), atol=1e-12)
    x = np.linspace(-5, -0.3, 12)
    a0, b0, s0, c0 = 0.3, 0.8, 2.0, -2.0
    y = a0 + (b0 - a0) / (1 + np.exp(-s0 * (x - c0)))
    a, b, s, c = fit_logistic(x, y)  # noiseless data: the fit must give back the curve
    np.testing.assert_allclose([a, b, s, c], [a0, b0, s0, c0], atol=2e-3)


def test_interrupted_measurement_resumes(images, tmp_path):
    paths, caps = images
    h5 = str(tmp_path / "r.h5")
    cache_streams(h5, paths, caps)
    metric = FeatureMetric((0.3, 0.7))
    conds = joint_conditions([0.0, 1e-3], [0.0, 1e-3, 0.05])
    calls = {"n": 0}

    def stop(done, total):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        measure(h5, conds, metric, repeats=1, progress=stop)
    kept = read_samples(h5, metric.key)
    assert kept["distance"].size == 2 * 2  # two finished conditions x images; the third was cut
    assert measure(h5, conds, metric, repeats=1) == (6 - 2) * 2
    full = read_samples(h5, metric.key)
    assert np.array_equal(full["distance"][:4], kept["distance"])
    # the same conditions measured from scratch give the same distances (seeded per sample)
    h5b = str(tmp_path / "s.h5")
    cache_streams(h5b, paths, caps)
    measure(h5b, conds, metric, repeats=1)
    again = read_samples(h5b, metric.key)
    order = np.lexsort((full["image"], full["psi2"], full["psi1"]))
    order_b = np.lexsort((again["image"], again["psi2"], again["psi1"]))
    assert np.allclose(full["distance"][order], again["distance"][order_b])
    with pytest.raises(ValueError, match="measured with"):
        m2 = FeatureMetric((0.3, 0.7))
        m2.label = "something else"
        measure(h5, conds, m2)
