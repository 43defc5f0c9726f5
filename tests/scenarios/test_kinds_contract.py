"""The contract every registered study kind keeps (diffusers' ``PipelineTesterMixin`` idea): a kind is
covered by registering it.

For every built-in study of every kind in :data:`scenarios.study.kinds.REGISTRY`: both variants load;
the quick variant runs; a re-run skips every part and reports the same summary; every figure exists as
PNG + PDF + SVG; ``semlink show`` gives the parts from their stamps, the kind's summary and its tables;
a file with a part removed (a partial file) still reports and shows; a dataset changed behind semlink's
back is found before anything is read or written (exit 2, one line naming it).
"""

from __future__ import annotations

import json
import os
import shutil

import h5py
import numpy as np
import pytest

from scenarios.cli import main
from scenarios.study.kinds import REGISTRY, builtin_studies, get_kind, load_study, study_kind

STUDIES = sorted(builtin_studies().items())


def test_every_kind_has_a_builtin_study_with_a_quick_variant():
    kinds = {study_kind(p) for _, p in STUDIES}
    assert kinds == set(REGISTRY)
    for name, path in STUDIES:
        assert "[quick" in path.read_text(), f"{name} has no [quick] variant"


@pytest.mark.parametrize("name", [n for n, _ in STUDIES])
def test_both_variants_load(name):
    full, quick = load_study(name), load_study(name, quick=True)
    assert full.kind == quick.kind and quick.quick and not full.quick and quick.out != full.out


@pytest.fixture(scope="module", params=[n for n, _ in STUDIES])
def quick_run(request, builtin_quick_run):
    return builtin_quick_run(request.param)


def test_quick_run_finishes_every_part_and_rerun_skips_them(quick_run):
    first, again = quick_run["first"], quick_run["again"]
    assert first["parts"] and all(p["status"] == "finished" for p in first["parts"]), first["parts"]
    assert [p["status"] for p in again["parts"]] == ["skipped"] * len(first["parts"])
    drop = ("parts", "runtime_s", "figures", "report")
    assert {k: v for k, v in again.items() if k not in drop} == {k: v for k, v in first.items() if k not in drop}


def test_every_figure_in_three_formats_and_a_report(quick_run):
    first = quick_run["first"]
    assert first["report"] and os.path.isfile(first["report"])
    assert first["figures"], "a study without a figure"
    for png in first["figures"]:
        stem = os.path.splitext(png)[0]
        assert png.endswith(".png") and all(os.path.isfile(f"{stem}.{x}") for x in ("png", "pdf", "svg")), png
    text = open(first["report"], encoding="utf-8").read()
    for png in first["figures"]:
        assert f"({os.path.basename(png)})" in text, f"{png} is not linked from the report"


def _show(path):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["show", str(path), "--json"])
    assert rc == 0
    data = json.loads(buf.getvalue())
    with contextlib.redirect_stdout(io.StringIO()) as text:
        assert main(["show", str(path)]) == 0
    return data, text.getvalue()


def test_show_gives_parts_summary_and_tables(quick_run):
    first = quick_run["first"]
    data, text = _show(first["file"])
    assert data["kind"] == first["kind"] and data["study"] == first["study"] and data["quick"] is True
    assert {p["key"] for p in data["parts"]} >= {p["key"] for p in first["parts"]}
    assert all(p["status"] == "complete" and p["config_hash"] for p in data["parts"])
    for key, value in data["summary"].items():
        assert first[key] == value, key
    assert data["tables"], "the report has no table for show"
    assert "parts:" in text and first["study"] in text


def test_report_and_show_from_a_partial_file(quick_run, tmp_path):
    first = quick_run["first"]
    part = tmp_path / os.path.basename(first["file"])
    shutil.copyfile(first["file"], part)
    from linklevel.store.h5io import atomic_h5

    last = first["parts"][-1]["key"]
    with atomic_h5(part) as f:  # as if the run had been killed before its last part
        del f[last]
    data, _ = _show(part)
    assert last not in {p["key"] for p in data["parts"]}
    from scenarios.study.report import Report
    from scenarios.study.show import study_of_file

    study = study_of_file(str(part))
    rep = Report(str(tmp_path / "partial" / "report.md"), "partial")
    summary = get_kind(study.kind).report(study, str(part), rep)
    assert rep.write() and summary.to_json() is not None


def _first_dataset(path):
    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.size and obj.dtype.kind in "fiu" and not found:
            found.append(name)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return found[0]


def test_a_damaged_dataset_is_found_before_any_read_or_write(quick_run, tmp_path, capsys):
    first = quick_run["first"]
    bad = tmp_path / os.path.basename(first["file"])
    shutil.copyfile(first["file"], bad)
    name = _first_dataset(bad)
    with h5py.File(bad, "a") as f:
        ds = f[name]
        flat = np.array(ds[()]).reshape(-1)
        flat[0] = flat[0] + 1
        ds[...] = flat.reshape(ds.shape)
    before = bad.read_bytes()
    assert main(["show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "fails its checksum" in err and name in err and len(err.strip().splitlines()) == 1
    out = tmp_path / "rerun"
    out.mkdir()
    shutil.copyfile(bad, out / bad.name)
    args = ["run", quick_run["name"], "--quick", "--out", str(out), "--no-progress", "--workers", "1"]
    assert main(args) == 2 and "fails its checksum" in capsys.readouterr().err
    assert (out / bad.name).read_bytes() == before  # never modified
