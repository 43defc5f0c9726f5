"""The start-up's interrupt handling (:mod:`scenarios.launch`) at the places where Python cannot raise.

The timed SIGINT test (``test_cli_ber``) hits these places only by chance; here each is reached on
purpose: an interrupt inside an import (where torch's native modules turn a raised
``KeyboardInterrupt`` into ``std::terminate``), and one inside a weakref callback (where Python
prints "Exception ignored" with a traceback and goes on).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(body: str) -> subprocess.CompletedProcess:
    code = "import os, signal, sys\nfrom scenarios import launch\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_in_import_sees_the_import_machinery(tmp_path):
    from scenarios.launch import _in_import

    assert not _in_import(sys._getframe())
    (tmp_path / "semlink_probe_mod.py").write_text("import sys\nFRAME = sys._getframe()\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import semlink_probe_mod

        assert _in_import(semlink_probe_mod.FRAME)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("semlink_probe_mod", None)


def test_interrupt_during_an_import_leaves_at_once(tmp_path):
    """SIGINT while a module body runs: exit 130, one line, no traceback (not a raise into the import)."""
    (tmp_path / "slow_mod.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGINT)\n"
                                          "for _ in range(1000): pass\nRAN_ON = True\n")
    r = _run(f"""
        sys.path.insert(0, {str(tmp_path)!r})
        signal.signal(signal.SIGINT, launch._on_sigint)
        import slow_mod
        print("not reached")
    """)
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert r.stderr == "semlink: interrupted\n" and r.stdout == ""


def test_interrupt_in_a_weakref_callback_is_not_lost():
    """A KeyboardInterrupt raised where Python can only print it (a weakref callback) ends the
    process with 130 and one line through the unraisable hook, instead of a traceback and going on."""
    r = _run("""
        import weakref
        sys.unraisablehook = launch._unraisable
        class A: pass
        def cb(ref):
            raise KeyboardInterrupt
        a = A(); r = weakref.ref(a, cb); del a
        print("not reached")
    """)
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert r.stderr == "semlink: interrupted\n" and r.stdout == ""


def test_other_unraisable_errors_keep_pythons_report():
    r = _run("""
        import weakref
        sys.unraisablehook = launch._unraisable
        class A: pass
        def cb(ref):
            raise RuntimeError("boom")
        a = A(); r = weakref.ref(a, cb); del a
        print("went on")
    """)
    assert r.returncode == 0 and r.stdout == "went on\n" and "RuntimeError: boom" in r.stderr
