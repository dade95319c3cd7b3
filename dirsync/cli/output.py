"""JSON documents on standard output, one way for every command."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


def echo_json(document: Any) -> None:
    """Indented for a person at a terminal; compact for a program, which is about 4x faster
    to write (the C encoder) and matters on a 10,000-action report."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(document, indent=indent, ensure_ascii=False))
