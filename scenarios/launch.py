"""The ``semlink`` executable's start-up: Ctrl-C is handled from its first line on.

The console script ``semlink`` and ``python -m scenarios`` enter here, before anything of
semlink (or torch, Sionna, h5py) is imported, so an interrupt at any moment of start-up,
argument parsing, imports or work ends the same way: **exit 130 and one line on stderr**, never
a traceback and never exit 0. Work in progress is kept by the code that was interrupted (the
handler raises :class:`KeyboardInterrupt`, as Python's own does; finished points and parts are
already stored). The handler also remembers the interrupt, so an interrupt swallowed on the way
by a library still ends in 130. A second Ctrl-C leaves at once, and so does an interrupt that lands
where Python cannot raise it (a weakref callback of the import lock, a ``__del__``: Python would
print "Exception ignored" with a traceback and go on): :func:`_unraisable` leaves with 130 and one
line instead. Leaving at once loses nothing stored: result files are only ever replaced atomically
(:func:`linklevel.store.h5io.atomic_h5`), so the guarantees are those of ``kill -9``.

Before the interpreter has installed any handler (its first few milliseconds) a Ctrl-C ends the
process by the signal itself: no output, and the shell reports status 130 (``128 + SIGINT``).
This module imports nothing but the standard library's ``os``, ``sys`` and the C module ``_signal``.
"""

from __future__ import annotations

import os
import _signal as signal  # the C module: no import time (signal.py builds enums)
import sys

__all__ = ["entry"]

_interrupted = False


def _leave(line: bool) -> None:
    """Exit 130 now (no interpreter shutdown, where a library's thread or exit hook could print)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if line:
            sys.stderr.write("semlink: interrupted\n")
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except (OSError, ValueError):
        pass
    os._exit(130)


def _in_import(frame: object) -> bool:
    """Whether the interrupted code runs inside an import (a frame of importlib's bootstrap below it).

    Module initialization may run under native code (torch's pybind11 modules call back into Python
    while they load): a :class:`KeyboardInterrupt` raised there crosses C++ and aborts the process
    (``std::terminate``, SIGABRT), or lands in an import lock's weakref callback where Python only
    prints it. Nothing is stored during an import, so the handler leaves at once instead.
    """
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _on_sigint(signum: int, frame: object) -> None:
    global _interrupted
    if _interrupted:  # a second Ctrl-C: do not wait for the work to wind down
        _leave(line=False)
    _interrupted = True
    if _in_import(frame):
        _leave(line=True)
    raise KeyboardInterrupt


def _unraisable(unraisable: object) -> None:
    """``sys.unraisablehook``: an interrupt that cannot propagate ends the process (130, one line)."""
    if issubclass(getattr(unraisable, "exc_type", type(None)) or type(None), KeyboardInterrupt):
        _leave(line=True)
    sys.__unraisablehook__(unraisable)


def entry() -> None:
    """Run ``semlink`` (:func:`scenarios.cli.main` on ``sys.argv``) and exit with its code.

    ``main`` returns 130 after printing its own line on an interrupt; any other way an interrupt
    shows (raised before ``main``'s handler, or swallowed) prints the line here. Either way the
    exit is ``os._exit(130)``.
    """
    sys.unraisablehook = _unraisable
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:  # a background job (`&`, nohup) keeps ignoring it
        signal.signal(signal.SIGINT, _on_sigint)
    rc = 1
    try:
        from .cli import main

        rc = main()
    except KeyboardInterrupt:
        _leave(line=True)
    if rc == 130:
        _leave(line=False)
    if _interrupted:
        _leave(line=True)
    if signal.getsignal(signal.SIGINT) is _on_sigint:
        signal.signal(signal.SIGINT, lambda signum, frame: _leave(line=True))  # nothing left to keep
    sys.exit(rc)
