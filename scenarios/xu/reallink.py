"""Does the coded design hold on a real link? (Xu et al. study, item 4.)

The coded allocation is designed with eq. (23) — Gaussian inputs, a normal approximation
for a code of N = K/rate complex channel uses. Here each stream is sent over an actual
5G LDPC link at the designed SNR and the stream-loss rate of the discard receiver is
measured: the stream is split into codewords of ``k_cw`` bits (CRC24A included), coded
with QPSK at LDPC rate ``rate / 2`` so that the spectral efficiency is the design's
``rate`` bits per complex channel use, and lost if any codeword fails its CRC. The
achieved perception follows from the bilinear discard perception function; the backoff is
the SNR offset (same for both streams) at which the real links reach the target,
interpolated from a few offsets.

The check is stored as a table (:meth:`RealLinkCheck.table`: one row per offset and stream) with
the target, the designed perception and the backoff as attributes. Torch is imported only to
simulate, so reading a stored check stays light.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from linklevel.theory.stats import clopper_pearson

from ..study.tables import Table
from .allocation import Allocation
from .functions import DiscardPerception

__all__ = ["StreamCheck", "RealLinkCheck", "stream_loss_rate", "real_link_check", "read_real_link", "STREAMS"]

STREAMS = ("prompt", "edge")


@dataclass
class StreamCheck:
    """Measured stream-loss rate of one stream at one SNR."""

    snr_db: float
    designed_bler: float
    trials: int
    lost: int
    codewords_per_stream: int

    @property
    def bler(self) -> float:
        return self.lost / self.trials

    def ci(self, confidence: float = 0.95) -> tuple[float, float]:
        lo, hi = clopper_pearson(self.lost, self.trials, confidence)
        return float(lo), float(hi)


@dataclass
class RealLinkCheck:
    """Design vs real link: per offset, both streams' measured losses and the achieved perception."""

    target: float
    designed_perception: float
    offsets_db: list[float] = field(default_factory=list)
    streams: list[list[StreamCheck]] = field(default_factory=list)  # [offset][stream]
    achieved: list[float] = field(default_factory=list)
    backoff_db: Optional[float] = None

    def to_dict(self) -> dict:
        return {
            "target": self.target, "designed_perception": self.designed_perception,
            "backoff_db": self.backoff_db,
            "points": [{"offset_db": o, "achieved_perception": a,
                        "streams": [{"snr_db": s.snr_db, "designed_bler": s.designed_bler, "bler": s.bler,
                                     "bler_ci": list(s.ci()), "lost": s.lost, "trials": s.trials,
                                     "codewords": s.codewords_per_stream} for s in ss]}
                       for o, ss, a in zip(self.offsets_db, self.streams, self.achieved)],
        }

    def table(self) -> Table:
        """One row per offset and stream (``snr_db`` is -inf for a stream designed with no power)."""
        rows = [{"offset_db": o, "stream": STREAMS[i], "snr_db": s.snr_db, "designed_bler": s.designed_bler,
                 "lost": s.lost, "trials": s.trials, "codewords": s.codewords_per_stream, "achieved_perception": a}
                for o, ss, a in zip(self.offsets_db, self.streams, self.achieved) for i, s in enumerate(ss)]
        cols = ["offset_db", "stream", "snr_db", "designed_bler", "lost", "trials", "codewords", "achieved_perception"]
        return Table.from_rows(rows, columns=cols, units={"offset_db": "dB", "snr_db": "dB", "lost": "stream",
                                                          "trials": "stream", "codewords": "codeword"})

    def attrs(self) -> dict[str, Any]:
        """The scalars stored beside :meth:`table`."""
        return {"target": self.target, "designed_perception": self.designed_perception, "backoff_db": self.backoff_db}

    @classmethod
    def from_table(cls, table: Table, attrs: Mapping[str, Any]) -> "RealLinkCheck":
        """Read back what :meth:`table` and :meth:`attrs` stored."""
        res = cls(target=float(attrs["target"]), designed_perception=float(attrs["designed_perception"]),
                  backoff_db=None if attrs.get("backoff_db") is None else float(attrs["backoff_db"]))
        rows = table.rows()
        for j in range(0, len(rows), len(STREAMS)):  # the streams of one offset are consecutive rows
            point = rows[j:j + len(STREAMS)]
            res.offsets_db.append(float(point[0]["offset_db"]))
            res.achieved.append(float(point[0]["achieved_perception"]))
            res.streams.append([StreamCheck(float(r["snr_db"]), float(r["designed_bler"]), int(r["trials"]),
                                            int(r["lost"]), int(r["codewords"])) for r in point])
        return res


