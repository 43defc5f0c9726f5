"""Trainable link parts (issue #27, items 2-3): constellation, neural demapper, weighted BP, BMI, checkpoints,
and the `train-constellation` / `train-decoder` commands on short runs."""

import json
import math

import numpy as np
import pytest
import torch
from scipy import integrate

from linklevel.learn.bmi import bmi
from linklevel.learn.checkpoint import load_trained, save_trained
from linklevel.learn.constellation import TrainableConstellation
from linklevel.learn.demapper import NeuralDemapper
from linklevel.learn.training import evaluate_constellation, gain_at_bler, train_constellation
from scenarios.cli import main


def test_trainable_constellation_is_unit_energy_and_differentiable():
    tc = TrainableConstellation(4, init="random", center=True, seed=3)
    p = tc.points()
    assert float(p.abs().square().mean()) == pytest.approx(1.0, abs=1e-6) and abs(complex(p.mean())) < 1e-6
    bits = torch.randint(0, 2, (8, 16), generator=torch.Generator().manual_seed(0)).float()
    y = tc.mapper()(bits) + 0.1
    llr = tc.demapper("app")(y, torch.tensor(0.2))
    torch.nn.functional.binary_cross_entropy_with_logits(llr, bits).backward()
    assert tc.raw.grad is not None and torch.isfinite(tc.raw.grad).all() and tc.raw.grad.abs().sum() > 0
    assert tc.labels()[5] == "0101"
    qam = TrainableConstellation(4).points().detach()
    from sionna.phy.mapping import Constellation

    assert torch.allclose(qam, Constellation("qam", 4).points, atol=1e-6)  # init = Sionna's Gray 16QAM
    with pytest.raises(ValueError):
        TrainableConstellation(9)


def test_bmi_of_exact_bpsk_llrs_is_the_biawgn_capacity():
    """Independent reference: C = 1 - E[log2(1 + e^{-2Y/s2})], Y ~ N(1, s2), by quadrature."""
    s2 = 0.5
    c = 1 - integrate.quad(lambda y: math.log2(1 + math.exp(-2 * y / s2)) * math.exp(-(y - 1) ** 2 / (2 * s2))
                           / math.sqrt(2 * math.pi * s2), -20, 20)[0]
    g = torch.Generator().manual_seed(0)
    b = torch.randint(0, 2, (400_000, 1), generator=g).float()
    y = (2 * b - 1) + math.sqrt(s2) * torch.randn(b.shape, generator=g, dtype=torch.float64)
    r = bmi(b, 2 * y / s2, 1)  # LLR ln P(1)/P(0) of bit 1 -> +1
    assert r["lo"] <= c <= r["hi"] and r["hi"] - r["lo"] < 0.01


@pytest.mark.parametrize("points,snr_db", [(16, 10.0), (64, 16.0)])
def test_a_short_training_beats_gray_qam_and_stays_below_capacity(points, snr_db):
    tc, _, r = train_constellation(int(math.log2(points)), snr_db, steps=120, eval_symbols=100_000)
    assert r["bmi_gain"]["lo"] > 0  # significantly above Gray QAM (same bits, same noise, paired)
    assert r["bmi"]["hi"] < r["capacity"] and r["qam_bmi"]["hi"] < r["capacity"]
    assert r["mean_energy"] == pytest.approx(1.0, abs=1e-5) and len(r["points"]) == points == len(r["labels"])


def test_neural_demapper_trains_jointly_and_its_bmi_is_a_lower_bound():
    tc, nd, r = train_constellation(2, 6.0, steps=150, batch=2048, lr=0.02, demapper="neural", eval_symbols=50_000)
    app = evaluate_constellation(tc, 6.0, 50_000, seed=1)  # the same points with the exact APP demapper
    assert isinstance(nd, NeuralDemapper) and r["bmi"]["value"] <= app["bmi"]["hi"]  # mismatched metric: lower
    assert r["bmi"]["value"] > 1.5  # ... but it learned (QPSK at 6 dB: about 1.8)


def test_checkpoint_roundtrip_and_kind_check(tmp_path):
    f = str(tmp_path / "c.safetensors")
    save_trained(f, {"points": torch.ones(4, 2)}, {"kind": "constellation", "snr_db": 3.0})
    t, meta = load_trained(f, "constellation")
    assert torch.equal(t["points"], torch.ones(4, 2)) and meta["snr_db"] == 3.0
    with pytest.raises(ValueError, match="not a 'weighted_bp'"):
        load_trained(f, "weighted_bp")
    (tmp_path / "bad.safetensors").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not a readable"):
        load_trained(str(tmp_path / "bad.safetensors"), "constellation")


