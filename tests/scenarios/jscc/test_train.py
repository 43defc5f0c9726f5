"""`semlink train-jscc`: loss decreases, every channel runs, resume reproduces the straight run, bad input."""

import json

import pytest
import torch
from safetensors.torch import load_file

from scenarios.cli import main

TINY = ["--channels", "4", "--width", "8", "--batch", "4", "--crop", "32"]


def _eval_mse(model):
    """MSE on 8 fixed crops at 20 dB through semlink's AWGN block (fixed noise)."""
    import numpy as np
    from sionna.phy import config

    from genai.hyperprior_train import random_crops, training_images
    from scenarios.jscc.train import jscc_channel

    x = random_crops(training_images(), np.random.default_rng(99), 8, 32)
    s = torch.full((8,), 20.0)
    config.seed = 5
    with torch.no_grad():
        return float(torch.mean((model.decode(jscc_channel("awgn")(model.encode(x, s), s), (32, 32), s) - x) ** 2))


def test_loss_decreases_on_a_tiny_model(tmp_path, capsys):
    from genai.deepjscc import DeepJSCC

    out = tmp_path / "j.safetensors"
    # DeepJSCC sits on the mean-image plateau (MSE ~0.05) for ~100 steps, then learns: 250 steps (~15 s)
    assert main(["train-jscc", *TINY, "--width", "16", "--snr-db", "20", "--steps", "250", "--batch", "8",
                 "--lr", "1e-3", "--out", str(out), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["steps_done"] == 250 and out.is_file() and r["data"].startswith("scikit-image")
    torch.manual_seed(0)  # the initial weights of seed 0
    before = _eval_mse(DeepJSCC(4, 16, adaptive=True))
    after = _eval_mse(DeepJSCC.load(out)[0])
    assert after < 0.6 * before, (before, after)  # the loss falls on held-fixed crops (measured 0.051 -> ~0.011)


@pytest.mark.parametrize("channel,csi", [("rayleigh", "none"), ("rayleigh", "ls"), ("ofdm-tdl", "ls")])
def test_every_channel_trains(tmp_path, capsys, channel, csi):
    assert main(["train-jscc", *TINY, "--steps", "2", "--channel", channel, "--csi", csi,
                 "--out", str(tmp_path / "j.safetensors"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["channel"] == channel


def test_resume_from_init_reproduces_the_straight_run(tmp_path, capsys):
    a, b1, b2 = (str(tmp_path / f"{n}.safetensors") for n in ("a", "b1", "b2"))
    assert main(["train-jscc", *TINY, "--steps", "6", "--seed", "3", "--out", a]) == 0
    assert main(["train-jscc", *TINY, "--steps", "3", "--seed", "3", "--out", b1]) == 0
    assert main(["train-jscc", *TINY, "--steps", "3", "--seed", "3", "--init", b1, "--out", b2]) == 0
    wa, wb = load_file(a), load_file(b2)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert main(["train-jscc", *TINY, "--steps", "1", "--channel", "rayleigh", "--init", b1,
                 "--out", str(tmp_path / "c.safetensors")]) == 2  # other settings: refused
    assert "same settings" in capsys.readouterr().err
    for other in (["--width", "16"], ["--maps", "4"], ["--fixed-snr"]):  # another architecture: one line, exit 2
        out = tmp_path / "d.safetensors"
        assert main(["train-jscc", *TINY, *other, "--steps", "1", "--init", b1, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert "holds a model with channels=4, width=8" in err and len(err.splitlines()) == 1 and not out.exists()


def test_a_map_model_trains_on_one_hot_maps_and_learns(tmp_path, capsys):
    """``--maps K``: K one-hot planes in and out; the Brier loss falls below the all-equal guess on fixed crops."""
    import numpy as np
    from sionna.phy import config

    from genai.deepjscc import DeepJSCC
    from genai.hyperprior_train import random_crops
    from scenarios.jscc.train import jscc_channel, training_maps

    out = tmp_path / "m.safetensors"
    # like the image model it sits on a plateau first (accuracy 0.40 after 150 steps, 0.89 after 400; ~16 s)
    assert main(["train-jscc", "--maps", "4", *TINY, "--width", "16", "--snr-db", "20", "--steps", "400", "--batch", "8",
                 "--out", str(out), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["maps"] == 4 and "label maps" in r["data"]
    model = DeepJSCC.load(out)[0]
    assert model.planes == 4 and model.bandwidth_ratio == 4 / 64
    x = random_crops(training_maps(4), np.random.default_rng(7), 8, 32)
    s = torch.full((8,), 20.0)
    config.seed = 1
    with torch.no_grad():
        y = model.decode(jscc_channel("awgn")(model.encode(x, s), s), (32, 32), s)
    acc = float((y.argmax(1) == x.argmax(1)).float().mean())
    prior = float(x.mean(dim=(0, 2, 3)).max())  # always guessing the most frequent class
    assert acc > prior + 0.25, (acc, prior)
    assert main(["train-jscc", "--maps", "4", "--loss", "ms-ssim", "--steps", "1", "--out",
                 str(tmp_path / "x.safetensors")]) == 2


@pytest.mark.parametrize("argv,msg", [(["--snr-db", "20,0"], "--snr-db"), (["--crop", "30"], "--crop"),
                                      (["--channel", "ofdm-tdl", "--csi", "none"], "ofdm-tdl"),
                                      (["--out", "x.pt"], "--out"), (["--init", "/nope.safetensors"], "--init"),
                                      (["--snr-db", "nan"], "--snr-db")])
def test_bad_input(tmp_path, capsys, argv, msg):
    base = {"--steps": "1", "--out": str(tmp_path / "j.safetensors")}
    base.update(dict(zip(argv[::2], argv[1::2])))
    code = main(["train-jscc", *TINY] + [x for kv in base.items() for x in kv])
    err = capsys.readouterr().err
    assert code == 2 and msg in err and len(err.strip().splitlines()) == 1 and not list(tmp_path.iterdir())


def test_psnr_vs_snr_on_images():
    import numpy as np

    from genai.deepjscc import DeepJSCC
    from scenarios.jscc.evaluate import psnr_vs_snr

    torch.manual_seed(0)
    m = DeepJSCC(4, 8)
    imgs = [np.random.default_rng(i).random((34, 33, 3)).astype(np.float32) for i in range(2)]
    p = psnr_vs_snr(m, imgs, [0.0, 150.0], draws=2)
    assert p.shape == (2, 2) and np.isfinite(p).all()
    x = torch.from_numpy(imgs[0][:32, :32].transpose(2, 0, 1))[None]
    with torch.no_grad():  # at 150 dB the channel is the identity: the noiseless reconstruction
        clean = m.decode(m.encode(x, 150.0), (32, 32), 150.0)
    assert p[0, 1] == pytest.approx(10 * np.log10(1 / float(torch.mean((clean - x) ** 2))), abs=1e-3)
