r"""One semantic map across the channel, analog (GESCO, eq. (1)) or digital (codec + real link).

* :func:`send_analog_map`: the one-hot planes of the present classes
  (:func:`genai.semmaps.one_hot_present`), optionally area-downsampled by ``downsample``,
  power-normalized and sent as real values (:func:`bridge.analog.send_analog`); the receiver
  upsamples (nearest), applies FDS (eq. (2), :func:`genai.semmaps.fds`) or not, pads the absent
  classes and takes the argmax. The presence vector (C bits) and the scale (32 bits) are side
  information, counted in ``side_bits`` and assumed delivered (as the paper does).
* :func:`send_digital_map`: the label map coded losslessly (:class:`bridge.labelmap.LabelMapCodec`,
  the presence vector inside), the bits over a :class:`linklevel.LinkConfig` link at Es/N0 with
  forward-with-error or discard-with-error; a discarded map scores mIoU = pixel accuracy = 0 (nothing
  to generate from). The receiver knows the map size. Channel uses: whole frames of the link
  (:attr:`linklevel.Link.tx_symbols_per_frame`, pilots and OFDM cyclic prefix included).
* :func:`equal_resource_analog`: the analog map at the digital one's channel uses and energy:
  the smallest power-of-two downsampling whose uses fit, then ``energy_gain`` = digital uses /
  analog uses, so both spend the same energy per map at the same Es/N0 per channel use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["MapOutcome", "send_analog_map", "send_digital_map", "digital_channel_uses", "equal_resource_analog",
           "analog_channel_uses", "G4PlaneCodec", "map_codec", "MAP_CODECS"]

#: map codecs of the digital path: ``auto`` = the shortest of RLE planes, G4 planes and PNG
MAP_CODECS = ("auto", "planes", "g4", "png")


class G4PlaneCodec:
    """Binary planes coded with CCITT Group 4 (:class:`genai.g4.G4Codec`, no thinning: lossless),
    framed by :class:`bridge.BytesCodec` (length header); the ``plane_codec`` of
    :class:`bridge.labelmap.LabelMapCodec` for its ``planes-ext`` mode."""

    def __init__(self) -> None:
        from bridge import BytesCodec
        from genai.g4 import G4Codec

        self._g4, self._bytes = G4Codec(thin=False), BytesCodec()

    def encode(self, mask: torch.Tensor) -> torch.Tensor:
        return self._bytes.encode(self._g4.compress(np.asarray(mask, dtype=np.float32)))

    def bit_count(self, mask: torch.Tensor) -> int:
        return self._bytes.bit_count(self._g4.compress(np.asarray(mask, dtype=np.float32)))

    def decode(self, bits: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self._g4.decompress(self._bytes.decode(bits)) > 0.5)


def map_codec(classes: int, name: str = "auto") -> Any:
    """The :class:`bridge.labelmap.LabelMapCodec` of a map codec name (:data:`MAP_CODECS`)."""
    from bridge.labelmap import LabelMapCodec

    if name not in MAP_CODECS:
        raise ValueError(f"map codec must be one of {', '.join(MAP_CODECS)}, got {name!r}")
    mode = {"auto": "auto", "planes": "planes", "g4": "planes-ext", "png": "png"}[name]
    return LabelMapCodec(classes, mode, plane_codec=G4PlaneCodec() if name in ("auto", "g4") else None)


@dataclass
class MapOutcome:
    """What arrived and how good it is."""

    received: Optional[torch.Tensor]
    miou: float
    pixel_accuracy: float
    bits: int
    channel_uses: int
    side_bits: int
    classes_present: list[int]
    lost: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"miou": self.miou, "pixel_accuracy": self.pixel_accuracy, "bits": self.bits,
                "channel_uses": self.channel_uses, "side_bits": self.side_bits,
                "classes_present": self.classes_present, "lost": self.lost, **self.extra}


def _scores(sent: torch.Tensor, rx: Optional[torch.Tensor]) -> tuple[float, float]:
    from genai.metrics import miou, pixel_accuracy

    if rx is None:
        return 0.0, 0.0
    return miou(sent, rx), pixel_accuracy(sent, rx)


def _labels(labels: Any) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(labels)) if not isinstance(labels, torch.Tensor) else labels
    if t.dim() != 2 or t.numel() == 0 or t.dtype.is_floating_point:
        raise ValueError("a label map is a non-empty [H, W] integer array")
    return t.long().cpu()


def analog_channel_uses(shape: tuple[int, int], present: int, downsample: int = 1) -> int:
    """Complex channel uses of the analog map: ⌈K·⌈H/s⌉·⌈W/s⌉ / 2⌉ (AWGN / flat fading, perfect CSI)."""
    h, w = (math.ceil(shape[0] / downsample), math.ceil(shape[1] / downsample))
    return math.ceil(present * h * w / 2)


def send_analog_map(labels: Any, classes: int, ch: Any, use_fds: bool = True, seed: int = 0,
                    device: Optional[str] = None, downsample: int = 1) -> MapOutcome:
    """Eq. (1) for one map (``ch``: :class:`bridge.analog.AnalogChannel`)."""
    from bridge.analog import send_analog
    from genai.semmaps import fds, one_hot_present, to_labels

    lab = _labels(labels)
    if downsample < 1:
        raise ValueError("downsample must be a positive integer")
    planes, present = one_hot_present(lab, classes)
    h, w = lab.shape
    x = planes
    if downsample > 1:
        x = F.avg_pool2d(planes.unsqueeze(0), downsample, stride=downsample, ceil_mode=True)[0]
    rx, st = send_analog(x, ch, seed=seed, device=device)
    rx = rx.cpu()
    if downsample > 1:
        rx = rx.repeat_interleave(downsample, 1).repeat_interleave(downsample, 2)[:, :h, :w]
    if use_fds:
        rx = fds(rx)
    got = to_labels(rx, present)
    m, pa = _scores(lab, got)
    return MapOutcome(got, m, pa, bits=0, channel_uses=st.channel_uses, side_bits=classes + st.side_bits,
                      classes_present=torch.nonzero(present).reshape(-1).tolist(),
                      extra={"values": st.values, "sigma2": st.sigma2, "downsample": downsample,
                             "energy_gain": ch.energy_gain, "fds": use_fds})


def digital_channel_uses(cfg: Any, blocks: int, device: Optional[str] = None) -> int:
    """Channel uses of ``blocks`` codewords on ``cfg``'s link (whole frames, overhead included)."""
    from linklevel import Link
    from linklevel.engine.runtime import resolve_device

    link = Link(cfg, device=resolve_device(device))
    frames = math.ceil(blocks / link.codewords_per_frame)
    return int(math.ceil(frames * link.tx_symbols_per_frame))


