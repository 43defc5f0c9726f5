"""Send bit streams across links, one orthogonal link per stream, with a receiver policy.

Each stream names its channel:

* :class:`LinkChannel`: a full ``linklevel`` link (:class:`~linklevel.LinkConfig`: modulation,
  code, CRC, channel) at an Eb/N0, or at a transmit power, channel power gain and noise
  power (``Es/N0 = tx_power * gain / noise_power`` per transmitted symbol). All blocks
  of a stream go through one batched link call (on the GPU when one is used).
* :class:`BSCChannel`: the fast path, i.i.d. bit flips with probability ψ, blocks with an
  optional packet CRC (:class:`~bridge.packets.Packetizer`).
* :class:`ErasureChannel`: the stream is lost with probability Ψ.

Receiver policies (the papers' two receivers):

* ``forward`` (forward-with-error): deliver whatever arrived;
* ``discard`` (discard-with-error): a stream with any *detected* block error (CRC
  failure) is lost and delivered as ``None``. Detection needs a CRC: a policy
  ``discard`` on a channel without one is refused. (Decoder failure is detected
  through the CRC: the 5G LDPC decoder returns its hard decision after the last
  iteration either way.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Optional, Union

import torch

from linklevel import Link, LinkConfig
from linklevel.engine.runtime import resolve_device, rng_scope, seed_everything

from .fastpath import BSC, BlockErasure
from .packets import Packetizer

__all__ = ["POLICIES", "LinkChannel", "BSCChannel", "ErasureChannel", "StreamStats", "StreamResult", "Transmitter",
           "send_payload"]

POLICIES = ("forward", "discard")


@dataclass(frozen=True)
class LinkChannel:
    """A full link for one stream.

    :param link: The link (its ``crc`` provides error detection).
    :param ebno_db: Eb/N0 in dB (per information bit, as in ``semlink ber``), or
    :param tx_power: transmit power per symbol (linear), with
    :param gain: channel power gain :math:`|h|^2` (linear) and
    :param noise_power: noise power per symbol (linear).
    """

    link: LinkConfig
    ebno_db: Optional[float] = None
    tx_power: Optional[float] = None
    gain: float = 1.0
    noise_power: Optional[float] = None

    def __post_init__(self) -> None:
        if not isinstance(self.link, LinkConfig):
            raise TypeError(f"link must be a LinkConfig, got {type(self.link).__name__}")
        by_snr = self.ebno_db is not None
        by_power = self.tx_power is not None or self.noise_power is not None
        if by_snr == by_power:
            raise ValueError("give either ebno_db, or tx_power and noise_power")
        if by_snr and not math.isfinite(float(self.ebno_db)):
            raise ValueError(f"ebno_db must be finite, got {self.ebno_db}")
        if by_power:
            for name in ("tx_power", "noise_power"):
                v = getattr(self, name)
                if v is None or not math.isfinite(float(v)) or float(v) <= 0:
                    raise ValueError(f"{name} must be a positive number, got {v}")
        if not math.isfinite(float(self.gain)) or float(self.gain) <= 0:
            raise ValueError(f"gain must be a positive number, got {self.gain}")

    @property
    def detects_errors(self) -> bool:
        return self.link.crc is not None


@dataclass(frozen=True)
class BSCChannel:
    """Fast path: i.i.d. bit flips with probability ``psi`` on blocks of ``block_bits`` (+ CRC)."""

    psi: float
    block_bits: int = 1024
    crc: Optional[str] = None

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.psi) <= 1.0:
            raise ValueError(f"psi must lie in [0, 1], got {self.psi}")
        if isinstance(self.block_bits, bool) or not isinstance(self.block_bits, int) or self.block_bits < 1:
            raise ValueError(f"block_bits must be a positive integer, got {self.block_bits!r}")

    @property
    def detects_errors(self) -> bool:
        return self.crc is not None


@dataclass(frozen=True)
class ErasureChannel:
    """Fast path: the whole stream is lost with probability ``Psi`` (else error-free)."""

    Psi: float

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.Psi) <= 1.0:
            raise ValueError(f"Psi must lie in [0, 1], got {self.Psi}")

    @property
    def detects_errors(self) -> bool:
        return True


Channel = Union[LinkChannel, BSCChannel, ErasureChannel]


@dataclass
class StreamStats:
    """Raw counts of one stream: stream bits and their errors, blocks (codewords/packets),
    block errors (any decoded bit of the block wrong, padding included), CRC-detected
    block errors, and whether the receiver dropped it."""

    bits: int = 0
    bit_errors: int = 0
    blocks: int = 0
    block_errors: int = 0
    detected_block_errors: int = 0
    lost: bool = False

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StreamResult:
    """Received bits (``None`` if lost) and the stream's counts."""

    bits: Optional[torch.Tensor]
    stats: StreamStats = field(default_factory=StreamStats)


