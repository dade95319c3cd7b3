"""The LDAP source (OpenLDAP and Active Directory): a whole DirectorySnapshot or SourceError.

Users: every entry under ``ldap.users.base`` matching the filter. Groups: those the groups
filter returns and ``sync.groups_include/exclude`` select, with transitive user members.
Per-item problems become warnings; any failure of the conversation with the server raises
SourceError, so a partial read can never look like people leaving.
"""

from __future__ import annotations

from dirsync.config import Settings
from dirsync.config_sources import read_secret
from dirsync.gcpause import collector_paused
from dirsync.model import DirectorySnapshot
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_connect import LdapConnector
from dirsync.sources.ldap_groups import read_groups
from dirsync.sources.ldap_users import read_users


def read_ldap(settings: Settings, employee_id: str | None = None) -> DirectorySnapshot:
    """Read users and selected groups from the configured LDAP server (and each user's
    *employee_id* attribute, when a combined source joins them to HR rows)."""
    cfg = settings.ldap
    if cfg is None:
        raise SourceError("source.type is 'ldap' but there is no [ldap] section")
    password = None
    if cfg.bind_dn:
        password = read_secret("bind_password", cfg.bind_password, cfg.bind_password_file)
    connector = LdapConnector(cfg, password)
    with collector_paused():
        users = read_users(connector, cfg, employee_id)
        groups, group_warnings, entitled = read_groups(
            connector, cfg, users, settings.sync.groups_include, settings.sync.groups_exclude
        )
    if entitled is not None:
        users.users = [u for u in users.users if u.external_id in entitled]
    return DirectorySnapshot(
        source="ldap",
        users=tuple(users.users),
        groups=tuple(groups),
        warnings=(*users.warnings, *group_warnings),
        uncertain_ids=frozenset(users.uncertain),
    )
