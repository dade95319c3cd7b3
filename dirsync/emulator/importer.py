"""`POST /public/organization/import`: the server's algorithm, contract §1 Import steps 1-7.

Step 7's crashes (duplicate group externalIds or member emails) are checked before anything
changes, so the emulator's 500 leaves the state untouched; the real server may have applied
part of the request by then.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.common import seat_error
from dirsync.emulator.errors import bad_request, empty_response, server_error
from dirsync.emulator.runtime import client_ip, emulator_of, store_of
from dirsync.emulator.store import INVITED, OWNER, STAGED, USER, GroupRec, MemberRec, Store, new_id
from dirsync.emulator.validation import Reader, loose_email_ok, read_json

IMPORT_LIMIT = 2000
OVERWRITE_REFUSED = (
    "Sync failed. To proceed, disable the 'Remove and re-add users during next sync' setting "
    "and try again."
)


@dataclass
class ImportMember:
    email: str | None
    external_id: str
    deleted: bool


@dataclass
class ImportGroup:
    name: str
    external_id: str
    member_external_ids: list[str]


@dataclass
class ImportBody:
    members: list[ImportMember]
    groups: list[ImportGroup]
    overwrite: bool
    large: bool
    invite: bool


async def _read_body(request: Request) -> ImportBody:
    reader = Reader.root(await read_json(request), "OrganizationImportRequestModel")
    overwrite = reader.boolean("overwriteExisting", required=True)
    large = reader.boolean("largeImport")
    invite = reader.boolean("inviteUsersAfterProvisioning")
    groups: list[ImportGroup] = []
    group_items = reader.objects("groups", "OrganizationImportGroupRequestModel")
    for item in group_items or []:
        name = item.string("name", required=True, max_len=100)
        external_id = item.string("externalId", required=True, max_len=300, permissive=True)
        member_ids = item.string_list("memberExternalIds")
        if member_ids is None and not item.errors:
            raise server_error()
        groups.append(ImportGroup(name or "", external_id or "", member_ids or []))
    members: list[ImportMember] = []
    member_items = reader.objects("members", "OrganizationImportMemberRequestModel")
    for item in member_items or []:
        email = item.string("email", max_len=256)
        external_id = item.string("externalId", required=True, max_len=300, permissive=True)
        deleted = bool(item.boolean("deleted"))
        if email and not loose_email_ok(email):
            item.add("Email", "The Email field is not a valid e-mail address.")
        if not email and not deleted:
            item.add("Email", "Email is required for enabled members.")
        members.append(ImportMember(email or None, external_id or "", deleted))
    reader.raise_if_invalid()
    if group_items is None or member_items is None:
        raise server_error()
    return ImportBody(members, groups, bool(overwrite), bool(large), invite is not False)


def _check(store: Store, body: ImportBody) -> None:
    """The controller's size limit, step 1's checks and step 7's crashes."""
    live = [m for m in body.members if not m.deleted]
    too_big = len(body.groups) > IMPORT_LIMIT or len(live) > IMPORT_LIMIT
    if not store.org.self_hosted and not body.large and too_big:
        raise bad_request("You cannot import this much data at once.")
    if not store.org.use_directory:
        raise bad_request("Organization cannot use directory syncing.")
    if body.groups and not store.org.use_groups:
        raise bad_request("Organization cannot use groups.")
    group_ids = Counter(g.external_id for g in body.groups)
    emails = Counter(m.email.lower() for m in live if m.email)
    if any(n > 1 for n in group_ids.values()) or any(n > 1 for n in emails.values()):
        raise server_error()


def _by_external_id(store: Store) -> dict[str, MemberRec]:
    return {m.external_id: m for m in store.members.values() if m.external_id}


def _remove_members(store: Store, body: ImportBody, ip: str | None) -> None:
    """Steps 2 (deleted members) and 3 (overwriteExisting)."""
    live_ids = {m.external_id for m in body.members if not m.deleted}
    existing = _by_external_id(store)
    doomed: dict[str, MemberRec] = {}
    for item in body.members:
        member = existing.get(item.external_id)
        if item.deleted and item.external_id not in live_ids and member and member.type != OWNER:
            doomed[member.id] = member
    if body.overwrite:
        absent = [m for ext, m in existing.items() if ext not in live_ids and m.type != OWNER]
        if any(not m.has_master_password for m in absent):
            raise bad_request(OVERWRITE_REFUSED)
        doomed.update((m.id, m) for m in absent)
    for member in doomed.values():
        store.remove_member(member.id)
        store.record(1503, member_id=member.id, ip_address=ip)


def _link_and_invite(store: Store, body: ImportBody, ip: str | None) -> None:
    """Steps 4 (link by exact email) and 5 (invite the rest, skipping known emails)."""
    existing = _by_external_id(store)
    unlinked = {m.email: m for m in store.members.values() if not m.external_id}
    new: dict[str, str] = {}
    new_emails: set[str] = set()
    for item in body.members:
        if item.deleted or not item.email or item.external_id in existing:
            continue
        email = item.email.lower()
        member = unlinked.pop(email, None)
        if member is not None:
            member.external_id = item.external_id
            existing[item.external_id] = member
        elif (
            store.member_by_email(email) is None
            and email not in new_emails
            and item.external_id not in new
        ):
            new[item.external_id] = email
            new_emails.add(email)
    staged = not body.invite and store.org.staged_status
    if not staged and not store.seats_available(len(new)):
        raise seat_error(store.org)
    for external_id, email in new.items():
        member = store.add_member(
            MemberRec(
                id=new_id(),
                email=email,
                type=USER,
                status=STAGED if staged else INVITED,
                external_id=external_id,
            )
        )
        store.record(1523 if staged else 1500, member_id=member.id, ip_address=ip)


def _import_groups(store: Store, body: ImportBody, ip: str | None) -> None:
    """Step 6: groups by externalId, membership replaced, never deleted."""
    members = _by_external_id(store)
    groups = {g.external_id: g for g in store.groups.values() if g.external_id}
    for item in body.groups:
        group = groups.get(item.external_id)
        if group is None:
            group = store.add_group(GroupRec(new_id(), item.name, item.external_id))
            store.record(1400, group_id=group.id, ip_address=ip)
        else:
            group.name = item.name
            store.record(1401, group_id=group.id, ip_address=ip)
        ids = [members[x].id for x in item.member_external_ids if x in members]
        store.set_group_members(group.id, ids)


async def import_organization(request: Request) -> Response:
    store = store_of(request)
    body = await _read_body(request)
    _check(store, body)
    ip = client_ip(request)
    _remove_members(store, body, ip)
    _link_and_invite(store, body, ip)
    _import_groups(store, body, ip)
    await emulator_of(request).options.latency.server_work(len(body.members) + len(body.groups))
    return empty_response()
