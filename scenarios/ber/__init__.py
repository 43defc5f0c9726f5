"""BER/BLER studies (kind ``ber``): link sweeps against analytic models, e.g. ``validate_analytic``.

:mod:`.run` holds one resumable sweep (:class:`BerRun`, also behind ``semlink ber``),
:mod:`.study` the TOML schema (figures, ``sweep``/``zip`` expansion), :mod:`.report`
the figures and Markdown report, :mod:`.kind` the study kind.
"""

from .run import BerRun, BerRunResult, run_ber, store_result, worker_run

__all__ = ["BerRun", "BerRunResult", "run_ber", "store_result", "worker_run"]
