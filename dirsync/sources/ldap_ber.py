"""A lean reader for LDAP SearchResultEntry messages (RFC 4511 4.5.2, BER as in X.690).

ldap3 decodes every message generically and builds several dictionaries per entry; for a
10,000-user directory that is most of a run's time. :class:`EntryTap` takes the entry
messages of one connection before ldap3 sees them and reads only DN and raw values.
Every other message (the search result with its paging cookie, references) still goes
through ldap3 unchanged.

This hooks an ldap3 internal, so dirsync pins ldap3 (pyproject.toml) and
:func:`require_supported_ldap3` refuses, with the version named, an ldap3 whose hooked
method is not the one this code was written for: a silent mismatch would read as "no
users found" or a traceback.
"""

from __future__ import annotations

import inspect
from typing import Any

import ldap3
from ldap3.strategy.sync import SyncStrategy

from dirsync.sources.errors import SourceError

SUPPORTED_LDAP3 = "2.9.1"

_SEQUENCE, _SET, _OCTET_STRING, _INTEGER = 0x30, 0x31, 0x04, 0x02
_SEARCH_RESULT_ENTRY = 0x64  # [APPLICATION 4], constructed


class MalformedMessage(ValueError):
    """A message that claims to be a search result entry but does not parse as one."""


def _header(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """Check the tag at *pos*; return (content length, content start)."""
    if data[pos] != tag:
        raise MalformedMessage(f"expected BER tag {tag:#04x} at {pos}, found {data[pos]:#04x}")
    first = data[pos + 1]
    if first < 0x80:
        return first, pos + 2
    count = first & 0x7F
    start = pos + 2 + count
    return int.from_bytes(data[pos + 2 : start], "big"), start


def _values(data: bytes, pos: int, end: int) -> list[bytes]:
    """The OCTET STRINGs of a SET OF between *pos* and *end* (short lengths inline: speed)."""
    values: list[bytes] = []
    while pos < end:
        first = data[pos + 1]
        if data[pos] == _OCTET_STRING and first < 0x80:
            pos += 2
        else:
            first, pos = _header(data, pos, _OCTET_STRING)
        values.append(data[pos : pos + first])
        pos += first
    if pos != end:
        raise MalformedMessage("attribute values overrun their set")
    return values


def parse_entry(data: bytes) -> tuple[str, dict[str, list[bytes]]] | None:
    """(DN, {lower-cased attribute description: raw values}), or None for another message."""
    try:
        length, pos = _header(data, 0, _SEQUENCE)
        if pos + length != len(data):
            raise MalformedMessage("message length does not match its header")
        length, pos = _header(data, pos, _INTEGER)
        pos += length
        if data[pos] != _SEARCH_RESULT_ENTRY:
            return None
        _, pos = _header(data, pos, _SEARCH_RESULT_ENTRY)
        length, pos = _header(data, pos, _OCTET_STRING)
        dn = data[pos : pos + length].decode("utf-8")
        length, pos = _header(data, pos + length, _SEQUENCE)
        end = pos + length
        attributes: dict[str, list[bytes]] = {}
        while pos < end:
            length, pos = _header(data, pos, _SEQUENCE)
            following = pos + length
            length, pos = _header(data, pos, _OCTET_STRING)
            name = data[pos : pos + length].decode("utf-8").lower()
            length, pos = _header(data, pos + length, _SET)
            attributes[name] = _values(data, pos, pos + length)
            pos = following
        if pos != end:
            raise MalformedMessage("attributes overrun their sequence")
    except (IndexError, UnicodeDecodeError) as exc:
        raise MalformedMessage(f"unreadable search result entry: {exc}") from exc
    return dn, attributes


class UnsupportedLdap3(SourceError):
    """The installed ldap3 lacks the internals the entry reader hooks."""


def require_supported_ldap3() -> None:
    """Raise UnsupportedLdap3 unless ldap3's SyncStrategy has ``receiving(self)``."""
    receiving = vars(SyncStrategy).get("receiving")  # its own, not the base class's stub
    problem = None
    if not inspect.isfunction(receiving):
        problem = "ldap3.strategy.sync.SyncStrategy has no receiving() method"
    elif list(inspect.signature(receiving).parameters) != ["self"]:
        signature = inspect.signature(receiving)
        problem = f"SyncStrategy.receiving{signature} is not receiving(self)"
    if problem is not None:
        version = getattr(ldap3, "__version__", "unknown")
        raise UnsupportedLdap3(
            f"unsupported ldap3 version {version} (dirsync needs {SUPPORTED_LDAP3}): {problem};"
            f" install ldap3=={SUPPORTED_LDAP3}"
        )


class EntryTap:
    """Diverts the search result entries of one ldap3 SYNC connection into ``entries``.

    It wraps the connection strategy's ``receiving()`` (which yields whole messages);
    ldap3 then sees only the other messages.
    """

    def __init__(self, conn: Any) -> None:
        if not isinstance(conn.strategy, SyncStrategy):
            raise UnsupportedLdap3(
                f"the entry reader needs ldap3's SYNC strategy, not {conn.strategy}"
            )
        self.entries: list[tuple[str, dict[str, list[bytes]]]] = []
        self._receive = conn.strategy.receiving
        conn.strategy.receiving = self._receiving

    def _receiving(self) -> list[bytes]:
        # ldap3 reads an empty answer as "connection closed": keep reading while only
        # entries arrive, and pass an empty read (the real close) through.
        while True:
            messages = self._receive()
            others: list[bytes] = []
            for message in messages:
                entry = parse_entry(message) if message else None
                if entry is None:
                    others.append(message)
                else:
                    self.entries.append(entry)
            if others or not messages:
                return others
