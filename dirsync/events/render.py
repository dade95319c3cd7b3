"""Exported events as readable lines, for a ticket or a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def readable(fields: dict[str, Any]) -> str:
    """``2026-12-03 09:12:01 UTC  OrganizationUser_Revoked  member a@x  by b@x  ip 10.0.0.1``."""
    moment = datetime.fromisoformat(fields["date"]).astimezone(UTC)
    parts = [f"{moment:%Y-%m-%d %H:%M:%S} UTC", fields.get("typeName") or f"type {fields['type']}"]
    if fields.get("memberId"):
        parts.append(f"member {fields.get('memberEmail') or fields['memberId']}")
    if fields.get("groupId"):
        parts.append(f"group {fields['groupId']}")
    if fields.get("actingUserId"):
        parts.append(f"by {fields.get('actingUserEmail') or fields['actingUserId']}")
    if fields.get("ipAddress"):
        parts.append(f"ip {fields['ipAddress']}")
    return "  ".join(parts)
