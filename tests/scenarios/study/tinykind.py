"""A tiny study kind written from the recipe in ``docs/ARCHITECTURE.md`` alone ("How to add a study"):
``schema.py`` + ``parts.py`` + ``report.py`` + ``kind.py`` + a TOML file, and one registry line.

:func:`write_tiny_kind` writes the package into a folder (the test puts it on ``sys.path``). The kind
counts BPSK bit errors on AWGN at a few Eb/N0 values (NumPy), one part per Eb/N0 over independent
blocks, and reports the BER per point with a bootstrap interval over blocks and the exact Q-function
value beside it.
"""

from __future__ import annotations

from pathlib import Path

SCHEMA = '''
from dataclasses import dataclass

from scenarios.study.schema import StudyHeader, build_dataclass, kind_tables

TABLES = ("sweep",)


@dataclass(frozen=True)
class Sweep:
    ebno_db: tuple = (0.0, 4.0)
    blocks: int = 8
    bits_per_block: int = 2000


@dataclass(frozen=True)
class TinyStudy(StudyHeader):
    sweep: Sweep = Sweep()


def load(doc, header):
    where, tabs = kind_tables(doc, header, TABLES)
    return TinyStudy(**header.fields(), sweep=build_dataclass(Sweep, tabs["sweep"], where, "sweep"))
'''

PARTS = '''
import numpy as np

from scenarios.study.parts import group_part, write_group
from scenarios.study.tables import Table


def _run(ebno_db, blocks, n, seed, ctx):
    rng = np.random.default_rng([seed, int(round(ebno_db * 1000))])
    sigma = np.sqrt(1 / (2 * 10 ** (ebno_db / 10)))
    errors = [int(np.sum(1 + sigma * rng.standard_normal(n) < 0)) for _ in range(blocks)]
    rows = Table({"block": np.arange(blocks), "errors": np.array(errors), "bits": np.full(blocks, n)},
                 units={"errors": "bit", "bits": "bit"})
    write_group(ctx.file, f"points/{ebno_db:g}", {"rows": rows}, {"ebno_db": ebno_db})


def parts(study, ctx):
    import functools

    s = study.sweep
    for e in s.ebno_db:
        yield group_part(f"points/{e:g}", {"ebno_db": e, "blocks": s.blocks, "bits": s.bits_per_block},
                         functools.partial(_run, e, s.blocks, s.bits_per_block, study.seed), ctx,
                         label=f"Eb/N0 {e:g} dB", seed=study.seed)
'''

REPORT = '''
from dataclasses import dataclass, field

import numpy as np

from scenarios.study.stats import bootstrap
from scenarios.study.summary import Summary
from scenarios.study.tables import read_table
from linklevel.theory.analytic import ber_awgn


@dataclass
class TinySummary(Summary):
    points: int = 0
    ber: list = field(default_factory=list)

    def lines(self):
        return [f"{self.points} points; BER " + ", ".join(f"{b:.3g}" for b in self.ber)]


def report(study, file, rep):
    rep.section("BER per point")
    rows, ber = [], []
    for e in study.sweep.ebno_db:
        t = read_table(file, f"points/{e:g}/rows") if _has(file, e) else None
        if t is None:
            rows.append([e, None, None, None])
            continue
        data = np.stack([t["errors"], t["bits"]], axis=1).astype(float)
        iv = rep.interval(bootstrap(data, lambda x: x[..., 0].sum(-1) / x[..., 1].sum(-1), seed=study.seed,
                                    unit="block"), f"BER at {e:g} dB")
        rows.append([e, iv, float(ber_awgn(e, "bpsk")), int(t["errors"].sum())])
        ber.append(iv.value)
    rep.table(["Eb/N0 [dB]", "BER [95 % CI over blocks]", "exact BER", "errors"], rows, caption="points")
    rep.figure("ber", lambda: _figure(study, rows))
    return TinySummary(points=len(ber), ber=ber)


def _has(file, e):
    from linklevel.store.h5io import open_result

    with open_result(file) as f:
        return f"points/{e:g}/rows" in f


def _figure(study, rows):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    x = [r[0] for r in rows if r[1] is not None]
    ax.semilogy(x, [r[1].value for r in rows if r[1] is not None], "o", label="simulated")
    ax.semilogy(x, [r[2] for r in rows if r[1] is not None], "-", label="exact")
    ax.set_xlabel("Eb/N0 [dB]")
    ax.set_ylabel("BER")
    ax.legend()
    return fig
'''

KIND = '''
from scenarios.study.kinds import StudyKind

from .parts import parts
from .report import report
from .schema import TABLES, load

KIND = StudyKind(name="tiny_ber", load=load, parts=parts, report=report, tables=TABLES)
'''

TOML = '''
[study]
kind = "tiny_ber"
name = "tiny"
seed = 3

[sweep]
ebno_db = [0.0, 2.0, 4.0]
blocks = 8
bits_per_block = 4000

[quick.sweep]
ebno_db = [0.0, 4.0]
blocks = 6
'''


def write_tiny_kind(root: Path, package: str = "tinykind") -> Path:
    """Write the tiny kind's package into ``root`` and return its folder."""
    pkg = root / package
    pkg.mkdir(parents=True)
    files = {"__init__.py": '"""A tiny study kind (tests)."""\n', "schema.py": SCHEMA, "parts.py": PARTS,
             "report.py": REPORT, "kind.py": KIND, "tiny.toml": TOML}
    for name, text in files.items():
        (pkg / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return pkg
