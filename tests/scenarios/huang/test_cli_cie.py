"""`semlink cie`: one image through the embedding (coder family trained for 2 steps here), Algorithm 1, bad input."""

import json

import numpy as np
import pytest

from scenarios.cli import main


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    from genai.hyperprior_train import train_image_codec

    d = tmp_path_factory.mktemp("coders")
    rng = np.random.default_rng(0)
    imgs = [rng.random((96, 96, 3)).astype(np.float32) for _ in range(2)]
    train_image_codec(str(d), lambdas=(0.001, 0.01), steps=2, batch=2, crop=64, log_every=0, images=imgs)
    return d


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    import skimage.data
    from PIL import Image

    p = tmp_path_factory.mktemp("img") / "cat.png"
    Image.fromarray(skimage.data.chelsea()[:128, :160]).save(p)
    return p


def test_cie_json_and_images(family, image, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["cie", str(image), "--snr-db", "10", "--alpha", "0.4", "--coder-weights", str(family),
                 "--json", "--out", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    for k in ("gvif", "bits", "feature_bits", "hyper_bits", "mask_bits", "selected_fraction", "mask_psnr",
              "latency_ms", "latency_real_ms"):
        assert k in r, k
    assert r["bits"] == r["feature_bits"] + r["hyper_bits"] + r["mask_bits"] + 64
    assert r["latency_real_ms"] > r["latency_ms"] > 0 and 0 <= r["gvif"] <= 1
    assert r["coder"] == 1 and r["reference_coder"] == 2 and "substitute" in r["importance"]
    assert {p.name for p in out.iterdir()} == {"partial.png", "inpainted.png", "mask.png"}
    assert main(["cie", str(image), "--snr-db", "10", "--alpha", "0", "--coder-weights", str(family), "--json"]) == 0
    r0 = json.loads(capsys.readouterr().out)
    assert r0["selected_fraction"] == 1.0 and r0["feature_bits"] >= r["feature_bits"]
    # one vocabulary with the study: mask_psnr on the critical region, mask_psnr_kept on P (all of it at alpha 0)
    assert r0["mask_psnr_kept"] == pytest.approx(r0["psnr"], abs=0.01) and r["mask_psnr"] is not None


def test_cie_over_the_ldpc_link(family, image, capsys):
    base = ["cie", str(image), "--alpha", "0.3", "--coder-weights", str(family), "--mcs", "qpsk:0.5",
            "--blocklength", "128", "--json"]
    assert main(base + ["--snr-db", "15"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert not r["link"]["lost"] and r["gvif_delivered"] == r["gvif"] and "5G LDPC" in r["real_link"]["model"]
    assert r["link"]["codewords"] == -(-r["bits"] // r["link"]["payload"])
    assert r["latency_real_ms"] == pytest.approx(r["link"]["codewords"] * 128 / 1e6 * 1e3)
    assert main(base + ["--snr-db", "-8"]) == 0  # far below QPSK 1/2's threshold: a codeword fails, stream discarded
    r = json.loads(capsys.readouterr().out)
    assert r["link"]["lost"] and r["gvif_delivered"] == 0.0


def test_cie_optimize(family, image, capsys):
    assert main(["cie", str(image), "--snr-db", "5", "--coder-weights", str(family), "--optimize", "--t-max-ms", "30",
                 "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    o = r["optimize"]
    assert [c["coder"] for c in o["coders"]] == [1, 2] and o["budget_bits"] > 0
    for c in o["coders"]:
        assert 0 <= c["alpha"] <= 0.8 and c["exact_gvif"] >= 0 and "mask_psnr_full_decode" in c
        assert c["gap_to_exact"] >= -1e-12 or not c["feasible"]  # the certified optimum is no worse than Algorithm 1
        assert c["surrogate_gradient_gap_to_exact"] >= -1e-12 and 0 <= c["surrogate_gradient_alpha"] <= 0.8
    # what is printed and written is the design Algorithm 1 chose, not the defaults
    assert r["alpha"] == o["alpha_star"] and r["coder"] == o["coder_star"]
    chosen = next(c for c in o["coders"] if c["coder"] == o["coder_star"])
    assert r["gvif"] == pytest.approx(chosen["gvif"], rel=1e-6) and "q%d" % r["coder"] in r["coder_note"]


@pytest.mark.parametrize("argv,msg", [
    (["--alpha", "1.5"], "--alpha"), (["--optimize"], "--t-max-ms"), (["--bandwidth", "0"], "--bandwidth"),
    (["--target-bler", "2"], "--target-bler"), (["--coder", "7"], "rate points"), (["--out", "/proc/nope"], "--out"),
    (["--mcs", "8psk:0.5"], "--mcs"), (["--mcs", "qpsk"], "--mcs"),
    (["--optimize", "--t-max-ms", "30", "--alpha", "0.3"], "--optimize"), (["--blocklength", "4"], "--blocklength"),
    (["--allow-download"], "--allow-download"),
])
def test_cie_bad_input(family, image, capsys, argv, msg):
    assert main(["cie", str(image), "--snr-db", "5", "--coder-weights", str(family)] + argv) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1


def test_cie_missing_weights(image, tmp_path, capsys):
    assert main(["cie", str(image), "--snr-db", "5", "--coder-weights", str(tmp_path)]) == 2
    assert "train-image-codec" in capsys.readouterr().err
    assert main(["cie", str(tmp_path / "none.png"), "--snr-db", "5"]) == 2
