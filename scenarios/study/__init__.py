"""The study kit: what every study kind is built from.

=================  ==========================================================================
``kinds``          ``StudyKind``, the registry, loading a study file (schema + ``[quick]``)
``schema``         the common ``[study]`` header and typed TOML tables
``quantities``     physical quantities and their ranges (validation of every number)
``parts``          ``Part``, ``PartStore`` (stamps, resume), ``write_group``/``read_group``
``tables``         ``Table``: the one row-table layout (columns, dtypes, units), checksummed
``runner``         ``run_study``: skip finished parts, execute, report
``executors``      process pool / Ray for parts that run away from the file
``report``         ``Report``: sections, tables, figures (PNG + PDF + SVG), verdicts, warnings
``summary``        ``Summary``: the typed summary of a kind
``stats``          bootstrap over the independent unit, paired differences, isotonic fits
``images``         image inputs (``$SEMLINK_KODAK`` or a folder)
``show``           ``semlink show`` for every kind
=================  ==========================================================================

Import from the modules (``from scenarios.study.report import Report``): this package imports
nothing on its own, so NumPy-only callers stay light.
"""
