r"""``deepjscc``: deep joint source-channel coding of images (Bourtsoulatze, Kurka, Gündüz, IEEE TCCN 2019), with
an SNR-adaptive variant (attention/FiLM on the SNR, as ADJSCC, Xu et al. 2021).

The encoder maps an RGB image ``[H, W, 3]`` (H, W multiples of 4) to :math:`2c` real maps of size
:math:`H/4 \times W/4`, read as :math:`k = c\,HW/16` complex channel symbols and **power-normalized per
image** to unit average energy per symbol, :math:`\frac1k\|z\|^2 = 1` (the paper's average power constraint
P = 1); the decoder mirrors it. The bandwidth ratio is :math:`k/n = c/48` channel uses per source value
(:math:`n = 3HW`): ``c = 4`` gives 1/12, ``c = 8`` 1/6. The model is pure torch; the channel between encoder
and decoder is the caller's (``semlink train-jscc`` puts semlink's AWGN / Rayleigh / OFDM blocks there,
:mod:`scenarios.jscc.train`), so this module imports neither ``linklevel`` nor ``bridge``.

SNR-adaptive (``adaptive=True``): after every block of encoder and decoder a FiLM layer scales and shifts the
channels by an MLP of the SNR in dB (the channel-state input of ADJSCC's attention modules), so one model
serves a range of SNRs; the plain model ignores the SNR.

Weights ship as ``genai/weights/deepjscc_c{c}[_adaptive].safetensors`` with their training metadata (training
data, channel, SNR range, steps, budget); :meth:`DeepJSCC.load` is offline-first and names the missing file.

.. code-block:: python

    >>> import torch
    >>> from genai.deepjscc import DeepJSCC
    >>> m = DeepJSCC(channels=4, width=16)
    >>> z = m.encode(torch.rand(2, 3, 32, 32), snr_db=10.0)      # complex symbols, unit power per image
    >>> z.shape, round(float(z.abs().square().mean(dim=1)[0]), 4), m.bandwidth_ratio
    (torch.Size([2, 256]), 1.0, 0.08333333333333333)
    >>> m.decode(z, (32, 32), snr_db=10.0).shape
    torch.Size([2, 3, 32, 32])
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional, Union

import torch
from torch import nn

from .registry import register

__all__ = ["DeepJSCC", "JSCCCodec", "jscc_weights_path", "WEIGHTS_DIR"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def jscc_weights_path(channels: int, adaptive: bool, snr_db: Optional[float] = None,
                      folder: Optional[Union[str, os.PathLike]] = None, maps: int = 0) -> Path:
    """The weights of a ``channels`` / ``adaptive`` model in ``folder`` (default: the shipped ones); a fixed-SNR
    model trained at ``snr_db`` is ``deepjscc_c<c>_snr<snr>.safetensors``; a model for label maps of ``maps``
    classes ``deepjscc_map<K>_c<c>[_adaptive].safetensors``."""
    root = Path(folder) if folder else WEIGHTS_DIR
    if maps:
        return root / f"deepjscc_map{int(maps)}_c{int(channels)}{'_adaptive' if adaptive else ''}.safetensors"
    if adaptive or snr_db is None:
        return root / f"deepjscc_c{int(channels)}{'_adaptive' if adaptive else ''}.safetensors"
    return root / f"deepjscc_c{int(channels)}_snr{float(snr_db):g}.safetensors"


class _FiLM(nn.Module):
    """Per-channel scale and shift from the SNR in dB (identity at initialization)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 2 * width))
        nn.init.zeros_(self.net[2].weight)
        nn.init.zeros_(self.net[2].bias)

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        gb = self.net(snr_db.reshape(-1, 1).to(x.dtype) / 20.0)
        g, b = gb.chunk(2, dim=1)
        return x * (1 + g[:, :, None, None]) + b[:, :, None, None]


def _block(cin: int, cout: int, stride: int, up: bool = False) -> nn.Sequential:
    conv = (nn.ConvTranspose2d(cin, cout, 5, stride, 2, output_padding=stride - 1) if up else
            nn.Conv2d(cin, cout, 5, stride, 2))
    return nn.Sequential(conv, nn.PReLU(cout))


