"""The one error a source raises; the snapshot is then withheld entirely."""


class SourceError(Exception):
    """The source could not be read completely: nothing from this run may be trusted."""
