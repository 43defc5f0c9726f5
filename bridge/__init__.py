"""semlink bridge: torch tensors <-> bit streams across ``linklevel`` links.

Import direction: ``bridge`` uses ``linklevel`` only.

* stream codecs (exact bit counts; decoding corrupted bits never raises):
  :class:`~bridge.text.TextCodec`, :class:`~bridge.tensor.TensorCodec`,
  :class:`~bridge.bytestream.BytesCodec`, :class:`~bridge.binarymap.BinaryMapCodec`;
* :class:`~bridge.packets.Packetizer`: blocks of k bits with an optional Sionna CRC;
* :class:`~bridge.transmit.Transmitter`: streams over orthogonal links
  (:class:`~bridge.transmit.LinkChannel`) or the fast paths
  (:class:`~bridge.transmit.BSCChannel`, :class:`~bridge.transmit.ErasureChannel`) with
  the ``forward`` / ``discard`` receiver policies.
"""

from .binarymap import BinaryMapCodec
from .bytestream import BytesCodec
from .fastpath import BSC, BlockErasure, bsc_psi_bpsk_awgn
from .packets import Packetizer, Packets
from .tensor import TensorCodec
from .text import TextCodec
from .transmit import POLICIES, BSCChannel, ErasureChannel, LinkChannel, StreamResult, StreamStats, Transmitter

__all__ = [
    "TextCodec", "TensorCodec", "BytesCodec", "BinaryMapCodec", "Packetizer", "Packets",
    "BSC", "BlockErasure", "bsc_psi_bpsk_awgn", "POLICIES", "LinkChannel", "BSCChannel",
    "ErasureChannel", "StreamStats", "StreamResult", "Transmitter",
]
