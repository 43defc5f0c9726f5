r"""GESCO's analog map channel (Grassucci et al., eq. (1)) and its FDS receiver (eq. (2)), for one map.

* :func:`send_analog_map`: the one-hot planes of the present classes
  (:func:`genai.semmaps.one_hot_present`), optionally area-downsampled by ``downsample``,
  power-normalized and sent as real values (:func:`bridge.analog.send_analog`); the receiver
  upsamples (nearest), applies FDS (eq. (2), :func:`genai.semmaps.fds`) or not, pads the absent
  classes and takes the argmax. The presence vector (C bits) and the scale (32 bits) are side
  information, counted in ``side_bits`` and assumed delivered (as the paper does).
* :func:`equal_resource_analog`: the analog map at a digital map's channel uses and energy
  (e.g. :mod:`scenarios.gesco.reallink`): the smallest power-of-two downsampling whose uses fit, then
  ``energy_gain`` = digital uses / analog uses, so both spend the same energy per map at the same
  Es/N0 per channel use.
* :class:`MapOutcome`: what arrived and how good it is (shared with the digital path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["MapOutcome", "send_analog_map", "equal_resource_analog", "analog_channel_uses", "map_scores",
           "label_tensor"]


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
    #: analog: the received present-class planes ``[K, H, W]`` (after FDS when used) and the presence
    #: vector ``[C]``, the soft map a generator may be conditioned on (not in :meth:`to_dict`)
    planes: Optional[torch.Tensor] = None
    present: Optional[torch.Tensor] = None

    def to_dict(self) -> dict[str, Any]:
        return {"miou": self.miou, "pixel_accuracy": self.pixel_accuracy, "bits": self.bits,
                "channel_uses": self.channel_uses, "side_bits": self.side_bits,
                "classes_present": self.classes_present, "lost": self.lost, **self.extra}


def map_scores(sent: torch.Tensor, rx: Optional[torch.Tensor], ignore_index: Optional[int] = None
               ) -> tuple[float, float]:
    """mIoU and pixel accuracy of the received map against the sent one (pixels of the ignore index
    skipped; both 0 when nothing arrived)."""
    from genai.metrics import miou, pixel_accuracy

    if rx is None:
        return 0.0, 0.0
    return miou(sent, rx, ignore_index=ignore_index), pixel_accuracy(sent, rx, ignore_index=ignore_index)


def label_tensor(labels: Any) -> torch.Tensor:
    """A label map as a CPU ``long`` tensor (a non-empty ``[H, W]`` integer array)."""
    t = torch.as_tensor(np.asarray(labels)) if not isinstance(labels, torch.Tensor) else labels
    if t.dim() != 2 or t.numel() == 0 or t.dtype.is_floating_point:
        raise ValueError("a label map is a non-empty [H, W] integer array")
    return t.long().cpu()


def analog_channel_uses(shape: tuple[int, int], present: int, downsample: int = 1) -> int:
    """Complex channel uses of the analog map: ⌈K·⌈H/s⌉·⌈W/s⌉ / 2⌉ (AWGN / flat fading, perfect CSI)."""
    h, w = (math.ceil(shape[0] / downsample), math.ceil(shape[1] / downsample))
    return math.ceil(present * h * w / 2)


def send_analog_map(labels: Any, classes: int, ch: Any, use_fds: bool = True, seed: int = 0,
                    device: Optional[str] = None, downsample: int = 1, ignore_index: Optional[int] = None,
                    edges: Optional[Any] = None) -> MapOutcome:
    """Eq. (1) for one map (``ch``: :class:`bridge.analog.AnalogChannel`), FDS (eq. (2)) at the receiver
    when ``use_fds``. ``ignore_index``: those pixels take their nearest labelled class before sending
    (:func:`genai.labelsets.fill_ignored`: no plane for them) and are skipped in the scores. ``edges``:
    an instance-edge plane ``[H, W]`` (:func:`genai.labelsets.instance_edges`) sent after the class planes,
    as the released code does (it costs channel uses; it is not scored)."""
    from bridge.analog import send_analog
    from genai.labelsets import fill_ignored
    from genai.semmaps import fds, one_hot_present, to_labels

    sent = label_tensor(labels)
    lab = label_tensor(fill_ignored(sent.numpy(), ignore_index))
    if downsample < 1:
        raise ValueError("downsample must be a positive integer")
    planes, present = one_hot_present(lab, classes)
    if edges is not None:
        planes = torch.cat([planes, torch.as_tensor(np.asarray(edges), dtype=torch.float32).reshape(1, *lab.shape)])
    h, w = lab.shape
    x = planes
    if downsample > 1:
        x = F.avg_pool2d(planes.unsqueeze(0), downsample, stride=downsample, ceil_mode=True)[0]
    rx, st = send_analog(x, ch, seed=seed, device=device)
    rx = rx.cpu()
    if downsample > 1:
        rx = rx.repeat_interleave(downsample, 1).repeat_interleave(downsample, 2)[:, :h, :w]
    if use_fds:
        rx = fds(rx, count_include_pad=ch.convention == "released-code")  # the released code pads with zeros
    rx = rx[: int(present.sum())]
    got = to_labels(rx, present)
    m, pa = map_scores(sent, got, ignore_index)
    return MapOutcome(got, m, pa, bits=0, channel_uses=st.channel_uses, side_bits=classes + st.side_bits,
                      classes_present=torch.nonzero(present).reshape(-1).tolist(),
                      extra={"values": st.values, "sigma2": st.sigma2, "downsample": downsample,
                             "energy_gain": ch.energy_gain, "fds": use_fds, "convention": ch.convention,
                             "edge_plane": edges is not None}, planes=rx, present=present)


def equal_resource_analog(labels: Any, classes: int, uses: int, snr_db: float, channel: str = "awgn",
                          ofdm: bool = False, use_fds: bool = True, seed: int = 0,
                          device: Optional[str] = None, ignore_index: Optional[int] = None) -> MapOutcome:
    """The analog map with at most ``uses`` channel uses and the same energy as ``uses`` unit-energy symbols
    (the unit-power convention: Es/N0 per channel use)."""
    from bridge.analog import AnalogChannel
    from genai.labelsets import fill_ignored

    lab = label_tensor(labels)
    k = int(np.unique(fill_ignored(lab.numpy(), ignore_index)).size)
    s = 1
    while analog_channel_uses(tuple(lab.shape), k, s) > uses and s < max(lab.shape):
        s *= 2
    own = analog_channel_uses(tuple(lab.shape), k, s)
    ch = AnalogChannel(psnr_db=float(snr_db), channel=channel, ofdm=ofdm, energy_gain=uses / own)
    out = send_analog_map(lab, classes, ch, use_fds, seed, device, downsample=s, ignore_index=ignore_index)
    out.extra["target_uses"] = int(uses)
    return out
