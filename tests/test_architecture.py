"""Package rules: one-way imports between the four packages, and light NumPy-only layers."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> semlink packages it may import
ALLOWED = {
    "linklevel": set(),
    "bridge": {"linklevel"},
    "genai": set(),
    "scenarios": {"linklevel", "bridge", "genai"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for mod in _imports(path) & set(ALLOWED):
            if mod != package and mod not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert not bad, "\n".join(bad)


LIGHT = ["linklevel", "linklevel.theory.fbl", "linklevel.theory.analytic", "linklevel.theory.stats", "linklevel.theory.snr",
         "linklevel.theory.monotone", "linklevel.store.points", "linklevel.blocks.config", "scenarios.xu.allocation", "scenarios.cli",
         "scenarios.study.kinds", "scenarios.qiao.models", "scenarios.qiao.lemma1", "scenarios.qiao.quality",
         "scenarios.qiao.calculator", "scenarios.qiao.eq4_check", "scenarios.qiao.sweep", "scenarios.cli.latency",
         "scenarios.huang.algorithm1", "scenarios.huang.latency"]


@pytest.mark.parametrize("module", LIGHT)
def test_numpy_layers_load_neither_torch_nor_sionna(module):
    code = (f"import sys, json; import {module}; "
            "print(json.dumps([m for m in ('torch', 'sionna', 'tensorflow', 'transformers', 'diffusers') "
            "if m in sys.modules]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == []


def test_lazy_linklevel_names_still_resolve():
    import linklevel

    assert "Link" in dir(linklevel) and linklevel.LinkConfig(k=1200).k == 1200
    with pytest.raises(AttributeError):
        linklevel.NoSuchName  # noqa: B018
