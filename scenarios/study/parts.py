"""The one resume API: a study is a sequence of parts, each stamped in the study's HDF5 file.

A :class:`Part` is one unit of a study's work with a config that names it (hashed
into ``config_hash``) and an optional *extent*: the items it covers that can grow
(e.g. the SNR points of a BER run, whose identity excludes the grid). When a part
finishes, :class:`PartStore` stamps its HDF5 group with::

    config (JSON), config_hash, seed, versions (JSON), git_sha, updated, complete, label,
    completed (JSON list: the extent covered so far), layout (:data:`LAYOUT`)

A part is *done* when its group's ``config_hash`` equals the current one, it is
``complete`` and its stored extent covers the requested one; done parts are skipped on
re-run. Work inside a part may resume at a finer grain (points, samples): that is the
part's own business, through the same file.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from linklevel.store.h5io import atomic_h5, open_result
from linklevel.store.results import canonical_json, config_hash

__all__ = ["Part", "PartStore", "RunContext", "group_part", "read_group", "write_group", "LAYOUT"]

#: Storage layout of the parts' groups, stamped as ``layout``: 2 since the study kit (row tables as
#: :class:`~scenarios.study.tables.Table`). A part stamped under another layout is not done: it runs again
#: (points and samples a part stores at a finer grain are reused where the part resumes inside itself).
LAYOUT = 2


@dataclass(frozen=True)
class RunContext:
    """What a part needs to run: where to write and how.

    :param file: The study's HDF5 file.
    :param out: The study's output folder.
    :param device: Resolved device string (``cpu``, ``cuda:0``, ...).
    :param batch_size: Frames per batch (``None``: automatic).
    :param progress: Progress bars on stderr.
    :param log: One-line progress messages (stderr), or ``None``.
    :param workers: Processes a part may use for its own independent items (e.g. the SNR points of
        a BER run) when it runs in this process (:mod:`linklevel.engine.workers`).
    """

    file: str
    out: str
    device: str = "cpu"
    batch_size: Optional[int] = None
    progress: bool = False
    log: Optional[Callable[[str], None]] = None
    workers: int = 1

    def say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


@dataclass(frozen=True)
class Part:
    """One resumable unit of a study.

    :param key: HDF5 group of the part (unique in the study).
    :param config: What names the part (hashed; stamped as ``config``).
    :param run: Does the work in this process, writing under ``key`` in ``ctx.file``;
        raises :class:`KeyboardInterrupt` when interrupted.
    :param label: Human-readable description.
    :param extent: Items covered (e.g. SNR points), merged into ``completed``.
    :param seed: Stamped as ``seed``.
    :param remote: Optional picklable ``device -> result`` for the parallel executors
        (the result is written by ``store`` in the parent, the only writer).
    :param store: ``(file, result) -> None``, with ``remote``.
    :param tasks: Optional finer parallel work: picklable ``device -> value`` callables whose values,
        in order, ``combine`` turns into the result ``remote`` would return (e.g. the SNR points of a
        BER run); the process-pool executor then balances tasks, not parts.
    :param combine: ``values -> result``, with ``tasks``; a value is ``None`` where its task is not
        done yet or ``stop`` made it unnecessary: the pool stores ``combine`` of what is done on every
        arrival (so a kill loses only the tasks in flight), and ``store`` must keep what is stored.
    :param stop: ``value -> bool``, with ``tasks``: true when the part's later tasks are not needed
        (e.g. a BER run that stops after an error-free point); those not started never start.
    """

    key: str
    config: Mapping[str, Any]
    run: Callable[[RunContext], Any]
    label: str = ""
    extent: tuple = ()
    seed: int = 0
    remote: Optional[Callable[[str], Any]] = field(default=None, compare=False)
    store: Optional[Callable[[str, Any], None]] = field(default=None, compare=False)
    tasks: tuple = field(default=(), compare=False)
    combine: Optional[Callable[[list], Any]] = field(default=None, compare=False)
    stop: Optional[Callable[[Any], bool]] = field(default=None, compare=False)

    @property
    def config_hash(self) -> str:
        return config_hash(dict(self.config))


def _current(a: Optional[dict[str, Any]], part: Part) -> bool:
    """Whether stamp attributes ``a`` record ``part`` finished, under its config and the current layout."""
    return bool(a) and a.get("config_hash") == part.config_hash and bool(a.get("complete", False)) \
        and int(a.get("layout", 1)) == LAYOUT


def _norm(items: Any) -> list:
    return sorted({round(v, 9) if isinstance(v, float) else v for v in items}, key=repr)


class PartStore:
    """Stamps and done-checks of the parts in one HDF5 file.

    .. code-block:: python

        >>> import os, tempfile
        >>> p = Part("curves/a", {"x": 1}, run=lambda ctx: None, extent=(1.0, 2.0))
        >>> store = PartStore(os.path.join(tempfile.mkdtemp(), "s.h5"))
        >>> store.done(p)
        False
        >>> store.stamp(p)
        >>> store.done(p), store.done(Part("curves/a", {"x": 1}, run=p.run, extent=(1.0,)))
        (True, True)
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def _attrs(self, key: str) -> Optional[dict[str, Any]]:
        if not os.path.exists(self.path):
            return None
        with open_result(self.path) as f:
            if key not in f:
                return None
            return dict(f[key].attrs)

    def completed(self, part: Part) -> list:
        """The extent recorded for ``part`` under its current config (empty if none)."""
        a = self._attrs(part.key)
        if not _current(a, part):
            return []
        text = a.get("completed", "[]")
        return json.loads(text.decode() if isinstance(text, bytes) else text)

    def done(self, part: Part) -> bool:
        """Whether ``part`` finished earlier with the same config over (at least) its extent."""
        a = self._attrs(part.key)
        if not _current(a, part):
            return False
        have = set(map(repr, self.completed(part)))
        return all(repr(v) in have for v in _norm(part.extent))

    def stamp(self, part: Part) -> None:
        """Record ``part`` as finished: config, hash, seed, provenance, extent covered."""
        from linklevel.engine.runtime import git_sha, versions

        extent = _norm(list(part.extent) + self.completed(part))
        with atomic_h5(self.path) as f:
            g = f.require_group(part.key)
            g.attrs["config"] = canonical_json(dict(part.config))
            g.attrs["config_hash"] = part.config_hash
            g.attrs["seed"] = part.seed
            g.attrs["versions"] = json.dumps(versions(), sort_keys=True)
            g.attrs["git_sha"] = git_sha() or "unknown"
            g.attrs["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            g.attrs["completed"] = json.dumps(extent)
            g.attrs["label"] = part.label
            g.attrs["complete"] = True
            g.attrs["layout"] = LAYOUT


def write_group(path: str, grp: str, data: Mapping[str, Any], attrs: Optional[Mapping[str, Any]] = None) -> None:
    """Replace group ``grp`` of the study file atomically: datasets from ``data`` (gzip above 4096
    elements; a :class:`~scenarios.study.tables.Table` value becomes a table subgroup) and attributes
    from ``attrs`` (strings as they are, anything else as JSON)."""
    import numpy as np

    from .tables import Table

    with atomic_h5(path) as f:
        if grp in f:
            del f[grp]
        g = f.create_group(grp)
        for name, value in data.items():
            if isinstance(value, Table):
                value.write(g.create_group(name))
            else:
                g.create_dataset(name, data=value, compression="gzip" if np.asarray(value).size > 4096 else None)
        for name, value in (attrs or {}).items():
            g.attrs[name] = value if isinstance(value, str) else json.dumps(value)


def read_group(path: str, grp: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Group ``grp`` of a study file as :func:`write_group` takes it: ``(datasets and tables by relative
    name, attributes)``, checksums verified (:func:`~linklevel.store.h5io.open_result`)."""
    import h5py

    from .tables import TABLE_ATTR, Table

    data: dict[str, Any] = {}

    def visit(g: Any, prefix: str) -> None:
        for name, obj in g.items():
            if isinstance(obj, h5py.Dataset):
                data[prefix + name] = obj[()]
            elif TABLE_ATTR in obj.attrs:
                data[prefix + name] = Table.read(obj)
            else:
                visit(obj, f"{prefix}{name}/")

    with open_result(path) as f:
        g = f[grp]
        visit(g, "")
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()
                 if k != "semlink_sha256"}
    return data, attrs


def _run_on_copy(run: Callable[[RunContext], Any], key: str, file: str, out: str, device: str
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A :func:`group_part`'s work in any process: on a private copy of the study file (what the
    earlier parts stored), returning the group it wrote."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="semlink-part-") as tmp:
        copy = os.path.join(tmp, os.path.basename(file))
        if os.path.exists(file):
            shutil.copyfile(file, copy)
        run(RunContext(file=copy, out=out, device=device))
        return read_group(copy, key)


def _store_group(key: str, file: str, result: tuple[dict[str, Any], dict[str, Any]]) -> None:
    write_group(file, key, *result)


def group_part(key: str, config: Mapping[str, Any], run: Callable[[RunContext], Any], ctx: RunContext,
               label: str = "", seed: int = 0) -> Part:
    """A :class:`Part` that can run in a worker process: ``run`` (picklable) writes only group ``key``
    (through :func:`write_group`) and reads only groups that earlier parts stored.

    In a worker it runs on a private copy of the study file and the parent writes the group it
    produced (the file keeps one writer); serially it runs on the file itself. Its results are the
    same either way, so a kind declares with it which of its parts are independent.
    """
    import functools

    return Part(key=key, config=config, run=run, label=label, seed=seed,
                remote=functools.partial(_run_on_copy, run, key, ctx.file, ctx.out),
                store=functools.partial(_store_group, key))
