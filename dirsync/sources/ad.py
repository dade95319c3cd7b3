"""How Active Directory differs from OpenLDAP-style servers, in one place: :class:`Dialect`.

The generic LDAP source (ldap_users, ldap_groups, ldap_search) asks the dialect for
default attributes and filters, how an account is disabled, how members are requested, and
whether continuation references are expected; it has no branch of its own on the server kind.
Also here: GUIDs, account flags and range retrieval.

Range retrieval needs an ldap3 connection made with ``auto_range=False`` (ldap3's own
range loop breaks on an explicit range request) and ``return_empty_attributes=False``
(ldap3 2.9.1 then raises ``KeyError`` on ``member;range=...``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Protocol

from ldap3 import BASE
from ldap3.core.exceptions import LDAPException

from dirsync.config import LdapConfig, LdapGroupsConfig, LdapUsersConfig
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_connect import describe_result

GUID_LENGTH = 16
UAC_ACCOUNTDISABLE = 0x2
DEFAULT_RANGE_STEP = 1500

_RESULT_SUCCESS = 0
_LDAP_INTEGER = re.compile(r"-?[0-9]+")  # RFC 4517 Integer; int() would also take "5_14"
_RANGE_OPTION = re.compile(r";range=(\d+)-(\d+|\*)$", re.IGNORECASE)


class _Entry(Protocol):
    def raw(self, name: str) -> list[bytes]: ...


class Dialect:
    """OpenLDAP and other RFC 4519 servers; :class:`ActiveDirectory` overrides what differs."""

    external_id = "entryUUID"
    """The id attribute of users and groups when the configuration names none."""
    username = "uid"
    member = "member"
    """What a groups search asks for to get the member DNs."""
    user_attributes: tuple[str, ...] = ()
    """Attributes the users search reads besides the configured ones."""
    expects_references = False
    """Whether continuation references are normal (and skipped) rather than missing data."""

    def users_filter(self, users: LdapUsersConfig) -> str:
        return users.filter

    def groups_filter(self, groups: LdapGroupsConfig) -> str:
        return groups.filter

    def disabled_filter(self, users: LdapUsersConfig) -> str:
        """The filter (ANDed with the users filter) that finds disabled users; empty: none."""
        return users.disabled_filter

    def enabled(self, entry: _Entry, matches_disabled_filter: bool) -> bool | str:
        """Whether the user is enabled, or why that is unknown."""
        return not matches_disabled_filter


class ActiveDirectory(Dialect):
    """Active Directory: objectGUID ids, userAccountControl flags, ranged member lists."""

    external_id = "objectGUID"
    username = "sAMAccountName"
    member = f"member;range=0-{DEFAULT_RANGE_STEP - 1}"
    user_attributes = ("userAccountControl",)
    # A search from the domain root is answered with references to the DNS and
    # configuration partitions: those are not users or groups of the domain.
    expects_references = True
    default_users_filter = "(&(objectCategory=person)(objectClass=user))"
    default_groups_filter = "(objectClass=group)"

    def users_filter(self, users: LdapUsersConfig) -> str:
        configured = "filter" in users.model_fields_set
        return users.filter if configured else self.default_users_filter

    def groups_filter(self, groups: LdapGroupsConfig) -> str:
        configured = "filter" in groups.model_fields_set
        return groups.filter if configured else self.default_groups_filter

    def disabled_filter(self, users: LdapUsersConfig) -> str:
        return ""

    def enabled(self, entry: _Entry, matches_disabled_filter: bool) -> bool | str:
        flags = entry.raw("userAccountControl")
        if not flags:
            return "no userAccountControl; enabled or disabled is unknown"
        return not uac_disabled(flags)


def dialect_for(cfg: LdapConfig) -> Dialect:
    """The dialect ``ldap.active_directory`` selects."""
    return ActiveDirectory() if cfg.active_directory else Dialect()


def decode_guid(raw: bytes) -> str:
    """The objectGUID bytes (little-endian, as AD sends them) as a lowercase hyphenated UUID."""
    if not isinstance(raw, bytes | bytearray):
        raise ValueError(f"objectGUID must be bytes, got {type(raw).__name__}")
    if len(raw) != GUID_LENGTH:
        raise ValueError(f"objectGUID must be {GUID_LENGTH} bytes, got {len(raw)}")
    return str(uuid.UUID(bytes_le=bytes(raw)))


def id_text(attribute: str, raw: bytes) -> str | None:
    """An id value as text: objectGUID (binary) as a UUID, any other attribute's text."""
    if attribute.lower() == "objectguid":
        return decode_guid(raw)
    return raw.decode("utf-8", "surrogateescape").strip() or None


