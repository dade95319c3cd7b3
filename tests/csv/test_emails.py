"""The invite email rule (contract §1, MemberCreateRequestModel: StrictEmailAddress)."""

from __future__ import annotations

import pytest

from dirsync.sources.emails import MAX_EMAIL_LENGTH, normalize_email, valid_email


@pytest.mark.parametrize(
    "addr",
    [
        "hello@world.com",
        "hello@world.planet.com",
        "hello+1@world.com",
        "hello.there@world.com",
        "hello@wörldé.com",
        "hello@world.cömé",
        "o'brien@example.ie",
        "first_last-2@sub.example.co.uk",
        "x@" + "a" * (MAX_EMAIL_LENGTH - 5) + ".io",
    ],
)
def test_accepts_what_the_server_accepts(addr: str) -> None:
    assert valid_email(addr)


@pytest.mark.parametrize(
    "addr",
    [
        "",
        "hello@world.com\t",
        "\thello@world.com",
        "hel\tlo@world.com",
        "hello@world.com\b",
        '"   "hello@world.com',
        'hello@world.com"    "',
        'hel"   "lo@world.com',
        "hello there@world.com",
        "Hello <hello@world.com>",
        "<hello@world.com>",
        "hello(com)there@world.com",
        "hello@world.com.",
        ".hello@world.com",
        "hello.@world.com",
        "hello..there@world.com",
        "hello@world.com;",
        ";hello@world.com",
        "hello@world.com; hello@world.com",
        "hello@world.com, hello@world.com",
        "hellothere@worldcom",
        "hello.there@worldcom",
        "hellothere@.worldcom",
        "hellothere@worldcom.",
        "hellothere@world..com",
        "hellothere@world.com-",
        "hello@world.c0m",
        "hellö@world.com",
        "héllo@world.com",
        "@world.com",
        "hello@",
        "hello@@world.com",
        "a@b@world.com",
        "hello@[10.0.0.1]",
        "hello@wor ld.com",
        "hello@wörldcom",
        "hello@wörld..com",
        "hello@wö rld.com",
        "hello@wörld.c0m",
        "hello@world.com\n",
        "x@" + "a" * (MAX_EMAIL_LENGTH - 4) + ".io",
    ],
)
def test_refuses_what_the_server_refuses(addr: str) -> None:
    assert not valid_email(addr)


def test_normalize_trims_and_lowercases() -> None:
    assert normalize_email("  Jane.DOE@Example.COM \t") == "jane.doe@example.com"


def test_normalized_mixed_case_address_is_valid() -> None:
    assert valid_email(normalize_email(" Hello.There@World.COM "))
