"""CUDA runs of the link and the engine (each skips itself without a CUDA device).

These compare the GPU against the CPU by two-sample tests on the same configurations (a coded,
an OFDM and an LS-CSI link), check that outputs live on the device, and that the automatic batch
is the documented deterministic size within the free memory.
"""

import math

import pytest
import torch

from linklevel import Link, LinkConfig
from linklevel.montecarlo import AUTO_BATCH_BITS, StopCriteria, auto_batch_size, batch_memory, simulate_point

from .reference import ber_mqam_cho_yoon

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@cuda
def test_cuda_outputs_live_on_the_device_and_match_the_exact_ber():
    link = Link(LinkConfig(modulation="16qam"), device="cuda:0")
    out = link(64, 8.0)
    assert out.bits.device.type == "cuda" and out.bits_hat.device.type == "cuda" and out.crc_ok.device.type == "cuda"
    p = simulate_point(link, 8.0, StopCriteria(target_bit_errors=2000, max_bits=10**8), auto_batch_size(link), seed=1)
    lo, hi = p.ber_ci(0.999)
    assert lo <= ber_mqam_cho_yoon(8.0, 16) <= hi


@pytest.mark.gpu
@cuda
def test_cuda_auto_batch_is_deterministic_and_within_free_memory():
    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), device="cuda:0")
    batch = auto_batch_size(link)
    assert batch == AUTO_BATCH_BITS["cuda"] // link.coded_bits_per_frame
    assert auto_batch_size(link) == batch  # not a function of the memory state
    free, _ = torch.cuda.mem_get_info(0)
    assert 0 < batch_memory(link, batch) <= free / 2


def _two_sample_z(a, b) -> float:
    p1, p2 = a.block_errors / a.blocks, b.block_errors / b.blocks
    p = (a.block_errors + b.block_errors) / (a.blocks + b.blocks)
    se = math.sqrt(max(p * (1 - p) * (1 / a.blocks + 1 / b.blocks), 1e-300))
    return (p1 - p2) / se


@pytest.mark.gpu
@cuda
@pytest.mark.parametrize("cfg,ebno", [
    (LinkConfig(modulation="qpsk", code="ldpc", k=400, n=500), 2.75),
    (LinkConfig(modulation="16qam", channel="rayleigh-block", ofdm=True, k=2000, code="ldpc", n=4000), 12.0),
    (LinkConfig(modulation="qpsk", channel="rayleigh-block", csi="ls", pilots_per_block=4, coherence=100,
                code="ldpc", k=200, n=400), 8.0),
])
def test_cpu_and_gpu_agree_in_distribution(cfg, ebno):
    """Different generators, same law: block error rates agree by a two-sample z-test (|z| < 4)."""
    stop = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=4000)
    cpu = simulate_point(Link(cfg, device="cpu"), ebno, stop, 200, seed=11)
    gpu = simulate_point(Link(cfg, device="cuda:0"), ebno, stop, 200, seed=11)
    assert cpu.block_errors > 20 and gpu.block_errors > 20, (cpu.block_errors, gpu.block_errors)
    assert abs(_two_sample_z(cpu, gpu)) < 4
