r"""The Qiao et al. design end to end on real links (the study's ``end_to_end`` part).

:func:`end_to_end`: per draw of the edge channel's Rayleigh fade :math:`x_1` (known to the transmitter,
constant while the edge map is sent, as adaptive MQAM assumes), the exact discrete design (Lemma 1,
problem (5), the study's orders and tie-break) with eq. (2) taking the prompt's **mean** SNR
(:mod:`scenarios.qiao.reallink`: the prompt's fading is inside eq. (2), so its design sees
:math:`\mathbb E|h_0|^2`); then both streams on real links: the prompt with actual CRC retransmissions
on Rayleigh block fading (an independent fade per transmission) at the designed mean γ̄0, the edge map's
bits at the chosen M through :class:`bridge.Transmitter` (uncoded, forward-with-error) at the designed γ1.

Checked against the **targets**, not the design: the latency target is the mean-channel design's latency
at that γ̄ (Fig. 4(b)'s curve, what a planner promises from the paper's figure), the quality target the
chosen (CLIP, MS-SSIM) pair's ε and BER1*; the draw is *late* when its achieved latency (transmissions ×
the real packet duration, CRC and code tail included, vs T1) exceeds the target. :func:`edge_streams`
gives the edge bit streams it sends (the cached Kodak edge maps, or random bits) and how they are scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import lemma1
from . import models as m
from .reallink import attempts, packet_symbols, prompt_link_config

__all__ = ["E2EDraw", "E2E_COLUMNS", "E2E_UNITS", "end_to_end", "edge_streams"]

#: Columns of the stored draws (``end_to_end/draws``) and their units.
E2E_COLUMNS = ("avg_snr_db", "fade0", "fade1", "order", "designed_t0", "designed_t1", "designed_latency",
               "transmissions", "achieved_t0", "achieved_t1", "achieved_latency", "edge_bits", "edge_errors",
               "quality", "target_latency")
E2E_UNITS = {"avg_snr_db": "dB", "designed_t0": "s", "designed_t1": "s", "designed_latency": "s", "achieved_t0": "s",
             "achieved_t1": "s", "achieved_latency": "s", "edge_bits": "bit", "edge_errors": "bit",
             "target_latency": "s"}


@dataclass(frozen=True)
class E2EDraw:
    """One Rayleigh draw of the end-to-end check (times in s)."""

    avg_snr_db: float
    fades: tuple[float, float]
    order: int
    designed_t0: float
    designed_t1: float
    designed_latency: float
    transmissions: int
    achieved_t0: float
    achieved_t1: float
    achieved_latency: float
    edge_bits: int
    edge_errors: int
    quality: float  # achieved normalized quality (NaN when not measured)
    target_latency: float = math.nan  # the mean-channel design's latency at avg_snr_db (s)

    def to_row(self) -> list[float]:
        """The draw as a row of :data:`E2E_COLUMNS`."""
        return [self.avg_snr_db, self.fades[0], self.fades[1], self.order, self.designed_t0, self.designed_t1,
                self.designed_latency, self.transmissions, self.achieved_t0, self.achieved_t1,
                self.achieved_latency, self.edge_bits, self.edge_errors, self.quality, self.target_latency]


def end_to_end(v0: int, edge_streams: Sequence[Any], avg_snr_db: float, ber: float, draws: int,
               params: m.QiaoParams = m.TABLE_I, seed: int = 0, device: Optional[str] = None,
               quality: Optional[Callable[[int, Any], float]] = None, cap: int = 1000,
               orders: Sequence[int] = m.PAPER_ORDERS, tie_break: str = "equal") -> list[E2EDraw]:
    """``draws`` Rayleigh draws at average SNR ``avg_snr_db``: design (exact discrete optimum for the draw's
    edge fade, prompt at the mean gain, ``|v1|`` = the stream's length), then both streams on real links.

    :param edge_streams: float {0,1} bit tensors of the edge maps (used round robin).
    :param quality: ``(stream index, received bits) -> normalized quality``, or `None`.
    :output: One :class:`E2EDraw` per draw (outage draws: order 0, infinite designed latency, nothing sent).
    """
    from bridge import LinkChannel, Transmitter
    from linklevel import Link, LinkConfig
    from linklevel.engine.runtime import resolve_device, seed_everything

    from .sweep import mean_gain

    dev = resolve_device(device)
    rng = np.random.default_rng(seed)
    g = mean_gain(avg_snr_db, params)
    link = Link(prompt_link_config(v0, "rayleigh"), device=dev)
    tx = Transmitter(device=dev, seed=seed + 1)
    t_packet = packet_symbols(v0) / params.b0_hz
    out = []
    for i in range(draws):
        x = rng.exponential(1.0, size=2)  # x[0]: the prompt's first fade (diagnostic; the link draws its own)
        stream = edge_streams[i % len(edge_streams)]
        n1 = int(stream.numel())
        target = lemma1.solve(v0, n1, g, g, ber, "discrete", params, orders=orders, tie_break=tie_break).latency_s
        d = lemma1.solve(v0, n1, g, g * x[1], ber, "discrete", params, orders=orders, tie_break=tie_break)
        if not d.feasible:
            out.append(E2EDraw(avg_snr_db, (float(x[0]), float(x[1])), 0, d.t0_s, math.inf, math.inf, 0, math.nan,
                               math.inf, math.inf, n1, 0, math.nan, target))
            continue
        seed_everything(seed * 7919 + i)
        att, _, _ = attempts(link, d.snr0_db, 1, cap, 8)
        n = int(att[0])
        order = int(d.modulation_order)
        cfg = LinkConfig(modulation="qpsk" if order == 4 else f"{order}qam", code="none",
                         k=int(math.log2(order)) * 1024, snr_type="esno")
        res = tx.send(stream, LinkChannel(cfg, ebno_db=d.snr1_db), "forward")
        t1 = n1 / (params.b1_hz * math.log2(order))
        t0 = n * t_packet if n <= cap else math.inf
        q = quality(i % len(edge_streams), res.bits) if quality is not None else math.nan
        out.append(E2EDraw(avg_snr_db, (float(x[0]), float(x[1])), order, d.t0_s, d.t1_s, d.latency_s, n, t0, t1,
                           max(t0, t1), res.stats.bits, res.stats.bit_errors, float(q), target))
    return out


def _cached_streams(file: str) -> tuple[list, Callable[[int, Any], float]]:
    """The cached edge maps' ``ntc`` bits, scored by the received sketch's MS-SSIM over the error-free one's."""
    from bridge import BytesCodec
    from genai.metrics import ms_ssim
    from genai.registry import load

    from ..semantic import decode_sketch
    from ..streams.cache import load_items

    items = load_items(file)
    bc = BytesCodec()
    codec = load("sketch_codec", "ntc", quality=items[0].quality)
    clean = [codec.decompress(it.data) for it in items]
    ref = [ms_ssim(it.sketch, np.clip(c, 0, 1)) for it, c in zip(items, clean)]

    def quality(i: int, bits: Any) -> float:
        rx = decode_sketch(codec, bc.decode(bits.cpu()), items[i].sketch)
        return float(ms_ssim(items[i].sketch, np.clip(rx, 0, 1)) / ref[i])

    return [bc.encode(it.data).float().cpu() for it in items], quality


def edge_streams(file: str, source: str, v1: int, seed: int) -> tuple[list, Optional[Callable[[int, Any], float]]]:
    """The edge bit streams of the end-to-end check and its quality function, by the quality ``source``:
    ``measured``: the cached edge maps (:func:`scenarios.streams.cache.load_items`), scored by MS-SSIM;
    ``table:FILE``: ``v1`` random bits scored by the stored quality table at the draw's BER; ``none``:
    random bits, unscored."""
    import torch

    if source == "measured":
        return _cached_streams(file)
    g = torch.Generator().manual_seed(seed)
    streams = [torch.randint(0, 2, (v1,), generator=g).float()]
    if not source.startswith("table:"):
        return streams, None
    from .measure import read_table

    t = read_table(file)
    name = "ms_ssim" if "ms_ssim" in t.metrics else sorted(t.metrics)[0]

    def from_table(i: int, bits: Any) -> float:
        errs = float((bits.cpu() != streams[i]).float().mean())
        return t.value(name, errs)

    return streams, from_table
