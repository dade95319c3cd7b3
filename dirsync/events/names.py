"""Event type names (contract §2 EventType) and the command line's time and type values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

EVENT_TYPES: dict[int, str] = {
    1300: "Collection_Created",
    1301: "Collection_Updated",
    1302: "Collection_Deleted",
    1400: "Group_Created",
    1401: "Group_Updated",
    1402: "Group_Deleted",
    1500: "OrganizationUser_Invited",
    1501: "OrganizationUser_Confirmed",
    1502: "OrganizationUser_Updated",
    1503: "OrganizationUser_Removed",
    1504: "OrganizationUser_UpdatedGroups",
    1505: "OrganizationUser_UnlinkedSso",
    1510: "OrganizationUser_FirstSsoLogin",
    1511: "OrganizationUser_Revoked",
    1512: "OrganizationUser_Restored",
    1515: "OrganizationUser_Deleted",
    1516: "OrganizationUser_Left",
    1517: "OrganizationUser_AutomaticallyConfirmed",
    1520: "OrganizationUser_Revoked_TwoFactorNonCompliance",
    1521: "OrganizationUser_Revoked_SingleOrganizationNonCompliance",
    1523: "OrganizationUser_Staged",
    1525: "OrganizationUser_AdminChangedEmail",
    1700: "Policy_Updated",
}
_BY_NAME = {name.casefold(): value for value, name in EVENT_TYPES.items()}
_AGO = re.compile(r"(\d+)\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def type_name(value: int) -> str | None:
    """The EventType name, or None for a type the contract does not list."""
    return EVENT_TYPES.get(value)


def parse_type(text: str) -> int:
    """An event type from its number or its name (any case, with or without the prefix)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    key = text.casefold()
    if key in _BY_NAME:
        return _BY_NAME[key]
    matches = [v for name, v in _BY_NAME.items() if name.split("_", 1)[-1] == key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(EVENT_TYPES[v] for v in matches)
        raise ValueError(f"{text!r} is ambiguous: {names}")
    raise ValueError(f"{text!r} is not an event type number or name (e.g. 1511, Group_Created)")


def parse_moment(text: str, now: datetime) -> datetime:
    """``30d``, ``12h``, ``45m``, ``2w`` before *now*, or an ISO-8601 date or time (UTC if
    no zone is given)."""
    text = text.strip()
    ago = _AGO.fullmatch(text)
    if ago is not None:
        return now - timedelta(**{_UNITS[ago.group(2).lower()]: int(ago.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an age (30d, 12h, 45m, 2w) nor an ISO-8601 date or time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
