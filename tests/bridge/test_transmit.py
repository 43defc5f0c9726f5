"""Packetization, CRC, transmission over links and fast paths, receiver policies."""

import json
import math

import numpy as np
import pytest
import torch

from bridge import (BSCChannel, ErasureChannel, LinkChannel, Packetizer, TextCodec, Transmitter,
                    bsc_psi_bpsk_awgn)
from linklevel import Link, LinkConfig
from linklevel.engine.runtime import seed_everything
from linklevel.theory.stats import clopper_pearson
from scenarios.cli import main


def test_packetizer_pads_and_reassembles():
    p = Packetizer(100)
    bits = (torch.rand(1234) > 0.5).float()
    pk = p.split(bits)
    assert pk.blocks.shape == (13, 100) and pk.pad == 66 and pk.length == 1234
    payload, ok = p.check(pk.blocks)
    assert ok.all() and torch.equal(p.join(payload, pk.length), bits)


def test_crc_detects_every_corrupted_block():
    g = torch.Generator().manual_seed(0)
    p = Packetizer(200, crc="CRC24A")
    pk = p.split((torch.rand(200 * 3000, generator=g) > 0.5).float())
    blocks = pk.blocks.clone()
    n = blocks.shape[0]
    rng = np.random.default_rng(1)
    corrupted = np.zeros(n, dtype=bool)
    for i in range(n):
        kind = i % 4
        if kind == 3:
            continue  # left intact
        if kind == 0:  # 1-3 random flips (guaranteed detectable by CRC24A)
            idx = rng.choice(blocks.shape[1], rng.integers(1, 4), replace=False)
        elif kind == 1:  # a burst of up to 24 bits
            start = rng.integers(0, blocks.shape[1] - 24)
            idx = np.arange(start, start + rng.integers(1, 25))
        else:  # many random flips
            idx = rng.choice(blocks.shape[1], rng.integers(4, 100), replace=False)
        blocks[i, idx] = 1 - blocks[i, idx]
        corrupted[i] = True
    _, ok = p.check(blocks)
    assert not ok[torch.from_numpy(corrupted)].any()
    assert ok[torch.from_numpy(~corrupted)].all()
    with pytest.raises(ValueError):
        Packetizer(10, crc="CRC99")


def test_bsc_is_statistically_the_uncoded_bpsk_awgn_link():
    """Uncoded BPSK/AWGN errors are i.i.d. with psi = Q(sqrt(2 Eb/N0)): the BSC at that psi
    and the full Sionna link give counts that agree within their intervals."""
    tx = Transmitter(device="cpu", seed=11)
    for ebno in (2.0, 6.0):
        psi = bsc_psi_bpsk_awgn(ebno)
        n = 600_000
        bits = (torch.rand(n, generator=torch.Generator().manual_seed(3)) > 0.5).float()
        link = tx.send(bits, LinkChannel(LinkConfig(modulation="bpsk", k=1200), ebno_db=ebno))
        bsc = tx.send(bits, BSCChannel(psi, block_bits=1200))
        for st in (link.stats, bsc.stats):
            lo, hi = clopper_pearson(st.bit_errors, st.bits, 0.999)
            assert lo <= psi <= hi, (ebno, st, psi)
        # two-proportion z-test between the two
        p1, p2 = link.stats.bit_errors / n, bsc.stats.bit_errors / n
        pool = (p1 + p2) / 2
        z = (p1 - p2) / math.sqrt(2 * pool * (1 - pool) / n)
        assert abs(z) < 3.5, (ebno, p1, p2, z)


