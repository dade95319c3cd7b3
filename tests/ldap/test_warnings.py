"""Per-item problems become warnings (where = the DN) and the rest of the read goes on."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from dirsync.model import DirectorySnapshot
from dirsync.sources.ldap import read_ldap
from tests.fixtures.slapd import SlapdServer, start_slapd
from tests.fixtures.slapd_data import PEOPLE_DN, Directory, Group, User
from tests.fixtures.slapd_tls import TlsFiles

GHOST_DN = f"uid=ghost,{PEOPLE_DN}"


def quirks() -> Directory:
    padded = base64.b64encode(b"  Gus@Example.ORG ").decode()
    users = [
        User("ann", "ann@example.org", extra=("employeeNumber: E1",)),
        User("ben", None, extra=("employeeNumber: E2",)),
        User("cat", "not-an-email", extra=("employeeNumber: E3",)),
        User("dan", "shared@example.org", extra=("employeeNumber: E4",)),
        User("dee", "Shared@example.org", extra=("employeeNumber: E5",)),
        User("eve", "rehire@example.org", disabled=True, extra=("employeeNumber: E6",)),
        User("fay", "rehire@example.org", extra=("employeeNumber: E7",)),
        User("gus", None, extra=(f"mail:: {padded}", "employeeNumber: E8")),
        User("hal", "hal@example.org"),
    ]
    groups = [
        Group("cycle-a", "groupOfNames", users=("ann",), groups=("cycle-b",)),
        Group("cycle-b", "groupOfNames", users=("gus",), groups=("cycle-a",)),
        Group("strays", "groupOfNames", users=("ann", "dan"), extra=(f"member: {GHOST_DN}",)),
        Group("posix-strays", "posixGroup", users=("ann", "ghost")),
    ]
    return Directory(users, groups)


@pytest.fixture(scope="module")
def server(slapd_workdir: Path, tls_files: TlsFiles) -> Iterator[SlapdServer]:
    started = start_slapd(slapd_workdir / "quirks", quirks(), tls_files)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def uuids(server: SlapdServer) -> dict[str, str]:
    return server.entry_uuids()


@pytest.fixture(scope="module")
def snapshot(server: SlapdServer) -> DirectorySnapshot:
    return read_ldap(server.settings())


def _warnings_for(snapshot: DirectorySnapshot, rdn: str) -> list[str]:
    return [w.message for w in snapshot.warnings if w.where.startswith(rdn + ",")]


def test_good_users_are_synced_with_trimmed_lowercase_email(snapshot: DirectorySnapshot) -> None:
    emails = {user.username: user.email for user in snapshot.users}
    assert emails == {
        "ann": "ann@example.org",
        "fay": "rehire@example.org",  # the only enabled user of that email
        "gus": "gus@example.org",
        "hal": "hal@example.org",
    }


def test_bad_users_are_reported_and_uncertain(
    snapshot: DirectorySnapshot, uuids: dict[str, str]
) -> None:
    assert _warnings_for(snapshot, "uid=ben") == [
        "no email (mail is empty and the template cannot be filled)"
    ]
    assert _warnings_for(snapshot, "uid=cat") == ["invalid email 'not-an-email'"]
    for uid, other in (("dan", "dee"), ("dee", "dan")):
        (message,) = _warnings_for(snapshot, f"uid={uid}")
        assert "shared@example.org" in message
        assert f"uid={other}," in message
    (message,) = _warnings_for(snapshot, "uid=eve")
    assert "uid=fay," in message
    bad = {"ben", "cat", "dan", "dee", "eve"}
    assert snapshot.uncertain_ids == {uuids[uid] for uid in bad}
    for warning in snapshot.warnings:
        if warning.where.startswith("uid="):
            assert warning.external_id == uuids[warning.where[4:7]]


def test_cycle_resolves_to_the_union(snapshot: DirectorySnapshot, uuids: dict[str, str]) -> None:
    groups = {group.name: group.member_ids for group in snapshot.groups}
    assert groups["cycle-a"] == groups["cycle-b"] == {uuids["ann"], uuids["gus"]}


def test_unknown_members_are_reported_and_uncertain_members_kept(
    snapshot: DirectorySnapshot, uuids: dict[str, str]
) -> None:
    groups = {group.name: group.member_ids for group in snapshot.groups}
    # dan is uncertain, not gone: his membership stays so nothing is removed on bad data.
    assert groups["strays"] == {uuids["ann"], uuids["dan"]}
    assert groups["posix-strays"] == {uuids["ann"]}
    assert _warnings_for(snapshot, "cn=strays") == [f"member {GHOST_DN} matches no user or group"]
    assert _warnings_for(snapshot, "cn=posix-strays") == ["memberUid ghost matches no user"]


def test_email_template_fills_a_missing_email(server: SlapdServer) -> None:
    snapshot = read_ldap(server.settings(users={"email_template": "{uid}@corp.example.org"}))

    emails = {user.username: user.email for user in snapshot.users}
    assert emails["ben"] == "ben@corp.example.org"
    assert emails["ann"] == "ann@example.org"  # the attribute wins over the template
    assert not _warnings_for(snapshot, "uid=ben")


def test_missing_external_id_attribute_is_reported(server: SlapdServer) -> None:
    snapshot = read_ldap(server.settings(users={"external_id": "employeeNumber"}))

    assert _warnings_for(snapshot, "uid=hal") == ["no employeeNumber; the user cannot be synced"]
    assert {u.username: u.external_id for u in snapshot.users} == {
        "ann": "E1",
        "fay": "E7",
        "gus": "E8",
    }
    assert "E4" in snapshot.uncertain_ids
