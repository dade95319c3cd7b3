"""What a campaign checks in the emulator's state and event log, and in dirsync's outputs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.reliability.scenario import FOREIGN_EMAIL, OWNER_EMAIL, REVOKED, USER, Scenario

INVITED_EVENT = 1500
REMOVAL_EVENTS = (1503, 1511)
"""Removed (deleted) and Revoked."""


def differences(scenario: Scenario, state: dict[str, Any]) -> dict[str, list[str]]:
    """Where the org differs from the converged org, by member email or group name."""
    members: dict[str, list[dict[str, Any]]] = {}
    for member in state["members"]:
        members.setdefault(member["email"].lower(), []).append(member)
    by_id = {m["id"]: m["email"].lower() for m in state["members"]}
    groups = [g for g in state["groups"] if g.get("externalId")]
    member_groups: dict[str, set[str]] = {}
    for group in groups:
        for member_id in group["memberIds"]:
            member_groups.setdefault(by_id[member_id], set()).add(group["name"])
    found: dict[str, list[str]] = {"members": [], "groups": []}
    expected: set[str] = {OWNER_EMAIL, FOREIGN_EMAIL, *scenario.leavers}
    for person in scenario.people:
        got = members.get(person.email, [])
        if not person.active:
            if person.email in scenario.seeded_ids:
                expected.add(person.email)
                if [m["status"] for m in got] != [REVOKED]:
                    found["members"].append(f"{person.email}: not revoked")
            elif got:
                found["members"].append(f"{person.email}: terminated but a member")
            continue
        expected.add(person.email)
        if len(got) != 1:
            found["members"].append(f"{person.email}: {len(got)} members")
            continue
        member = got[0]
        if (member["externalId"], member["type"]) != (person.external_id, USER):
            found["members"].append(f"{person.email}: {member['externalId']} type {member['type']}")
        if member["status"] == REVOKED:
            found["members"].append(f"{person.email}: revoked")
        if member_groups.get(person.email, set()) != set(person.groups):
            found["groups"].append(f"{person.email}: groups differ")
    for email in scenario.leavers:
        if [m["status"] for m in members.get(email, [])] != [REVOKED]:
            found["members"].append(f"{email}: leaver not revoked")
    for email in (OWNER_EMAIL, FOREIGN_EMAIL):
        if [(m["status"], m["externalId"]) for m in members.get(email, [])] != [(2, None)]:
            found["members"].append(f"{email}: changed")
    found["members"] += [f"{email}: unexpected member" for email in members.keys() - expected]
    names = Counter(g["name"] for g in groups)
    if set(names) != set(scenario.group_ids) or any(n > 1 for n in names.values()):
        found["groups"].append(f"groups {sorted(names.elements())} != {sorted(scenario.group_ids)}")
    return {k: v for k, v in found.items() if v}


def duplicate_invites(state: dict[str, Any], seeded_ids: dict[str, str]) -> int:
    """Invited events beyond one per email, plus members sharing an email or externalId."""
    email_of = {m["id"]: m["email"].lower() for m in state["members"]}
    email_of |= {member_id: email for email, member_id in seeded_ids.items()}
    invites = Counter(
        email_of.get(e["memberId"], e["memberId"])
        for e in state["events"]
        if e["type"] == INVITED_EVENT
    )
    emails = Counter(m["email"].lower() for m in state["members"])
    ids = Counter(m["externalId"] for m in state["members"] if m["externalId"])
    return sum(n - 1 for counter in (invites, emails, ids) for n in counter.values() if n > 1)


def unintended_removals(scenario: Scenario, state: dict[str, Any]) -> list[str]:
    """Removal events whose member must stay."""
    email_of = {m["id"]: m["email"].lower() for m in state["members"]}
    email_of |= {member_id: email for email, member_id in scenario.seeded_ids.items()}
    return [
        f"{e['type']} {email_of.get(e['memberId'], e['memberId'])}"
        for e in state["events"]
        if e["type"] in REMOVAL_EVENTS and scenario.stays(email_of.get(e["memberId"], ""))
    ]


def unexplained(diffs: dict[str, list[str]], report: dict[str, Any] | None) -> list[str]:
    """Differences a run left that no failed action in its report accounts for.

    A failed member action accounts for its member. A failed group or membership action,
    or a failed invite, accounts for membership differences: the report does not say
    which member a failed group call left behind.
    """
    failed = [r for r in (report or {}).get("results", []) if r["result"] == "failed"]
    emails = {r["email"] for r in failed if "email" in r}
    left = [line for line in diffs.get("members", []) if line.split(":", 1)[0] not in emails]
    group_kinds = {"create-group", "set-group-members", "set-member-groups", "delete-group"}
    if not any(r["kind"] in group_kinds or r["kind"] == "invite" for r in failed):
        left += diffs.get("groups", [])
    return left


def leaked(secrets: Iterable[str], texts: Iterable[tuple[str, str]]) -> list[str]:
    """Names of the outputs that contain a secret."""
    return [name for name, text in texts for s in secrets if s and s in text]


def output_files(root: Path, skip: Path) -> list[tuple[str, str]]:
    """Every file dirsync may have written under *root* (reports, state, audit, metrics)."""
    return [
        (str(path), path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(root.rglob("*"))
        if path.is_file() and skip not in path.parents
    ]


def tracebacks(texts: Iterable[tuple[str, str]]) -> list[str]:
    """Outputs showing an uncaught exception's traceback. (At -v a log record may carry
    an escaped traceback in its "exc" field on purpose: one JSON line, not counted.)"""
    return [
        name
        for name, text in texts
        if any(line.startswith("Traceback (most recent call last):") for line in text.splitlines())
    ]
