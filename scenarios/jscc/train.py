r"""``semlink train-jscc``: train :class:`genai.deepjscc.DeepJSCC` through semlink's own channel blocks.

Channels (:func:`jscc_channel`), one draw per image: ``awgn``; ``rayleigh`` — quasi-static Rayleigh, one fade
per image, the receiver equalizing with perfect CSI, LS-estimated CSI (one pilot per image through the same
fade) or **no CSI** (``csi="none"``: the decoder sees :math:`y = hx + n` as it is and must learn to cope);
``ofdm-tdl`` — the OFDM front end with a 3GPP TDL-A channel, LS estimation and LMMSE equalization (``csi="ls"``)
or perfect CSI, the image's symbols filling whole resource grids. The SNR is Es/N0 per complex symbol (the
encoder's symbols have unit mean energy per image), drawn uniformly in ``snr_db`` per image (a single value:
fixed-SNR training). Data: the photos inside scikit-image (never Kodak), random crops, rotations and flips
(:func:`genai.hyperprior_train.random_crops`). Loss: MSE or 1 − MS-SSIM.

Resumable: ``init`` loads a file this function wrote, **with its Adam moments and step count**, and the
batch and channel draws of step t depend only on (seed, t), so N steps in two chunks give the same weights
as N steps at once (tested).
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

__all__ = ["CHANNELS", "CSI", "jscc_channel", "train_jscc", "load_jscc_state", "training_maps", "one_hot_map"]

CHANNELS = ("awgn", "rayleigh", "ofdm-tdl")
CSI = ("perfect", "ls", "none")


def jscc_channel(name: str, csi: str = "perfect", device: str = "cpu") -> Callable[[torch.Tensor, torch.Tensor],
                                                                                      torch.Tensor]:
    """``f(symbols [B, k] complex, snr_db [B]) -> received (equalized unless csi="none") [B, k]``, drawing from
    Sionna's seeded generator (set ``sionna.phy.config.seed`` for a reproducible draw)."""
    if name not in CHANNELS or csi not in CSI:
        raise ValueError(f"channel must be one of {CHANNELS} and csi one of {CSI}, got {name!r}, {csi!r}")
    if name == "ofdm-tdl" and csi == "none":
        raise ValueError("ofdm-tdl needs csi 'perfect' or 'ls' (the OFDM receiver always equalizes)")
    from linklevel.blocks.channels import AWGNChannel, RayleighBlockChannel

    if name == "awgn":
        blk = AWGNChannel(device=device)
        return lambda x, s: blk(x, 10 ** (-s.reshape(-1, 1) / 10))[0]
    if name == "rayleigh" and csi != "none":
        blk = RayleighBlockChannel(coherence="codeword", csi=csi, device=device)
        return lambda x, s: blk(x, 10 ** (-s.reshape(-1, 1) / 10))[0]
    if name == "rayleigh":
        from sionna.phy.channel import AWGN
        from sionna.phy.utils import complex_normal

        awgn = AWGN(device=device)

        def none(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
            h = complex_normal([x.shape[0], 1], device=device)
            return awgn(h * x, 10 ** (-s.reshape(-1, 1) / 10))
        return none
    return _ofdm(csi, device)


def _ofdm(csi: str, device: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    from linklevel import LinkConfig
    from linklevel.blocks.ofdm import OFDMFrontEnd

    fe = OFDMFrontEnd(LinkConfig(ofdm=True, channel="tdl", csi=csi, tdl_model="A"), device=device)
    per = fe.num_data_symbols

    def f(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        b, k = x.shape
        grids = -(-k // per)
        pad = torch.cat([x, x.new_zeros(b, grids * per - k)], dim=1).reshape(b * grids, per)
        no = (10 ** (-s.reshape(-1, 1) / 10)).repeat_interleave(grids, dim=0)
        y, _ = fe(pad, no)
        return y.reshape(b, grids * per)[:, :k]
    return f


def load_jscc_state(path: str, model: Any, opt: torch.optim.Optimizer) -> dict[str, Any]:
    """Weights, Adam moments and the training metadata of a ``train-jscc`` file into ``model`` / ``opt``."""
    import json

    from safetensors import safe_open

    with safe_open(path, framework="pt") as fh:
        meta = json.loads((fh.metadata() or {}).get("training", "{}"))
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("adam.")})
    step = int(meta.get("adam_step", 0))
    for name, p in model.named_parameters():
        if f"adam.m.{name}" in tensors:
            opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": tensors[f"adam.m.{name}"].to(p.device),
                            "exp_avg_sq": tensors[f"adam.v.{name}"].to(p.device)}
    return meta


def _check_architecture(path: str, model: Any) -> None:
    """A ``--init`` file must hold the architecture being trained (else one line naming both)."""
    import json

    from safetensors import safe_open

    with safe_open(path, framework="pt") as fh:
        arch = json.loads((fh.metadata() or {}).get("architecture", "{}"))
    arch.setdefault("planes", 3)
    want = {"planes": 3, **model.architecture()}
    if arch != want:
        show = lambda a: ", ".join(f"{k}={a.get(k)}" for k in ("channels", "width", "adaptive", "planes"))  # noqa: E731
        raise ValueError(f"{path} holds a model with {show(arch)}, not {show(want)}; continue it with the same "
                         "--channels, --width, --fixed-snr and --maps")


def _save(path: str, model: Any, opt: torch.optim.Optimizer, meta: dict[str, Any]) -> None:
    import json
    import os

    from safetensors.torch import save_file

    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    step = 0
    for name, p in model.named_parameters():
        st = opt.state.get(p)
        if st:
            tensors[f"adam.m.{name}"] = st["exp_avg"].detach().contiguous().cpu()
            tensors[f"adam.v.{name}"] = st["exp_avg_sq"].detach().contiguous().cpu()
            step = int(st["step"])
    arch = model.architecture()
    tmp = f"{path}.tmp{os.getpid()}"
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    save_file(tensors, tmp, metadata={"architecture": json.dumps(arch),
                                      "training": json.dumps({**meta, "adam_step": step}, allow_nan=False)})
    os.replace(tmp, path)


def _loss(name: str, x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    if name == "mse":
        return torch.mean((x - x_hat) ** 2)
    from pytorch_msssim import ms_ssim

    return 1 - ms_ssim(x_hat, x, data_range=1.0, size_average=True, win_size=3 if min(x.shape[2:]) < 160 else 11)


def one_hot_map(labels: np.ndarray, classes: int) -> np.ndarray:
    """``[H, W]`` class indices -> ``[H, W, classes]`` float32 one-hot planes."""
    return np.eye(int(classes), dtype=np.float32)[np.asarray(labels, dtype=np.int64)]


def training_maps(classes: int, seed: int = 0) -> list[np.ndarray]:
    """One-hot label maps ``[H, W, classes]`` of the scikit-image photos (never Kodak), made by the classical
    segmenter (SLIC + k-means colour classes, :class:`genai.slic.ClassicalSegmenter`) that makes the map study's
    maps from Kodak."""
    from genai.hyperprior_train import training_images
    from genai.slic import ClassicalSegmenter

    seg = ClassicalSegmenter(classes=classes, seed=seed)
    return [one_hot_map(seg(img), classes) for img in training_images(scales=(0.5,))]


def train_jscc(out: str, channels: int = 4, adaptive: bool = True, channel: str = "awgn", csi: str = "perfect",
               snr_db: Sequence[float] = (0.0, 20.0), steps: int = 1000, batch: int = 16, crop: int = 64,
               lr: float = 1e-3, loss: str = "mse", width: int = 64, seed: int = 0, init: Optional[str] = None,
               device: str = "cpu", progress: Optional[Callable[[str], None]] = None, maps: int = 0) -> dict[str, Any]:
    """Train (or continue ``init``) and write ``out``; returns the training summary (also in the file). ``maps`` =
    K > 0: a model for one-hot label maps of K classes (:func:`training_maps`; MSE on the planes, a Brier score)."""
    from sionna.phy import config

    from genai.deepjscc import DeepJSCC
    from genai.hyperprior_train import random_crops, training_images

    lo, hi = (float(snr_db[0]), float(snr_db[-1]))
    if loss not in ("mse", "ms-ssim") or crop % 4 or crop < 16 or not lo <= hi or maps < 0 or (maps and loss != "mse"):
        raise ValueError("need loss mse or ms-ssim (maps: mse), crop a multiple of 4 (>= 16), snr_db low <= high "
                         "and maps >= 0")
    torch.manual_seed(seed)
    model = DeepJSCC(channels, width, adaptive, planes=maps or 3).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    done, history, spent = 0, [], 0.0
    if init is not None:
        _check_architecture(init, model)
        prev = load_jscc_state(init, model, opt)
        if (prev.get("channel"), prev.get("csi"), prev.get("loss")) != (channel, csi, loss):
            raise ValueError(f"{init} was trained with channel={prev.get('channel')}, csi={prev.get('csi')}, "
                             f"loss={prev.get('loss')}; continue it with the same settings")
        done, history = int(prev.get("steps_done", 0)), list(prev.get("loss_history", []))
        spent = float(prev.get("seconds", 0.0))
    images, ch = (training_maps(maps, seed) if maps else training_images()), jscc_channel(channel, csi, device)
    t0, last = time.monotonic(), time.monotonic()
    for t in range(done, done + steps):
        rng = np.random.default_rng([seed, t])
        x = random_crops(images, rng, batch, crop).to(device)
        s = torch.as_tensor(rng.uniform(lo, hi, batch), dtype=torch.float32, device=device)
        config.seed = (seed * 1_000_003 + t) % (2 ** 31)
        x_hat = model.decode(ch(model.encode(x, s), s), (crop, crop), s)
        lv = _loss(loss, x, x_hat)
        opt.zero_grad()
        lv.backward()
        opt.step()
        if (t - done) % max(1, steps // 200) == 0 or t == done + steps - 1:  # <= ~200 entries per run
            history.append([t + 1, lv.item()])
        if progress is not None and time.monotonic() - last >= 5:
            last = time.monotonic()
            psnr = 10 * math.log10(1 / max(float(torch.mean((x - x_hat) ** 2)), 1e-12))
            progress(f"step {t + 1}/{done + steps}: loss {lv.item():.5f} (PSNR {psnr:.2f} dB)")
    meta = {"channel": channel, "csi": csi, "snr_db": [lo, hi], "loss": loss, "batch": batch, "crop": crop,
            "lr": lr, "seed": seed, "steps_done": done + steps, "seconds": spent + time.monotonic() - t0, "maps": maps,
            "device": device, "data": "scikit-image photos (never Kodak)" if not maps else
            f"label maps ({maps} classes, SLIC + k-means) of the scikit-image photos (never Kodak)",
            "bandwidth_ratio": model.bandwidth_ratio, "loss_history": history}
    _save(out, model, opt, meta)
    return meta
