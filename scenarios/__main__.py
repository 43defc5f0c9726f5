"""``python -m scenarios`` runs the ``semlink`` CLI."""

import sys

from .cli import main

sys.exit(main())
