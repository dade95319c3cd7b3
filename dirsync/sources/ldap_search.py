"""Paged searches that either return every entry or raise SourceError.

Each search gets its own connection (OpenLDAP drops the older cookie when two paged
searches interleave on one connection) and the result of every page is checked: an
error on page 7 must not look like a directory that ends after page 6.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ldap3 import LEVEL, SUBTREE
from ldap3.core.exceptions import LDAPException

from dirsync.sources.ad import dialect_for
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_ber import EntryTap, MalformedMessage, require_supported_ldap3
from dirsync.sources.ldap_connect import LdapConnector, describe_result

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
SCOPES = {"sub": SUBTREE, "one": LEVEL}

_SUCCESS, _TIME_LIMIT, _SIZE_LIMIT, _REFERRAL, _NO_SUCH_OBJECT = 0, 3, 4, 10, 32


@dataclass(frozen=True, slots=True)
class Entry:
    """A search result entry; attribute names are lower-cased, values raw bytes."""

    dn: str
    attributes: dict[str, list[bytes]]

    def raw(self, name: str) -> list[bytes]:
        return self.attributes.get(name.lower(), [])

    def texts(self, name: str) -> list[str]:
        """All values as text (undecodable bytes kept as surrogates, so they fail checks)."""
        return [value.decode("utf-8", "surrogateescape") for value in self.raw(name)]

    def text(self, name: str) -> str | None:
        """The first value as text, or None when the attribute is absent."""
        values = self.raw(name)
        return values[0].decode("utf-8", "surrogateescape") if values else None


def _failure(
    code: int | None, result: dict[str, Any] | None, base: str, page_size: int, bind_dn: str
) -> str:
    reason = describe_result(result)
    if code == _NO_SUCH_OBJECT:
        # Servers answer noSuchObject for an entry the bind may not see, not only a missing one.
        who = f"the bind {bind_dn}" if bind_dn else "an anonymous bind"
        return (
            f"the base {base} does not exist, or {who} may lack read rights on it ({reason});"
            " check the base and the bind's access rights"
        )
    if code == _SIZE_LIMIT:
        return f"the server's size limit was hit with page size {page_size} ({reason})"
    if code == _TIME_LIMIT:
        return f"the server's time limit was hit ({reason})"
    if code == _REFERRAL:
        referrals = (result or {}).get("referrals") or []
        return f"the server referred elsewhere {referrals} ({reason}); referrals are not followed"
    return reason


def paged_search(
    connector: LdapConnector,
    base: str,
    scope: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
) -> list[Entry]:
    """Every entry under *base* matching *search_filter*, read page by page."""
    pages = search_pages(connector, base, scope, search_filter, attributes, page_size)
    return [entry for page in pages for entry in page]


def search_pages(
    connector: LdapConnector,
    base: str,
    scope: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
) -> Iterator[list[Entry]]:
    """The entries under *base* matching *search_filter*, one page at a time, so a caller
    may keep less than the raw entries (100,000 of them take about 100 MB).

    A continuation reference (part of the subtree held by another server) is an error,
    since those entries would be missing, unless the dialect expects references. An error
    raises on the page it happens: a caller must read every page before trusting any.
    """
    where = f"LDAP search under {base} with {search_filter}"
    cookie: bytes | None = None
    page = 0
    require_supported_ldap3()
    with connector.session() as conn:
        tap = EntryTap(conn)
        while True:
            page += 1
            try:
                conn.search(
                    base,
                    search_filter,
                    search_scope=SCOPES[scope],
                    attributes=attributes,
                    paged_size=page_size,
                    paged_criticality=True,
                    paged_cookie=cookie,
                )
            except (LDAPException, OSError, MalformedMessage) as exc:
                raise SourceError(f"{where} failed on page {page}: {exc}") from exc
            result: dict[str, Any] | None = conn.result
            code = result.get("result") if result else None
            if code != _SUCCESS:
                reason = _failure(code, result, base, page_size, connector.cfg.bind_dn)
                raise SourceError(f"{where} failed on page {page}: {reason}")
            # Entries arrive through the tap; only references are left in conn.response.
            entries = [Entry(dn, attributes) for dn, attributes in tap.entries]
            tap.entries.clear()
            references = [i["uri"] for i in conn.response or () if i["type"] == "searchResRef"]
            if references and not dialect_for(connector.cfg).expects_references:
                raise SourceError(
                    f"{where}: part of the subtree is on another server {references};"
                    " referrals are not followed"
                )
            control = ((result or {}).get("controls") or {}).get(PAGED_RESULTS_OID)
            value = control.get("value") if isinstance(control, dict) else None
            if not isinstance(value, dict) or "cookie" not in value:
                raise SourceError(f"{where}: page {page} came without a paging control")
            yield entries
            cookie = value["cookie"]
            if not cookie:
                return
