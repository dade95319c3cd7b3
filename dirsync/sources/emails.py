"""Email normalization and the server's invite rule, shared by every source.

Bitwarden validates an invite email (contract §1, ``MemberCreateRequestModel.email``) with
``[StringLength(256)]`` and ``[StrictEmailAddress]``: MimeKit must parse the text as a bare
address that renders back unchanged, then ``^[\\x00-\\x7F]+@.+\\.\\p{L}+$`` must match, then
.NET's ``EmailAddressAttribute`` (exactly one ``@``, neither first nor last; no CR/LF).

:func:`valid_email` approximates that as:

- at most 256 characters, exactly one ``@``;
- local part: an RFC 5322 dot-atom of ASCII ``atext`` (letters, digits and
  ``!#$%&'*+-/=?^_`{|}~``), dots only between atoms. No spaces, quotes, comments or
  angle brackets (the server refuses ``Name <a@b.c>``, ``"a b"@c.d``, ``a(x)@b.c``);
- domain: two or more non-empty dot-separated labels of ``atext`` or printable non-ASCII
  characters (``wörldé.com`` is allowed), the last label made of letters only (Unicode
  category L), so ``a@b.com-``, ``a@b``, ``a@b.c.`` and ``a@[10.0.0.1]`` are refused.

Where MimeKit's loose mode would let more through (``a..b@c.d``, a quoted local part), this
check is stricter: such a row is reported instead of failing later as a 400 on invite.
"""

from __future__ import annotations

import re
import unicodedata

MAX_EMAIL_LENGTH = 256

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_LOCAL_PART = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_ASCII_LABEL = re.compile(rf"{_ATEXT}+")
_ASCII_DOMAIN = re.compile(rf"(?:{_ATEXT}+\.)+[A-Za-z]+")


def normalize_email(raw: str) -> str:
    """Trim surrounding whitespace and lower-case; the form compared and sent everywhere."""
    return raw.strip().lower()


def _domain_char_ok(char: str) -> bool:
    if char.isascii():
        return _ASCII_LABEL.fullmatch(char) is not None
    return char.isprintable() and not char.isspace()


def _domain_ok(domain: str) -> bool:
    if domain.isascii():
        return _ASCII_DOMAIN.fullmatch(domain) is not None
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    if not all(_domain_char_ok(char) for label in labels for char in label):
        return False
    return all(unicodedata.category(char).startswith("L") for char in labels[-1])


def valid_email(addr: str) -> bool:
    """True when the server would accept *addr* as an invite email (see the module doc)."""
    if not addr or len(addr) > MAX_EMAIL_LENGTH or addr.count("@") != 1:
        return False
    local, domain = addr.split("@")
    return _LOCAL_PART.fullmatch(local) is not None and _domain_ok(domain)