def uac_disabled(values: list[bytes]) -> bool:
    """True when userAccountControl (its raw values, as read) has ACCOUNTDISABLE set."""
    if len(values) != 1:
        raise ValueError(f"userAccountControl must have exactly one value, got {len(values)}")
    text = values[0].decode("ascii", errors="replace").strip()
    if not _LDAP_INTEGER.fullmatch(text):
        raise ValueError(f"userAccountControl must be an integer, got {text!r}")
    return bool(int(text) & UAC_ACCOUNTDISABLE)


def _base_search(
    conn: Any, dn: str, search_filter: str, attributes: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run a base-scope search; return the LDAP result and the entries found."""
    try:
        conn.search(dn, search_filter, search_scope=BASE, attributes=attributes)
    except LDAPException as exc:
        raise SourceError(f"LDAP search on {dn!r} failed: {exc}") from exc
    result, response = conn.result, conn.response
    if not isinstance(result, dict) or "result" not in result:
        raise SourceError(f"LDAP search on {dn!r} gave no result")
    entries = [item for item in response or () if item.get("type") == "searchResEntry"]
    return result, entries


def _entry_values(conn: Any, dn: str, requested: str) -> tuple[str | None, list[bytes]]:
    """The attribute description the server answered with, and its raw values."""
    result, entries = _base_search(conn, dn, "(objectClass=*)", [requested])
    if result["result"] != _RESULT_SUCCESS:
        raise SourceError(f"reading {requested!r} of {dn!r} failed: {describe_result(result)}")
    if len(entries) != 1:
        raise SourceError(
            f"reading {requested!r} of {dn!r}: expected one entry, got {len(entries)}"
        )
    base_name = requested.partition(";")[0].lower()
    raw: dict[str, list[bytes]] = entries[0].get("raw_attributes") or {}
    for name, values in raw.items():
        if name.partition(";")[0].lower() == base_name:
            return name, list(values or ())
    return None, []


def _decode(values: list[bytes], dn: str, attribute: str) -> list[str]:
    try:
        return [value.decode("utf-8") for value in values]
    except UnicodeDecodeError:
        raise SourceError(f"{attribute} of {dn!r} has a value that is not UTF-8") from None


def read_ranged_values(
    conn: Any, dn: str, attribute: str, step: int = DEFAULT_RANGE_STEP
) -> list[str]:
    """All values of *attribute* of *dn*, asking for ``attribute;range=a-b`` until ``-*``.

    A server that does not range (OpenLDAP) answers the ranged request with nothing, and the
    plain request that follows with every value: that answer is complete. A gap, or a count
    that does not match the announced range, raises SourceError.
    """
    if step < 1:
        raise ValueError(f"range step must be at least 1, got {step}")
    if getattr(conn, "auto_range", False) or getattr(conn, "empty_attributes", False):
        raise ValueError(
            "range retrieval needs an ldap3 connection with auto_range=False and "
            "return_empty_attributes=False"
        )
    values: list[str] = []
    start = 0
    requested = f"{attribute};range=0-{step - 1}"
    while True:
        name, raw = _entry_values(conn, dn, requested)
        if name is None:
            if requested != attribute and start == 0:
                # OpenLDAP answers an unknown range option with nothing: ask plainly.
                requested = attribute
                continue
            # No values at or past *start*: the last range ended on a step boundary.
            return values
        match = _RANGE_OPTION.search(name)
        if match is None:
            if start == 0:
                return _decode(raw, dn, attribute)
            raise SourceError(
                f"{attribute} of {dn!r}: the server answered range {start}- without a range"
            )
        low, high = int(match.group(1)), match.group(2)
        if low != start:
            raise SourceError(f"{attribute} of {dn!r}: asked for range {start}-, got {name!r}")
        if high != "*" and len(raw) != int(high) - low + 1:
            raise SourceError(f"{attribute} of {dn!r}: range {name!r} carried {len(raw)} values")
        values.extend(_decode(raw, dn, attribute))
        if high == "*":
            return values
        start = int(high) + 1
        requested = f"{attribute};range={start}-{start + step - 1}"
