"""The engine stays headless: no gradio or plotly import anywhere under engine/, and importing
the engine (or its CLI) does not pull them in indirectly either."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"gradio", "plotly", "gradio_client"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_module_imports_ui_libraries():
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(ROOT)): imported_modules(f) & FORBIDDEN for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_engine_loads_neither_ui_libraries_nor_torch():
    code = ("import sys, engine, engine.studio, engine.train; "
            "print(sorted(m for m in ('gradio', 'plotly', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- settings and imports (issue "one redesign step") -----------------------------------------

ENTRY_POINTS = {"engine/train.py", "engine/export.py", "ui/launch.py", "app.py"}


def _environment_reads(path: Path) -> list[int]:
    """Lines that touch ``os.environ`` or call ``os.getenv``/``os.putenv``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id == "os" and node.attr in ("environ", "getenv", "putenv"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(a.name in ("environ", "getenv") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_only_the_entry_points_read_the_environment():
    """Everything below them gets a ``Settings`` value; the exported scripts (templates) are
    standalone programs and are not part of the studio."""
    files = [f for f in [*(ROOT / "engine").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
             if "templates" not in f.parts]
    found = {str(f.relative_to(ROOT)): _environment_reads(f) for f in files}
    offenders = {k: v for k, v in found.items() if v and k not in ENTRY_POINTS}
    assert offenders == {}
    assert found["engine/train.py"] and found["ui/launch.py"]  # the check sees real reads


def _engine_imports(path: Path, package: str = "engine") -> set[str]:
    """Engine modules ``path`` imports, at the top or inside functions (a lazy import is still
    a dependency), skipping ``if TYPE_CHECKING:`` blocks and ``if __name__ == "__main__":``
    blocks (they run only when the module is the script, never when it is imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ("TYPE_CHECKING" in ast.unparse(node.test)
                                         or "__main__" in ast.unparse(node.test)):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    here = path.relative_to(ROOT).with_suffix("").parts
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith(package + "."))
            continue
        if node.level:
            base = ".".join(here[:len(here) - node.level])
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        if module == package or module.startswith(package + "."):
            for alias in node.names:  # "from . import hub" names a module
                sub = f"{module}.{alias.name}"
                names.add(sub if (ROOT / (sub.replace(".", "/") + ".py")).exists() else module)
    return names - {".".join(here)}


def import_cycles(package: str = "engine") -> list[list[str]]:
    graph = {".".join(f.relative_to(ROOT).with_suffix("").parts): _engine_imports(f, package)
             for f in (ROOT / package).rglob("*.py") if "templates" not in f.parts}
    graph = {k.removesuffix(".__init__"): v for k, v in graph.items()}
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if nxt == package:
                continue  # the package's own __init__ re-exports; importing it is not a cycle
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return cycles


def test_the_engine_has_no_import_cycle():
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above could pass by finding nothing at all; on a package with a cycle it fails."""
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import x\n")
    (pkg / "b.py").write_text("def f():\n    from .a import y\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert import_cycles("loopy") == [["loopy.a", "loopy.b", "loopy.a"]]
