"""Run-time environment: device resolution, seeding and version/provenance records."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

__all__ = ["resolve_device", "point_seed", "seed_everything", "rng_scope", "physical_cores", "default_threads", "default_workers", "set_threads", "versions",
           "git_sha"]


def resolve_device(device: Optional[str] = None) -> str:
    """Resolve ``None``/``"auto"`` to ``"cuda:0"`` when CUDA is available, else ``"cpu"``.

    :param device: ``None``, ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    :output: A concrete device string.

    .. code-block:: python

        >>> resolve_device("cpu")
        'cpu'
    """
    import torch

    if device is None or device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str):
        raise TypeError(f"device must be a string, got {type(device).__name__}")
    if device == "cpu":
        return device
    if device == "cuda":
        device = "cuda:0"
    if device.startswith("cuda:") and device[5:].isdigit():
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available")
        if int(device[5:]) >= torch.cuda.device_count():
            raise ValueError(f"device {device!r} does not exist")
        return device
    raise ValueError(f"unknown device {device!r}; use cpu, cuda, cuda:N or auto")


def point_seed(seed: int, ebno_db: float) -> int:
    """Seed of one SNR point, derived from the run seed and the point's SNR only.

    A point's random stream then does not depend on which other points are in the
    sweep, so a resumed sweep yields exactly the counts of an uninterrupted one.
    """
    key = int(round(float(ebno_db) * 1e6))
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, key & 0xFFFFFFFFFFFF, 1 if key < 0 else 0])
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def seed_everything(seed: int) -> None:
    """Seed Sionna's generators (which all Sionna blocks use) and torch's global ones."""
    import torch
    from sionna.phy import config

    config.seed = int(seed)
    torch.manual_seed(int(seed))


@contextmanager
def rng_scope() -> Iterator[None]:
    """Run a block that reseeds (:func:`seed_everything`) without touching the caller's random state.

    Saves and restores torch's global CPU (and initialized CUDA) generators and Sionna's seed and
    generators (its ``py_rng``, ``np_rng`` and per-device torch generators, which reseeding replaces).

    .. code-block:: python

        >>> import torch
        >>> _ = torch.manual_seed(1); a = torch.rand(1)
        >>> _ = torch.manual_seed(1)
        >>> with rng_scope():
        ...     seed_everything(99); _ = torch.rand(5)
        >>> bool(torch.rand(1) == a)
        True
    """
    import torch

    cpu = torch.get_rng_state()  # before importing Sionna, whose first import draws from it
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
    from sionna.phy import config

    # Sionna keeps these as attributes and replaces them on reseeding: keep the objects themselves
    saved = {name: getattr(config, name) for name in ("_seed", "_py_rng", "_np_rng", "_torch_rngs")}
    states = {dev: g.get_state() for dev, g in saved["_torch_rngs"].items()}
    try:
        yield
    finally:
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)
        for name, value in saved.items():
            setattr(config, name, value)
        for dev, st in states.items():
            saved["_torch_rngs"][dev].set_state(st)


def physical_cores() -> int:
    """Physical CPU cores this process may use (hyper-threads counted once; at least 1)."""
    import os

    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return max(1, (os.cpu_count() or 2) // 2)
    cores = set()
    for c in cpus:
        try:
            cores.add(Path(f"/sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list").read_text().strip())
        except OSError:
            cores.add(str(c))
    return max(1, len(cores))


#: Largest thread count accepted (a typo such as 1e6 threads would exhaust the machine).
MAX_THREADS = 1024


#: Environment variables whose thread count semlink respects when none is given (the ecosystem's).
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def default_threads() -> int:
    """Threads when none is given: ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` if set (a positive
    integer), else **1**. One thread per process is semlink's default because its kernels are many
    small ops: two intra-op threads on a machine where another process holds a core made the
    early-stopping decoder 16x slower (``benchmarks/RESULTS.md``); use processes to use cores.

    .. code-block:: python

        >>> import os
        >>> old = {v: os.environ.pop(v, None) for v in THREAD_VARS}
        >>> default_threads()
        1
        >>> os.environ["OMP_NUM_THREADS"] = "3"; default_threads()
        3
        >>> for v, x in old.items():
        ...     _ = os.environ.pop(v, None) if x is None else os.environ.__setitem__(v, x)
    """
    import os

    for var in THREAD_VARS:
        text = os.environ.get(var, "").strip()
        if text.isdigit() and 1 <= int(text) <= MAX_THREADS:
            return int(text)
    return 1


#: Environment variable with the default number of worker processes (``--workers``).
WORKERS_VAR = "SEMLINK_WORKERS"


def default_workers() -> int:
    """Worker processes when none is given: ``SEMLINK_WORKERS`` if set (an integer in [1, 1024]),
    else the physical cores this process may use (:func:`physical_cores`), each process with one torch
    thread (:func:`default_threads`).

    .. code-block:: python

        >>> import os
        >>> old = os.environ.pop(WORKERS_VAR, None)
        >>> default_workers() == physical_cores()
        True
        >>> os.environ[WORKERS_VAR] = "3"; default_workers()
        3
        >>> _ = os.environ.pop(WORKERS_VAR) if old is None else os.environ.__setitem__(WORKERS_VAR, old)
    """
    import os

    text = os.environ.get(WORKERS_VAR, "").strip()
    if text:
        if not (text.isdigit() and 1 <= int(text) <= MAX_THREADS):
            raise ValueError(f"{WORKERS_VAR} must be an integer in [1, {MAX_THREADS}], got {text!r}")
        return int(text)
    return physical_cores()


def set_threads(threads: Optional[int] = None) -> int:
    """Set torch's intra-op thread count once at start-up; returns it.

    :param threads: ``None``: :func:`default_threads` (the environment's setting, else 1); an
        explicit count (``--threads``, ``[study] threads``) wins over the environment.
    """
    import torch

    n = default_threads() if threads is None else threads
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THREADS:
        raise ValueError(f"threads must be an integer in [1, {MAX_THREADS}], got {threads!r}")
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def versions() -> dict[str, str]:
    """Versions of semlink and the packages that determine results, and the set-up's lock.

    ``lock_sha256`` is the SHA-256 (16 hex digits) of the checkout's ``requirements.lock`` (``none``
    outside a checkout); ``lock_match`` says whether every package the lock pins is installed at
    its version (``yes``), or lists the first few that are not (an unpinned or edited set-up).

    .. code-block:: python

        >>> sorted(k for k in versions() if k.startswith("lock"))
        ['lock_match', 'lock_sha256']
    """
    out = {"python": platform.python_version()}
    for dist in ("semlink", "sionna-no-rt", "torch", "numpy", "scipy", "h5py"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    out.update(_lock_state())
    return out


#: The set-up's lock file (``make lock``), at the root of a checkout.
LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"


@lru_cache(maxsize=1)
def _lock_state() -> dict[str, str]:
    import hashlib

    try:
        text = LOCK_FILE.read_bytes()
    except OSError:
        return {"lock_sha256": "none", "lock_match": "no lock file"}
    off = []
    for line in text.decode("utf-8", "replace").splitlines():
        name, sep, want = line.split("#")[0].strip().partition("==")
        if not sep:
            continue
        try:
            have = metadata.version(name).split("+")[0]
        except metadata.PackageNotFoundError:
            have = "missing"
        if have != want.strip():
            off.append(f"{name} {have} (lock {want.strip()})")
    match = "yes" if not off else "; ".join(off[:3]) + (f"; +{len(off) - 3} more" if len(off) > 3 else "")
    return {"lock_sha256": hashlib.sha256(text).hexdigest()[:16], "lock_match": match}


def git_sha() -> Optional[str]:
    """Commit of the semlink checkout (with ``-dirty`` if modified), or ``None``."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=5,
        )
        return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None
