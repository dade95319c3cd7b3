"""The configuration's schema: every section and key, with its checks.

Where the values come from (a TOML file, DIRSYNC_<SECTION>__<KEY> variables, secret files)
is config_sources.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "DIRSYNC_"
ENV_NESTED_DELIMITER = "__"


class ConfigError(Exception):
    """The configuration cannot be loaded; the message names the key and where it came from."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]
Percent = Annotated[float, Field(ge=0, le=100)]


class BitwardenConfig(_Section):
    server: str = "us"
    """"us", "eu", or the base URL of a self-hosted server."""
    api_url: str | None = None
    identity_url: str | None = None
    client_id: str = ""
    client_secret: SecretStr | None = None
    client_secret_file: Path | None = None
    ca_file: Path | None = None
    timeout_seconds: Annotated[float, Field(gt=0)] = 30
    rate_limit: Literal["cloud", "off", "auto"] = "auto"
    """"auto": the cloud limits for us/eu, none for self-hosted."""
    max_concurrency: Annotated[int, Field(ge=1, le=256)] = 128
    """The most API requests in flight at once, reads and writes: each concrete path has
    its own budget (contract §4), so across the internet many at once cost one round trip,
    not many. The width adapts below it (bitwarden/concurrency.py)."""
    import_item_seconds: Annotated[float, Field(ge=0, le=1)] = 0.00005
    """An assumption, for choosing imports against single calls (sync/costs.py): the
    server's seconds per member or group an import carries. Unknown for the real server."""


class SourceConfig(_Section):
    type: Literal["ldap", "csv", "combined"] = "ldap"
    """"combined": the HR CSV decides who works here and when, LDAP / AD supplies the
    accounts and groups; joined on an employee id ([join])."""


class JoinConfig(_Section):
    """source.type = "combined": how HR rows and directory entries become one person."""

    ldap_attribute: str = "employeeNumber"
    """The directory attribute holding the employee id (AD: employeeID); the HR side is
    csv.external_id."""
    email: Literal["ldap", "hr"] = "ldap"
    name: Literal["ldap", "hr"] = "hr"
    groups: Literal["ldap", "hr", "both"] = "ldap"
    ldap_only: Literal["ignore", "sync"] = "ignore"
    """In the directory, not in HR (service accounts, contractors): not synced, or synced
    as the directory says."""
    hr_only: Literal["hold", "sync"] = "hold"
    """In HR, no directory account yet: held (uncertain, never a leaver) until the account
    exists, or synced from the HR row."""


class LdapUsersConfig(_Section):
    base: str = ""
    scope: Literal["sub", "one"] = "sub"
    filter: str = "(objectClass=inetOrgPerson)"
    external_id: str | None = None
    """None: entryUUID on OpenLDAP, objectGUID on Active Directory."""
    email: str = "mail"
    email_template: str = ""
    name: str = "cn"
    username: str | None = None
    """None: uid on OpenLDAP, sAMAccountName on Active Directory."""
    disabled_filter: str = ""
    """OpenLDAP only; Active Directory uses userAccountControl bit 2."""
    entitlement_group: str = ""
    """The DN of a group (under ldap.groups.base): only its members sync, nested groups
    included. Someone taken out of it is a leaver. Empty: every user."""


class LdapGroupsConfig(_Section):
    base: str = ""
    scope: Literal["sub", "one"] = "sub"
    filter: str = (
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
    )
    name: str = "cn"
    external_id: str | None = None
    nested: bool = True


class LdapConfig(_Section):
    urls: list[str] = Field(default_factory=list)
    start_tls: bool = False
    ca_file: Path | None = None
    verify_tls: bool = True
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    bind_dn: str = ""
    bind_password: SecretStr | None = None
    bind_password_file: Path | None = None
    active_directory: bool = False
    page_size: Annotated[int, Field(ge=1, le=10000)] = 500
    timeout_seconds: Annotated[float, Field(gt=0)] = 30
    users: LdapUsersConfig = Field(default_factory=LdapUsersConfig)
    groups: LdapGroupsConfig = Field(default_factory=LdapGroupsConfig)

    @model_validator(mode="after")
    def _needs_servers(self) -> LdapConfig:
        if not self.urls:
            raise ValueError("at least one LDAP URL is required (ldap.urls)")
        for url in self.urls:
            if not url.lower().startswith(("ldap://", "ldaps://")):
                raise ValueError(f"{url!r} is not an ldap:// or ldaps:// URL")
        if not self.users.base:
            raise ValueError("ldap.users.base is required")
        return self


