"""Clopper-Pearson intervals checked against their defining binomial tail equations."""

import numpy as np
import pytest
from scipy.stats import binom

from linklevel.theory.stats import clopper_pearson


@pytest.mark.parametrize("e,t", [(0, 100), (1, 100), (17, 1000), (999, 1000), (1000, 1000), (5, 7)])
@pytest.mark.parametrize("conf", [0.9, 0.95, 0.99])
def test_bounds_solve_the_tail_equations(e, t, conf):
    lo, hi = clopper_pearson(e, t, conf)
    a = (1 - conf) / 2
    if e > 0:
        assert binom.sf(e - 1, t, lo) == pytest.approx(a, rel=1e-6)  # P(X >= e | lo) = a/2
    else:
        assert lo == 0.0
    if e < t:
        assert binom.cdf(e, t, hi) == pytest.approx(a, rel=1e-6)  # P(X <= e | hi) = a/2
    else:
        assert hi == 1.0
    assert lo <= e / t <= hi


def test_published_value_rule_of_three():
    # zero errors in n trials: upper bound 1 - (alpha/2)^(1/n) (one-sided 97.5%)
    _, hi = clopper_pearson(0, 300, 0.95)
    assert hi == pytest.approx(1 - 0.025 ** (1 / 300), rel=1e-9)
    assert hi == pytest.approx(3.69 / 300, rel=0.01)


def test_vectorized_and_empty_and_bad_input():
    lo, hi = clopper_pearson(np.array([0, 5]), np.array([0, 10]))
    assert lo.shape == (2,) and (lo[0], hi[0]) == (0.0, 1.0)
    with pytest.raises(ValueError):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError):
        clopper_pearson(1, 3, confidence=1.5)