def test_stream_counts_equal_the_links_own_counts():
    cfg = LinkConfig(modulation="16qam", code="ldpc", k=300, n=600, crc="CRC24A")
    tx = Transmitter(device="cpu", seed=5)
    bits = (torch.rand(2500, generator=torch.Generator().manual_seed(9)) > 0.5).float()
    res = tx.send(bits, LinkChannel(cfg, ebno_db=3.5), "forward")
    # the same call by hand, on the same seed
    link = Link(cfg, device="cpu")
    k = cfg.info_bits
    nb = math.ceil(2500 / k)
    u = torch.zeros(nb * k)
    u[:2500] = bits
    seed_everything(5)
    with torch.no_grad():
        out = link.transmit(u.reshape(nb, 1, k), link.snr_to_no(3.5))
    err = out.bits_hat.reshape(nb, k) != u.reshape(nb, k)
    assert res.stats.bits == 2500 and res.stats.blocks == nb
    assert res.stats.bit_errors == int(err.reshape(-1)[:2500].sum())
    assert res.stats.block_errors == int(err.any(dim=1).sum())
    assert res.stats.detected_block_errors == int((~out.crc_ok).sum())
    assert 0 < res.stats.block_errors < nb  # the SNR was chosen to give some, not all, failures


def test_discard_drops_exactly_the_streams_with_detected_errors():
    tx = Transmitter(device="cpu", seed=2)
    ch = BSCChannel(psi=2e-4, block_bits=256, crc="CRC16")
    lost = kept = 0
    for i in range(60):
        bits = (torch.rand(2000, generator=torch.Generator().manual_seed(i)) > 0.5).float()
        r = tx.send(bits, ch, "discard")
        assert r.stats.lost == (r.stats.detected_block_errors > 0)
        assert (r.bits is None) == r.stats.lost
        if r.stats.lost:
            lost += 1
        else:
            kept += 1
            assert r.stats.bit_errors == 0 and torch.equal(r.bits, bits)
        # CRC16 catches every corrupted payload; a flip inside the CRC field itself is detected too
        assert r.stats.detected_block_errors >= r.stats.block_errors
    assert lost > 5 and kept > 5
    fwd = tx.send(bits, BSCChannel(0.01, 256, "CRC16"), "forward")
    assert not fwd.stats.lost and fwd.bits is not None and fwd.stats.detected_block_errors > 0


def test_erasure_channel_and_power_gain_noise():
    tx = Transmitter(device="cpu", seed=0)
    lost = [tx.send(torch.ones(10), ErasureChannel(0.3), "discard").stats.lost for _ in range(2000)]
    lo, hi = clopper_pearson(sum(lost), len(lost), 0.999)
    assert lo <= 0.3 <= hi
    # power x gain / noise gives Es/N0; BPSK with Es = Eb: same error rate as ebno_db
    bits = torch.zeros(200_000)
    cfg = LinkConfig(modulation="bpsk", k=1000)
    es = 10 ** (4.0 / 10)
    a = tx.send(bits, LinkChannel(cfg, tx_power=2.0, gain=es * 1e-3 / 2.0, noise_power=1e-3))
    lo, hi = clopper_pearson(a.stats.bit_errors, a.stats.bits, 0.999)
    assert lo <= bsc_psi_bpsk_awgn(4.0) <= hi


@pytest.mark.parametrize("call,exc", [
    (lambda tx: tx.send(torch.zeros(0), BSCChannel(0.1)), ValueError),
    (lambda tx: tx.send(torch.zeros(5), BSCChannel(0.1), "drop"), ValueError),
    (lambda tx: tx.send(torch.zeros(5), BSCChannel(0.1), "discard"), ValueError),  # no CRC: cannot detect
    (lambda tx: tx.send(torch.zeros(5, 2), BSCChannel(0.1)), ValueError),
    (lambda tx: tx.send(torch.zeros(5), "awgn"), TypeError),
    (lambda tx: BSCChannel(1.5), ValueError),
    (lambda tx: ErasureChannel(-0.1), ValueError),
    (lambda tx: LinkChannel(LinkConfig(), ebno_db=1.0, tx_power=1.0, noise_power=1.0), ValueError),
    (lambda tx: LinkChannel(LinkConfig()), ValueError),
    (lambda tx: LinkChannel(LinkConfig(), tx_power=-1.0, noise_power=1.0), ValueError),
    (lambda tx: LinkChannel(LinkConfig(code="ldpc", k=600, n=500), ebno_db=1.0), ValueError),
])
def test_bad_input_is_a_clear_error(call, exc):
    with pytest.raises(exc):
        call(Transmitter(device="cpu"))


