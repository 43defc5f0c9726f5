"""The Xu et al. power-allocation study (kind ``xu_power_allocation``).

=======================  ==============================================================================
``kind``                 registration of the kind
``schema``               the study file's tables, validated into ``XuStudy``
``parts``                the parts (measurement, power curves, realizations, real-link check)
``report``               the report sections; ``report_perception`` its perception sections,
                         ``summary`` the typed ``XuSummary``, ``figures`` the figures
``models``               the paper's equations (eqs. 20-23, corrected Theorem 1: eqs. 28, 35-38)
``functions``            perception-error functions (discard receiver, eq. 18; measured tables)
``allocation``           the solvers (unaware, proportional, Algorithm 1, the certified optimum)
``budget``               Rayleigh realizations and the perception a power budget buys (Fig. 9)
``perception``           fits and tables of the measured perception samples
``savings``              what the report reads from the power curves (savings, corners, misses)
``reallink``             the coded design checked on 5G LDPC links
``sources``              perception sources (paper constants, tables, the measurement)
=======================  ==============================================================================

``models``, ``functions``, ``allocation`` and ``budget`` are NumPy/SciPy only; importing this package
loads nothing heavy.
"""

__all__: list[str] = []
