"""Engine: stopping rules, determinism, resume, Ctrl-C, HDF5 round trip."""

import h5py
import numpy as np
import pytest

from linklevel import Link, LinkConfig
from linklevel.engine.montecarlo import PointResult, StopCriteria, auto_batch_size, simulate_point, simulate_sweep
from linklevel.store.results import ResultStore, config_hash
from linklevel.theory.stats import clopper_pearson


@pytest.fixture(scope="module")
def link():
    return Link(LinkConfig(modulation="qpsk"), device="cpu")


def test_stopping_rules(link):
    p = simulate_point(link, 2.0, StopCriteria(target_bit_errors=500, target_block_errors=None, max_bits=10**7), 16, 0)
    assert p.status == "target_bit_errors" and p.bit_errors >= 500
    p = simulate_point(link, 2.0, StopCriteria(target_bit_errors=None, target_block_errors=30, max_bits=10**7), 8, 0)
    assert p.status == "target_block_errors" and p.block_errors >= 30
    p = simulate_point(link, 30.0, StopCriteria(target_bit_errors=10, max_bits=50_000), 8, 0)
    assert p.status == "max_bits" and p.bits == 50_000 and p.bit_errors == 0
    p = simulate_point(link, 30.0, StopCriteria(target_bit_errors=10, max_bits=None, max_blocks=40), 8, 0)
    assert p.status == "max_blocks" and p.blocks == 40 and p.batches == 5
    p = simulate_point(link, 30.0, StopCriteria(target_bit_errors=10, max_bits=None, max_time_s=0.3), 8, 0)
    assert p.status == "time_budget" and p.runtime_s >= 0.3
    assert p.bits == p.blocks * 1200


def test_bad_criteria():
    with pytest.raises(ValueError, match="at least one"):
        StopCriteria(max_bits=None)
    with pytest.raises(ValueError, match="non-negative"):
        StopCriteria(target_bit_errors=-1)
    with pytest.raises(TypeError):
        StopCriteria(max_bits=1.5)


def test_same_seed_same_counts_and_seed_matters(link):
    stop = StopCriteria(target_bit_errors=200, target_block_errors=None, max_bits=10**6)
    a = simulate_sweep(link, [0, 3, 6], stop, batch_size=8, seed=42, progress=False).points
    b = simulate_sweep(link, [6, 0, 3], stop, batch_size=8, seed=42, progress=False).points
    c = simulate_sweep(link, [0, 3, 6], stop, batch_size=8, seed=43, progress=False).points
    assert a == b  # also independent of the order/composition of the sweep
    assert [p.bits for p in a] != [p.bits for p in c]  # errors stop at exactly 200: the trials differ


def test_early_stop_after_zero_error_point(link):
    stop = StopCriteria(target_bit_errors=50, max_bits=30_000, stop_after_zero_errors=True)
    pts = simulate_sweep(link, [4, 20, 25, 30], stop, batch_size=8, seed=0, progress=False).points
    assert pts[1].bit_errors == 0 and pts[1].status == "max_bits"
    assert [p.status for p in pts[2:]] == ["skipped", "skipped"] and pts[2].bits == 0


def test_resume_skips_finished_and_interrupt_keeps_them(tmp_path, link):
    store = ResultStore(tmp_path / "r.h5")
    stop = StopCriteria(target_bit_errors=100, max_bits=10**6)
    calls = []

    def persist_then_interrupt(p):
        store.append_point("run", p)
        calls.append(p.ebno_db)
        if len(calls) == 2:
            raise KeyboardInterrupt  # what Ctrl-C does right after a point finished

    first = simulate_sweep(link, [0, 2, 4, 6], stop, batch_size=8, seed=1, on_point=persist_then_interrupt, progress=False)
    assert first.interrupted and len(first.points) == 1  # the 2nd point was persisted, then Ctrl-C
    assert sorted(store.finished_points("run")) == [0.0, 2.0]
    # resume: finished points are not recomputed
    new = []
    second = simulate_sweep(link, [0, 2, 4, 6], stop, batch_size=8, seed=1,
                            finished=store.finished_points("run"), on_point=new.append, progress=False)
    assert [p.ebno_db for p in new] == [4.0, 6.0]
    assert [p.resumed for p in second.points] == [True, True, False, False]
    # and the result equals an uninterrupted sweep
    full = simulate_sweep(link, [0, 2, 4, 6], stop, batch_size=8, seed=1, progress=False)
    assert [p.bit_errors for p in second.points] == [p.bit_errors for p in full.points]