class Transmitter:
    """Sends streams over their channels and applies a receiver policy.

    :param device: ``None``/``"auto"``, ``"cpu"``, ``"cuda[:N]"`` (links run there).
    :param seed: Seed of the channel randomness (each :meth:`send` call draws from
        ``seed + call index`` so results do not depend on which streams came before); the
        caller's torch/Sionna random state is saved and restored around every call.
    :param precision: ``"single"`` or ``"double"``.

    .. code-block:: python

        >>> from linklevel import LinkConfig
        >>> tx = Transmitter(device="cpu", seed=1)
        >>> ch = LinkChannel(LinkConfig(modulation="bpsk", k=256), ebno_db=12.0)
        >>> res = tx.send(torch.ones(1000), ch, "forward")
        >>> res.stats.bits, res.stats.bit_errors, bool((res.bits == 1).all())
        (1000, 0, True)
    """

    def __init__(self, device: Optional[str] = None, seed: int = 0, precision: str = "single") -> None:
        self.device = resolve_device(device)
        self.seed = int(seed)
        self.precision = precision
        self._links: dict[LinkConfig, Link] = {}
        self._calls = 0

    def _link(self, cfg: LinkConfig) -> Link:
        if cfg not in self._links:
            self._links[cfg] = Link(cfg, precision=self.precision, device=self.device)
        return self._links[cfg]

    def send(self, bits: torch.Tensor, channel: Channel, policy: str = "forward") -> StreamResult:
        """Send one stream ``[L]`` of float {0, 1} bits.

        :param bits: The stream.
        :param channel: :class:`LinkChannel`, :class:`BSCChannel` or :class:`ErasureChannel`.
        :param policy: ``"forward"`` or ``"discard"``.
        """
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
        if not isinstance(bits, torch.Tensor) or bits.dim() != 1:
            raise ValueError("a stream is a 1-D bit tensor")
        if bits.numel() == 0:
            raise ValueError("empty stream")
        if not isinstance(channel, (LinkChannel, BSCChannel, ErasureChannel)):
            raise TypeError(f"unknown channel type {type(channel).__name__}")
        if policy == "discard" and not channel.detects_errors:
            raise ValueError("policy 'discard' needs error detection: give the link (or BSC) a CRC")
        seed = self.seed + self._calls
        self._calls += 1
        if isinstance(channel, ErasureChannel):
            lost = bool(BlockErasure(channel.Psi, seed=seed)(1)[0])
            st = StreamStats(bits=bits.numel(), bit_errors=0, blocks=1, block_errors=int(lost),
                             detected_block_errors=int(lost), lost=lost)
            return StreamResult(None if lost else bits.clone(), st)
        if isinstance(channel, BSCChannel):
            return self._send_bsc(bits, channel, policy, seed)
        return self._send_link(bits, channel, policy, seed)

    def send_streams(
        self, streams: Mapping[str, tuple[torch.Tensor, Channel]], policy: str = "forward"
    ) -> dict[str, StreamResult]:
        """Send several streams over orthogonal channels; results keyed like ``streams``."""
        return {name: self.send(bits, ch, policy) for name, (bits, ch) in streams.items()}

    # ----------------------------------------------------------------- paths
    def _finish(self, sent: torch.Tensor, rx: torch.Tensor, blocks_err: torch.Tensor, detected: torch.Tensor,
                policy: str) -> StreamResult:
        st = StreamStats(
            bits=sent.numel(),
            bit_errors=int((rx != sent).sum()),
            blocks=int(blocks_err.numel()),
            block_errors=int(blocks_err.sum()),
            detected_block_errors=int(detected.sum()),
        )
        st.lost = policy == "discard" and st.detected_block_errors > 0
        return StreamResult(None if st.lost else rx, st)

    def _send_bsc(self, bits: torch.Tensor, ch: BSCChannel, policy: str, seed: int) -> StreamResult:
        pk = Packetizer(ch.block_bits, ch.crc)
        packets = pk.split(bits.detach().to("cpu", torch.float32))
        rx_blocks = BSC(ch.psi, seed=seed)(packets.blocks)
        payload, ok = pk.check(rx_blocks)
        block_err = (payload != packets.blocks[:, : ch.block_bits]).any(dim=1)
        rx = pk.join(payload, packets.length).to(bits.device)
        return self._finish(bits.to(torch.float32), rx, block_err, ~ok, policy)

    def _send_link(self, bits: torch.Tensor, ch: LinkChannel, policy: str, seed: int) -> StreamResult:
        link = self._link(ch.link)
        k, cw = ch.link.info_bits, link.codewords_per_frame
        length = bits.numel()
        n_blocks = max(1, math.ceil(length / k))
        frames = math.ceil(n_blocks / cw)
        padded = torch.zeros(frames * cw * k, dtype=link.dtype, device=link.device)
        padded[:length] = bits.detach().to(link.device, link.dtype)
        u = padded.reshape(frames, cw, k)
        if ch.ebno_db is not None:
            no, power = link.snr_to_no(float(ch.ebno_db)), 1.0
        else:
            no, power = float(ch.noise_power), float(ch.tx_power) * float(ch.gain)
        with rng_scope(), torch.no_grad():  # the caller's random state is left as it was
            seed_everything(seed)
            out = link.transmit(u, no, tx_power=power)
        u_hat = out.bits_hat.reshape(-1, k)[:n_blocks]
        sent_blocks = u.reshape(-1, k)[:n_blocks]
        block_err = (u_hat != sent_blocks).any(dim=1)
        detected = ~out.crc_ok.reshape(-1)[:n_blocks]
        rx = u_hat.reshape(-1)[:length].to(torch.float32)
        return self._finish(bits.to(link.device, torch.float32), rx, block_err.cpu(), detected.cpu(), policy)


