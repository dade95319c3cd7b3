"""read_ranged_values on answers no test server gives.

Samba and slapd answer well; these scripted replies cover a misbehaving server (a gap, a
short range, a range that turns plain).
"""

from __future__ import annotations

from typing import Any

import pytest
from ldap3.core.exceptions import LDAPSocketReceiveError

from dirsync.sources.ad import read_ranged_values
from dirsync.sources.errors import SourceError

DN = "CN=Big,OU=Groups,DC=example,DC=test"
SUCCESS = {"result": 0, "description": "success", "message": ""}

Reply = tuple[dict[str, Any], list[dict[str, Any]]] | Exception


def entry(raw: dict[str, list[bytes] | None]) -> Reply:
    return SUCCESS, [{"type": "searchResEntry", "dn": DN, "raw_attributes": raw}]


def ranged(low: int, high: str, count: int) -> Reply:
    values = [f"CN=u{n},DC=example,DC=test".encode() for n in range(low, low + count)]
    return entry({f"member;range={low}-{high}": values})


class ScriptedConnection:
    """Answers each search with the next scripted reply and records the attributes asked."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.auto_range = False
        self.empty_attributes = False
        self.asked: list[str] = []
        self.result: dict[str, Any] | None = None
        self.response: list[dict[str, Any]] | None = None

    def search(
        self, base: str, search_filter: str, search_scope: str, attributes: list[str]
    ) -> Any:
        self.asked.append(attributes[0])
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        result, response = reply
        self.result, self.response = result, response
        return result["result"] == 0


def test_ranges_are_joined_until_the_star() -> None:
    conn = ScriptedConnection([ranged(0, "2", 3), ranged(3, "5", 3), ranged(6, "*", 2)])
    values = read_ranged_values(conn, DN, "member", step=3)
    assert values == [f"CN=u{n},DC=example,DC=test" for n in range(8)]
    assert conn.asked == ["member;range=0-2", "member;range=3-5", "member;range=6-8"]


def test_a_server_smaller_range_is_followed() -> None:
    # Windows AD caps a range at its MaxValRange whatever the client asks for.
    conn = ScriptedConnection([ranged(0, "1499", 1500), ranged(1500, "*", 10)])
    assert len(read_ranged_values(conn, DN, "member", step=5000)) == 1510
    assert conn.asked == ["member;range=0-4999", "member;range=1500-6499"]


def test_an_empty_last_range_ends_the_read() -> None:
    # Samba answers a range starting past the last value with "member;range=2-*" and no values.
    conn = ScriptedConnection([ranged(0, "1", 2), entry({"member;range=2-*": None})])
    assert len(read_ranged_values(conn, DN, "member", step=2)) == 2


def test_an_unranged_answer_is_complete() -> None:
    conn = ScriptedConnection([entry({"member": [b"CN=a", b"CN=b"]})])
    assert read_ranged_values(conn, DN, "member") == ["CN=a", "CN=b"]
    assert conn.asked == ["member;range=0-1499"]


def test_nothing_for_the_range_asks_plainly_once() -> None:
    conn = ScriptedConnection([entry({}), entry({})])
    assert read_ranged_values(conn, DN, "member") == []
    assert conn.asked == ["member;range=0-1499", "member"]


def test_a_gap_between_ranges_is_an_error() -> None:
    conn = ScriptedConnection([ranged(0, "1", 2), ranged(3, "*", 1)])
    with pytest.raises(SourceError, match=r"asked for range 2-, got 'member;range=3-\*'"):
        read_ranged_values(conn, DN, "member", step=2)


def test_a_short_range_is_an_error() -> None:
    conn = ScriptedConnection([ranged(0, "9", 4)])
    with pytest.raises(SourceError, match="range 'member;range=0-9' carried 4 values"):
        read_ranged_values(conn, DN, "member", step=10)


def test_a_range_turning_plain_is_an_error() -> None:
    conn = ScriptedConnection([ranged(0, "1", 2), entry({"member": [b"CN=a"]})])
    with pytest.raises(SourceError, match="answered range 2- without a range"):
        read_ranged_values(conn, DN, "member", step=2)


def test_a_value_that_is_not_utf8_is_an_error() -> None:
    conn = ScriptedConnection([entry({"member": [b"CN=\xff"]})])
    with pytest.raises(SourceError, match="not UTF-8"):
        read_ranged_values(conn, DN, "member")


def test_a_failed_search_is_a_source_error() -> None:
    refused = {"result": 50, "description": "insufficientAccessRights", "message": "no"}
    conn = ScriptedConnection([(refused, [])])
    with pytest.raises(SourceError, match="failed: insufficientAccessRights - no"):
        read_ranged_values(conn, DN, "member")


def test_a_lost_connection_is_a_source_error() -> None:
    conn = ScriptedConnection([LDAPSocketReceiveError("connection reset")])
    with pytest.raises(SourceError, match="connection reset"):
        read_ranged_values(conn, DN, "member")


def test_a_connection_that_auto_ranges_is_refused() -> None:
    conn = ScriptedConnection([])
    conn.auto_range = True
    with pytest.raises(ValueError, match="auto_range=False"):
        read_ranged_values(conn, DN, "member")


def test_the_step_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1, got 0"):
        read_ranged_values(ScriptedConnection([]), DN, "member", step=0)