def test_hdf5_roundtrip_and_attributes(tmp_path):
    store = ResultStore(tmp_path / "sub" / "r.h5")
    pts = [
        PointResult(3.0, bits=1000, bit_errors=0, blocks=10, block_errors=0, batches=1, status="max_bits", runtime_s=0.5, seed=9),
        PointResult(1.0, bits=2400, bit_errors=120, blocks=2, block_errors=2, detected_block_errors=2, batches=2,
                    status="target_bit_errors", runtime_s=1.5, seed=2**32 - 1),
    ]
    store.ensure_run("abc", {"kind": "ber", "config": {"x": 1}, "seed": 5, "git_sha": None})
    for p in pts:
        store.append_point("abc", p, confidence=0.9, extras={"analytic_ber": p.ebno_db / 100})
    rec = store.read_run("abc")
    assert rec.points == sorted(pts, key=lambda p: p.ebno_db)
    assert rec.config == {"x": 1} and rec.attrs["seed"] == 5 and rec.attrs["confidence"] == 0.9
    np.testing.assert_allclose(rec.extras["analytic_ber"], [0.01, 0.03])
    assert store.journal.exists()  # appends went to the journal (O(1)); consolidation merges them
    store.consolidate()
    assert not store.journal.exists() and store.read_run("abc").points == rec.points
    with h5py.File(store.path) as f:
        g = f["runs/abc/points"]
        assert g["ber"][0] == pytest.approx(0.05)
        lo, hi = pts[1].ber_ci(0.9)
        assert g["ber_ci_lo"][0] == pytest.approx(lo) and g["ber_ci_hi"][0] == pytest.approx(hi)
        assert g["status"][0].decode() == "target_bit_errors"
    # replacing a point keeps one row per SNR
    store.append_point("abc", PointResult(1.0, bits=10, bit_errors=1, blocks=1, block_errors=1, status="max_bits"))
    assert len(store.read_run("abc").points) == 2
    assert not list(store.path.parent.glob(".*.tmp"))


def test_config_hash_is_normalized():
    assert config_hash({"a": 1, "b": [1.0, 2]}) == config_hash({"b": [1.0, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_auto_batch_size_respects_limits(link):
    assert auto_batch_size(link) == (1 << 17) // 1200
    assert auto_batch_size(link, StopCriteria(max_blocks=5, max_bits=None)) == 5


def test_inverse_sampling_stop_is_exact_and_unbiased():
    """Stopping at r errors biases e/n upwards (about r/(r-1)); the engine stops at exactly the r-th
    error and reports (r-1)/(n-1), which is unbiased: 600 points at r = 10 against the exact BER."""
    from linklevel.theory.analytic import ber_awgn
    from linklevel.engine.montecarlo import simulate_point

    link = Link(LinkConfig(modulation="bpsk", k=100), device="cpu")
    truth = float(ber_awgn(2.0, "bpsk"))
    stop = StopCriteria(target_bit_errors=10, target_block_errors=None, max_bits=10**6)
    pts = [simulate_point(link, 2.0, stop, batch_size=4, seed=s) for s in range(600)]
    assert all(p.bit_errors == 10 and p.inverse == "bits" and p.status == "target_bit_errors" for p in pts)
    unbiased = np.mean([p.ber for p in pts]) / truth
    naive = np.mean([p.bit_errors / p.bits for p in pts]) / truth
    se = 1 / np.sqrt(8) / np.sqrt(len(pts))  # relative sd of (r-1)/(n-1) ~ 1/sqrt(r-2)
    assert abs(unbiased - 1) < 4 * se, unbiased
    assert naive - 1 > 0.06, naive          # the bias the exact stop removes (+11 % expected)
    # the reported interval stays valid under inverse sampling (Clopper-Pearson on (r, n) is conservative there)
    covered = np.mean([lo <= truth <= hi for lo, hi in (p.ber_ci(0.95) for p in pts)])
    assert covered >= 0.93, covered


def test_block_target_on_a_coded_link_stops_at_the_block_and_uses_frames_for_bits():
    from linklevel.engine.montecarlo import simulate_point

    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), device="cpu")
    p = simulate_point(link, 1.0, StopCriteria(target_bit_errors=None, target_block_errors=20, max_blocks=10**5),
                       batch_size=64, seed=3)
    assert p.block_errors == 20 and p.inverse == "blocks" and p.bler == pytest.approx(19 / (p.blocks - 1))
    assert p.ber_unit == "frames" and p.bler_unit == "blocks" and p.frames == p.blocks
    lo, hi = p.ber_ci(0.95)
    plo, phi = clopper_pearson(p.bit_errors, p.bits, 0.95)
    assert lo < plo and hi > phi  # bursts of bit errors per codeword: wider than the bit-level interval


def test_batch_size_and_device_name_the_run_and_counts_reproduce():
    from scenarios.ber.sweep import BerRun, run_ber

    run = BerRun(LinkConfig(modulation="16qam", channel="rayleigh-block", k=1200),
                 StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=120_000), (10.0,), seed=4)
    a, b = run.on("cpu", 10), run.on("cpu", 25)
    assert a.run_id != b.run_id != run.on("cpu").run_id  # never merged under one id
    ra, ra2, rb = (run_ber(r, progress=False, analytic=False).points[0] for r in (a, a, b))
    assert ra == ra2                      # same seed and batch: identical counts
    assert ra.bit_errors != rb.bit_errors  # another batch draws other streams
    assert a.identity()["batch_size"] == 10 and run.identity()["batch_size"] == "auto"
    assert run.identity()["device"] == "cpu"


