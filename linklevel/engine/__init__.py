"""The Monte Carlo engine: ``montecarlo`` (sweeps), ``overlay`` (analytic verdicts on simulated points),
``workers`` (process pools), ``runtime`` (devices, threads, seeds, provenance)."""
