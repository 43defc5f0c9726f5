"""Monte Carlo engine: per-SNR-point batches until a stopping rule, raw counts kept.

Each point runs batches of ``batch_size`` frames until its target number of bit
and/or block errors is reached, or ``max_bits`` / ``max_blocks`` / the time budget
is spent. Error targets and trial budgets are met exactly (the last batch is truncated);
the time budget is checked between batches. Counts (bits, bit errors, blocks, block errors, CRC-detected block
errors, batches), the stopping status, the run time and the point's seed are kept;
rates and exact Clopper–Pearson intervals are derived from them.

Each point is seeded from ``(seed, snr)`` alone (:func:`~linklevel.engine.runtime.point_seed`),
so the same seed gives identical counts on the CPU, and a sweep resumed after an
interruption reproduces an uninterrupted one point for point.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import torch

from linklevel.blocks.link import Link
from linklevel.store.points import STATUSES, PointResult, StopCriteria, SweepResult
from linklevel.engine.runtime import point_seed, seed_everything

__all__ = [
    "StopCriteria",
    "PointResult",
    "SweepResult",
    "auto_batch_size",
    "simulate_point",
    "simulate_joint",
    "simulate_sweep",
    "cached_link",
    "MAX_SYNC_INTERVAL",
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

    Bits are independent only on uncoded links with perfect CSI over AWGN, or over i.i.d. fading
    with one bit per symbol (BPSK): the bits of a QAM symbol share its fade, so a deep fade errs
    several at once (measured design effect per symbol on i.i.d. Rayleigh: 1.40 for 16QAM at 15 dB,
    1.57 for 64QAM at 20 dB; 1.0 on AWGN). Otherwise bit errors come in bursts (a failed codeword, a
    shared fade, an estimation error) and the frame is the unit. Blocks are independent when each
    frame holds one codeword, or when the codewords of a frame share no fade (AWGN, perfect CSI).
    """
    c = link.config
    iid_noise = c.channel == "awgn" and c.csi == "perfect"
    iid_bits = c.code == "none" and c.csi == "perfect" and (
        c.channel == "awgn" or (c.channel == "rayleigh-block" and c.coherence == "iid" and not c.ofdm
                                and c.bits_per_symbol == 1))
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


@dataclass
class _Batch:
    """One simulated batch, its per-frame error counts and its sums, all still on the device."""

    err: torch.Tensor  # [b, cw, k] bool
    crc_ok: torch.Tensor  # [b, cw] bool
    iters: Optional[torch.Tensor]  # [b, cw] int32 or None
    e_f: torch.Tensor  # [b] bit errors per frame
    blk_f: torch.Tensor  # [b] block errors per frame
    sums: torch.Tensor  # [6 + h]: Σe, Σblk, Σdetected, Σe², Σblk², Σiterations, iteration histogram


def _batch(out: Any) -> _Batch:
    err = out.bits != out.bits_hat
    e_f = err.sum((1, 2))
    blk_f = err.any(-1).sum(-1)
    parts = [e_f.sum(), blk_f.sum(), (~out.crc_ok).sum(), (e_f * e_f).sum(), (blk_f * blk_f).sum()]
    if out.iterations is None:
        sums = torch.stack(parts + [torch.zeros((), dtype=e_f.dtype, device=e_f.device)])
    else:  # the iteration histogram rides along with the sums: still one host read per interval
        it = out.iterations.reshape(-1).to(torch.int64)
        sums = torch.cat([torch.stack(parts + [it.sum()]), torch.bincount(it)])
    return _Batch(err, out.crc_ok, out.iterations, e_f, blk_f, sums)


def _read_sums(sums: list[torch.Tensor]) -> list[list[int]]:
    """The sums of several batches in one host read (histograms padded to a common length)."""
    return torch.nn.utils.rnn.pad_sequence(sums, batch_first=True).tolist()


def _hist(iters: torch.Tensor) -> list[int]:
    return torch.bincount(iters.reshape(-1).to(torch.int64)).tolist()


