r"""The bit-metric-decoding rate (BMI) of LLRs, with its interval over symbols.

.. math::
    \mathrm{BMI} = m - \frac1N \sum_{s=1}^{N} \sum_{i=1}^{m} \log_2\!\left(1 + e^{-(2b_{s,i}-1)L_{s,i}}\right)

(LLR :math:`L = \ln P(1)/P(0)`), the achievable rate of bit-interleaved coded modulation with these LLRs as
the decoding metric — a lower bound on the BMI of the true posteriors, equal to it for exact APP LLRs.
The symbols are i.i.d. (independent bits and noise), so the interval is Student's t over the per-symbol
terms; the bits within one symbol are not independent and are never the unit.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["bmi"]


def bmi(bits: torch.Tensor, llr: torch.Tensor, num_bits: int, confidence: float = 0.95) -> dict[str, float]:
    """``{"value", "lo", "hi", "n", "unit"}``: BMI in bits per channel use from ``bits`` / ``llr`` (same shape,
    last dimension a whole number of symbols of ``num_bits`` bits).

    .. code-block:: python

        >>> import torch
        >>> b = torch.randint(0, 2, (1000, 4)).float()
        >>> round(bmi(b, 40 * (2 * b - 1), 4)["value"], 6)    # certain, correct LLRs: all 4 bits
        4.0
    """
    b, lam = bits.detach().double().reshape(-1, num_bits), llr.detach().double().reshape(-1, num_bits)
    loss = torch.nn.functional.softplus(-(2 * b - 1) * lam) / math.log(2)  # log2(1 + e^{-(2b-1)L})
    per = (num_bits - loss.sum(dim=1)).cpu().numpy()
    n = per.size
    if n < 2:
        raise ValueError("need at least two symbols")
    from scipy.stats import t

    half = float(t.ppf(0.5 + confidence / 2, n - 1) * per.std(ddof=1) / math.sqrt(n))
    v = float(np.mean(per))
    return {"value": v, "lo": v - half, "hi": v + half, "n": int(n), "unit": "symbol"}
