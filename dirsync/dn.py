"""Distinguished names compared as DNs, not as text (RFC 4514 escapes, case, spacing)."""

from __future__ import annotations

import re
from string import hexdigits

_HEX = frozenset(hexdigits)
_NOT_PLAIN = re.compile(r'[\\" +]')
# Escaped in the canonical form so that splitting it again stays unambiguous.
_CANONICAL_ESCAPES = str.maketrans({"\\": r"\5c", ",": r"\2c", "+": r"\2b", "=": r"\3d"})


def normalize_dn(dn: str) -> str:
    """A canonical key for *dn*: `uid=a\\3D,OU=x` and `uid=a\\=, ou=X` give the same key."""
    if _plain(dn):
        return dn.lower()
    rdns = []
    for rdn in _split_unescaped(dn, ","):
        avas = []
        for ava in _split_unescaped(rdn, "+"):
            kind, _, value = ava.partition("=")
            avas.append(f"{kind.strip().lower()}={_canonical_value(value)}")
        rdns.append("+".join(sorted(avas)))
    return ",".join(rdns)


def _plain(dn: str) -> bool:
    """No escapes, quotes, spaces or multi-valued RDNs: the text is already canonical."""
    return _NOT_PLAIN.search(dn) is None and dn.count("=") == dn.count(",") + 1


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    start = 0
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _canonical_value(text: str) -> str:
    text = text.lstrip(" ")
    while text.endswith(" ") and not text.endswith("\\ "):
        text = text[:-1]
    raw = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            pair = text[index + 1 : index + 3]
            if len(pair) == 2 and set(pair) <= _HEX:
                raw += bytes.fromhex(pair)
                index += 3
                continue
            char = text[index + 1]
            index += 1
        raw += char.encode("utf-8", "surrogatepass")
        index += 1
    return raw.decode("utf-8", "surrogateescape").lower().translate(_CANONICAL_ESCAPES)