def stream_loss_rate(k_bits: int, snr_db: float, rate: float, trials: int, k_cw: int = 1024, seed: int = 0,
                     device: Optional[str] = None, designed_bler: float = float("nan"),
                     decoder: str = "semlink") -> StreamCheck:
    """Send ``trials`` streams of ``k_bits`` over 5G LDPC + CRC24A, QPSK, at Es/N0 ``snr_db``
    (``decoder``: ``semlink`` or ``sionna``, :attr:`~linklevel.LinkConfig.decoder`)."""
    import torch

    from linklevel import Link, LinkConfig
    from linklevel.engine.runtime import resolve_device, seed_everything

    if trials < 1 or k_bits < 1:
        raise ValueError("need trials >= 1 and k_bits >= 1")
    if not 0 < rate <= 1.6:
        raise ValueError(f"rate must lie in (0, 1.6] bits per complex use, got {rate}")
    n_cw = int(round(k_cw * 2 / rate))  # QPSK: 2 coded bits per complex use
    cfg = LinkConfig(modulation="qpsk", code="ldpc", k=k_cw, n=n_cw, crc="CRC24A", snr_type="esno", decoder=decoder)
    link = Link(cfg, device=resolve_device(device))
    per_stream = math.ceil(k_bits / cfg.info_bits)
    lost = 0
    seed_everything(seed)
    remaining = trials
    batch_streams = max(1, 2048 // per_stream)
    with torch.no_grad():
        while remaining > 0:
            b = min(batch_streams, remaining)
            out = link(b * per_stream, snr_db)
            fails = (~out.crc_ok.reshape(b, per_stream)).any(dim=1)
            lost += int(fails.sum())
            remaining -= b
    return StreamCheck(snr_db=snr_db, designed_bler=designed_bler, trials=trials, lost=lost,
                       codewords_per_stream=per_stream)


def real_link_check(alloc: Allocation, k_bits: Sequence[int], perception: DiscardPerception, rate: float = 0.8,
                    trials: int = 200, offsets_db: Sequence[float] = (0.0, 0.5, 1.0, 2.0), k_cw: int = 1024,
                    seed: int = 0, device: Optional[str] = None, decoder: str = "semlink") -> RealLinkCheck:
    """Simulate a coded allocation on real links at the designed SNRs plus ``offsets_db``."""
    if alloc.scheme != "coded" or not alloc.feasible:
        raise ValueError("the real-link check needs a feasible coded allocation")
    res = RealLinkCheck(target=alloc.target, designed_perception=alloc.perception)
    for off in offsets_db:
        row = []
        for i in range(2):
            if alloc.snr[i] <= 0:  # a stream designed with no power is never sent
                row.append(StreamCheck(float("-inf"), 1.0, trials, trials, 0))
                continue
            snr_db = 10 * math.log10(alloc.snr[i]) + off
            row.append(stream_loss_rate(int(k_bits[i]), snr_db, rate, trials, k_cw, seed + 17 * i,
                                        device, alloc.errors[i], decoder))
        res.offsets_db.append(float(off))
        res.streams.append(row)
        res.achieved.append(perception(row[0].bler, row[1].bler))
    # smallest offset reaching the target (linear interpolation between simulated offsets)
    pts = list(zip(res.offsets_db, res.achieved))
    if pts and pts[0][1] <= alloc.target:
        res.backoff_db = pts[0][0]
    for (o0, a0), (o1, a1) in zip(pts, pts[1:]):
        if res.backoff_db is None and a0 > alloc.target >= a1:
            res.backoff_db = o0 + (o1 - o0) * (a0 - alloc.target) / (a0 - a1)
    return res


def read_real_link(path: str) -> tuple[Optional[dict], Optional[dict]]:
    """The stored design (``Allocation.to_dict``) and check (``RealLinkCheck.to_dict``; ``None`` when the design
    was infeasible) of a result file, or ``(None, None)`` before the part ran. A file written before the check
    was a table holds it as a JSON attribute, read as such."""
    from linklevel.store.h5io import open_result

    from ..study.parts import read_group

    with open_result(path) as f:
        if "real_link" not in f:
            return None, None
    data, attrs = read_group(path, "real_link")
    design = json.loads(attrs["design"]) if "design" in attrs else None
    if "check" in data:
        scalars = {k: json.loads(attrs[k]) for k in ("target", "designed_perception", "backoff_db")}
        return design, RealLinkCheck.from_table(data["check"], scalars).to_dict()
    return design, json.loads(attrs["check"]) if "check" in attrs else None
