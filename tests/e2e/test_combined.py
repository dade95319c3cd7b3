"""End to end: a real slapd and an HR CSV joined into the served emulator (issue 13).

HR decides who works here and when; the directory supplies accounts and groups; joined on
employeeNumber. A joiner from HR with directory groups, a leaver by termination date, a
mover by directory group, a contractor in the directory only, an HR row with no account,
and a duplicated employee id; then a run with nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.e2e.harness import Harness, csv_source, kinds, ldap_source
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import GROUPS_DN, PEOPLE_DN, Directory, Group, User

HEADER = "Employee ID,First Name,Last Name,Personal Email,Status,Hire Date,Termination Date\n"


def _directory() -> Directory:
    def user(uid: str, key: str | None) -> User:
        extra = (f"employeeNumber: {key}",) if key else ()
        return User(uid, f"{uid}@corp.example", extra=extra)

    users = [
        user("alice", "E1"),
        user("bob", "E2"),
        user("carol", "E3"),
        user("erin", None),  # a contractor: in the directory, not in HR
        user("frank", "E7"),
        user("gina", "E7"),  # the same employee id twice
    ]
    groups = [
        Group("engineering", "groupOfNames", users=("alice", "bob")),
        Group("platform", "groupOfNames", users=("carol",)),
        Group("sales", "groupOfNames", users=("erin", "frank")),
    ]
    return Directory(users, groups)


def _hr(path: Path, rows: list[str]) -> None:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


ROWS = [
    "E1,Alice,Ames,alice@home.example,Active,2020-01-06,",
    "E2,Bob,Burr,bob@home.example,Active,2020-01-06,",
    "E3,Carol,Cole,carol@home.example,Active,2020-01-06,",
    "E7,Frank,Fox,frank@home.example,Active,2020-01-06,",
    "E9,Ivy,Ito,ivy@home.example,Active,2026-11-01,",  # no directory account yet
]


def test_hr_and_the_directory_joined_into_one_organization(
    emulator: ServedEmulator, slapd_factory: Callable[..., SlapdServer], tmp_path: Path
) -> None:
    server = slapd_factory(_directory())
    export = tmp_path / "hr.csv"
    _hr(export, ROWS)
    source = {
        **ldap_source(server),
        **csv_source(
            export,
            email="Personal Email",
            status="Status",
            start_date="Hire Date",
            end_date="Termination Date",
            timezone="Europe/Berlin",
        ),
        "source": {"type": "combined"},
    }
    h = Harness(emulator, tmp_path, source)
    h.sections["join"] = {"ldap_attribute": "employeeNumber", "email": "ldap", "name": "hr"}
    code, report = h.sync_json(now="2026-12-01T09:00:00+00:00")
    assert code == 0, report
    members = h.members()
    # Joiners from HR, with the directory's address and groups; externalId = employee id.
    assert {e: members[e]["externalId"] for e in members if e.endswith("@corp.example")} == {
        "alice@corp.example": "E1",
        "bob@corp.example": "E2",
        "carol@corp.example": "E3",
    }
    assert h.group_emails()["engineering"] == {"alice@corp.example", "bob@corp.example"}
    assert "erin@corp.example" not in members  # directory only: ignored
    assert "ivy@home.example" not in members  # held until the account exists
    warnings = report["plan"]["warnings"]
    assert any("ivy@home.example has no directory account" in w for w in warnings)
    assert any(
        f"uid=frank,{PEOPLE_DN} and uid=gina,{PEOPLE_DN} carry the same employee id" in w
        for w in warnings
    )
    assert "frank@corp.example" not in members

    # Bob's last day is today in Berlin; Carol moves to engineering in the directory.
    _hr(export, [ROWS[0], ROWS[1].removesuffix(",") + ",2026-12-01", *ROWS[2:]])
    server.modify(
        f"dn: cn=engineering,{GROUPS_DN}\nchangetype: modify\nadd: member\n"
        f"member: uid=carol,{PEOPLE_DN}\n"
    )
    code, report = h.sync_json(now="2026-12-01T22:30:00+00:00")  # 23:30 in Berlin
    assert code == 0
    assert h.members()["bob@corp.example"]["status"] != -1  # still his last day there
    assert "carol@corp.example" in h.group_emails()["engineering"]
    code, report = h.sync_json(now="2026-12-01T23:30:00+00:00")  # the 2nd in Berlin
    assert code == 0
    assert kinds(report) == ["revoke"]
    assert h.members()["bob@corp.example"]["status"] == -1

    code, report = h.sync_json(now="2026-12-02T08:00:00+00:00")
    assert (code, kinds(report)) == (0, [])


def test_a_pre_hire_is_staged_until_the_start_date(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    emulator.reset({"organization": {"stagedStatus": True}})
    export = tmp_path / "hr.csv"
    export.write_text(
        "Employee ID,First Name,Last Name,Work Email,Department,Hire Date\n"
        "E1,Ann,Lee,ann@example.com,Eng,2020-01-06\n"
        "E2,Ben,Ode,ben@example.com,Eng,2026-12-10\n",
        encoding="utf-8",
    )
    source = csv_source(
        export,
        start_date="Hire Date",
        timezone="Europe/Berlin",
        stage_before_start=True,
        groups=[{"column": "Department", "template": "{value}"}],
    )
    h = Harness(emulator, tmp_path, source)
    code, report = h.sync_json(now="2026-12-01T09:00:00+00:00")
    assert code == 0, report
    members = h.members()
    assert (members["ann@example.com"]["status"], members["ben@example.com"]["status"]) == (0, 3)
    assert h.group_emails()["Eng"] == {"ann@example.com", "ben@example.com"}
    assert h.sync_json(now="2026-12-09T22:59:00+00:00")[1]["plan"]["actions"] == []

    code, report = h.sync_json(now="2026-12-09T23:00:00+00:00")  # the 10th in Berlin
    assert (code, kinds(report)) == (0, ["invite-staged"])
    ben = h.members()["ben@example.com"]
    assert (ben["status"], ben["externalId"]) == (0, "E2")
    assert h.group_emails()["Eng"] == {"ann@example.com", "ben@example.com"}
    assert h.sync_json(now="2026-12-10T09:00:00+00:00")[1]["plan"]["actions"] == []
