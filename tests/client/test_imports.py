"""The client's modules import each other one way: no cycle, not even through a lazy import.

Imports inside functions count (a lazy import is how a cycle hides); imports under
`if TYPE_CHECKING:` do not, as they never run.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "client" / "optimizer_client"


def imported(source: str, modules: set[str], package: str = PACKAGE.name) -> set[str]:
    """Which of the package's `modules` the module with this source imports when it runs.

    `__init__` stands for the package's own names (`from optimizer_client import Client`).
    """
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:  # from .x
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module in (package, None):  # from . import
            found.update(a.name if a.name in modules else "__init__" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(_module(node.module, package, modules))
        elif isinstance(node, ast.Import):
            found.update(_module(a.name, package, modules) for a in node.names)
    return found & (modules | {"__init__"})


def _module(dotted: str, package: str, modules: set[str]) -> str | None:
    """`package.x.y` -> x; `package` or `package.<not a module>` -> __init__; others -> None."""
    head, _, rest = dotted.partition(".")
    if head != package:
        return None
    name = rest.split(".")[0]
    return name if name in modules else "__init__"


def _runtime_nodes(tree: ast.AST):
    """Every node below `tree`, except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield child
                yield from _runtime_nodes(child)
            continue
        yield node
        yield from _runtime_nodes(node)


def test_the_client_modules_import_each_other_without_a_cycle():
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    graph = {m: imported((PACKAGE / f"{m}.py").read_text(), modules) - {m} for m in modules}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"the client's modules import each other in a cycle: {exc.args[1]}")


def test_lazy_imports_count_and_type_checking_ones_do_not():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import optimizer_client.d\n"
        "if TYPE_CHECKING:\n    from .b import B\n"
        "def f():\n    from .c import C\n"
    )
    assert imported(source, {"b", "c", "d"}) == {"c", "d"}
    assert imported("from optimizer_client import Client", {"client"}) == {"__init__"}
    assert imported("from . import client", {"client"}) == {"client"}
