"""A member's life after the invite (issue 14), end to end: seats on the cloud, none on a
self-hosted server, and members waiting for an admin's confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dirsync.cli.main import main
from tests.e2e.harness import Harness, csv_source
from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator

HEADER = "Employee ID,First Name,Last Name,Work Email\n"


def _export(path: Path, count: int) -> None:
    rows = [f"E{i:03d},F{i},L{i},p{i:03d}@example.com\n" for i in range(count)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def _harness(emulator: ServedEmulator, tmp_path: Path, count: int) -> Harness:
    export = tmp_path / "hr.csv"
    _export(export, count)
    return Harness(emulator, tmp_path, csv_source(export))


def _subscription_calls(emulator: ServedEmulator) -> int:
    return sum(1 for r in emulator.requests() if r["path"].endswith("/organization/subscription"))


def _invited(emulator: ServedEmulator) -> int:
    return sum(1 for m in emulator.state()["members"] if m["email"].startswith("p"))


def test_ten_free_seats_and_25_joiners_then_growth_allowed_within_the_cap(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    # The owner takes one seat: 11 seats leave 10 free; autoscale may reach 30.
    emulator.reset({"organization": {"seats": 11, "maxAutoScaleSeats": 30}})
    h = _harness(emulator, tmp_path, 25)
    code, report = h.sync_json()
    assert code == 3
    seats: dict[str, Any] = report["plan"]["seats"]
    assert (seats["needed"], seats["free"], seats["autoscale_headroom"]) == (25, 10, 19)
    assert seats["withheld_invites"] == 15
    assert report["counts"]["ok"] == {"invite": 10}
    assert _invited(emulator) == 10
    assert report["plan"]["withheld_reason"].startswith(
        "25 invites and restores need 15 seats beyond the 10 free (sync.max_seat_growth = 0"
    )
    table = h.run("plan")
    assert "Seats: 15 needed, 0 free of 11, autoscale headroom 19; 15 invites withheld." in (
        table.stdout
    )
    assert "run `dirsync sync --allow-seat-growth N`" in table.stdout

    code, report = h.sync_json("--allow-seat-growth", "15")
    assert code == 0, report["plan"]["withheld_reason"]
    assert _invited(emulator) == 25
    assert emulator.state()["organization"]["seats"] == 26


def test_growth_never_passes_the_autoscale_cap(emulator: ServedEmulator, tmp_path: Path) -> None:
    emulator.reset({"organization": {"seats": 6, "maxAutoScaleSeats": 10}})
    h = _harness(emulator, tmp_path, 12)
    code, report = h.sync_json("--allow-seat-growth", "100")
    assert code == 3
    assert report["plan"]["seats"]["withheld_invites"] == 3
    assert "(--allow-seat-growth 100, autoscale cap 10)" in report["plan"]["withheld_reason"]
    assert _invited(emulator) == 9
    assert report["counts"]["failed"] == {}


def test_self_hosted_reads_no_subscription(emulator_factory: Any, tmp_path: Path) -> None:
    served: ServedEmulator = emulator_factory(seed={"organization": {"profile": "self-hosted"}})
    h = _harness(served, tmp_path, 3)
    base = served.api_url.removesuffix("/api")
    code, report = h.sync_json()
    assert code == 0
    assert report["plan"]["seats"] is None
    assert _subscription_calls(served) == 1  # explicit URLs: asked once, 400, no seats

    served.clear_requests()
    config = h.config().read_text(encoding="utf-8")
    config = config.replace(f'api_url = "{served.api_url}"', f'server = "{base}"')
    config = config.replace(f'identity_url = "{served.identity_url}"\n', "")
    (tmp_path / "self-hosted.toml").write_text(config, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "self-hosted.toml"), "sync"])
    assert result.exit_code == 0, result.output
    assert served.requests(), "the run must have reached the server"
    assert _subscription_calls(served) == 0


def test_a_seat_error_from_the_server_is_one_line_for_the_run(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    emulator.reset(
        {"organization": {"seats": 1, "maxAutoScaleSeats": 50, "planAllowsAdditionalSeats": False}}
    )
    h = _harness(emulator, tmp_path, 20)
    h.sync["max_seat_growth"] = 100
    result = h.run("sync")
    assert result.exit_code == 4
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1, failed
    assert failed[0].startswith("  FAILED 20 invite: ")
    assert "Plan does not allow additional seats." in failed[0]
    assert failed[0].endswith("(p000@example.com, p001@example.com, p002@example.com, +17 more)")


def test_accepted_members_are_reported_with_their_wait(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h = _harness(emulator, tmp_path, 3)
    h.report["metrics_file"] = str(tmp_path / "dirsync.prom")
    assert h.sync_json(now="2026-12-01T09:00:00+00:00")[0] == 0
    members = {m["email"]: m["id"] for m in emulator.state()["members"]}
    for email in ("p000@example.com", "p001@example.com"):
        answer = emulator.control("POST", f"/_emulator/members/{members[email]}/accept")
        assert answer.status_code == 200, answer.text
    code, first = h.sync_json(now="2026-12-01T10:00:00+00:00")
    assert code == 0
    assert first["plan"]["awaiting_confirmation"] == {
        "count": 2,
        "longest_wait_days": 0.0,
        "members": ["p000@example.com", "p001@example.com"],
    }
    code, later = h.sync_json(now="2026-12-04T10:00:00+00:00")
    assert later["plan"]["awaiting_confirmation"]["longest_wait_days"] == 3.0

    table = h.run("plan", now="2026-12-04T10:00:00+00:00").stdout
    assert "Awaiting confirmation: 2 members, the longest for 3.0 days;" in table
    check = h.run("check", now="2026-12-04T10:00:00+00:00")
    assert "Awaiting confirmation: 2 members, the longest for 3.0 days;" in check.stdout
    metrics = (tmp_path / "dirsync.prom").read_text(encoding="utf-8")
    assert 'dirsync_members_awaiting_confirmation{organization="' in metrics
    assert any(
        line.startswith("dirsync_confirmation_wait_longest_seconds") and line.endswith(" 259200")
        for line in metrics.splitlines()
    ), metrics


DEPT_HEADER = "Employee ID,First Name,Last Name,Work Email,Department\n"


def _dept_harness(emulator: ServedEmulator, tmp_path: Path, rows: list[str]) -> Harness:
    export = tmp_path / "hr.csv"
    export.write_text(DEPT_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    source = csv_source(export, groups=[{"column": "Department", "template": "{value}"}])
    return Harness(emulator, tmp_path, source)


def _rewrite(h: Harness, rows: list[str]) -> None:
    export = Path(h.source["csv"]["path"])
    export.write_text(DEPT_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_an_invited_members_new_address_is_invited_in_its_place(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    rows = ["E1,Ann,Lee,ann@example.com,Eng", "E2,Ben,Ode,ben@example.com,Eng"]
    h = _dept_harness(emulator, tmp_path, rows)
    assert h.sync_json()[0] == 0
    old = h.members()["ann@example.com"]
    _rewrite(h, ["E1,Ann,Lee,ann.lee@example.com,Eng", rows[1]])
    code, report = h.sync_json()
    assert code == 0, report
    assert [(a["kind"], a["old_email"]) for a in report["plan"]["actions"]] == [
        ("re-address", "ann@example.com")
    ]
    members = h.members()
    assert "ann@example.com" not in members
    new = members["ann.lee@example.com"]
    assert (new["externalId"], new["type"], new["status"]) == ("E1", old["type"], 0)
    assert h.group_emails()["Eng"] == {"ann.lee@example.com", "ben@example.com"}
    assert h.sync_json()[1]["plan"]["actions"] == []


def test_a_confirmed_members_new_address_is_reported_never_duplicated(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    rows = ["E1,Ann,Lee,ann@example.com,Eng"]
    h = _dept_harness(emulator, tmp_path, rows)
    assert h.sync_json()[0] == 0
    ann = h.members()["ann@example.com"]["id"]
    for step in ("accept", "confirm"):
        assert emulator.control("POST", f"/_emulator/members/{ann}/{step}").status_code == 200
    _rewrite(h, ["E1,Ann,Lee,ann.lee@example.com,Eng"])
    code, report = h.sync_json()
    assert code == 0
    assert report["plan"]["actions"] == []
    (warning,) = [w for w in report["plan"]["warnings"] if "ann.lee@example.com" in w]
    assert warning.startswith("ann@example.com: the source's address is now ann.lee@example.com;")
    assert "only they can change" in warning
    assert "ann.lee@example.com" not in h.members()
    assert report["plan"]["email_changes"] == [warning]
    check = h.run("check")
    assert f"ok   plan email change: {warning}" in check.stdout

    h.sync["email_changes"] = "report"
    _rewrite(h, ["E1,Ann,Lee,ann.lee@example.com,Eng", "E2,Ben,Ode,ben@example.com,Eng"])
    assert h.sync_json()[0] == 0
    _rewrite(h, ["E1,Ann,Lee,ann.lee@example.com,Eng", "E2,Ben,Ode,b.ode@example.com,Eng"])
    code, report = h.sync_json()
    assert report["plan"]["actions"] == []
    expected = (
        "ben@example.com: the source's address is now b.ode@example.com; "
        "sync.email_changes = 'report'"
    )
    assert any(w.startswith(expected) for w in report["plan"]["warnings"])


def test_the_everyone_group_holds_every_synced_member(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    rows = ["E1,Ann,Lee,ann@example.com,Eng", "E2,Ben,Ode,ben@example.com,Sales"]
    h = _dept_harness(emulator, tmp_path, rows)
    h.sync["everyone_group"] = "Everyone"
    assert h.sync_json()[0] == 0
    assert h.group_emails()["Everyone"] == {"ann@example.com", "ben@example.com"}
    assert h.groups()["Everyone"]["externalId"] == "dirsync:everyone"
    _rewrite(h, [rows[0], "E3,Cal,Roy,cal@example.com,Sales"])
    code, _ = h.sync_json()
    assert code == 0
    # Ben left: revoked (a revoked member keeps its groups, as in every group).
    assert h.group_emails()["Everyone"] >= {"ann@example.com", "cal@example.com"}
    assert h.members()["ben@example.com"]["status"] == -1
    assert h.sync_json()[1]["plan"]["actions"] == []


def test_staged_members_are_created_without_email_and_invited_later(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    emulator.reset({"organization": {"stagedStatus": True, "seats": 5, "maxAutoScaleSeats": 5}})
    rows = [f"E{i},F{i},L{i},p{i}@example.com,Eng" for i in range(6)]
    h = _dept_harness(emulator, tmp_path, rows)
    h.sync["create_as_staged"] = True
    code, report = h.sync_json()
    assert code == 0, report["plan"]["withheld_reason"]
    assert report["plan"]["seats"]["needed"] == 0  # Staged members take no seat
    members = h.members()
    assert {members[f"p{i}@example.com"]["status"] for i in range(6)} == {3}
    sent = [e for e in emulator.state()["events"] if e["type"] in (1500, 1523)]
    assert {e["type"] for e in sent} == {1523}  # staged, not emailed
    assert h.group_emails()["Eng"] == {f"p{i}@example.com" for i in range(6)}

    staged_id = members["p0@example.com"]["id"]
    api = Api(emulator)
    try:  # why inviting later is not a reinvite (contract §1)
        refused = api.post(f"/public/members/{staged_id}/reinvite")
    finally:
        api.close()
    assert (refused.status_code, refused.json()["message"]) == (400, "User invalid.")
    result = h.run("invite", "p0@example.com", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "(it was Staged)" in result.stdout
    now = h.members()["p0@example.com"]
    assert (now["status"], now["externalId"]) == (0, "E0")
    assert now["id"] != staged_id
    assert "p0@example.com" in h.group_emails()["Eng"]
    assert h.sync_json()[1]["plan"]["actions"] == []
