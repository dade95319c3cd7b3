"""Errors the sync engine raises; the CLI turns each into one line and exit code 1."""


class SyncError(Exception):
    """A run cannot go on safely; nothing was written."""


class EmptySourceError(SyncError):
    """The source returned no users: planning would remove everyone."""


class MappingError(SyncError):
    """The sync mapping (group name template, roles, collections) cannot be applied."""


class StateError(SyncError):
    """The state file is unreadable or corrupt; it is never silently reset."""


class LockBusyError(SyncError):
    """Another dirsync run holds the state lock."""


class StoppedError(SyncError):
    """A stop request (SIGINT, SIGTERM) came before the first write."""
