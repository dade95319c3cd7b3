"""The layering the design promises, checked on the source files' imports (ast, no importing).

- the planner (pure functions on typed models) reaches no httpx, ldap3, click, source or
  client module, nor the state file's I/O, even through other dirsync modules;
- the sources and the API client do not import each other;
- only ``dirsync/cli/`` imports click.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import dirsync

PACKAGE = Path(dirsync.__file__).parent
PLANNER = (
    "dirsync.sync.actions",
    "dirsync.sync.leavers",
    "dirsync.sync.mapping",
    "dirsync.sync.membership",
    "dirsync.sync.ownership",
    "dirsync.sync.plan",
    "dirsync.sync.policy",
    "dirsync.sync.render",
    "dirsync.sync.state",
)
PLANNER_MAY_USE = ("dirsync.bitwarden", "dirsync.bitwarden.models")
PLANNER_MUST_NOT = ("httpx", "ldap3", "click", "dirsync.sources", "dirsync.bitwarden")
PLANNER_NO_IO = ("dirsync.sync.state_file",)


def imports_of(package: Path, name: str) -> dict[str, set[str]]:
    """Module name -> every module it imports (at any level of the file), for a package dir."""
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[module] = found
    assert graph, f"no modules found under {package} ({name})"
    return graph


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def resolve(graph: Mapping[str, set[str]], target: str) -> str:
    """The module a name comes from: ``a.b.Name`` is module ``a.b`` when ``a.b.Name`` is none."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in graph:
            return ".".join(parts[:i])
    return target


def reach(graph: Mapping[str, set[str]], start: str) -> Iterator[tuple[str, str]]:
    """(importer, imported) for everything *start* loads, following modules of the package."""
    seen = {start}
    todo = [start]
    while todo:
        module = todo.pop()
        for target in sorted({resolve(graph, t) for t in graph.get(module, ())}):
            yield module, target
            # Loading a.b.c runs a/__init__ and a/b/__init__ first.
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                loaded = ".".join(parts[:i])
                if loaded in graph and loaded not in seen:
                    seen.add(loaded)
                    todo.append(loaded)


def planner_violations(graph: Mapping[str, set[str]], planner: tuple[str, ...]) -> list[str]:
    bad: list[str] = []
    for start in planner:
        for importer, target in reach(graph, start):
            if target in PLANNER_MAY_USE:
                continue
            if any(_within(target, p) for p in (*PLANNER_MUST_NOT, *PLANNER_NO_IO)):
                bad.append(f"{start}: {importer} imports {target}")
    return sorted(set(bad))


GRAPH = imports_of(PACKAGE, "dirsync")


def test_the_planner_reaches_no_io_source_or_client_module() -> None:
    assert planner_violations(GRAPH, PLANNER) == []


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [("dirsync.sources", "dirsync.bitwarden"), ("dirsync.bitwarden", "dirsync.sources")],
)
def test_sources_and_the_api_client_do_not_import_each_other(importer: str, forbidden: str) -> None:
    bad = sorted(
        {
            f"{module} imports {resolve(GRAPH, target)}"
            for module, targets in GRAPH.items()
            if _within(module, importer)
            for target in targets
            if _within(target, forbidden)
        }
    )
    assert bad == []


def test_only_the_cli_imports_click() -> None:
    bad = [
        module
        for module, targets in GRAPH.items()
        if not _within(module, "dirsync.cli") and any(_within(t, "click") for t in targets)
    ]
    assert bad == []


def test_the_check_sees_an_indirect_and_a_late_import(tmp_path: Path) -> None:
    """The rules can fail: a planner module reaching httpx through a helper, inside a function."""
    package = tmp_path / "dirsync"
    (package / "sync").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sync" / "__init__.py").write_text("")
    (package / "sync" / "plan.py").write_text("from dirsync.sync import helper\n")
    (package / "sync" / "helper.py").write_text("def f():\n    import httpx\n")
    graph = imports_of(package, "fake")
    assert planner_violations(graph, ("dirsync.sync.plan",)) == [
        "dirsync.sync.plan: dirsync.sync.helper imports httpx"
    ]
