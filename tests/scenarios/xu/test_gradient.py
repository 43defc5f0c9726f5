"""Design by gradient for the Xu problem (issue #27, item 4): the differentiable models, and the gradient method
against the certified optimum where the problem has an interior optimum, and its reported gap at a corner."""

import math

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

from scenarios.xu.allocation import Problem, StreamSpec, allocate
from scenarios.xu.functions import DiscardPerception, TablePerception
from scenarios.xu.gradient import _error_rate, _SnrOf, torch_perception
from scenarios.xu.models import ber_bpsk, bler_eq23, dbm_to_w, path_loss_db

GAIN, NOISE = 10 ** (path_loss_db(100.0, -30.0, 3.4) / 10), dbm_to_w(-110.0)
STREAMS = [StreamSpec(800, GAIN, NOISE), StreamSpec(12227, GAIN, NOISE)]
E = [1e-6, 1e-4, 1e-2, 0.1, 0.5]
TABLE = TablePerception(E, E, [[min(1.0, 0.32 + 0.3 * (i / 4) + 0.2 * (j / 4)) for j in range(5)] for i in range(5)])


def test_torch_models_equal_the_numpy_ones():
    for s in (0.05, 0.8, 3.0, 12.0):
        x = torch.tensor(s, dtype=torch.float64)
        assert float(_error_rate("uncoded", x, 800, 800)) == pytest.approx(ber_bpsk(s), rel=1e-12)
        assert float(_error_rate("coded", x, 800, 1000)) == pytest.approx(bler_eq23(s, 800, 1000), rel=1e-9, abs=1e-300)
    rng = np.random.default_rng(0)
    for P in (DiscardPerception.from_paper("clip"), TABLE):
        f = torch_perception(P)
        for e1, e2 in 10 ** rng.uniform(-7, -0.31, size=(20, 2)):
            assert float(f(torch.tensor(e1, dtype=torch.float64), torch.tensor(e2, dtype=torch.float64))) == \
                pytest.approx(P(e1, e2), abs=1e-12)
    with pytest.raises(ValueError, match="differentiable perception"):
        torch_perception(lambda a, b: a + b)


@pytest.mark.parametrize("scheme", ["uncoded", "coded"])
def test_inverse_error_rate_gradcheck(scheme):
    pb = Problem(scheme, STREAMS, DiscardPerception.from_paper("clip"), 0.8)
    phi = torch.tensor(1e-3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda p: _SnrOf.apply(p, pb, 1), (phi,), eps=1e-9, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("target", [0.33, 0.35])
def test_gradient_reaches_the_certified_optimum_at_interior_optima(target):
    a = allocate("coded", "gradient", STREAMS, DiscardPerception.from_paper("clip"), target, check_optimum=True)
    assert a.feasible and a.perception <= target * (1 + 1e-6)
    assert abs(a.excess_over_optimal) < 1e-6 and not any("no power" in n for n in a.notes)  # interior
    assert a.solver["lbfgs_iterations"] > 0 and a.solver["seconds"] > 0


def test_gradient_on_a_measured_table_and_its_gap_at_a_corner_is_reported():
    a = allocate("uncoded", "gradient", STREAMS, TABLE, 0.5, check_optimum=True)
    assert a.feasible and a.excess_over_optimal < 0.01  # the piecewise-linear table: within 1 %
    # at 0.5 the certified optimum is a corner the gradient does not find (at 0.6 it does, via the projection)
    corner = allocate("coded", "gradient", STREAMS, DiscardPerception.from_paper("clip"), 0.5, check_optimum=True)
    opt = allocate("coded", "optimal", STREAMS, DiscardPerception.from_paper("clip"), 0.5)
    assert any("no power" in n for n in opt.notes)  # the certified optimum gives the edge stream no power
    assert corner.excess_over_optimal > 1.0 and any("above the certified optimum" in n for n in corner.notes)