class CsvGroupColumn(_Section):
    column: str
    separator: str = ""
    template: str = "{value}"


class CsvScope(_Section):
    """Which rows sync: column -> values. A row must match every include (when any) and
    no exclude; values compare case-insensitively. A row out of scope is not a user."""

    include: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)


class CsvConfig(_Section):
    path: str = ""
    """A file path, or "-" for standard input."""
    encoding: str = "utf-8-sig"
    delimiter: str = ""
    """Empty: sniffed among , ; tab |."""
    external_id: str = "Employee ID"
    email: str = "Work Email"
    name: str = "{First Name} {Last Name}"
    status: str = ""
    active_values: list[str] = Field(default_factory=lambda: ["Active"])
    start_date: str = ""
    end_date: str = ""
    date_format: str | list[str] = "%Y-%m-%d"
    """strptime formats, tried in order (exports mix them)."""
    no_date_values: list[str] = Field(default_factory=lambda: ["0000-00-00"])
    """Cell values that mean "no date" (BambooHR writes 0000-00-00)."""
    timezone: str = "UTC"
    """The IANA zone the dates are days in: a leaver leaves at the end of the day there."""
    timezone_column: str = ""
    """A column holding each row's IANA zone (empty cells use csv.timezone)."""
    end_date_is: Literal["last_day", "first_day_gone"] = "last_day"
    """The termination date is the last day worked (gone the day after), or the first day
    gone."""
    invite_days_before_start: NonNegativeInt = 0
    """Invite this many days before the start date (0: on the start date)."""
    stage_before_start: bool = False
    """Create pre-hires at once as Staged members (no email, no seat) and invite them when
    the start date (less invite_days_before_start) comes; needs a server with Staged
    members."""
    scope: CsvScope = Field(default_factory=lambda: CsvScope())
    max_bad_rows_percent: Percent = 5
    groups: list[CsvGroupColumn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs_path(self) -> CsvConfig:
        if not self.path:
            raise ValueError("csv.path is required")
        if len(self.delimiter) > 1:
            raise ValueError("csv.delimiter must be one character, or empty to sniff")
        if not self.date_format:
            raise ValueError("csv.date_format needs at least one format")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"csv.timezone: {self.timezone!r} is not an IANA time zone") from None
        return self


class Permissions(_Section):
    """Custom-role permissions (Bitwarden member type 4)."""

    access_event_logs: bool = False
    access_import_export: bool = False
    access_reports: bool = False
    create_new_collections: bool = False
    edit_any_collection: bool = False
    delete_any_collection: bool = False
    manage_groups: bool = False
    manage_policies: bool = False
    manage_sso: bool = False
    manage_users: bool = False
    manage_reset_password: bool = False
    manage_scim: bool = False


class RoleMapping(_Section):
    group: str
    type: Literal["user", "admin", "custom"]
    permissions: Permissions | None = None

    @model_validator(mode="after")
    def _permissions_only_for_custom(self) -> RoleMapping:
        if self.permissions is not None and self.type != "custom":
            raise ValueError("permissions are allowed only with type = 'custom'")
        return self


class CollectionAccess(_Section):
    group: str
    collection: str
    """A collection id or externalId."""
    read_only: bool = False
    hide_passwords: bool = False
    manage: bool = False

    @model_validator(mode="after")
    def _manage_is_exclusive(self) -> CollectionAccess:
        if self.manage and (self.read_only or self.hide_passwords):
            raise ValueError("manage cannot be true together with read_only or hide_passwords")
        return self