class DeepJSCC(nn.Module):
    """The DeepJSCC encoder/decoder pair (module notes).

    :param channels: ``c``: complex symbols per 4×4 pixel block (bandwidth ratio c/48).
    :param width: Feature channels of the hidden layers.
    :param adaptive: SNR-adaptive (FiLM on the SNR after every block).
    :param planes: Input (and output) planes: 3 for RGB images; K for a one-hot label map of K classes (the
        decoder's K outputs in [0, 1], the class is their argmax; bandwidth ratio c/(16K) per plane value).
    """

    def __init__(self, channels: int = 4, width: int = 64, adaptive: bool = False, planes: int = 3) -> None:
        super().__init__()
        if not 1 <= int(channels) <= 64 or int(width) < 4 or not 1 <= int(planes) <= 256:
            raise ValueError(f"need channels in 1..64, width >= 4 and planes in 1..256, got {channels}, {width}, "
                             f"{planes}")
        self.c, self.width, self.adaptive, self.planes = int(channels), int(width), bool(adaptive), int(planes)
        w = self.width
        self.enc = nn.ModuleList([_block(self.planes, w, 2), _block(w, w, 2), _block(w, w, 1), _block(w, w, 1)])
        self.enc_out = nn.Conv2d(w, 2 * self.c, 5, 1, 2)
        self.dec_in = _block(2 * self.c, w, 1)
        self.dec = nn.ModuleList([_block(w, w, 1), _block(w, w, 1), _block(w, w, 2, up=True)])
        self.dec_out = nn.ConvTranspose2d(w, self.planes, 5, 2, 2, output_padding=1)
        n_film = len(self.enc) + 1 + len(self.dec)
        self.film = nn.ModuleList([_FiLM(w) for _ in range(n_film)]) if self.adaptive else None

    @property
    def bandwidth_ratio(self) -> float:
        """Channel uses per source value, k/n = c/(16·planes) (c/48 for RGB)."""
        return self.c / (16.0 * self.planes)

    def _snr(self, snr_db: Union[float, torch.Tensor], batch: int, device: torch.device) -> torch.Tensor:
        s = torch.as_tensor(snr_db, dtype=torch.float32, device=device)
        return s.expand(batch) if s.dim() == 0 else s.reshape(batch)

    def encode(self, x: torch.Tensor, snr_db: Union[float, torch.Tensor] = 10.0) -> torch.Tensor:
        """``[B, 3, H, W]`` in [0, 1] (H, W multiples of 4) -> ``[B, k]`` complex symbols, unit mean energy each."""
        if x.dim() != 4 or x.shape[1] != self.planes or x.shape[2] % 4 or x.shape[3] % 4:
            raise ValueError(f"expected [B, {self.planes}, H, W] with H, W multiples of 4, got {list(x.shape)}")
        s = self._snr(snr_db, x.shape[0], x.device)
        h = x
        for i, blk in enumerate(self.enc):
            h = blk(h)
            h = self.film[i](h, s) if self.film is not None else h
        z = self.enc_out(h)  # [B, 2c, H/4, W/4]
        b = z.shape[0]
        re, im = z[:, : self.c].reshape(b, -1), z[:, self.c:].reshape(b, -1)
        sym = torch.complex(re, im)
        return sym / sym.abs().square().mean(dim=1, keepdim=True).sqrt().clamp_min(1e-12)

    def decode(self, y: torch.Tensor, size: tuple[int, int], snr_db: Union[float, torch.Tensor] = 10.0) -> torch.Tensor:
        """``[B, k]`` received (equalized) complex symbols -> ``[B, 3, H, W]`` in [0, 1]."""
        b, (hh, ww) = y.shape[0], (size[0] // 4, size[1] // 4)
        if y.shape[1] != self.c * hh * ww:
            raise ValueError(f"expected {self.c * hh * ww} symbols for a {size} image, got {y.shape[1]}")
        s = self._snr(snr_db, b, y.device)
        z = torch.cat([y.real.reshape(b, self.c, hh, ww), y.imag.reshape(b, self.c, hh, ww)], dim=1).float()
        h = self.dec_in(z)
        k = len(self.enc)
        h = self.film[k](h, s) if self.film is not None else h
        for i, blk in enumerate(self.dec):
            h = blk(h)
            h = self.film[k + 1 + i](h, s) if self.film is not None else h
        return torch.sigmoid(self.dec_out(h))

    def forward(self, x: torch.Tensor, channel: Any, snr_db: Union[float, torch.Tensor] = 10.0) -> torch.Tensor:
        """Encode, pass ``channel(symbols) -> received symbols``, decode."""
        return self.decode(channel(self.encode(x, snr_db)), tuple(x.shape[2:]), snr_db)

    # --------------------------------------------------------------------- weights
    def architecture(self) -> dict[str, Any]:
        """The constructor arguments (stored with the weights; ``planes`` only when not RGB, as older files)."""
        arch = {"channels": self.c, "width": self.width, "adaptive": self.adaptive}
        return arch if self.planes == 3 else {**arch, "planes": self.planes}

    def save(self, path: Union[str, os.PathLike], metadata: dict[str, Any]) -> None:
        """Safetensors with the architecture and ``metadata`` (JSON) in the header, written atomically."""
        from safetensors.torch import save_file

        meta = {"architecture": json.dumps(self.architecture()),
                "training": json.dumps(metadata, allow_nan=False)}
        tmp = f"{path}.tmp{os.getpid()}"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}, tmp, metadata=meta)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Union[str, os.PathLike], device: str = "cpu") -> tuple["DeepJSCC", dict[str, Any]]:
        """``(model, training metadata)`` from a file :meth:`save` wrote; :class:`~genai.loading.ModelNotAvailable`
        naming the file (and how to train it) when it is missing."""
        from safetensors import safe_open
        from safetensors.torch import load_file

        from .loading import ModelNotAvailable

        if not Path(path).is_file():
            raise ModelNotAvailable(f"DeepJSCC: no weights at {path}; train them with `semlink train-jscc`")
        with safe_open(str(path), framework="pt") as fh:
            meta = dict(fh.metadata() or {})
        try:
            arch = json.loads(meta["architecture"])
        except (KeyError, ValueError):
            raise ValueError(f"{path}: not a DeepJSCC weights file (no architecture in its metadata)") from None
        model = cls(**arch)
        state = {k: v for k, v in load_file(str(path)).items() if not k.startswith("adam.")}  # train-jscc's Adam state
        model.load_state_dict(state)
        return model.to(device).eval(), json.loads(meta.get("training", "{}"))


