"""``python -m scenarios`` runs the ``semlink`` CLI."""

import os
import sys

try:
    from .cli import entry
except KeyboardInterrupt:  # Ctrl-C while starting: no traceback
    os._exit(130)

entry()
