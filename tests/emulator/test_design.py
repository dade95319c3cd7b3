"""Design rule: the emulator and the client share no code."""

from __future__ import annotations

import ast
from pathlib import Path

import dirsync.emulator


def test_emulator_imports_nothing_from_the_client() -> None:
    """Design rule: dirsync.emulator never imports dirsync.bitwarden."""
    package = Path(dirsync.emulator.__file__).parent
    offenders = []
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.startswith("dirsync.bitwarden")]
    assert offenders == []
    assert len(list(package.glob("*.py"))) > 10
