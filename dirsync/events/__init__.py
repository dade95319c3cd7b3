"""The organization's event log: an incremental export and one-off reads (`dirsync events`)."""

from dirsync.sync.errors import SyncError


class EventsError(SyncError):
    """The export cannot go on safely (bad cursor, unwritable output); the cursor is kept."""
