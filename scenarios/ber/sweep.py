"""A BER/BLER sweep as a resumable run: link + stopping rule + seed -> HDF5 group.

The run id is the hash of the normalized run config (link, stopping rule, seed,
precision). The SNR grid is *not* part of it: points are keyed by SNR, so
extending or re-running a sweep reuses every finished point. The points are stored by the link
level's :class:`~linklevel.store.results.ResultStore` (``runs/<run_id>/points``, journaled appends).
:func:`run_ber` is behind ``semlink ber`` and behind each part of a ``ber`` study
(:mod:`scenarios.ber.parts`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from linklevel.blocks.config import LinkConfig
from linklevel.store.points import PointResult, StopCriteria
from linklevel.engine.overlay import AnalyticModel, analytic_model, point_verdict
from linklevel.store.results import ResultStore, config_hash
from linklevel.engine.runtime import git_sha, resolve_device, versions
from linklevel.theory.snr import ebno_to_esno, esno_to_ebno

from ..study.schema import parse_range

#: Largest batch (frames per link call) accepted up front.
MAX_BATCH = 1 << 24

__all__ = ["MAX_BATCH", "default_targets", "BerRun", "BerRunResult", "ebno_grid", "run_ber"]


def default_targets(link: LinkConfig) -> dict[str, Optional[int]]:
    """Error targets when none is given: 1000 bit errors on uncoded links, 100 block errors on coded
    ones (a bit target beside a block target would stop coded points early: ~10-20 bit errors per
    failed codeword)."""
    if link.code == "none":
        return {"target_bit_errors": 1000, "target_block_errors": None}
    return {"target_bit_errors": None, "target_block_errors": 100}


def ebno_grid(link: LinkConfig, ebno: Optional[str] = None, esno: Optional[str] = None) -> tuple[float, ...]:
    """Eb/N0 grid in dB from an Eb/N0 or an Es/N0 range string (default ``0:2:10`` Eb/N0).

    Es/N0 is converted with the link's information bits per transmitted symbol.
    """
    if esno is None:
        return parse_range(ebno if ebno is not None else "0:2:10")
    from linklevel import Link

    grid = parse_range(esno)
    rate = Link(link, device="cpu").info_rate
    return tuple(round(float(v), 9) for v in esno_to_ebno(grid, rate))


@dataclass(frozen=True)
class BerRun:
    """Everything that defines a BER sweep.

    :param link: The link.
    :param stop: Stopping rule.
    :param ebno_db: SNR points (Eb/N0 in dB, or Es/N0 if ``link.snr_type == "esno"``).
    :param seed: Run seed.
    :param confidence: Interval coverage.
    :param precision: ``"single"`` or ``"double"``.
    :param batch_size: Frames per batch (``None``: the deterministic automatic size of
        :func:`~linklevel.engine.montecarlo.auto_batch_size`).
    :param device: ``"cpu"`` or ``"cuda"``: the kind of device the counts come from.
    :param snr_batch: Simulate all SNR points in the same batches
        (:func:`~linklevel.engine.montecarlo.simulate_joint`; fills a GPU with small links).
    :param compile: ``torch.compile`` the link (:class:`~linklevel.blocks.link.Link` ``compile``).

    The batch size and the device kind are part of the run's identity: counts depend on both
    (the random streams are drawn per batch, and CPU and CUDA generators differ), so results
    from different batch sizes or devices are never merged under one run id.
    """

    link: LinkConfig
    stop: StopCriteria = field(default_factory=StopCriteria)
    ebno_db: tuple[float, ...] = (0.0,)
    seed: int = 0
    confidence: float = 0.95
    precision: str = "single"
    batch_size: Optional[int] = None
    device: str = "cpu"
    snr_batch: bool = False
    compile: bool = False

    def __post_init__(self) -> None:
        if not self.ebno_db:
            raise ValueError("the SNR sweep is empty")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be an integer in [0, 2^63), got {self.seed!r}")
        if not 0.0 < float(self.confidence) < 1.0:
            raise ValueError(f"confidence must lie in (0, 1), got {self.confidence}")
        if self.precision not in ("single", "double"):
            raise ValueError(f"precision must be 'single' or 'double', got {self.precision!r}")
        if self.batch_size is not None and (isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int)
                                            or not 1 <= self.batch_size <= MAX_BATCH):
            raise ValueError(f"batch size must be an integer in [1, {MAX_BATCH}], got {self.batch_size!r}")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device kind must be 'cpu' or 'cuda', got {self.device!r}")
        for name in ("snr_batch", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")

    def identity(self) -> dict[str, Any]:
        """The normalized config that names the run (SNR grid excluded)."""
        return {
            "kind": "ber",
            "link": self.link.to_dict(),
            "stop": self.stop.to_dict(),
            "seed": self.seed,
            "precision": self.precision,
            "batch_size": "auto" if self.batch_size is None else self.batch_size,
            "device": self.device,
            "snr_batch": self.snr_batch,
            "compile": self.compile,
        }

    def on(self, device: Optional[str], batch_size: Optional[int] = None) -> "BerRun":
        """This run as it will run on ``device`` (``cpu``, ``cuda[:N]``, ``auto``) with ``batch_size``."""
        kind = "cuda" if resolve_device(device).startswith("cuda") else "cpu"
        return dataclasses.replace(self, device=kind, batch_size=self.batch_size if batch_size is None else batch_size)

    @property
    def run_id(self) -> str:
        return config_hash(self.identity())


@dataclass
class BerRunResult:
    """Outcome of :func:`run_ber`."""

    run: BerRun
    run_id: str
    points: list[PointResult]
    interrupted: bool
    device: str
    batch_size: int
    info_rate: float
    runtime_s: float
    model: Optional[AnalyticModel] = None
    bound_gaps: bool = False

    def attach_model(self) -> None:
        """(Re)build the analytic model, e.g. after the result crossed a process boundary."""
        self.model = analytic_model(self.run.link, self.info_rate)

    def attrs(self) -> dict[str, Any]:
        """HDF5 attributes of the run group."""
        return {
            "kind": "ber",
            "config": self.run.identity(),
            "config_hash": self.run_id,
            "seed": self.run.seed,
            "versions": versions(),
            "device": self.device,
            "git_sha": git_sha(),
            "confidence": self.run.confidence,
            "batch_size": self.batch_size,
            "info_bits_per_symbol": self.info_rate,
        }

    def point_extras(self, p: PointResult) -> dict[str, float]:
        """Per-point extra datasets: analytic values and the verdict."""
        values, v = self.point_analytic(p)
        extras = {f"analytic_{k}": val for k, val in values.items()}
        if v is not None:
            # 1 consistent, 0 gap, NaN insufficient (flagged by verdict_insufficient = 1)
            extras["verdict_consistent"] = float("nan") if v["status"] == "insufficient" else \
                float(v["status"] == "consistent")
            extras["verdict_insufficient"] = float(v["status"] == "insufficient")
            extras["verdict_gap_db"] = float("nan") if v.get("gap_db") is None else v["gap_db"]
            if "design_effect" in v:
                extras["verdict_design_effect"] = v["design_effect"]
        return extras

    def point_analytic(self, p: PointResult) -> tuple[dict[str, float], Optional[dict]]:
        """Analytic values and verdict of one point (empty / None where no model applies)."""
        if self.model is None:
            return {}, None
        values = self.model.values(p.ebno_db)
        if not p.bits:
            return values, None
        return values, point_verdict(self.model, p, self.run.confidence, self.bound_gaps)[1]

    def to_dict(self) -> dict[str, Any]:
        """The ``semlink ber --json`` object: ``{"config": ..., "points": [...]}``."""
        conf = self.run.confidence
        points = []
        for p in self.points:
            d = p.to_dict(conf)
            d["esno_db"] = float(ebno_to_esno(p.ebno_db, self.info_rate)) if self.run.link.snr_type == "ebno" else p.ebno_db
            values, v = self.point_analytic(p)
            if values:
                d["analytic"] = values
                d["verdict"] = v
            points.append(d)
        config = dict(self.run.identity())
        config.update(
            ebno_db=list(self.run.ebno_db),
            confidence=conf,
            run_id=self.run_id,
            device=self.device,
            batch_size=self.batch_size,
            info_bits_per_symbol=self.info_rate,
        )
        return {
            "config": config,
            "points": points,
            "interrupted": self.interrupted,
            "runtime_s": self.runtime_s,
        }


def run_ber(
    run: BerRun,
    out: Optional[str] = None,
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    progress: bool = True,
    resume: bool = True,
    analytic: bool = True,
    bound_gaps: bool = False,
    workers: int = 1,
) -> BerRunResult:
    """Simulate a sweep, persisting each finished point to ``out`` (HDF5) at once.

    :param run: What to simulate.
    :param out: HDF5 file; finished points of the same run are not recomputed.
    :param device: ``None``/``"auto"``, ``"cpu"``, ``"cuda[:N]"``.
    :param batch_size: Frames per batch (`None`: :func:`~linklevel.engine.montecarlo.auto_batch_size`).
    :param progress: Progress bar on stderr.
    :param resume: Reuse finished points found in ``out``.
    :param analytic: Put the matching analytic values and a verdict beside each point
        (:mod:`linklevel.engine.overlay`); stored as extra datasets in ``out``.
    :param bound_gaps: Also report the SNR gaps to the meta-converse and RCUs (slower).
    :param workers: Processes computing SNR points, this one included (one torch thread each;
        the counts are those of the serial sweep; :func:`~linklevel.engine.montecarlo.simulate_sweep`).
    """
    from linklevel import Link  # torch and Sionna load here, not on import
    from linklevel.engine.montecarlo import auto_batch_size, simulate_sweep

    dev = resolve_device(device)
    if batch_size is not None or ("cuda" if dev.startswith("cuda") else "cpu") != run.device:
        run = run.on(dev, batch_size)
    link = Link(run.link, precision=run.precision, device=dev, compile=run.compile)
    batch_size = run.batch_size if run.batch_size is not None else auto_batch_size(link, run.stop)
    store = ResultStore(out) if out else None
    run_id = run.run_id
    shell = BerRunResult(run=run, run_id=run_id, points=[], interrupted=False, device=dev,
                         batch_size=batch_size, info_rate=link.info_rate, runtime_s=0.0,
                         bound_gaps=bound_gaps)
    if analytic:
        shell.attach_model()
    finished: dict[float, PointResult] = {}
    if store is not None:
        if resume:
            finished = store.finished_points(run_id)
        store.ensure_run(run_id, shell.attrs())

    def persist(point: PointResult) -> None:
        if store is not None:
            store.append_point(run_id, point, run.confidence, extras=shell.point_extras(point))

    t0 = time.perf_counter()
    sweep = simulate_sweep(
        link, run.ebno_db, run.stop, batch_size=batch_size, seed=run.seed,
        finished=finished, on_point=persist, progress=progress, joint=run.snr_batch, workers=workers,
    )
    runtime = time.perf_counter() - t0
    if store is not None:
        total = sum(p.runtime_s for p in store.finished_points(run_id).values())
        store.set_attrs(run_id, runtime_s=float(total))
    shell.points, shell.interrupted, shell.runtime_s = sweep.points, sweep.interrupted, runtime
    return shell