def send_payload(payload: Union[str, bytes], link: Union[LinkConfig, dict], ebno_db: float, policy: str = "forward",
                 compress: Optional[str] = None, seed: int = 0, device: Optional[str] = None,
                 rate: Optional[float] = None) -> dict:
    """Send a text (UTF-8, :class:`~bridge.text.TextCodec`) or bytes (:class:`~bridge.bytestream.BytesCodec`)
    across ``link`` at ``ebno_db`` and decode what arrives.

    :param link: The link, or the options of an LDPC link without ``k``/``n`` together with ``rate``:
        the stream is then split into code blocks by :func:`~bridge.packets.code_blocks` (a CRC24A per
        block unless ``crc`` is given).
    :output: ``{"received" (str/bytes or None when lost), "bits", "payload_bits", "header_bits",
        "bit_errors", "blocks", "block_errors", "detected_block_errors", "lost", "policy", "ebno_db", "link"}``.
    """
    from .packets import code_blocks

    from .bytestream import BytesCodec
    from .text import TextCodec

    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    if not math.isfinite(ebno_db):
        raise ValueError("Eb/N0 must be finite")
    codec = TextCodec(compress=compress) if isinstance(payload, str) else BytesCodec()
    bits = codec.encode(payload)
    if isinstance(link, dict):
        if rate is None:
            raise ValueError("an LDPC link without k/n needs a code rate")
        from linklevel.blocks.config import CRC_POLYNOMIALS

        opts = {**link, "crc": link.get("crc") or "CRC24A"}
        if opts["crc"] not in CRC_POLYNOMIALS:
            raise ValueError(f"unknown CRC {opts['crc']!r}; use one of {', '.join(CRC_POLYNOMIALS)}")
        k, n, _ = code_blocks(bits.numel(), rate, CRC_POLYNOMIALS[opts["crc"]])
        link = LinkConfig(**{**opts, "k": k, "n": n})
    res = Transmitter(device=device, seed=seed).send(bits, LinkChannel(link, ebno_db=ebno_db), policy)
    st = res.stats
    return {"received": None if res.bits is None else codec.decode(res.bits), "bits": st.bits,
            "payload_bits": st.bits - codec.header.bits, "header_bits": codec.header.bits,
            "bit_errors": st.bit_errors, "blocks": st.blocks, "block_errors": st.block_errors,
            "detected_block_errors": st.detected_block_errors, "lost": st.lost, "policy": policy,
            "ebno_db": ebno_db, "link": link.to_dict()}
