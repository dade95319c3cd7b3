"""Active Directory specifics of the LDAP source: GUIDs, account flags, range retrieval, in-chain.

Range retrieval needs an ldap3 connection made with ``auto_range=False`` (ldap3's own
range loop breaks on an explicit range request) and ``return_empty_attributes=False``
(ldap3 2.9.1 then raises ``KeyError`` on ``member;range=...``). Any strategy works: the
synchronous ones returning a bool and the thread-safe ones returning a 4-tuple.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from dirsync.sources.errors import SourceError

GUID_LENGTH = 16
UAC_ACCOUNTDISABLE = 0x2
MATCHING_RULE_BIT_AND = "1.2.840.113556.1.4.803"
MATCHING_RULE_IN_CHAIN = "1.2.840.113556.1.4.1941"
AD_DISABLED_FILTER = f"(userAccountControl:{MATCHING_RULE_BIT_AND}:={UAC_ACCOUNTDISABLE})"
DEFAULT_RANGE_STEP = 1500

_RESULT_SUCCESS = 0
# Answers a server may give to an extensible match it does not implement.
_RULE_NOT_SUPPORTED = frozenset({2, 18, 53})  # protocolError, inappropriateMatching, unwilling
_LDAP_INTEGER = re.compile(r"-?[0-9]+")  # RFC 4517 Integer; int() would also take "5_14"
_RANGE_OPTION = re.compile(r";range=(\d+)-(\d+|\*)$", re.IGNORECASE)


@dataclass(frozen=True)
class AdDefaults:
    """The settings an Active Directory source uses where the configuration leaves them unset."""

    external_id: str = "objectGUID"
    username: str = "sAMAccountName"
    users_filter: str = "(&(objectCategory=person)(objectClass=user))"
    groups_filter: str = "(objectClass=group)"


AD_USER_DEFAULTS = AdDefaults()


def decode_guid(raw: bytes) -> str:
    """The objectGUID bytes (little-endian, as AD sends them) as a lowercase hyphenated UUID."""
    if not isinstance(raw, bytes | bytearray):
        raise ValueError(f"objectGUID must be bytes, got {type(raw).__name__}")
    if len(raw) != GUID_LENGTH:
        raise ValueError(f"objectGUID must be {GUID_LENGTH} bytes, got {len(raw)}")
    return str(uuid.UUID(bytes_le=bytes(raw)))


def _single_value(value: object) -> object:
    if isinstance(value, list | tuple):
        if len(value) != 1:
            raise ValueError(f"userAccountControl must have exactly one value, got {len(value)}")
        return value[0]
    return value


def uac_disabled(value: object) -> bool:
    """True when userAccountControl has ACCOUNTDISABLE set.

    *value* is an int or its decimal text (str or the raw bytes), alone or as the one
    element of the list ldap3 returns.
    """
    single = _single_value(value)
    if isinstance(single, bytes | bytearray):
        single = single.decode("ascii", errors="replace")
    if isinstance(single, bool) or not isinstance(single, int | str):
        raise ValueError(f"userAccountControl must be an integer, got {type(single).__name__}")
    if isinstance(single, str):
        if not _LDAP_INTEGER.fullmatch(single.strip()):
            raise ValueError(f"userAccountControl must be an integer, got {single!r}")
        single = int(single)
    return bool(single & UAC_ACCOUNTDISABLE)


def in_chain_filter(attribute: str, dn: str) -> str:
    """A filter matching entries linked to *dn* through *attribute*, transitively (AD only)."""
    return f"({attribute}:{MATCHING_RULE_IN_CHAIN}:={escape_filter_chars(dn)})"


def _base_search(
    conn: Any, dn: str, search_filter: str, attributes: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run a base-scope search; return the LDAP result and the entries found."""
    try:
        answer = conn.search(dn, search_filter, search_scope=BASE, attributes=attributes)
    except LDAPException as exc:
        raise SourceError(f"LDAP search on {dn!r} failed: {exc}") from exc
    if isinstance(answer, tuple):
        _status, result, response, _request = answer
    else:
        result, response = conn.result, conn.response
    if not isinstance(result, dict) or "result" not in result:
        raise SourceError(f"LDAP search on {dn!r} gave no result")
    entries = [item for item in response or () if item.get("type") == "searchResEntry"]
    return result, entries


def _describe(result: dict[str, Any]) -> str:
    return " ".join(
        str(part) for part in (result.get("description"), result.get("message")) if part
    )


def _entry_values(conn: Any, dn: str, requested: str) -> tuple[str | None, list[bytes]]:
    """The attribute description the server answered with, and its raw values."""
    result, entries = _base_search(conn, dn, "(objectClass=*)", [requested])
    if result["result"] != _RESULT_SUCCESS:
        raise SourceError(f"reading {requested!r} of {dn!r} failed: {_describe(result)}")
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


def supports_in_chain(conn: Any, base: str) -> bool:
    """Whether the server evaluates LDAP_MATCHING_RULE_IN_CHAIN.

    The probe reads *base* with ``(!(member:<in-chain>:=<base>))``: a server applying the
    rule finds *base* (it is not its own member); one that does not know the rule treats the
    match as undefined and returns nothing, or refuses the filter.
    """
    probe = f"(!{in_chain_filter('member', base)})"
    result, entries = _base_search(conn, base, probe, ["1.1"])
    if result["result"] in _RULE_NOT_SUPPORTED:
        return False
    if result["result"] != _RESULT_SUCCESS:
        raise SourceError(f"probing the in-chain rule on {base!r} failed: {_describe(result)}")
    return len(entries) == 1
