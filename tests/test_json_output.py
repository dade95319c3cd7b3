"""JSON written piece by piece is exactly ``json.dumps``'s text (issue 11: a 100,000-action
report is not built whole in memory)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from dirsync.cli import output

DOCUMENTS: list[Any] = [
    {},
    [],
    {"a": [], "b": {}},
    {"a": list(range(7)), "b": {"c": [{"x": 'é\n"q"'}] * 8, "d": None, "e": True}},
    [list(range(10)), {"k": [2.5] * 4}],
    {"z": [{"a": [1, {"b": []}]}] * 7, "n": {"m": {"o": list(range(12))}}},
    {"exact": list(range(6)), "one more": list(range(4))},
    "text",
    None,
]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("indent", [None, 2])
def test_streamed_text_equals_one_shot_text(
    document: Any, indent: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "CHUNK", 3)  # long lists of the documents go in several chunks
    out = io.StringIO()

    output.write_json(document, out, indent)

    assert out.getvalue() == json.dumps(document, indent=indent, ensure_ascii=False) + "\n"


def test_a_long_list_is_written_in_chunks() -> None:
    writes: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

    actions = [{"kind": "invite", "email": f"user{n}@example.org"} for n in range(5000)]
    output.write_json({"actions": actions}, Recorder(), None)

    assert json.loads("".join(writes)) == {"actions": actions}
    assert max(len(text) for text in writes) < len("".join(writes)) / 4
