"""Source adapters: each returns a whole DirectorySnapshot or raises SourceError."""

from __future__ import annotations

from datetime import date

from dirsync.config import Settings
from dirsync.model import DirectorySnapshot
from dirsync.sources.csv import read_csv


def read_source(settings: Settings, today: date) -> DirectorySnapshot:
    """Read the configured source (``source.type``); *today* (an aware datetime, or a day)
    drives the CSV's effective dates."""
    if settings.source.type == "csv":
        return read_csv(settings, today)
    # Imported on use: a CSV run never loads ldap3.
    from dirsync.sources.ldap import read_ldap

    return read_ldap(settings)
