"""semlink segment: a photo -> label PNG with the classical stand-in (the same map as the library call), the
JSON contract, and bad inputs: exit 2, one line, nothing written."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from scenarios.cli import main


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    import skimage.data as d

    p = tmp_path_factory.mktemp("img") / "coffee.png"
    Image.fromarray(d.coffee()[:96, :128]).save(p)
    return str(p)


def test_segment_classical_writes_the_library_map(photo, tmp_path, capsys):
    from genai.semmaps import read_label_map
    from genai.slic import STANDIN_NOTE, ClassicalSegmenter

    out = tmp_path / "deep" / "labels.png"
    assert main(["segment", photo, "--out", str(out), "--classes", "5", "--seed", "3", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    got = read_label_map(out)
    want = ClassicalSegmenter(classes=5, seed=3)(np.asarray(Image.open(photo).convert("RGB")))
    np.testing.assert_array_equal(got, want)
    assert res["shape"] == [96, 128] and res["classes"] == 5 and res["note"] == STANDIN_NOTE
    assert res["classes_present"] == sorted(np.unique(want).tolist()) and len(res["classes_present"]) >= 2
    assert res["out"] == str(out) and res["random_weights"] is False
    assert sorted(os.listdir(out.parent)) == ["labels.png"]  # no temporary file left
    assert Image.open(out).mode == "L"


def test_segment_text_output_and_default_classes(photo, tmp_path, capsys):
    out = tmp_path / "l.png"
    assert main(["segment", photo, "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{out}: 96x128 label map") and "of 8 classes" in line
    assert int(np.asarray(Image.open(out)).max()) < 8


@pytest.mark.parametrize("argv,msg", [
    (["segment", "/no/such.png", "--out", "OUT"], "no such image"),
    (["segment", "NOTIMG", "--out", "OUT"], "cannot read image"),
    (["segment", "IMG", "--out", "DIR/l.jpg"], "--out must end with .png"),
    (["segment", "IMG", "--out", "IMG"], "is the input image"),
    (["segment", "IMG", "--out", "PNGDIR"], "is a directory"),
    (["segment", "IMG"], "--out"),
    (["segment", "IMG", "--out", "OUT", "--classes", "1"], "--classes"),
    (["segment", "IMG", "--out", "OUT", "--classes", "300"], "--classes"),
    (["segment", "IMG", "--out", "OUT", "--segmenter", "kmeans"], "--segmenter"),
    (["segment", "IMG", "--out", "OUT", "--random-weights"], "--random-weights applies to --segmenter segformer"),
    (["segment", "IMG", "--out", "OUT", "--segmenter", "segformer", "--classes", "5"], "--classes applies"),
    (["segment", "IMG", "--out", "OUT", "--segmenter", "segformer", "--model-path", "DIR/no-model"],
     "no weights at"),
    (["segment", "IMG", "--out", "OUT", "--segmenter", "segformer", "--model", "semlink-tests/no-such-segformer"],
     "semlink-tests/no-such-segformer: weights not found"),
])
def test_bad_input_exits_2_and_writes_nothing(photo, tmp_path, capsys, argv, msg):
    folder = tmp_path / "work"
    folder.mkdir()
    notimg = folder / "notimg.png"
    notimg.write_text("not a png")
    (folder / "dir.png").mkdir()
    subs = {"IMG": photo, "NOTIMG": str(notimg), "OUT": str(folder / "out" / "labels.png"), "DIR": str(folder),
            "PNGDIR": str(folder / "dir.png")}
    argv = [subs.get(a, a.replace("DIR", str(folder))) for a in argv]
    before = sorted(os.listdir(folder))
    photo_bytes = open(photo, "rb").read()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("semlink: error:") and msg in err, err
    assert sorted(os.listdir(folder)) == before  # nothing created (not even the --out folder)
    assert open(photo, "rb").read() == photo_bytes


def test_segformer_random_weights_code_path(photo, tmp_path, capsys):
    out = tmp_path / "r.png"
    assert main(["segment", photo, "--out", str(out), "--segmenter", "segformer", "--random-weights",
                 "--classes", "4", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["random_weights"] is True and "random weights" in res["note"] and res["classes"] == 4
    lab = np.asarray(Image.open(out))
    assert lab.shape == (96, 128) and int(lab.max()) < 4