def test_counts_do_not_depend_on_the_sync_interval(monkeypatch):
    """On CUDA several batches are queued between host syncs; batches after the point's end are
    discarded, so counts equal those of one sync per batch (forced here on the CPU)."""
    import linklevel.engine.montecarlo as mc

    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), device="cpu")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=25, max_blocks=3000)
    one = simulate_point(link, 1.5, stop, 32, seed=2)
    for k in (3, 7):
        monkeypatch.setattr(mc, "_sync_interval", lambda *a, k=k: k)
        many = simulate_point(link, 1.5, stop, 32, seed=2)
        assert many == one, k
    budget = StopCriteria(target_bit_errors=None, target_block_errors=None, max_blocks=100)
    monkeypatch.setattr(mc, "_sync_interval", lambda *a: 16)
    p = simulate_point(link, 1.5, budget, 32, seed=2)
    assert p.blocks == 100 and p.batches == 4 and p.status == "max_blocks"  # the 4th batch is truncated


def test_iterations_are_counted_per_block():
    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), device="cpu")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=20, max_blocks=20_000)
    pts = [simulate_point(link, snr, stop, 64, seed=1) for snr in (1.0, 2.0, 3.0)]
    for p in pts:
        hist = p.histogram()
        assert sum(hist) == p.blocks and sum(i * c for i, c in enumerate(hist)) == p.iterations
        assert len(hist) <= 21 and p.to_dict()["avg_iterations"] == p.avg_iterations
    assert pts[0].avg_iterations > pts[1].avg_iterations > pts[2].avg_iterations
    sionna = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256, decoder="sionna"), device="cpu")
    p = simulate_point(sionna, 2.0, StopCriteria(max_blocks=100), 64, seed=1)
    assert p.avg_iterations == 20.0 and p.histogram()[20] == p.blocks
    assert simulate_point(Link(LinkConfig("bpsk")), 2.0, StopCriteria(max_bits=10**4), 8, 0).avg_iterations is None


def test_iterations_survive_the_result_file(tmp_path):
    p = PointResult(1.0, bits=400, bit_errors=3, blocks=4, block_errors=1, status="max_blocks", iterations=17,
                    iteration_hist="0,0,1,2,0,1", frames=4)
    store = ResultStore(tmp_path / "r.h5")
    store.append_point("abc", p)
    got = store.finished_points("abc")[1.0]
    assert got.iterations == 17 and got.histogram() == [0, 0, 1, 2, 0, 1] and got.avg_iterations == 17 / 4


