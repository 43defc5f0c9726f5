"""Shared fixtures of the study tests: each built-in study's quick variant is run (and re-run) once per
test session, and every test that needs it reads the same result."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any, Callable

import pytest


def run_json(args: list[str]) -> dict[str, Any]:
    """``semlink <args>`` with its stdout as JSON (for fixtures wider than a test, which cannot use ``capsys``)."""
    from scenarios.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(args)
    assert rc == 0, buf.getvalue()[-2000:]
    return json.loads(buf.getvalue())


def _missing_input(study: Any) -> str | None:
    """Why the study cannot run here (its preflight names ``SEMLINK_KODAK``), or ``None``."""
    from scenarios.study.kinds import get_kind

    kind = get_kind(study.kind)
    if kind.preflight is None:
        return None
    try:
        kind.preflight(study)
    except ValueError as err:
        if "SEMLINK_KODAK" in str(err):
            return str(err)
        raise
    return None


@pytest.fixture(scope="session")
def builtin_quick_run(tmp_path_factory) -> Callable[[str], dict[str, Any]]:
    """``get(name)``: the built-in study ``name`` run with ``--quick`` and run again (``first``, ``again``:
    the ``--json`` objects; ``out``, ``args``), computed once per session; skips when its inputs are absent."""
    from scenarios.study.kinds import load_study

    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            missing = _missing_input(load_study(name, quick=True))
            if missing:
                cache[name] = {"skip": f"{name}: {missing}"}
            else:
                out = tmp_path_factory.mktemp(name)
                args = ["run", name, "--quick", "--out", str(out), "--json", "--no-progress", "--workers", "1"]
                cache[name] = {"name": name, "out": out, "args": args, "first": run_json(args),
                               "again": run_json(args)}
        if "skip" in cache[name]:
            pytest.skip(cache[name]["skip"])
        return cache[name]

    return get