class SyncConfig(_Section):
    groups_include: list[str] = Field(default_factory=lambda: ["*"])
    groups_exclude: list[str] = Field(default_factory=list)
    group_name: str = "{name}"
    protected: list[str] = Field(default_factory=list)
    removal: Literal["revoke", "delete", "none"] = "revoke"
    delete_after_days: NonNegativeInt = 0
    max_removals: NonNegativeInt = 25
    max_removal_percent: Percent = 10
    reinvite_after_days: NonNegativeInt = 0
    state_dir: Path = Path("/var/lib/dirsync")
    roles: list[RoleMapping] = Field(default_factory=list)
    collections: list[CollectionAccess] = Field(default_factory=list)
    takeover: list[Literal["dn", "name"]] = Field(default_factory=list)
    """Take over members and groups another tool made: "dn" matches an externalId that is
    the source entry's DN (Directory Connector on OpenLDAP), "name" a group without
    externalId named as dirsync would name it."""
    max_takeovers: NonNegativeInt = 25
    max_seat_growth: NonNegativeInt = 0
    create_as_staged: bool = False
    """New members are imported as Staged (no email, no seat) until `dirsync invite EMAIL`
    invites them; needs a server with Staged members (v2026.7.0, its staged-status flag)."""
    everyone_group: str = ""
    """The name of a managed group holding every synced member; empty: none."""
    email_changes: Literal["re-address", "report"] = "re-address"
    """A managed member's source address changed while it is still Invited or Staged:
    invite the new address in its place, or only report it. Accepted and Confirmed members
    are always reported (the API cannot change an email)."""
    """Seats (cloud) one run may add to the subscription; invites beyond are withheld."""
    """More takeovers than this in one run are all withheld (exit 3) until --allow-takeovers."""


class ReportConfig(_Section):
    file: Path | None = None
    audit_file: Path | None = None
    metrics_file: Path | None = None


class EventsConfig(_Section):
    """`dirsync events`: where the export goes and how far back it reaches."""

    file: Path | None = None
    """JSON lines are appended here; unset: standard output (the journal under systemd)."""
    rotate: Literal["day", "size", "none"] = "day"
    max_size_mb: PositiveInt = 100
    """With rotate = "size": rotate before a write once the file is this large."""
    keep: NonNegativeInt = 30
    """Rotated files kept (the oldest go first); 0 keeps them all."""
    overlap_minutes: NonNegativeInt = 30
    """Each run reads again this far before its cursor, for late-arriving events."""
    first_days: Annotated[int, Field(ge=1, le=366)] = 30
    """How far back the first run (no cursor yet) reaches."""


class NotifyConfig(_Section):
    """A webhook told how a sync went (Slack, Mattermost, Teams, or any JSON receiver)."""

    webhook_url: SecretStr | None = None
    """Secret (the URL carries the token): or webhook_url_file, or the systemd credential
    ``webhook_url``. Unset everywhere: no notification."""
    webhook_url_file: Path | None = None
    format: Literal["text", "teams", "json"] = "text"
    """"text": {"text": ...} (Slack, Mattermost); "teams": a MessageCard; "json": fields."""
    on: Literal["problems", "always"] = "problems"
    """"problems": exit codes other than 0 (failures, withheld, errors, stops)."""
    timeout_seconds: Annotated[float, Field(gt=0)] = 10


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        extra="forbid",
        case_sensitive=False,
    )

    bitwarden: BitwardenConfig = Field(default_factory=BitwardenConfig)
    source: SourceConfig = Field(default_factory=SourceConfig)
    ldap: LdapConfig | None = None
    csv: CsvConfig | None = None
    sync: SyncConfig = Field(default_factory=SyncConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    join: JoinConfig = Field(default_factory=JoinConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML document arrives as init kwargs; the environment overrides it.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _source_section_present(self) -> Settings:
        if self.source.type == "ldap" and self.ldap is None:
            raise ValueError("source.type is 'ldap' but there is no [ldap] section")
        if self.source.type == "csv" and self.csv is None:
            raise ValueError("source.type is 'csv' but there is no [csv] section")
        if self.source.type == "combined" and (self.csv is None or self.ldap is None):
            raise ValueError("source.type is 'combined' but [csv] or [ldap] is missing")
        return self
