"""Huang et al.: critical-information embedding, GVIF, Algorithm 1 (``semlink run huang_cie``, issue #16; in progress)."""