def test_joint_snr_batches_reproduce_and_stop_per_point():
    from linklevel.engine.montecarlo import simulate_joint

    link = Link(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), device="cpu")
    stop = StopCriteria(target_bit_errors=None, target_block_errors=30, max_blocks=4000)
    a = simulate_joint(link, [1.0, 2.0, 3.0], stop, 64, seed=5)
    b = simulate_joint(link, [1.0, 2.0, 3.0], stop, 64, seed=5)
    assert a == b
    assert [p.ebno_db for p in a] == [1.0, 2.0, 3.0]
    assert all(p.block_errors == 30 and p.inverse == "blocks" for p in a[:2])
    assert a[0].blocks < a[1].blocks < a[2].blocks  # each point left the batch when done
    single = [simulate_point(link, s, stop, 64, seed=5) for s in (1.0, 2.0, 3.0)]
    for j, s in zip(a, single):  # another sample of the same BLER: intervals overlap
        lo1, hi1 = j.bler_ci(0.999)
        lo2, hi2 = s.bler_ci(0.999)
        assert lo1 < hi2 and lo2 < hi1
    sweep = simulate_sweep(link, [3.0, 1.0, 2.0], stop, 64, seed=5, progress=False, joint=True)
    assert [p.block_errors for p in sweep.points] == [p.block_errors for p in a]
    with pytest.raises(ValueError, match="distinct"):
        simulate_joint(link, [1.0, 1.0], stop, 64, seed=5)


@pytest.mark.parametrize("cfg", [
    LinkConfig("bpsk", k=100),                                              # bits and blocks independent
    LinkConfig("qpsk", k=100, channel="rayleigh-block", coherence=20),      # clustered bits: frames
    LinkConfig("qpsk", channel="rayleigh-block", ofdm=True, fft_size=12, num_ofdm_symbols=14, k=84),  # codewords per grid
])
def test_trial_budgets_are_exact(cfg):
    """``max_blocks`` / ``max_bits`` end a point at exactly the budget: the last batch is truncated
    (here the batch of 7 frames divides neither 3000 blocks nor 100,001 bits)."""
    link = Link(cfg, device="cpu")
    blocks = simulate_point(link, 3.0, StopCriteria(target_bit_errors=None, target_block_errors=None, max_bits=None,
                                                    max_blocks=3000), 7, seed=5)
    assert blocks.status == "max_blocks" and blocks.blocks == 3000
    assert blocks.bits == 3000 * cfg.info_bits
    bits = simulate_point(link, 3.0, StopCriteria(target_bit_errors=None, target_block_errors=None,
                                                  max_bits=100_001), 7, seed=5)
    assert bits.status == "max_bits" and bits.bits == 100_001 and bits.inverse == ""
    assert bits.blocks == -(-100_001 // cfg.info_bits)  # the cut codeword counts as a block
    # the truncated sample is a prefix of the same stream: fewer trials, never more errors
    longer = simulate_point(link, 3.0, StopCriteria(target_bit_errors=None, target_block_errors=None,
                                                    max_bits=200_000), 7, seed=5)
    assert bits.bit_errors <= longer.bit_errors and bits.frames <= longer.frames


def test_error_target_stops_are_unchanged_by_a_budget():
    """A point that reaches its error target within the budget keeps its counts; a budget that
    falls exactly on the target-th error still ends on the target (inverse sampling kept)."""
    link = Link(LinkConfig("bpsk", k=100), device="cpu")
    free = simulate_point(link, 4.0, StopCriteria(target_bit_errors=200, target_block_errors=None, max_bits=10**6), 7, seed=3)
    assert free.status == "target_bit_errors" and free.inverse == "bits"
    tie = simulate_point(link, 4.0, StopCriteria(target_bit_errors=200, target_block_errors=None, max_bits=free.bits), 7, seed=3)
    assert tie == free
    short = simulate_point(link, 4.0, StopCriteria(target_bit_errors=200, target_block_errors=None, max_bits=free.bits - 1), 7, seed=3)
    assert short.status == "max_bits" and short.bits == free.bits - 1 and short.bit_errors == 199
    assert short.inverse == ""
