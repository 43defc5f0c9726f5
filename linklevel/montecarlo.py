"""Monte Carlo engine: per-SNR-point batches until a stopping rule, raw counts kept.

Each point runs batches of ``batch_size`` frames until its target number of bit
and/or block errors is reached, or ``max_bits`` / ``max_blocks`` / the time budget
is spent. Counts (bits, bit errors, blocks, block errors, CRC-detected block
errors, batches), the stopping status, the run time and the point's seed are kept;
rates and exact Clopper–Pearson intervals are derived from them.

Each point is seeded from ``(seed, snr)`` alone (:func:`~linklevel.runtime.point_seed`),
so the same seed gives identical counts on the CPU, and a sweep resumed after an
interruption reproduces an uninterrupted one point for point.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Optional

import numpy as np
import torch

from .link import Link
from .points import STATUSES, PointResult, StopCriteria, SweepResult
from .runtime import point_seed, seed_everything

__all__ = [
    "StopCriteria",
    "PointResult",
    "SweepResult",
    "auto_batch_size",
    "simulate_point",
    "simulate_sweep",
    "error_units",
    "batch_memory",
    "AUTO_BATCH_BITS",
]

#: Coded bits per automatic batch: CPU, CUDA. Fixed (not scaled to free memory) so that "auto"
#: names one batch size, and therefore one random stream, per link and device kind.
AUTO_BATCH_BITS = {"cpu": 1 << 17, "cuda": 1 << 21}


def auto_batch_size(link: Link, criteria: Optional[StopCriteria] = None) -> int:
    """Frames per batch: about 2^17 coded bits on a CPU, 2^21 on CUDA; deterministic.

    The batch is never larger than what ``max_bits``/``max_blocks`` need. On CUDA one probe
    batch checks that it needs at most half of the free device memory; otherwise a clear error
    asks for an explicit ``batch_size`` (silently shrinking it would change the counts).
    """
    per_frame = max(1, link.coded_bits_per_frame)
    dev = torch.device(link.device)
    batch = max(1, AUTO_BATCH_BITS["cuda" if dev.type == "cuda" else "cpu"] // per_frame)
    if criteria is not None:
        if criteria.max_blocks is not None:
            batch = min(batch, max(1, math.ceil(criteria.max_blocks / link.codewords_per_frame)))
        if criteria.max_bits is not None:
            batch = min(batch, max(1, math.ceil(criteria.max_bits / link.info_bits_per_frame)))
    if dev.type == "cuda":
        used = batch_memory(link, batch)
        free, _ = torch.cuda.mem_get_info(dev)
        if used > free / 2:
            raise ValueError(f"the automatic batch of {batch} frames needs {used / 2**20:.0f} MiB, more than half of "
                             f"the {free / 2**20:.0f} MiB free on {dev}; pass a smaller batch size")
    return max(1, batch)


def batch_memory(link: Link, batch: int) -> int:
    """Peak CUDA memory (bytes) of one link call with ``batch`` frames (0 on the CPU)."""
    dev = torch.device(link.device)
    if dev.type != "cuda":
        return 0
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    base = torch.cuda.memory_allocated(dev)
    with torch.inference_mode():
        link(batch, 10.0)
    torch.cuda.synchronize(dev)
    return max(1, torch.cuda.max_memory_allocated(dev) - base)


def _point_done(p: PointResult, c: StopCriteria, t0: float) -> Optional[str]:
    if c.target_bit_errors is not None and p.bit_errors >= c.target_bit_errors > 0:
        return "target_bit_errors"
    if c.target_block_errors is not None and p.block_errors >= c.target_block_errors > 0:
        return "target_block_errors"
    if c.max_bits is not None and p.bits >= c.max_bits:
        return "max_bits"
    if c.max_blocks is not None and p.blocks >= c.max_blocks:
        return "max_blocks"
    if c.max_time_s is not None and time.perf_counter() - t0 >= c.max_time_s:
        return "time_budget"
    return None


def error_units(link: Link) -> tuple[str, str]:
    """The independent units of a link's bit and block errors: ``(ber_unit, bler_unit)``.

    Bits are independent only on uncoded links with perfect CSI over AWGN or i.i.d. fading;
    otherwise they come in bursts (a failed codeword, a shared fade, an estimation error) and
    the frame is the unit. Blocks are independent when each frame holds one codeword, or when
    the codewords of a frame share no fade (AWGN, perfect CSI).
    """
    c = link.config
    iid_noise = c.channel == "awgn" and c.csi == "perfect"
    iid_bits = c.code == "none" and c.csi == "perfect" and (
        c.channel == "awgn" or (c.channel == "rayleigh-block" and c.coherence == "iid" and not c.ofdm))
    iid_blocks = link.codewords_per_frame == 1 or iid_noise
    return ("bits" if iid_bits else "frames"), ("blocks" if iid_blocks else "frames")


def _cut(err: torch.Tensor, have: int, target: Optional[int], unit: str) -> Optional[int]:
    """Kept bits (flattened ``[frame, codeword, bit]`` order) when ``target`` is reached in this batch.

    ``unit``: ``bits`` (stop at the target-th bit error), ``blocks`` (at the target-th codeword
    error) or ``frames`` (at the end of the frame where the target is reached).
    """
    if target is None or target <= 0:
        return None
    need = target - have
    k = err.shape[-1]
    if unit == "bits":
        idx = torch.nonzero(err.reshape(-1)).reshape(-1)
        return int(idx[need - 1]) + 1 if idx.numel() >= need else None
    if unit == "blocks":
        idx = torch.nonzero(err.any(-1).reshape(-1)).reshape(-1)
        return (int(idx[need - 1]) + 1) * k if idx.numel() >= need else None
    return None


def _frame_cut(per_frame: torch.Tensor, have: int, target: Optional[int], frame_bits: int) -> Optional[int]:
    if target is None or target <= 0:
        return None
    cum = torch.cumsum(per_frame, 0)
    hit = torch.nonzero(cum >= target - have).reshape(-1)
    return (int(hit[0]) + 1) * frame_bits if hit.numel() else None


def _add(res: PointResult, stats: list) -> None:
    e, blk, det, e2, blk2, n, c, n2, c2, en, bc, f = (int(v) for v in stats)
    res.bit_errors += e
    res.block_errors += blk
    res.detected_block_errors += det
    res.bit_err_sq += e2
    res.block_err_sq += blk2
    res.bits += n
    res.blocks += c
    res.bits_sq += n2
    res.blocks_sq += c2
    res.bit_err_bits += en
    res.block_err_blocks += bc
    res.frames += f


def _add_batch(res: PointResult, sums: list, shape: tuple[int, int, int]) -> None:
    """A whole batch: its sums ``[Σe, Σb, Σdetected, Σe², Σb²]`` and the fixed frame sizes."""
    b, cw, k = shape
    nb = cw * k
    _add(res, list(sums) + [b * nb, b * cw, b * nb * nb, b * cw * cw, sums[0] * nb, sums[1] * cw, b])


def _add_cut(res: PointResult, err: torch.Tensor, crc_ok: torch.Tensor, keep: int) -> None:
    """The first ``keep`` bits of a batch (flattened order): the batch where a target was reached."""
    b, cw, k = err.shape
    mask = (torch.arange(b * cw * k, device=err.device) < keep).reshape(b, cw, k)
    err = err & mask
    n_f = mask.sum((1, 2))
    c_f = mask.any(-1).sum(-1)
    detected = (~crc_ok & mask.any(-1)).sum()
    frames = n_f > 0
    e_f = err.sum((1, 2))[frames]
    blk_f = err.any(-1).sum(-1)[frames]
    n_f, c_f = n_f[frames], c_f[frames]
    _add(res, torch.stack([e_f.sum(), blk_f.sum(), detected, (e_f * e_f).sum(), (blk_f * blk_f).sum(), n_f.sum(),
                           c_f.sum(), (n_f * n_f).sum(), (c_f * c_f).sum(), (e_f * n_f).sum(), (blk_f * c_f).sum(),
                           frames.sum()]).tolist())


def simulate_point(
    link: Link,
    ebno_db: float,
    criteria: StopCriteria,
    batch_size: int,
    seed: int,
    on_batch: Optional[Callable[[PointResult], None]] = None,
) -> PointResult:
    """Simulate one SNR point until ``criteria`` stops it.

    The point stops at batch boundaries, except that an error target ends it *inside* the
    batch where it is reached: at the target-th error when its trials are independent (exact
    inverse binomial sampling, so the rate is the unbiased ``(e-1)/(n-1)``), else at the end of
    the frame where it is reached. Per-frame sums are kept for the intervals
    (:class:`~linklevel.points.PointResult`).

    :param link: The link to simulate.
    :param ebno_db: Eb/N0 (or Es/N0, per the link's ``snr_type``) in dB.
    :param criteria: Stopping rule.
    :param batch_size: Frames per batch.
    :param seed: Run seed; the point's own seed is derived from it and ``ebno_db``.
    :param on_batch: Called with the running counts after each batch.
    :output: :class:`PointResult`. On ``KeyboardInterrupt`` the exception propagates.

    .. code-block:: python

        >>> from linklevel import Link, LinkConfig
        >>> from linklevel.montecarlo import StopCriteria, simulate_point
        >>> p = simulate_point(Link(LinkConfig("bpsk")), 4.0, StopCriteria(max_bits=10**5), 64, seed=1)
        >>> p.status, p.bit_errors, p.inverse
        ('target_bit_errors', 1000, 'bits')
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    pseed = point_seed(seed, ebno_db)
    seed_everything(pseed)
    ber_unit, bler_unit = error_units(link)
    res = PointResult(ebno_db=float(ebno_db), seed=pseed, ber_unit=ber_unit, bler_unit=bler_unit)
    no = link.snr_to_no(ebno_db)
    t0 = time.perf_counter()
    tb, tk = criteria.target_bit_errors, criteria.target_block_errors
    with torch.inference_mode():
        while True:
            out = link.transmit(link.draw_bits(batch_size), no)
            err = out.bits != out.bits_hat
            e_f = err.sum((1, 2))
            blk_f = err.any(-1).sum(-1)
            # one host sync per batch: the batch's sums decide whether a target falls inside it
            sums = torch.stack([e_f.sum(), blk_f.sum(), (~out.crc_ok).sum(), (e_f * e_f).sum(),
                                (blk_f * blk_f).sum()]).tolist()
            frame_bits = err.shape[1] * err.shape[2]
            cuts = []
            if tb and res.bit_errors + sums[0] >= tb:
                cuts.append(("bits", _cut(err, res.bit_errors, tb, "bits") if ber_unit == "bits"
                             else _frame_cut(e_f, res.bit_errors, tb, frame_bits)))
            if tk and res.block_errors + sums[1] >= tk:
                cuts.append(("blocks", _cut(err, res.block_errors, tk, "blocks") if bler_unit == "blocks"
                             else _frame_cut(blk_f, res.block_errors, tk, frame_bits)))
            keep = min((c for _, c in cuts if c is not None), default=None)
            if keep is None:
                _add_batch(res, sums, tuple(err.shape))
            else:
                _add_cut(res, err, out.crc_ok, keep)
                unit = next(u for u, c in cuts if c == keep)
                exact = ber_unit == "bits" if unit == "bits" else bler_unit == "blocks"
                res.inverse = unit if exact else ""
            res.batches += 1
            res.runtime_s = time.perf_counter() - t0
            if on_batch is not None:
                on_batch(res)
            status = _point_done(res, criteria, t0)
            if status is not None:
                res.status = status
                return res


def simulate_sweep(
    link: Link,
    ebno_dbs: Iterable[float],
    criteria: StopCriteria,
    batch_size: Optional[int] = None,
    seed: int = 0,
    finished: Optional[dict[float, PointResult]] = None,
    on_point: Optional[Callable[[PointResult], None]] = None,
    progress: bool = True,
) -> SweepResult:
    """Simulate a sweep in increasing SNR order; resumable and interruptible.

    :param link: The link to simulate.
    :param ebno_dbs: SNR points in dB.
    :param criteria: Stopping rule per point and for the sweep.
    :param batch_size: Frames per batch; `None` chooses one (:func:`auto_batch_size`).
    :param seed: Run seed.
    :param finished: Points already simulated (e.g. read back from HDF5), keyed by
        SNR; they are not recomputed and come back with ``resumed=True``.
    :param on_point: Called with each newly finished point (e.g. to persist it).
    :param progress: Show a progress bar on stderr.
    :output: :class:`SweepResult`. Ctrl-C ends the sweep with ``interrupted=True``;
        the points finished before it are kept (and were passed to ``on_point``).
    """
    from tqdm.auto import tqdm

    snrs = sorted(float(s) for s in ebno_dbs)
    if not snrs:
        raise ValueError("the SNR sweep is empty")
    finished = {round(k, 9): v for k, v in (finished or {}).items()}
    if batch_size is None:
        batch_size = auto_batch_size(link, criteria)
    t_start = time.perf_counter()
    out = SweepResult(points=[])
    bar = tqdm(total=len(snrs), file=sys.stderr, disable=not progress, unit="pt", leave=False)
    stop_rest = False
    try:
        for snr in snrs:
            if stop_rest:
                out.points.append(PointResult(ebno_db=snr, status="skipped"))
                bar.update(1)
                continue
            done = finished.get(round(snr, 9))
            if done is not None:
                done.resumed = True
                point = done
            else:
                bar.set_description(f"{snr:g} dB")

                def show(p: PointResult) -> None:
                    bar.set_postfix(bits=p.bits, bit_err=p.bit_errors, blk_err=p.block_errors, refresh=False)

                point = simulate_point(link, snr, criteria, batch_size, seed, on_batch=show if progress else None)
                if on_point is not None:
                    on_point(point)
            out.points.append(point)
            bar.update(1)
            if criteria.stop_after_zero_errors and point.bit_errors == 0:
                stop_rest = True
    except KeyboardInterrupt:
        out.interrupted = True
    finally:
        bar.close()
    out.runtime_s = time.perf_counter() - t_start
    return out
