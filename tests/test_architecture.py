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


#: NumPy-only is a folder rule in the link level (``theory/``, ``store/``) plus ``LinkConfig``; the study kit's
#: modules; and the kinds' NumPy-only modules (their commands start fast).
LIGHT = (["linklevel", "linklevel.blocks.config"]
         + [f"linklevel.{d}.{p.stem}" for d in ("theory", "store") for p in sorted((ROOT / "linklevel" / d).glob("*.py"))
            if p.stem != "__init__"]
         + [f"scenarios.study.{p.stem}" for p in sorted((ROOT / "scenarios" / "study").glob("*.py")) if p.stem != "__init__"]
         + ["scenarios.cli", "scenarios.cli.latency", "scenarios.xu.allocation", "scenarios.xu.models",
            "scenarios.xu.functions", "scenarios.xu.budget", "scenarios.qiao.models",
            "scenarios.qiao.lemma1", "scenarios.qiao.quality", "scenarios.qiao.calculator", "scenarios.qiao.sweep",
            "scenarios.qiao.reallink_eq4", "scenarios.qiao.table2", "scenarios.qiao.breakdown",
            "scenarios.huang.algorithm1", "scenarios.huang.latency", "genai.labelsets"])


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


def test_flat_linklevel_paths_name_the_layer_modules():
    code = ("import sys, json, importlib, linklevel; "
            "same = all(importlib.import_module(f'linklevel.{m}') is importlib.import_module(f'linklevel.{d}.{m}') "
            "for m, d in linklevel.LAYERS.items() if d in ('theory', 'store')); "
            "from linklevel import fbl, analytic; "
            "print(json.dumps([same, fbl is sys.modules['linklevel.theory.fbl'], 'torch' in sys.modules]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [True, True, False]
    for m, d in __import__("linklevel").LAYERS.items():
        assert (ROOT / "linklevel" / d / f"{m}.py").is_file() and not (ROOT / "linklevel" / f"{m}.py").exists()


def _kinds() -> list[str]:
    from scenarios.study.kinds import REGISTRY

    return sorted({mod.split(".")[1] for mod in REGISTRY.values()})


def _module_imports(path: Path, package: str) -> set[str]:
    """Every semlink module ``path`` imports, anywhere in it (functions included), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = package.split(".")
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return {m for m in out if m.split(".")[0] in ALLOWED}


def _scenario_modules() -> dict[str, Path]:
    mods = {}
    for p in (ROOT / "scenarios").rglob("*.py"):
        rel = p.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts[:-1]) if rel.name == "__init__" else list(rel.parts)
        mods[".".join(parts)] = p
    return mods


def test_no_study_imports_another_study():
    kinds = _kinds()
    mods = _scenario_modules()
    bad = []
    for name, path in mods.items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in kinds:
            continue
        pkg = name if path.name == "__init__.py" else ".".join(parts[:-1])
        for imp in _module_imports(path, pkg):
            ip = imp.split(".")
            if len(ip) > 1 and ip[0] == "scenarios" and ip[1] in kinds and ip[1] != parts[1]:
                bad.append(f"{name} imports {imp}")
    assert not bad, "\n".join(bad)


def test_no_import_circle_in_scenarios():
    mods = _scenario_modules()
    graph = {}
    for name, path in mods.items():
        pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {m for m in _module_imports(path, pkg) if m in mods and m != name
                       and not name.startswith(m + ".")}  # a module's own packages are not a circle
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(graph[n]):
            visit(m)
        stack.pop()

    for n in sorted(graph):
        visit(n)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_kind_modules_are_short_and_report_functions_under_60_lines():
    long_modules, long_functions = [], []
    for kind in _kinds():
        for p in sorted((ROOT / "scenarios" / kind).glob("*.py")):
            n = len(p.read_text(encoding="utf-8").splitlines())
            if n > 300:
                long_modules.append(f"{p.relative_to(ROOT)}: {n} lines")
            if p.stem.startswith(("report", "figures")):
                for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        length = node.end_lineno - node.lineno + 1
                        if length > 60:
                            long_functions.append(f"{p.relative_to(ROOT)}:{node.name}: {length} lines")
    assert not long_modules and not long_functions, "\n".join(long_modules + long_functions)


def test_every_kind_has_the_kit_layout():
    for kind in _kinds():
        folder = ROOT / "scenarios" / kind
        have = {p.stem for p in folder.glob("*.py")}
        assert {"kind", "schema", "parts", "report"} <= have, f"{kind}: {sorted(have)}"


def test_documented_module_paths_exist():
    import re

    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:linklevel|bridge|genai|scenarios|tests|benchmarks)/[\w/]+(?:\.py)?/?)`", text))
    assert len(paths) > 20
    missing = [p for p in sorted(paths) if not (ROOT / p).exists()]
    assert not missing, missing
    dotted = set(re.findall(r"`((?:linklevel|scenarios)(?:\.\w+)+)`", text))
    bad = [d for d in sorted(dotted) if not _resolves(d)]
    assert not bad, bad


def _resolves(dotted: str) -> bool:
    """Whether a dotted name is a module, or an attribute path inside one."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False