@register("jscc", "deepjscc")
class JSCCCodec:
    """A trained DeepJSCC model as a registered codec (offline-first: the shipped file of ``channels`` /
    ``adaptive``, or ``weights``; ``random_weights`` for tests, labelled).

    :param channels: ``c`` (bandwidth ratio c/48).
    :param adaptive: The SNR-adaptive variant.
    :param weights: An explicit ``.safetensors`` path.
    :param width: Hidden width of a random-weight model.
    :param snr_db: The training SNR of a fixed-SNR model (``deepjscc_c<c>_snr<snr>.safetensors``).
    :param planes: Input planes of a random-weight model (K for one-hot label maps of K classes).
    """

    def __init__(self, channels: int = 4, adaptive: bool = True, weights: Optional[Union[str, os.PathLike]] = None,
                 device: str = "cpu", random_weights: bool = False, width: int = 64, snr_db: Optional[float] = None,
                 planes: int = 3, **_: object) -> None:
        from .loading import RANDOM_WEIGHTS_NOTE

        self.device = device
        if random_weights:
            self.model, self.metadata = DeepJSCC(channels, width, adaptive, planes).to(device).eval(), {}
            self.note = RANDOM_WEIGHTS_NOTE
        else:
            path = Path(weights) if weights is not None else jscc_weights_path(channels, adaptive, snr_db)
            self.model, self.metadata = DeepJSCC.load(path, device)
            self.note = f"DeepJSCC c={self.model.c}{' SNR-adaptive' if self.model.adaptive else ''} ({Path(path).name})"