def test_train_constellation_cli(tmp_path, capsys):
    out = tmp_path / "c16.safetensors"
    assert main(["train-constellation", "--points", "16", "--snr-db", "10", "--steps", "60", "--eval-symbols",
                 "20000", "--out", str(out), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["below_capacity"] and r["bmi"]["value"] <= r["capacity"] and len(r["points"]) == 16
    assert math.isclose(np.mean(np.square(r["points"]).sum(1)), 1.0, abs_tol=1e-5)
    assert out.is_file() and all((tmp_path / f"c16.{x}").is_file() for x in ("png", "pdf", "svg"))
    tensors, meta = load_trained(str(out), "constellation")
    assert meta["steps"] == 60 and tensors["points"].shape == (16, 2)


@pytest.mark.parametrize("argv,msg", [(["--points", "8"], "invalid choice"), (["--snr-db", "nan"], "--snr-db"),
                                      (["--steps", "0"], "--steps"), (["--out", "x.txt"], "--out")])
def test_train_constellation_bad_input(tmp_path, capsys, argv, msg):
    base = {"--points": "16", "--snr-db": "10", "--steps": "5", "--out": str(tmp_path / "c.safetensors")}
    base.update(dict(zip(argv[::2], argv[1::2])))
    code = main(["train-constellation"] + [x for kv in base.items() for x in kv])
    err = capsys.readouterr().err
    assert code == 2 and msg in err and len(err.strip().splitlines()) == 1 and not list(tmp_path.iterdir())


def test_train_decoder_cli_and_gain(tmp_path, capsys):
    out = tmp_path / "w.safetensors"
    assert main(["train-decoder", "--k", "32", "--n", "64", "--ebno", "4", "--steps", "20", "--iterations", "5",
                 "--batch", "64", "--eval-ebno", "3:1:5", "--min-errors", "20", "--out", str(out), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert len(r["trained"]) == len(r["untrained"]) == 3 and r["never_significantly_worse"]
    assert all(u["block_errors"] >= 20 or u["codewords"] >= 2_000_000 for u in r["untrained"])
    t, meta = load_trained(str(out), "weighted_bp")
    assert t["weights"].shape[0] == 5 and meta["k"] == 32
    assert main(["train-decoder", "--k", "64", "--n", "64", "--ebno", "3", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert "--k 64 must be below --n 64" in capsys.readouterr().err


def test_gain_at_bler_interpolates_and_refuses_an_unbracketed_grid():
    e = [1.0, 2.0, 3.0]
    un = [{"ebno_db": x, "block_errors": b, "codewords": 10_000} for x, b in zip(e, (2000, 200, 20))]
    tr = [{"ebno_db": x, "block_errors": b, "codewords": 10_000} for x, b in zip(e, (1000, 100, 10))]
    g = gain_at_bler(un, tr, 1e-2)
    # un crosses 1e-2 at 3.0 - log10(2)... both curves fall a decade per dB: the trained one is log10(2) dB ahead
    assert g["value"] == pytest.approx(math.log10(2), abs=1e-9) and g["lo"] < g["value"] < g["hi"]
    assert gain_at_bler(un, tr, 1e-5)["value"] is None


def test_link_uses_a_trained_constellation_and_bp_weights(tmp_path):
    from sionna.phy import config

    from linklevel import Link, LinkConfig
    from linklevel.learn.weighted_bp import WeightedBP

    tc, _, _ = train_constellation(4, 10.0, steps=20, eval_symbols=2000)
    f = str(tmp_path / "c.safetensors")
    save_trained(f, {"points": tc.raw.detach()}, {"kind": "constellation", "num_bits": 4})
    link = Link(LinkConfig(modulation="16qam", constellation_file=f, snr_type="esno"))
    assert torch.allclose(link._mapper.constellation.points, tc.points().detach(), atol=1e-6)
    config.seed = 1
    out = link(200, 30.0)
    assert torch.equal(out.bits, out.bits_hat)  # 30 dB: error-free on the trained points
    with pytest.raises(ValueError, match="16-point"):
        Link(LinkConfig(modulation="64qam", constellation_file=f))
    from sionna.phy.fec.ldpc import LDPC5GEncoder

    w = WeightedBP(LDPC5GEncoder(64, 128), num_iter=6).weights.detach() * 0.9
    g = str(tmp_path / "w.safetensors")
    save_trained(g, {"weights": w}, {"kind": "weighted_bp", "k": 64, "n": 128})
    cfg = LinkConfig(code="ldpc", k=64, n=128, bp_iterations=6, bp_weights_file=g)
    assert "bp_weights_file" in cfg.to_dict() and "bp_weights_file" not in LinkConfig().to_dict()
    config.seed = 2
    out = Link(cfg)(100, 8.0)
    assert torch.equal(out.bits, out.bits_hat) and int(out.iterations.min()) == 6
    with pytest.raises(ValueError, match="trained for LDPC"):
        Link(LinkConfig(code="ldpc", k=64, n=128, bp_iterations=5, bp_weights_file=g))
    with pytest.raises(ValueError, match="flooding"):
        LinkConfig(code="ldpc", k=64, n=128, schedule="layered", bp_weights_file=g)
    with pytest.raises(ValueError, match="existing .safetensors"):
        LinkConfig(constellation_file=str(tmp_path / "none.safetensors"))


def test_no_gray_qam_formula_for_a_trained_constellation(tmp_path):
    from linklevel import LinkConfig
    from linklevel.engine.overlay import analytic_model, no_model_reason

    f = str(tmp_path / "c.safetensors")
    save_trained(f, {"points": TrainableConstellation(2).raw.detach()}, {"kind": "constellation", "num_bits": 2})
    assert analytic_model(LinkConfig(), 2.0) is not None
    cfg = LinkConfig(constellation_file=f)
    assert analytic_model(cfg, 2.0) is None and "trained constellation" in no_model_reason(cfg)
    assert analytic_model(LinkConfig(code="ldpc", k=400, n=500, constellation_file=f), 1.6) is None


def test_link_with_a_trained_neural_demapper(tmp_path):
    from sionna.phy import config

    from linklevel import Link, LinkConfig

    f = str(tmp_path / "n.safetensors")
    assert main(["train-constellation", "--points", "4", "--snr-db", "6", "--steps", "150", "--demapper", "neural",
                 "--lr", "0.02", "--eval-symbols", "5000", "--out", f]) == 0
    link = Link(LinkConfig(modulation="qpsk", constellation_file=f, demapping="neural", snr_type="esno"))
    config.seed = 3
    out = link(100, 25.0)
    assert torch.equal(out.bits, out.bits_hat)  # 25 dB: the learned demapper decides every bit right
    with pytest.raises(ValueError, match="needs the constellation_file"):
        LinkConfig(demapping="neural")
    g = str(tmp_path / "a.safetensors")
    save_trained(g, {"points": TrainableConstellation(2).raw.detach()}, {"kind": "constellation", "num_bits": 2})
    with pytest.raises(ValueError, match="no neural demapper"):
        Link(LinkConfig(modulation="qpsk", constellation_file=g, demapping="neural"))


def test_link_transmit_gradcheck_wrt_tx_power():
    """Link.transmit is differentiable from the transmit power to the LLRs (uncoded AWGN, double precision)."""
    from sionna.phy import config
    from torch.autograd import gradcheck

    from linklevel import Link, LinkConfig

    link = Link(LinkConfig(modulation="16qam", k=64, n=64, snr_type="esno"), precision="double")
    bits = torch.randint(0, 2, (2, 1, 64), generator=torch.Generator().manual_seed(0)).double()

    def f(p):
        config.seed = 7
        return link.transmit(bits, 0.2, tx_power=p, return_llr=True).llr

    assert gradcheck(f, (torch.tensor(1.3, dtype=torch.float64, requires_grad=True),))


@pytest.mark.slow  # ~2 min: a real training run and >= 100 block errors per point
def test_weighted_minsum_bp_is_never_significantly_worse():
    from linklevel.learn.training import bler_curve, train_decoder

    wbp, _ = train_decoder(64, 128, 3.0, steps=300, cn_update="minsum", lr=0.01, seed=1)
    grid = [2.5, 3.0, 3.5]
    un = bler_curve(wbp, grid, min_errors=100, weights=torch.ones_like(wbp.weights), seed=20)
    tr = bler_curve(wbp, grid, min_errors=100, seed=20)
    assert all(t["ci_low"] <= u["ci_high"] for t, u in zip(tr, un))  # never significantly worse
    assert tr[-1]["bler"] < un[-1]["bler"]  # and better where it was trained (learned normalization)
