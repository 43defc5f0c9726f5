"""The study framework changed no stored number: both built-in kinds' quick runs equal the
fixture recorded at commit 71f0bcc, before the framework (``data/quick_before.npz``, written
by ``h5digest.py``). New datasets are allowed; every recorded one must be equal."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from scenarios.cli import main

from .h5digest import datasets

DATA = Path(__file__).parent / "data" / "quick_before.npz"


@pytest.fixture(scope="module")
def before():
    with np.load(DATA) as z:
        return {k: z[k] for k in z.files}


def _compare(before: dict, now: dict, tag: str) -> None:
    keys = [k for k in before if k.startswith(tag + ":")]
    assert keys, f"no recorded datasets for {tag}"
    missing = [k for k in keys if k not in now]
    assert not missing, f"datasets no longer stored: {missing[:5]}"
    for k in keys:
        a, b = before[k], now[k]
        assert a.shape == b.shape, k
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=0, equal_nan=True, err_msg=k)
        else:
            assert np.array_equal(a, b), k


def test_validate_analytic_quick_is_unchanged(before, tmp_path, capsys):
    assert main(["run", "validate_analytic", "--quick", "--out", str(tmp_path), "--no-progress", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    _compare(before, datasets(res["file"], "va:"), "va")


def test_xu_quick_is_unchanged(before, tmp_path, capsys):
    import skimage.data as d
    from PIL import Image

    from .xu.test_study import STUDY

    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for name, img in (("astro", d.astronaut()[:128, :160]), ("cat", d.chelsea()[:128, :160])):
        Image.fromarray(img).save(imgs / f"{name}.png")
    (imgs / "captions.json").write_text(json.dumps({"astro": "an astronaut in a white suit with a flag",
                                                    "cat": "a ginger cat looking at the camera"}))
    toml = tmp_path / "xu.toml"
    toml.write_text(STUDY.format(images=imgs, count=4))
    assert re.search(r'name = "xu_test"', toml.read_text())
    assert main(["run", str(toml), "--out", str(tmp_path / "out"), "--no-progress", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    _compare(before, datasets(res["file"], "xu:"), "xu")
