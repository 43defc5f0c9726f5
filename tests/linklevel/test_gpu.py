"""CUDA runs of the link and the engine (each skips itself without a CUDA device).

These compare the GPU against the CPU by two-sample tests on the same configurations (a coded,
an OFDM and an LS-CSI link), check that outputs live on the device, and that the automatic batch
is the documented deterministic size within the free memory.
"""

import math

import pytest
import torch

from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import AUTO_BATCH_BITS, StopCriteria, auto_batch_size, batch_memory, simulate_point

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


@pytest.mark.gpu
@cuda
def test_cuda_decoder_matches_the_cpu_decoder_on_the_same_llrs():
    """semlink's LDPC decoder on CUDA: same words as on the CPU for the same LLRs (>= 99.9 %, float
    rounding of exp/log differs by device), fewer iterations at higher SNR, half precision works."""
    from sionna.phy.fec.ldpc import LDPC5GEncoder

    from linklevel.blocks.ldpc import BatchLDPC5GDecoder

    enc = LDPC5GEncoder(400, 500)
    g = torch.Generator().manual_seed(3)
    u = torch.randint(0, 2, (4000, 400), generator=g).float()
    c = enc(u)
    means = []
    for snr in (3.25, 4.0):
        s2 = 1 / (2 * 0.8 * 10 ** (snr / 10))
        llr = 2 * ((2 * c - 1) + math.sqrt(s2) * torch.randn(c.shape, generator=g)) / s2
        cpu = BatchLDPC5GDecoder(enc)(llr)
        dec = BatchLDPC5GDecoder(LDPC5GEncoder(400, 500, device="cuda:0"), device="cuda:0")
        gpu = dec(llr.cuda())
        assert gpu.device.type == "cuda"
        assert float((gpu.cpu() == cpu).all(-1).float().mean()) >= 0.999
        means.append(float(dec.last_iterations.float().mean()))
        half = BatchLDPC5GDecoder(LDPC5GEncoder(400, 500, device="cuda:0"), message_dtype="float16", device="cuda:0")
        bler_half = float((half(llr.cuda()).cpu() != u).any(-1).float().mean())
        bler = float((cpu != u).any(-1).float().mean())
        assert bler_half <= 2 * bler + 0.01
    assert means[0] > means[1]


@pytest.mark.gpu
@cuda
def test_cuda_sync_intervals_and_joint_batches_keep_counts():
    """On CUDA several batches run between host syncs: counts equal a one-batch interval; the
    joint SNR batches reproduce."""
    import linklevel.engine.montecarlo as mc

    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), device="cuda:0")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=40, max_blocks=10**5)
    auto = simulate_point(link, 2.0, stop, 256, seed=3)
    orig = mc._sync_interval
    try:
        mc._sync_interval = lambda *a: 1
        one = simulate_point(link, 2.0, stop, 256, seed=3)
    finally:
        mc._sync_interval = orig
    assert auto == one and auto.block_errors == 40
    a = mc.simulate_joint(link, [1.5, 2.0, 2.5], stop, 256, seed=3)
    assert a == mc.simulate_joint(link, [1.5, 2.0, 2.5], stop, 256, seed=3)
