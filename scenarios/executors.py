"""Executors run a study's pending runs and persist each one as soon as it ends.

* ``local`` (default): serial in this process, each point written to the HDF5 file
  the moment it finishes; with several CUDA devices, one worker process per GPU
  (``spawn``), the parent writing each run into the file as it completes.
* ``ray``: one Ray task per run on a cluster (``RAY_ADDRESS``, or a local Ray
  instance when unset); requests one GPU per task when the cluster has GPUs. Ray is
  the optional extra ``semlink[ray]``.

Only the parent process ever writes the result file, so the atomic-replace
writes of :class:`~linklevel.results.ResultStore` never race. An interrupted
study loses at most the runs in flight (serial local: at most the point in flight).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Callable, Optional, Sequence

from .ber import BerRun, BerRunResult, run_ber, store_result

__all__ = ["EXECUTORS", "execute_runs", "mark_complete", "is_complete"]

EXECUTORS = ("local", "ray")

OnDone = Callable[[BerRun, BerRunResult], None]


def mark_complete(out: str, result: BerRunResult) -> None:
    """Record in the file that ``result``'s run finished its whole SNR grid."""
    from linklevel.results import ResultStore

    store = ResultStore(out)
    done = set(is_complete_grid(out, result.run_id)) | {round(p.ebno_db, 9) for p in result.points}
    store.set_attrs(result.run_id, completed_ebno_db=json.dumps(sorted(done)))


def is_complete_grid(out: str, run_id: str) -> list[float]:
    """SNR points of a run recorded as completed (empty if none)."""
    from linklevel.results import ResultStore

    store = ResultStore(out)
    if not os.path.exists(out) or not store.has_run(run_id):
        return []
    text = store.read_run(run_id).attrs.get("completed_ebno_db")
    return [float(v) for v in json.loads(text)] if text else []


def is_complete(out: str, run: BerRun) -> bool:
    """Whether every SNR point of ``run`` was completed in an earlier execution."""
    done = {round(v, 9) for v in is_complete_grid(out, run.run_id)}
    return bool(done) and all(round(v, 9) in done for v in run.ebno_db)


def _worker_run(run: BerRun, device: Optional[str], batch_size: Optional[int]) -> BerRunResult:
    """Simulate one run without touching the file; the result travels back to the parent."""
    res = run_ber(run, out=None, device=device, batch_size=batch_size, progress=False, analytic=False)
    res.model = None  # closures do not pickle; the parent rebuilds the model
    return res


def _cuda_count() -> int:
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - no usable CUDA
        return 0


def execute_runs(
    runs: Sequence[BerRun],
    out: str,
    executor: str = "local",
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    progress: bool = True,
    on_done: Optional[OnDone] = None,
) -> bool:
    """Run ``runs`` and write each into ``out``; return ``False`` if interrupted.

    :param runs: Pending runs (already filtered for completed ones).
    :param out: HDF5 result file.
    :param executor: ``local`` or ``ray``.
    :param device: ``auto``/``None``, ``cpu``, ``cuda[:N]`` (local serial only; the
        multi-GPU and Ray executors place runs themselves).
    :param batch_size: Frames per batch (default: automatic per device).
    :param progress: Progress bars on stderr.
    :param on_done: Called in the parent after each run is stored.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; use one of {', '.join(EXECUTORS)}")
    if not runs:
        return True
    if executor == "ray":
        return _execute_ray(runs, out, batch_size, on_done)
    gpus = _cuda_count()
    if gpus > 1 and device in (None, "auto") and len(runs) > 1:
        return _execute_multi_gpu(runs, out, gpus, batch_size, progress, on_done)
    return _execute_serial(runs, out, device, batch_size, progress, on_done)


def _execute_serial(runs, out, device, batch_size, progress, on_done) -> bool:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(runs), file=sys.stderr, disable=not progress, unit="run", position=1, leave=False)
    try:
        for run in runs:
            res = run_ber(run, out=out, device=device, batch_size=batch_size, progress=progress)
            if res.interrupted:
                return False
            mark_complete(out, res)
            if on_done is not None:
                on_done(run, res)
            bar.update(1)
    except KeyboardInterrupt:
        return False
    finally:
        bar.close()
    return True


def _execute_multi_gpu(runs, out, gpus, batch_size, progress, on_done) -> bool:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("spawn")
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=ctx) for _ in range(gpus)]
    pending = list(runs)
    in_flight = {}
    try:
        while pending or in_flight:
            busy = {g for g, _ in in_flight.values()}
            for g in range(gpus):
                if g not in busy and pending:
                    run = pending.pop(0)
                    fut = pools[g].submit(_worker_run, run, f"cuda:{g}", batch_size)
                    in_flight[fut] = (g, run)
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in done:
                _, run = in_flight.pop(fut)
                res = fut.result()
                store_result(out, res)
                mark_complete(out, res)
                if on_done is not None:
                    on_done(run, res)
    except KeyboardInterrupt:
        return False
    finally:
        for p in pools:
            p.shutdown(wait=False, cancel_futures=True)
    return True


def _execute_ray(runs, out, batch_size, on_done) -> bool:
    try:
        import ray
    except ImportError:
        raise ValueError("the ray executor needs Ray: pip install 'semlink[ray]'") from None
    started = False
    refs: dict = {}
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        ray.init(address=address or None, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True, configure_logging=False)
        started = True
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        task = ray.remote(num_gpus=1 if gpus else 0, num_cpus=1, max_retries=1)(_worker_run)
        refs = {task.remote(run, "cuda" if gpus else "cpu", batch_size): run for run in runs}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                run = refs.pop(ref)
                res = ray.get(ref)
                store_result(out, res)
                mark_complete(out, res)
                if on_done is not None:
                    on_done(run, res)
    except KeyboardInterrupt:
        for ref in list(refs):
            ray.cancel(ref, force=True)
        return False
    finally:
        if started:
            ray.shutdown()
    return True
