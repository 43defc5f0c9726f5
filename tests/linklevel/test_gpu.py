"""CUDA runs of the link and the engine (skip themselves without a CUDA device)."""

import pytest

from linklevel import Link, LinkConfig
from linklevel.montecarlo import StopCriteria, auto_batch_size, simulate_point

from .reference import ber_mqam_cho_yoon


@pytest.mark.gpu
def test_cuda_link_matches_exact_ber_and_sizes_batches_to_memory():
    link = Link(LinkConfig(modulation="16qam"), device="cuda:0")
    batch = auto_batch_size(link)
    assert batch >= (1 << 17) // 1200  # at least the CPU batch, scaled to free memory
    p = simulate_point(link, 8.0, StopCriteria(target_bit_errors=2000, max_bits=10**8), batch, seed=1)
    lo, hi = p.ber_ci(0.999)
    assert lo <= ber_mqam_cho_yoon(8.0, 16) <= hi


@pytest.mark.gpu
def test_cuda_ldpc_decodes():
    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), device="cuda:0")
    p = simulate_point(link, 5.0, StopCriteria(target_bit_errors=None, max_bits=None, max_blocks=5000), 1000, seed=1)
    assert p.blocks >= 5000 and p.block_errors == 0
