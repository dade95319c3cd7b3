"""What happens to a leaver — the one place that decides it.

A leaver is a managed member whose source user is disabled, or gone from the source
(while the state file still lists it as managed). Users held back (scheduled starts,
uncertain data) are never leavers.

- ``removal = "none"``: nothing happens.
- ``removal = "delete"``: the member is deleted from the org.
- ``removal = "revoke"`` (default): the member is revoked and the date recorded. With
  ``delete_after_days`` > 0, a member dirsync revoked that many days ago is deleted.
  A member revoked by a person (no date in the state file) is left as it is.
- A returning user whom dirsync revoked is restored (see ``returning_action``); one a
  person revoked stays revoked.
- Safety: when the removals (revokes + deletes) exceed ``max_removals`` or
  ``max_removal_percent`` of the managed members, all of them are withheld (marked, not
  applied) unless ``--allow-removals N`` covers their number. Group deletions are
  guarded the same way against the managed groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from dirsync.bitwarden.models import Member, MemberStatus
from dirsync.sync.actions import Delete, DeleteGroup, Restore, Revoke
from dirsync.sync.mapping import DesiredState
from dirsync.sync.ownership import Ownership
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State

RemovalT = TypeVar("RemovalT", Revoke | Delete, DeleteGroup)


def leaver_actions(
    desired: DesiredState, owned: Ownership, state: State, now: datetime, policy: PlanPolicy
) -> list[Revoke | Delete]:
    actions: list[Revoke | Delete] = []
    if policy.removal == "none":
        return actions
    grace = timedelta(days=policy.delete_after_days)
    for ext, member in owned.members.items():
        if ext in desired.members or ext in desired.held:
            continue
        reason = "disabled in the source" if ext in desired.disabled else "gone from the source"
        email = member.email or ""
        if policy.removal == "delete":
            actions.append(Delete(member.id, ext, email, reason))
        elif member.status != MemberStatus.REVOKED:
            actions.append(Revoke(member.id, ext, email, reason))
        elif (
            policy.delete_after_days > 0
            and (revoked_at := state.revoked.get(member.id)) is not None
            and now - revoked_at >= grace
        ):
            why = f"{reason}; revoked by dirsync on {revoked_at:%Y-%m-%d}, grace period over"
            actions.append(Delete(member.id, ext, email, why))
    return actions


def returning_action(member: Member, external_id: str, state: State) -> Restore | None:
    """A desired member found revoked: restored only if dirsync revoked it."""
    if member.status == MemberStatus.REVOKED and member.id in state.revoked:
        return Restore(member.id, external_id, member.email or "")
    return None


def over_limit(count: int, managed: int, policy: PlanPolicy) -> str | None:
    """Why *count* removals out of *managed* are withheld, or None when they may run."""
    if count == 0 or (policy.allow_removals is not None and count <= policy.allow_removals):
        return None
    if count > policy.max_removals:
        return f"{count} removals exceed sync.max_removals = {policy.max_removals}"
    percent = 100.0 * count / managed if managed else 100.0
    if percent > policy.max_removal_percent:
        return (
            f"{count} removals are {percent:.1f}% of {managed} managed, above "
            f"sync.max_removal_percent = {policy.max_removal_percent:g}"
        )
    return None


def guard(
    removals: Sequence[RemovalT], managed: int, policy: PlanPolicy
) -> tuple[list[RemovalT], str | None]:
    """The removals, all marked withheld when over the limits, and why."""
    reason = over_limit(len(removals), managed, policy)
    if reason is None:
        return list(removals), None
    return [replace(action, withheld=True) for action in removals], reason
