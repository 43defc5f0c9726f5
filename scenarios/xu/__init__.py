"""The Xu et al. power-allocation study (kind ``xu_power_allocation``).

:mod:`.allocation` (NumPy only: Theorem 1, Algorithm 1, the certified optimum),
:mod:`.perception` (perception-error measurement and fits), :mod:`.check` (real-link
check of a coded design), :mod:`.study` (schema and parts), :mod:`.report`, :mod:`.kind`.
Importing this package loads nothing heavy.
"""

__all__: list[str] = []
