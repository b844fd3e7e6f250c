"""The layers of ../shared/DESIGN.md hold in the tree: imports point down, and only
service/ combines the store with samplers, rules or analysis."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer_api"
PURE = ("samplers", "stopping", "analysis", "space")


def _imports(path: Path) -> set[str]:
    """The optimizer_api subpackages and modules a file imports (first component)."""
    tree = ast.parse(path.read_text())
    here = path.relative_to(PACKAGE).parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts] if node.module else [base + [a.name] for a in node.names]
            elif node.module and node.module.startswith("optimizer_api"):
                names = [node.module.split(".")[1:]]
            else:
                names = [[f"<{node.module}>"]]
            found |= {n[0] for n in names if n}
        elif isinstance(node, ast.Import):
            found |= {f"<{a.name.split('.')[0]}>" for a in node.names}
    return found


def _files(sub: str) -> list[Path]:
    target = PACKAGE / sub
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


def test_pure_layers_know_nothing_of_flask_the_store_or_the_service():
    for sub in PURE:
        for path in _files(sub):
            bad = _imports(path) & {"<flask>", "<sqlalchemy>", "<werkzeug>", "store",
                                    "service", "api", "web"}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_only_the_service_combines_the_store_with_samplers_rules_or_analysis():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "service" or str(rel) == "__init__.py":  # the use cases; wiring
            continue
        got = _imports(path)
        assert not ("store" in got and got & {"samplers", "stopping", "analysis"}), rel


def test_the_api_never_reaches_the_store():
    for path in _files("api"):
        assert "store" not in _imports(path), path.relative_to(PACKAGE)


def test_the_service_names_no_algorithm_but_the_random_fallback():
    for path in _files("service"):
        strings = {n.value for n in ast.walk(ast.parse(path.read_text()))
                   if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not strings & {"grid", "quasi-random", "bayesian"}, path.name


def test_the_checks_see_imports():
    assert {"store", "samplers", "domain", "space"} <= _imports(PACKAGE / "service/suggest.py")
    assert "<flask>" in _imports(PACKAGE / "api/views.py")