PROMPT = "a lighthouse on a rocky coast under a cloudy sky"


def _transmit(capsys, argv):
    assert main(["transmit", "--text", PROMPT, "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_transmit_contract_and_three_regimes(capsys):
    clean = _transmit(capsys, ["--modulation", "bpsk", "--ebno", "12"])
    for key in ("sent", "received", "bits", "bit_errors", "blocks", "block_errors", "lost"):
        assert key in clean
    assert clean["received"] == PROMPT and clean["bit_errors"] == 0 and not clean["lost"]
    assert clean["bits"] == TextCodec().bit_count(PROMPT)
    noisy = _transmit(capsys, ["--modulation", "bpsk", "--ebno", "-2", "--policy", "forward"])
    assert isinstance(noisy["received"], str) and noisy["received"] != PROMPT and noisy["bit_errors"] > 0
    assert not noisy["lost"]
    lost = _transmit(capsys, ["--modulation", "bpsk", "--code", "ldpc", "--k", "256", "--rate", "0.5",
                              "--ebno", "-2", "--policy", "discard"])
    assert lost["lost"] is True and lost["received"] is None and lost["link"]["crc"] == "CRC24A"
    assert lost["detected_block_errors"] > 0


@pytest.mark.parametrize("argv", [
    ["--text", "", "--ebno", "3"],
    ["--text", "x", "--ebno", "3", "--policy", "maybe"],
    ["--text", "x", "--ebno", "3", "--code", "ldpc", "--k", "600", "--n", "500"],
    ["--text", "x", "--ebno", "nan"],
    ["--text", "x"],
    ["--file", "/no/such/file", "--ebno", "3"],
    ["--text", "x", "--ebno", "3", "--modulation", "7qam"],
])
def test_cli_transmit_bad_input_exits_2(capsys, argv):
    assert main(["transmit", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("semlink: error")


def test_cli_transmit_file(tmp_path, capsys):
    src = tmp_path / "in.bin"
    src.write_bytes(bytes(range(256)) * 4)
    dst = tmp_path / "out.bin"
    assert main(["transmit", "--file", str(src), "--ebno", "12", "--modulation", "qpsk", "--out", str(dst),
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["bit_errors"] == 0 and dst.read_bytes() == src.read_bytes()


def test_send_leaves_the_callers_random_state_alone():
    """Transmitter.send reseeds internally; torch's and Sionna's generators are restored after it."""
    from sionna.phy import config

    from linklevel.engine.runtime import seed_everything

    seed_everything(123)
    ref_t, ref_s = torch.rand(4), torch.rand(4, generator=config.torch_rng("cpu"))
    seed_everything(123)
    tx = Transmitter(device="cpu", seed=7)
    ch = LinkChannel(LinkConfig(modulation="qpsk", code="ldpc", k=128, n=256), ebno_db=1.0)
    res = tx.send(torch.randint(0, 2, (300,)).float(), ch)
    assert res.stats.bits == 300
    seed_everything(123)
    _ = torch.randint(0, 2, (300,)).float()  # what the caller drew before send
    before_t = torch.rand(4)
    seed_everything(123)
    _ = torch.randint(0, 2, (300,)).float()
    tx.send(torch.ones(300), ch)
    assert torch.equal(torch.rand(4), before_t)  # the torch stream continues as if send never ran
    assert torch.equal(torch.rand(4, generator=config.torch_rng("cpu")), ref_s)  # Sionna's too
    assert not torch.equal(ref_t, before_t)
