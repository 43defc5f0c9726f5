"""The Qiao et al. latency-aware multi-stream study (issue 14): models, Lemma 1 solver, calculator."""