class _PointState:
    """The running counts of one point and its stopping rule; consumes batches in order."""

    def __init__(self, link: Link, ebno_db: float, pseed: int, criteria: StopCriteria) -> None:
        self.ber_unit, self.bler_unit = error_units(link)
        self.res = PointResult(ebno_db=float(ebno_db), seed=pseed, ber_unit=self.ber_unit, bler_unit=self.bler_unit)
        self.criteria = criteria
        self.t0 = time.perf_counter()

    def consume(self, b: _Batch, sums: list) -> Optional[str]:
        """Add one batch (its sums already on the host); returns the status if the point ends."""
        res, tb, tk = self.res, self.criteria.target_bit_errors, self.criteria.target_block_errors
        frame_bits = b.err.shape[1] * b.err.shape[2]
        cuts = []
        if tb and res.bit_errors + sums[0] >= tb:
            cuts.append(("bits", _cut(b.err, res.bit_errors, tb, "bits") if self.ber_unit == "bits"
                         else _frame_cut(b.e_f, res.bit_errors, tb, frame_bits)))
        if tk and res.block_errors + sums[1] >= tk:
            cuts.append(("blocks", _cut(b.err, res.block_errors, tk, "blocks") if self.bler_unit == "blocks"
                         else _frame_cut(b.blk_f, res.block_errors, tk, frame_bits)))
        bsz, cw, k = b.err.shape
        err_keep = min((c for _, c in cuts if c is not None), default=None)
        budget = self._budget_cut(bsz, cw, k)
        keep = budget if budget is not None and (err_keep is None or budget < err_keep) else err_keep
        if keep is None:
            nb = cw * k
            _add(res, list(sums[:5]) + [bsz * nb, bsz * cw, bsz * nb * nb, bsz * cw * cw, sums[0] * nb,
                                        sums[1] * cw, bsz])
            if b.iters is not None:
                res.iterations += int(sums[5])
                res.add_histogram(list(sums[6:]))
        else:
            _add_cut(res, b.err, b.crc_ok, keep)
            if b.iters is not None:
                kept = b.iters.reshape(-1)[: -(-keep // k)]  # codewords with at least one kept bit
                res.iterations += int(kept.sum())
                res.add_histogram(_hist(kept))
            unit = next((u for u, c in cuts if c == keep), None)  # None: the budget ended the point
            exact = unit is not None and (self.ber_unit == "bits" if unit == "bits" else self.bler_unit == "blocks")
            res.inverse = unit if exact else ""
        res.batches += 1
        res.runtime_s = time.perf_counter() - self.t0
        status = _point_done(res, self.criteria, self.t0)
        if status is not None:
            res.status = status
        return status

    def _budget_cut(self, bsz: int, cw: int, k: int) -> Optional[int]:
        """Kept bits (flattened ``[frame, codeword, bit]`` order) when ``max_bits`` / ``max_blocks``
        fall inside this batch of ``bsz`` frames of ``cw`` codewords of ``k`` bits, else None."""
        r, c = self.res, self.criteria
        cuts = []
        if c.max_bits is not None and r.bits + bsz * cw * k > c.max_bits:
            cuts.append(max(c.max_bits - r.bits, 0))
        if c.max_blocks is not None and r.blocks + bsz * cw > c.max_blocks:
            cuts.append(max(c.max_blocks - r.blocks, 0) * k)
        return min(cuts, default=None)

    def batches_left(self, batch_frames: int, frame_bits: int, frame_blocks: int) -> int:
        """Batches until ``max_bits``/``max_blocks`` end the point, or until the error targets are
        expected to be met at the rates seen so far (at least 1)."""
        r, c = self.res, self.criteria
        left = []
        if c.max_bits is not None:
            left.append(-(-(c.max_bits - r.bits) // (batch_frames * frame_bits)))
        if c.max_blocks is not None:
            left.append(-(-(c.max_blocks - r.blocks) // (batch_frames * frame_blocks)))
        for target, have, per_batch in ((c.target_bit_errors, r.bit_errors, r.bit_errors / max(r.batches, 1)),
                                        (c.target_block_errors, r.block_errors,
                                         r.block_errors / max(r.batches, 1))):
            if target and per_batch > 0:
                left.append(int((target - have) / per_batch))
        return max(1, min(left, default=1))


#: Largest number of batches between two host syncs on CUDA (the batches simulated after a
#: point's end inside one interval are discarded, so counts never depend on the interval).
MAX_SYNC_INTERVAL = 16


def _sync_interval(state: _PointState, link: Link, batch_size: int, done_batches: int) -> int:
    """Batches to queue before the next host sync: 1 on a CPU (a sync costs nothing there); on
    CUDA doubling with the batches done, never beyond what the point is expected to need."""
    if torch.device(link.device).type != "cuda":
        return 1
    k = min(MAX_SYNC_INTERVAL, 1 << min(done_batches, 4))
    return max(1, min(k, state.batches_left(batch_size, link.info_bits_per_frame, link.codewords_per_frame)))


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
    the frame where it is reached; and a trial budget ends it at exactly ``max_bits`` bits /
    ``max_blocks`` blocks (the last batch is truncated in the same flattened order, so a point
    stopped by ``max_bits`` may end inside a codeword, which then counts as a block). Whichever
    comes first in the batch wins (the error target on a tie). Per-frame sums are kept for the intervals
    (:class:`~linklevel.store.points.PointResult`), and the LDPC iterations per block.

    Counts stay on the device; the host reads them once per *sync interval* (1 batch on a CPU,
    up to :data:`MAX_SYNC_INTERVAL` on CUDA, sized so a point is not expected to end inside
    it). Batches are consumed in order and those after the point's end are discarded, so the
    counts are the same for any interval.

    :param link: The link to simulate.
    :param ebno_db: Eb/N0 (or Es/N0, per the link's ``snr_type``) in dB.
    :param criteria: Stopping rule.
    :param batch_size: Frames per batch.
    :param seed: Run seed; the point's own seed is derived from it and ``ebno_db``.
    :param on_batch: Called with the running counts after each batch.
    :output: :class:`PointResult`. On ``KeyboardInterrupt`` the exception propagates.

    .. code-block:: python

        >>> from linklevel import Link, LinkConfig
        >>> from linklevel.engine.montecarlo import StopCriteria, simulate_point
        >>> p = simulate_point(Link(LinkConfig("bpsk")), 4.0, StopCriteria(max_bits=10**5), 64, seed=1)
        >>> p.status, p.bit_errors, p.inverse
        ('target_bit_errors', 1000, 'bits')
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    pseed = point_seed(seed, ebno_db)
    seed_everything(pseed)
    state = _PointState(link, ebno_db, pseed, criteria)
    no = link.snr_to_no(ebno_db)
    with torch.inference_mode():
        while True:
            queue = [_batch(link.transmit(link.draw_bits(batch_size), no))
                     for _ in range(_sync_interval(state, link, batch_size, state.res.batches))]
            # one host sync per interval: the sums decide whether a target falls inside a batch
            all_sums = _read_sums([b.sums for b in queue])
            for b, sums in zip(queue, all_sums):
                status = state.consume(b, sums)
                if on_batch is not None:
                    on_batch(state.res)
                if status is not None:
                    return state.res


def simulate_joint(
    link: Link,
    ebno_dbs: Iterable[float],
    criteria: StopCriteria,
    batch_size: int,
    seed: int,
    on_point: Optional[Callable[[PointResult], None]] = None,
) -> list[PointResult]:
    """Simulate several SNR points in the same batches (SNR as a per-frame tensor).

    Each batch carries ``batch_size`` frames of every point still running, so small links fill
    a GPU; a point leaves the batch when its own ``criteria`` stop it (same rules as
    :func:`simulate_point`). One random stream serves the whole group, seeded from ``seed`` and
    the SNR set: counts are reproducible for the same points, batch size and device, but differ
    from point-by-point runs (a different, equally valid sample).

    :param link: The link to simulate.
    :param ebno_dbs: SNR points in dB (distinct).
    :param criteria: Stopping rule of every point.
    :param batch_size: Frames per point per batch.
    :param seed: Run seed.
    :param on_point: Called with each point as it finishes.
    :output: The points in the order given. On ``KeyboardInterrupt`` the exception propagates.

    .. code-block:: python

        >>> from linklevel import Link, LinkConfig
        >>> from linklevel.engine.montecarlo import StopCriteria, simulate_joint
        >>> pts = simulate_joint(Link(LinkConfig("bpsk")), [0.0, 4.0], StopCriteria(max_bits=10**5), 64, seed=1)
        >>> [p.status for p in pts]
        ['target_bit_errors', 'target_bit_errors']
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    snrs = [float(v) for v in ebno_dbs]
    if not snrs or len({round(v, 9) for v in snrs}) != len(snrs):
        raise ValueError("simulate_joint needs distinct SNR points")
    gseed = point_seed(seed, sum(point_seed(0, v) for v in snrs) % (1 << 31))
    seed_everything(gseed)
    states = [_PointState(link, v, gseed, criteria) for v in snrs]
    active = list(range(len(snrs)))
    with torch.inference_mode():
        while active:
            no = torch.cat([link.snr_to_no(snrs[i]).reshape(1).expand(batch_size) for i in active]).reshape(-1, 1)
            out = link.transmit(link.draw_bits(batch_size * len(active)), no)
            parts = []
            for j, _ in enumerate(active):
                sl = slice(j * batch_size, (j + 1) * batch_size)
                parts.append(_batch(type(out)(out.bits[sl], out.bits_hat[sl], out.crc_ok[sl], None,
                                              None if out.iterations is None else out.iterations[sl])))
            all_sums = _read_sums([b.sums for b in parts])
            still = []
            for i, b, sums in zip(active, parts, all_sums):
                if states[i].consume(b, sums) is None:
                    still.append(i)
                elif on_point is not None:
                    on_point(states[i].res)
            active = still
    return [s.res for s in states]


def simulate_sweep(
    link: Link,
    ebno_dbs: Iterable[float],
    criteria: StopCriteria,
    batch_size: Optional[int] = None,
    seed: int = 0,
    finished: Optional[dict[float, PointResult]] = None,
    on_point: Optional[Callable[[PointResult], None]] = None,
    progress: bool = True,
    joint: bool = False,
    workers: int = 1,
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
    :param joint: Simulate all unfinished points in the same batches (:func:`simulate_joint`);
        ``stop_after_zero_errors`` then skips nothing (all points run together).
    :param workers: Processes computing points (the caller included; :mod:`~linklevel.engine.workers`,
        one torch thread each): points are independent (own seeds), so the counts equal the serial
        sweep's; they are passed to ``on_point`` in SNR order, and points past a zero-error point
        (``stop_after_zero_errors``) are dropped as the serial sweep would skip them.
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
    try:
        if joint:
            todo = [v for v in snrs if round(v, 9) not in finished]
            got: dict[float, PointResult] = {}

            def done(p: PointResult) -> None:
                got[round(p.ebno_db, 9)] = p
                if on_point is not None:
                    on_point(p)
                bar.update(1)

            bar.update(len(snrs) - len(todo))
            try:
                if todo:
                    simulate_joint(link, todo, criteria, batch_size, seed, on_point=done)
            finally:
                for snr in snrs:
                    p = finished.get(round(snr, 9))
                    if p is not None:
                        p.resumed = True
                    out.points.append(p or got.get(round(snr, 9)) or PointResult(ebno_db=snr, status="interrupted"))
        if not joint:
            _sweep_in_order(link, snrs, criteria, batch_size, seed, finished, on_point, bar, out, workers)
    except KeyboardInterrupt:
        out.interrupted = True
    finally:
        bar.close()
    out.runtime_s = time.perf_counter() - t_start
    return out


def cached_link(spec: tuple, device: str) -> Link:
    """The :class:`Link` of ``spec`` (:attr:`Link.spec`) on ``device``, built once per process
    (worker processes simulate many points of the same links)."""
    key = (spec, device)
    link = _CACHED_LINKS.get(key)
    if link is None:
        config, precision, compile_ = spec
        link = _CACHED_LINKS[key] = Link(config, precision=precision, device=device, compile=compile_)
    return link


_CACHED_LINKS: dict = {}


def _point_task(spec: tuple, ebno_db: float, criteria: StopCriteria, batch_size: int, seed: int,
                device: str) -> PointResult:
    """One SNR point in a worker process."""
    return simulate_point(cached_link(spec, device), ebno_db, criteria, batch_size, seed)


def _sweep_in_order(link: Link, snrs: list[float], criteria: StopCriteria, batch_size: int, seed: int,
                    finished: dict[float, PointResult], on_point: Optional[Callable[[PointResult], None]],
                    bar: Any, out: SweepResult, workers: int) -> None:
    """The point-by-point sweep (serial, or points on ``workers`` processes), results in SNR order."""
    import functools

    from linklevel.engine.workers import ordered_parallel

    todo = [v for v in snrs if round(v, 9) not in finished]
    progress = not bar.disable

    def show(p: PointResult) -> None:
        bar.set_postfix(bits=p.bits, bit_err=p.bit_errors, blk_err=p.block_errors, refresh=False)

    def local(i: int) -> PointResult:
        bar.set_description(f"{todo[i]:g} dB")
        return simulate_point(link, todo[i], criteria, batch_size, seed, on_batch=show if progress else None)

    tasks = [functools.partial(_point_task, link.spec, v, criteria, batch_size, seed) for v in todo]
    def drop(i: int, p: PointResult) -> range:  # points the serial sweep would skip are never started
        return range(i + 1, len(todo)) if criteria.stop_after_zero_errors and p.bit_errors == 0 else range(0)

    computed = ordered_parallel(tasks, workers, device=str(link.device), local=local, drop=drop)
    stop_rest = False
    try:
        for snr in snrs:
            if stop_rest:
                out.points.append(PointResult(ebno_db=snr, status="skipped"))
            elif round(snr, 9) in finished:
                point = finished[round(snr, 9)]
                point.resumed = True
                out.points.append(point)
            else:
                point = next(computed)[1]
                if on_point is not None:
                    on_point(point)
                out.points.append(point)
            bar.update(1)
            if criteria.stop_after_zero_errors and out.points[-1].bit_errors == 0:
                stop_rest = True
    finally:
        computed.close()
