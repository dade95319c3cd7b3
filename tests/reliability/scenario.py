"""A seeded starting point for one campaign run: a source, an org that half matches it,
the state file of an earlier run, and what the org must look like once dirsync converged.

The org holds an Owner, a foreign member (no externalId), about 60% of the source's
people (some with wrong group memberships, the terminated ones still active), leavers
dirsync managed before, half of the groups, and a stale managed group. A converged org:
every active person a member with their externalId in exactly their groups; terminated
people who were members, and the leavers, revoked; the Owner and the foreign member as
they were; every other group gone.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.harness import csv_source as harness_csv_source
from tests.fixtures.slapd_data import Directory, generate_directory

OWNER_EMAIL = "owner@example.com"
FOREIGN_EMAIL = "foreign@example.net"
STALE_GROUP = ("Old project", "stale-group-1")
CSV_HEADER = ["Employee ID", "First Name", "Last Name", "Work Email", "Department", "Teams"]
CSV_HEADER += ["Status"]
CONFIRMED, REVOKED, USER, OWNER = 2, -1, 2, 0


@dataclass(frozen=True)
class Person:
    email: str
    external_id: str
    active: bool
    groups: frozenset[str]
    """Group names, transitive memberships included."""


@dataclass
class Scenario:
    people: list[Person]
    group_ids: dict[str, str]
    """Group name -> the externalId the source gives it."""
    seed: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    seeded_ids: dict[str, str] = field(default_factory=dict)
    """Email -> member id of every member in the seed."""
    leavers: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[Person]:
        return [p for p in self.people if p.active]

    def stays(self, email: str) -> bool:
        """Whether a member with this email must end up not revoked."""
        person = next((p for p in self.people if p.email == email), None)
        return email in (OWNER_EMAIL, FOREIGN_EMAIL) or (person is not None and person.active)

    def write_state(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "state.json").write_text(json.dumps(self.state), encoding="utf-8")


def csv_people(users: int, groups: int) -> tuple[list[Person], dict[str, str]]:
    """People for the CSV source: half the groups are departments, half are teams. Every
    group a row names is synced, even one whose people are all terminated."""
    departments = max(1, groups // 2)
    teams = max(1, groups - departments)
    people: list[Person] = []
    for i in range(users):
        names = {f"Dept - dept{i % departments:02d}", f"team{i % teams:02d}"}
        names.add(f"team{(i * 7 + 3) % teams:02d}")
        active = i % 25 != 11
        people.append(Person(f"user{i:05d}@example.com", f"E{i:05d}", active, frozenset(names)))
    group_ids = {f"Dept - dept{d:02d}": f"csv:Department:dept{d:02d}" for d in range(departments)}
    group_ids |= {f"team{t:02d}": f"csv:Teams:team{t:02d}" for t in range(teams)}
    used = set().union(*(p.groups for p in people)) if people else set()
    return people, {name: ext for name, ext in group_ids.items() if name in used}


def csv_source(export: Path) -> dict[str, Any]:
    """The [source] and [csv] sections that read *export* as write_csv lays it out."""
    return harness_csv_source(
        export,
        status="Status",
        groups=[
            {"column": "Department", "template": "Dept - {value}"},
            {"column": "Teams", "separator": ";"},
        ],
    )


def write_csv(path: Path, people: list[Person]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for person in people:
            dept = next(g for g in person.groups if g.startswith("Dept - ")).removeprefix("Dept - ")
            teams = ";".join(sorted(g for g in person.groups if g.startswith("team")))
            number = person.external_id[1:]
            status = "Active" if person.active else "Terminated"
            writer.writerow([person.external_id, "User", number, person.email, dept, teams, status])


def ldap_directory(users: int, groups: int) -> Directory:
    return generate_directory(users, groups)


def ldap_people(
    directory: Directory, uuids: Mapping[str, str]
) -> tuple[list[Person], dict[str, str]]:
    """People as dirsync reads the directory: entryUUID ids, transitive group members;
    every group is synced."""
    member_of: dict[str, set[str]] = {u.uid: set() for u in directory.users}
    for group in directory.groups:
        for uid in directory.transitive_uids(group.name):
            member_of[uid].add(group.name)
    people = [
        Person(u.mail or "", uuids[u.uid], not u.disabled, frozenset(member_of[u.uid]))
        for u in directory.users
    ]
    return people, {g.name: uuids[g.name] for g in directory.groups}


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build(people: list[Person], group_ids: dict[str, str], rng: random.Random) -> Scenario:
    """The seed and state file of a half-synced org (see the module docstring)."""
    scenario = Scenario(people, group_ids)
    members: list[dict[str, Any]] = []

    def add(email: str, external_id: str | None, member_type: int = USER) -> str:
        member_id = _id(rng)
        members.append(
            {"id": member_id, "email": email, "externalId": external_id,
             "type": member_type, "status": CONFIRMED}
        )  # fmt: skip
        scenario.seeded_ids[email] = member_id
        return member_id

    add(OWNER_EMAIL, None, OWNER)
    add(FOREIGN_EMAIL, None)
    group_members: dict[str, list[str]] = {name: [] for name in group_ids}
    managed = []
    for person in people:
        if rng.random() >= 0.6:
            continue
        member_id = add(person.email, person.external_id)
        managed.append(person.external_id)
        names = set(person.groups)
        if names and rng.random() < 0.3:
            names.discard(rng.choice(sorted(names)))
        if rng.random() < 0.2:
            names.add(rng.choice(sorted(group_ids)))
        for name in names & group_members.keys():
            group_members[name].append(member_id)
    for n in range(max(2, len(people) // 40)):
        email = f"leaver{n:04d}@example.com"
        add(email, f"gone-{n:04d}")
        managed.append(f"gone-{n:04d}")
        scenario.leavers.append(email)
    groups = [
        {"id": _id(rng), "name": name, "externalId": ext, "memberIds": group_members[name]}
        for name, ext in sorted(group_ids.items())
        if rng.random() < 0.5
    ]
    stale_name, stale_ext = STALE_GROUP
    groups.append({"id": _id(rng), "name": stale_name, "externalId": stale_ext, "memberIds": []})
    scenario.seed = {"organization": {"seats": None}, "members": members, "groups": groups}
    scenario.state = {
        "version": 1,
        "managed_members": sorted(managed),
        "managed_groups": sorted(g["externalId"] for g in groups),
        "revoked": {},
        "invited": {},
        "last_success": None,
    }
    return scenario
