"""The study framework changed no stored number: both built-in kinds' quick runs equal the
fixture recorded at commit 71f0bcc, before the framework (``data/quick_before.npz``, written
by ``h5digest.py``). New datasets are allowed; every recorded one must be equal.

Since issue 11 a BER run's identity also names its batch size and device (so run groups are
found by their identity without those two keys), points stop exactly at their error target
(so only points that ended on a trial budget keep the old counts), and intervals and
verdicts are computed on the independent unit (so those columns are not compared). Counts of
budget-stopped points, their statuses and the analytic columns must still be identical; the
Xu study's numbers entirely.

Since the exact-budget issue a point stops at exactly ``max_bits`` bits / ``max_blocks`` blocks (the
last batch is truncated; before, it ran to the end of the batch: 100,800 bits for ``max_bits =
100_000``). The random stream is the same (same seed, same automatic batch size), so a budget-stopped
point is now a *prefix* of the recorded one: it must have exactly the budget's bits (the recorded
count where that was already within the budget, then every count identical), the same status and
SNR, and no more errors than the recorded point — at most one fewer bit error per dropped bit and one
fewer block error per dropped (or cut) block (:func:`_check_prefix`). Points that stopped on an error
target are not compared (since issue 11, above); the analytic columns still must be identical.

Since issue 12 the default LDPC decoder is semlink's own (early termination changes a few
decisions on purpose), so both studies run here with ``--decoder sionna``, the decoder the
fixture was recorded with, and the link fields and run options (``snr_batch``, ``compile``, both
off here) added since then are left out of the run ids.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from scenarios.cli import main

from .h5digest import datasets

DATA = Path(__file__).parent / "data" / "quick_before.npz"
#: LinkConfig fields added after the fixture was recorded (issue 12: the decoder's options).
NEW_LINK_FIELDS = ("decoder", "schedule", "early_stop", "minsum_scale", "minsum_offset", "message_dtype",
                   "constraint_length")


@pytest.fixture(scope="module")
def before():
    with np.load(DATA) as z:
        return {k: z[k] for k in z.files}


#: Relative tolerances, derived from how each number is computed (counts, booleans and strings: exact).
#:
#: * ``float32_features``: everything downstream of the float32 neural features of the measured
#:   perception (``perception/feature``, ``fits/feature``, ``curves/measured``). A float32 result
#:   carries a relative rounding of eps32 = 1.19e-7 per operation, and a conv/matmul reduction of
#:   n terms summed in another order (the BLAS/oneDNN kernel depends on the torch/numpy version and
#:   the CPU) moves it by up to ~sqrt(n) eps32 (random-walk rounding); n <= 4096 gives 64 eps32 =
#:   7.6e-6. The isotonic fits and the allocation's root finders (xtol 1e-13 or finer) downstream
#:   are smooth in these values (condition <= ~10), so 64 eps32 x 10 = 7.6e-5, rounded up to 1e-4;
#:   measured with numpy 2.4.6 / torch 2.13.0 against the fixture's versions: 2.4e-7 at most.
#: * ``float64``: double-precision chains (analytic BER, the paper's tabulated perception, the
#:   allocation on it): 1e-12 as before, except the solvers' arguments below.
#: * ``float64_argmin``: the arg-min of a flat objective (``errors``/``snr``/``power`` of the
#:   ``bisection`` and ``optimal`` methods). Bisection decides on the sign of a central-difference
#:   slope with step h = 1e-6 |u|, so a cost rounded at eps64 = 2.2e-16 moves its root by
#:   ~eps64/h |F/F''| = 2.2e-10 |F/F''| in u = ln Phi; the bounded minimizer locates a flat minimum
#:   to ~sqrt(eps64) = 1.5e-8 relative. 1e-7 covers |F/F''| up to ~450.
RTOL = {"float32_features": 1e-4, "float64": 1e-12, "float64_argmin": 1e-7}


def _rtol(key: str) -> float:
    path = key.split(":", 1)[1]
    if path.startswith(("perception/feature", "fits/feature", "curves/measured")):
        return RTOL["float32_features"]
    parts = path.split("/")
    if len(parts) >= 2 and parts[-2] in ("bisection", "optimal") and parts[-1] in ("errors", "snr", "power"):
        return RTOL["float64_argmin"]
    return RTOL["float64"]


def _compare(before: dict, now: dict, tag: str) -> None:
    keys = [k for k in before if k.startswith(tag + ":")]
    assert keys, f"no recorded datasets for {tag}"
    missing = [k for k in keys if k not in now]
    assert not missing, f"datasets no longer stored: {missing[:5]}"
    for k in keys:
        a, b = before[k], now[k]
        assert a.shape == b.shape, k
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=_rtol(k), atol=0, equal_nan=True, err_msg=k)
        else:
            assert np.array_equal(a, b), k


def _check_prefix(old: dict, new: dict, stop: dict, where: str) -> int:
    """Budget-stopped points of one run: ``new`` is the exact-budget prefix of the recorded ``old``."""
    budget = np.isin(old["status"], ["max_bits", "max_blocks"])
    assert np.array_equal(old["status"][budget], new["status"][budget]), where
    assert np.array_equal(old["ebno_db"][budget], new["ebno_db"][budget]), where
    for i in np.flatnonzero(budget):
        bits, blocks = int(old["bits"][i]), int(old["blocks"][i])
        k = bits // blocks  # recorded budget stops ended on a batch boundary: whole codewords
        cut = min(v for v in (bits, stop.get("max_bits"), None if stop.get("max_blocks") is None
                              else stop["max_blocks"] * k) if v is not None)
        assert int(new["bits"][i]) == cut and int(new["blocks"][i]) == -(-cut // k), (where, i)
        dropped = {"bit_errors": bits - cut, "block_errors": blocks - cut // k,
                   "detected_block_errors": blocks - cut // k}
        for col, most in dropped.items():
            assert 0 <= int(old[col][i]) - int(new[col][i]) <= most, (where, i, col)
    return int(budget.sum())


@pytest.mark.slow  # a regression guard over a whole quick run (~18 s): `make test-all`
def test_validate_analytic_quick_is_unchanged(before, tmp_path, capsys):
    import h5py

    from linklevel.store.results import config_hash

    assert main(["run", "validate_analytic", "--quick", "--out", str(tmp_path), "--no-progress", "--json",
                 "--decoder", "sionna"]) == 0
    res = json.loads(capsys.readouterr().out)
    now = datasets(res["file"], "va:")
    old_id, stops = {}, {}
    with h5py.File(res["file"], "r") as f:
        for rid in f["runs"]:
            ident = json.loads(f["runs"][rid].attrs["config"])
            ident["link"] = {k: v for k, v in ident["link"].items() if k not in NEW_LINK_FIELDS}
            assert ident["snr_batch"] is False and ident["compile"] is False
            old_id[rid] = config_hash({k: v for k, v in ident.items()
                                       if k not in ("batch_size", "device", "snr_batch", "compile")})
            stops[old_id[rid]] = ident["stop"]
    renamed = {}
    for key, value in now.items():
        _, rid, rest = key.split("/", 2)
        renamed[f"va:runs/{old_id[rid]}/{rest}"] = value
    runs = {k.split("/")[1] for k in before if k.startswith("va:runs/")}
    assert runs == {k.split("/")[1] for k in renamed}, "a run of the quick study is missing or new"
    compared = 0
    for rid in runs:
        cols = ("ebno_db", "bits", "bit_errors", "blocks", "block_errors", "detected_block_errors", "status")
        old = {c: before[f"va:runs/{rid}/points/{c}"] for c in cols}
        new = {c: renamed[f"va:runs/{rid}/points/{c}"] for c in cols}
        assert all(old[c].shape == new[c].shape for c in cols), rid
        compared += _check_prefix(old, new, stops[rid], rid)
        for col in [k.rsplit("/", 1)[1] for k in before if k.startswith(f"va:runs/{rid}/analytic_")]:
            np.testing.assert_allclose(renamed[f"va:runs/{rid}/{col}"], before[f"va:runs/{rid}/{col}"],
                                       rtol=1e-12, err_msg=f"{rid}/{col}")
    assert compared >= 27  # the 27 budget-stopped points of the recorded quick study


@pytest.mark.slow  # a regression guard over a whole quick run (~20 s): `make test-all`
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
    assert main(["run", str(toml), "--out", str(tmp_path / "out"), "--no-progress", "--json",
                 "--decoder", "sionna"]) == 0
    res = json.loads(capsys.readouterr().out)
    _compare(before, datasets(res["file"], "xu:"), "xu")
