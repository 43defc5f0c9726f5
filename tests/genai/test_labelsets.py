"""Real label-map inputs (genai.labelsets): the synthetic Cityscapes sample round trip, the ignore index
(out of K and of mIoU), palette mapping of RGB and indexed maps, and the instance-edge plane against
two independent implementations."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from genai.labelsets import (CITYSCAPES_LABELS, LabelMap, cityscapes_trainids, instance_edges, labelids_to_trainids,
                             read_label_set, read_palette, rgb_to_labels, sibling_instances)
from genai.metrics import miou, pixel_accuracy

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "scenarios" / "gesco" / "data" / "cityscapes_sample"


def _script():
    spec = importlib.util.spec_from_file_location("make_cityscapes_sample", SAMPLE.parent / "make_cityscapes_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stems():
    stems = sorted(str(p)[: -len("_labelIds.png")] for p in SAMPLE.glob("*_gtFine_labelIds.png"))
    assert len(stems) == 2, stems
    return stems


# --- the Cityscapes sample -------------------------------------------------------------------------------------

def test_committed_sample_is_what_the_script_draws(tmp_path):
    mod = _script()
    written = mod.write_sample(tmp_path)
    assert len(written) == 6
    for path in written:
        mine, committed = Image.open(path), Image.open(SAMPLE / Path(path).name)
        assert mine.mode == committed.mode and mine.size == (128, 64)
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(committed))


@pytest.mark.parametrize("scene", [0, 1])
def test_labelids_map_to_the_trainids_file(scene):
    stem = _stems()[scene]
    ids = read_label_set(stem + "_labelIds.png", instance_path=sibling_instances(stem + "_labelIds.png"))
    train = read_label_set(stem + "_trainIds.png")
    assert (ids.classes, ids.ignore_index, train.classes, train.ignore_index) == (35, None, 19, 255)
    assert ids.names[26] == "car" and train.names[13] == "car" and train.names[5] == "pole"
    np.testing.assert_array_equal(labelids_to_trainids(ids.labels), train.labels)
    conv = cityscapes_trainids(ids)
    np.testing.assert_array_equal(conv.labels, train.labels)
    assert conv.classes == 19 and conv.instances is ids.instances
    # the sample has what it promises: ignore pixels, a pole thinner than 3 px, car instances
    assert 0 < int((train.labels == 255).sum()) < train.labels.size
    pole_width = (ids.labels == 17).sum(axis=1)
    assert 1 <= pole_width[pole_width > 0].max() < 3
    cars = np.unique(ids.instances[ids.labels == 26])
    assert cars.min() == 26000 and np.all(cars // 1000 == 26) and cars.size >= 1


@pytest.mark.parametrize("scene", [0, 1])
def test_instance_encoding_of_the_sample(scene):
    stem = _stems()[scene]
    lm = read_label_set(stem + "_labelIds.png", instance_path=stem + "_instanceIds.png")
    has_instances = {i for _, i, _, inst in CITYSCAPES_LABELS if inst}
    inst, lab = lm.instances, lm.labels
    thing = np.isin(lab, sorted(has_instances))
    np.testing.assert_array_equal(inst[thing] // 1000, lab[thing])
    np.testing.assert_array_equal(inst[~thing], lab[~thing])
    for cls in has_instances & set(np.unique(lab).tolist()):  # k = 0, 1, ... per class
        ks = np.unique(inst[lab == cls]) % 1000
        assert ks.tolist() == list(range(ks.size))


def test_gesco_loader_merges_instances_ours_keeps_them():
    """Scene 0's two touching cars: their common edge exists only with the full 16-bit ids (GESCO's
    ``convert("L")`` clips every instance id to 255)."""
    stem = _stems()[0]
    full = np.asarray(Image.open(stem + "_instanceIds.png"), dtype=np.int64)
    clipped = np.asarray(Image.open(stem + "_instanceIds.png").convert("L"), dtype=np.int64)
    border = (full[:, 33] == 26000) & (full[:, 34] == 26001)
    inner = border & np.roll(border, 1) & np.roll(border, -1)  # rows whose vertical neighbours are the same cars
    assert inner.sum() >= 5
    assert np.all(instance_edges(full)[border, 33] == 1) and np.all(instance_edges(full)[border, 34] == 1)
    assert np.all(clipped[border, 33] == 255) and np.all(clipped[border, 34] == 255)
    assert np.all(instance_edges(clipped)[inner, 33] == 0) and np.all(instance_edges(clipped)[inner, 34] == 0)


# --- the ignore index ------------------------------------------------------------------------------------------

def test_ignore_index_is_not_a_class_nor_counted_in_miou():
    train = read_label_set(_stems()[0] + "_trainIds.png")
    lab, ign = train.labels, train.labels == 255
    assert 255 not in train.present().tolist() and train.classes == 19
    rec = lab.copy()
    rec[ign] = 13  # every ignored pixel received as "car"
    assert miou(lab, rec, ignore_index=255) == 1.0 and pixel_accuracy(lab, rec, ignore_index=255) == 1.0
    assert miou(lab, rec) < 1.0 and pixel_accuracy(lab, rec) < 1.0
    rec2 = lab.copy()
    rec2[~ign] = np.where(lab[~ign] == 0, 1, lab[~ign])  # road received as sidewalk
    road = lab == 0
    assert pixel_accuracy(lab, rec2, ignore_index=255) == pytest.approx(1 - road.sum() / (~ign).sum())


def test_indexed_ignore_index_and_class_count(tmp_path):
    f = tmp_path / "m.png"
    Image.fromarray(np.array([[0, 3, 255], [2, 2, 255]], np.uint8)).save(f)
    lm = read_label_set(f)
    assert (lm.classes, lm.ignore_index, lm.present().tolist()) == (4, 255, [0, 2, 3])
    assert read_label_set(f, ignore_index=None).classes == 256
    with pytest.raises(ValueError, match="outside the 3 classes"):
        read_label_set(f, palette=np.zeros((3, 3)) + np.arange(3)[:, None])
    with pytest.raises(ValueError, match="ignore index"):
        LabelMap(np.zeros((2, 2), np.int64), classes=4, ignore_index=2)


def test_ade20k_zero_becomes_the_ignore_index(tmp_path):
    f = tmp_path / "ADE_val_00000001.png"
    Image.fromarray(np.array([[0, 1, 150], [12, 0, 1]], np.uint8)).save(f)
    lm = read_label_set(f, kind="ade20k")
    assert lm.labels.tolist() == [[255, 0, 149], [11, 255, 0]] and lm.classes == 150


# --- palettes --------------------------------------------------------------------------------------------------

def _distinct_palette(n, seed):
    rng = np.random.default_rng(seed)
    keys = rng.choice(2**24, size=n, replace=False)
    return np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], 1).astype(np.uint8)


@pytest.mark.parametrize("fmt", ["json", "txt"])
def test_rgb_map_through_a_palette_file(tmp_path, fmt):
    pal = _distinct_palette(12, seed=4)
    names = [f"class{i}" for i in range(12)]
    lab = np.random.default_rng(5).integers(0, 12, size=(20, 30))
    img = tmp_path / "rgb.png"
    Image.fromarray(pal[lab]).save(img)
    if fmt == "json":
        pf = tmp_path / "pal.json"
        pf.write_text(json.dumps({"palette": pal.tolist(), "names": names}))
    else:
        pf = tmp_path / "pal.txt"
        pf.write_text("# r g b name\n\n" + "\n".join(f"{r}, {g}, {b} {n}" for (r, g, b), n in zip(pal, names)))
    got_pal, got_names = read_palette(pf)
    np.testing.assert_array_equal(got_pal, pal)
    assert got_names == names
    lm = read_label_set(img, palette=pf)
    np.testing.assert_array_equal(lm.labels, lab)
    assert lm.classes == 12 and lm.names == names
    # the same classes as a "P" image: the indices are read, the embedded palette is not consulted
    p_img = tmp_path / "p.png"
    im = Image.fromarray(lab.astype(np.uint8), mode="L").convert("P")
    im.putpalette(np.zeros(768, np.uint8).tolist())
    im.save(p_img)
    np.testing.assert_array_equal(read_label_set(p_img, palette=pf).labels, lab)


def test_palette_with_the_ignore_colour_last(tmp_path):
    pal = _distinct_palette(6, seed=7)  # 5 classes + the ignore colour at index 5
    lab = np.random.default_rng(8).integers(0, 6, size=(9, 11))
    img = tmp_path / "rgb.png"
    Image.fromarray(pal[lab]).save(img)
    lm = read_label_set(img, palette=pal, ignore_index=5)
    assert lm.classes == 5 and lm.ignore_index == 5
    np.testing.assert_array_equal(lm.valid(), lab != 5)
    with pytest.raises(ValueError, match="inside the palette"):
        read_label_set(img, palette=pal, ignore_index=2)


def test_palette_errors(tmp_path):
    pal = _distinct_palette(4, seed=1)
    rgb = pal[np.array([[0, 1], [2, 3]])]
    np.testing.assert_array_equal(rgb_to_labels(rgb, pal), [[0, 1], [2, 3]])
    stranger = next(c for c in ([0, 0, k] for k in range(5)) if not (pal == c).all(1).any())
    rgb[0, 0] = stranger
    with pytest.raises(ValueError, match=r"colour \(0, 0, \d\) is not in the palette \(1 pixels\)"):
        rgb_to_labels(rgb, pal)
    with pytest.raises(ValueError, match="twice"):
        rgb_to_labels(pal[np.array([[0, 1]])], np.concatenate([pal, pal[:1]]))
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n")
    with pytest.raises(ValueError, match="expected 'r g b"):
        read_palette(bad)
    bad.write_text("1 2 300\n")
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        read_palette(bad)
    img = tmp_path / "rgb.png"
    Image.fromarray(rgb).save(img)
    with pytest.raises(ValueError, match="give the palette"):
        read_label_set(img)


# --- Cityscapes errors -----------------------------------------------------------------------------------------

def test_cityscapes_values_and_sizes_are_checked(tmp_path):
    f = tmp_path / "x_gtFine_labelIds.png"
    Image.fromarray(np.array([[7, 40]], np.uint8)).save(f)
    with pytest.raises(ValueError, match="40 is not a Cityscapes label id"):
        read_label_set(f)
    g = tmp_path / "x_gtFine_trainIds.png"
    Image.fromarray(np.array([[0, 19]], np.uint8)).save(g)
    with pytest.raises(ValueError, match="label 19 is outside the 19 classes"):
        read_label_set(g)
    Image.fromarray(np.zeros((1, 2, 3), np.uint8)).save(g)
    with pytest.raises(ValueError, match="not an RGB image"):
        read_label_set(g)
    stem = _stems()[0]
    with pytest.raises(ValueError, match="differ in size"):
        read_label_set(stem + "_labelIds.png", instance_path=_crop(tmp_path, stem + "_instanceIds.png"))
    with pytest.raises(ValueError, match="unknown label-map kind"):
        read_label_set(stem + "_labelIds.png", kind="voc")
    with pytest.raises(ValueError, match="a palette applies"):
        read_label_set(stem + "_labelIds.png", palette=np.zeros((2, 3)))


def _crop(folder, path):
    out = folder / "crop_instanceIds.png"
    Image.fromarray(np.asarray(Image.open(path))[:10]).save(out)
    return out


# --- instance edges --------------------------------------------------------------------------------------------

def _edges_loop(t):
    """Independent: a pixel is an edge if one of its (up to 4) in-image neighbours differs."""
    h, w = t.shape
    out = np.zeros((h, w), np.float32)
    for i in range(h):
        for j in range(w):
            for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                a, b = i + di, j + dj
                if 0 <= a < h and 0 <= b < w and t[a, b] != t[i, j]:
                    out[i, j] = 1
    return out


def _edges_morph(t):
    """Independent: max != min over the cross-shaped neighbourhood (out-of-image pixels repeat the border)."""
    cross = ndimage.generate_binary_structure(2, 1)
    hi = ndimage.maximum_filter(t, footprint=cross, mode="nearest")
    lo = ndimage.minimum_filter(t, footprint=cross, mode="nearest")
    return (hi != lo).astype(np.float32)


@pytest.mark.parametrize("shape,ids", [((1, 1), 1), ((1, 7), 2), ((6, 1), 3), ((9, 13), 3), ((17, 11), 40)])
def test_instance_edges_equal_independent_implementations(shape, ids):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    t = rng.integers(0, ids, size=shape) * 1000 + 26000
    got = instance_edges(t)
    assert got.dtype == np.float32 and got.shape == shape
    np.testing.assert_array_equal(got, _edges_loop(t))
    np.testing.assert_array_equal(got, _edges_morph(t))
    batch = np.stack([t, t.T[: shape[0], : shape[1]] if shape[0] == shape[1] else t[::-1]])[:, None]
    got_b = instance_edges(batch)  # [B, 1, H, W], as GESCO's get_edges
    for k in range(2):
        np.testing.assert_array_equal(got_b[k, 0], _edges_loop(batch[k, 0]))


def test_instance_edges_of_the_sample_match_the_loop():
    lm = read_label_set(_stems()[1] + "_labelIds.png", instance_path=_stems()[1] + "_instanceIds.png")
    np.testing.assert_array_equal(lm.edges(), _edges_loop(lm.instances))
    assert read_label_set(_stems()[1] + "_labelIds.png").edges() is None


def test_module_loads_without_torch():
    code = ("import sys, json, genai.labelsets; "
            "print(json.dumps([m for m in ('torch', 'sionna', 'transformers') if m in sys.modules]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == []
