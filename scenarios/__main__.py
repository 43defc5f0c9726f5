"""``python -m scenarios`` runs the ``semlink`` CLI (Ctrl-C handled from here on: :mod:`scenarios.launch`)."""

try:
    from .launch import entry
except KeyboardInterrupt:  # the few lines before launch's handler
    import os
    import sys

    sys.stderr.write("semlink: interrupted\n")
    os._exit(130)

entry()
