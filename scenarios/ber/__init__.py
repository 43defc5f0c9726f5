"""BER/BLER studies (kind ``ber``): link sweeps against analytic models, e.g. ``validate_analytic``.

=================  ==========================================================================
``kind``           the study kind (registration)
``schema``         the TOML schema: figures, ``sweep``/``zip`` expansion into runs
``parts``          one part per distinct run; the SNR points as parallel tasks
``report``         the verdict report and :class:`~scenarios.ber.report.BerSummary`
``figures``        BER/BLER figures with intervals and analytic curves
``sweep``          :class:`~scenarios.ber.sweep.BerRun`: one resumable sweep (also ``semlink ber``)
``verdicts``       the stored runs read back, point verdicts, coded gaps
``labels``         links, runs and verdicts in words
=================  ==========================================================================

Import from the modules (``from scenarios.ber.sweep import BerRun, run_ber``).
"""