def send_digital_map(labels: Any, classes: int, cfg: Any, snr_db: float, policy: str = "forward",
                     mode: str = "auto", seed: int = 0, device: Optional[str] = None) -> MapOutcome:
    """The coded label map over the link ``cfg`` at Es/N0 ``snr_db`` (``cfg.snr_type`` must be ``esno``)."""
    from bridge import LinkChannel, Transmitter

    if cfg.snr_type != "esno":
        raise ValueError("the map's link is driven by Es/N0: use a LinkConfig with snr_type='esno'")
    lab = _labels(labels)
    codec = map_codec(classes, mode)
    bits = codec.encode(lab)
    tx = Transmitter(device=device, seed=seed)
    res = tx.send(bits, LinkChannel(cfg, ebno_db=float(snr_db)), policy)
    got = None if res.bits is None else codec.decode(res.bits.cpu(), shape=tuple(lab.shape))
    m, pa = _scores(lab, got)
    present = torch.unique(lab).tolist()
    return MapOutcome(got, m, pa, bits=int(bits.numel()), channel_uses=digital_channel_uses(cfg, res.stats.blocks,
                                                                                             device),
                      side_bits=0, classes_present=present, lost=res.bits is None,
                      extra={"codec": codec.last_mode, "bit_errors": res.stats.bit_errors, "blocks": res.stats.blocks,
                             "block_errors": res.stats.block_errors, "policy": policy})


def equal_resource_analog(labels: Any, classes: int, uses: int, snr_db: float, channel: str = "awgn",
                          ofdm: bool = False, use_fds: bool = True, seed: int = 0,
                          device: Optional[str] = None) -> MapOutcome:
    """The analog map with at most ``uses`` channel uses and the same energy as ``uses`` unit-energy symbols."""
    from bridge.analog import AnalogChannel

    lab = _labels(labels)
    k = int(torch.unique(lab).numel())
    s = 1
    while analog_channel_uses(tuple(lab.shape), k, s) > uses and s < max(lab.shape):
        s *= 2
    own = analog_channel_uses(tuple(lab.shape), k, s)
    ch = AnalogChannel(psnr_db=float(snr_db), channel=channel, ofdm=ofdm, energy_gain=uses / own)
    out = send_analog_map(lab, classes, ch, use_fds, seed, device, downsample=s)
    out.extra["target_uses"] = int(uses)
    return out
