r"""The digital path of the GESCO comparison: one label map coded losslessly over a simulated 5G link.

* :func:`map_codec`: the lossless map codes (:class:`bridge.labelmap.LabelMapCodec`: per-class planes
  run-length coded, per-class planes in CCITT G4 (:class:`G4PlaneCodec`), a palette PNG, or ``auto``:
  the shortest), the presence vector inside;
* :func:`send_digital_map`: the coded map over a :class:`linklevel.LinkConfig` link at Es/N0 with
  forward-with-error or discard-with-error; a discarded map scores mIoU = pixel accuracy = 0 (nothing
  to generate from). The receiver knows the map size. Channel uses: whole frames of the link
  (:attr:`linklevel.Link.tx_symbols_per_frame`, pilots and OFDM cyclic prefix included)
  (:func:`digital_channel_uses`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import torch

from ..maps.analog import MapOutcome, label_tensor, map_scores
from .schema import MAP_CODECS

__all__ = ["G4PlaneCodec", "map_codec", "send_digital_map", "digital_channel_uses", "MAP_CODECS"]


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


def digital_channel_uses(cfg: Any, blocks: int, device: Optional[str] = None) -> int:
    """Channel uses of ``blocks`` codewords on ``cfg``'s link (whole frames, overhead included)."""
    from linklevel import Link
    from linklevel.engine.runtime import resolve_device

    link = Link(cfg, device=resolve_device(device))
    frames = math.ceil(blocks / link.codewords_per_frame)
    return int(math.ceil(frames * link.tx_symbols_per_frame))


def send_digital_map(labels: Any, classes: int, cfg: Any, snr_db: float, policy: str = "forward",
                     mode: str = "auto", seed: int = 0, device: Optional[str] = None,
                     ignore_index: Optional[int] = None) -> MapOutcome:
    """The coded label map over the link ``cfg`` at Es/N0 ``snr_db`` (``cfg.snr_type`` must be ``esno``);
    ignored pixels are filled from their nearest labelled class before coding and skipped in the scores."""
    from bridge import LinkChannel, Transmitter
    from genai.labelsets import fill_ignored

    if cfg.snr_type != "esno":
        raise ValueError("the map's link is driven by Es/N0: use a LinkConfig with snr_type='esno'")
    sent = label_tensor(labels)
    lab = label_tensor(fill_ignored(sent.numpy(), ignore_index))
    codec = map_codec(classes, mode)
    bits = codec.encode(lab)
    tx = Transmitter(device=device, seed=seed)
    res = tx.send(bits, LinkChannel(cfg, ebno_db=float(snr_db)), policy)
    got = None if res.bits is None else codec.decode(res.bits.cpu(), shape=tuple(lab.shape))
    m, pa = map_scores(sent, got, ignore_index)
    present = torch.unique(lab).tolist()
    return MapOutcome(got, m, pa, bits=int(bits.numel()), channel_uses=digital_channel_uses(cfg, res.stats.blocks,
                                                                                             device),
                      side_bits=0, classes_present=present, lost=res.bits is None,
                      extra={"codec": codec.last_mode, "bit_errors": res.stats.bit_errors, "blocks": res.stats.blocks,
                             "block_errors": res.stats.block_errors, "policy": policy})
