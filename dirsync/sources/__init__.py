"""Source adapters: each returns a whole DirectorySnapshot or raises SourceError."""

from __future__ import annotations

from datetime import date

from dirsync.config import Settings
from dirsync.model import DirectorySnapshot
from dirsync.sources.csv import read_csv
from dirsync.sources.join import join


def read_source(settings: Settings, today: date) -> DirectorySnapshot:
    """Read the configured source (``source.type``); *today* (an aware datetime, or a day)
    drives the CSV's effective dates."""
    if settings.source.type == "csv":
        return read_csv(settings, today)
    # Imported on use: a CSV run never loads ldap3.
    from dirsync.sources.ldap import read_ldap

    if settings.source.type == "ldap":
        return read_ldap(settings)
    hr = read_csv(settings, today)
    directory = read_ldap(settings, settings.join.ldap_attribute)
    return join(hr, directory, settings.join)
