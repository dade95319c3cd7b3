"""Source adapters: each returns a whole DirectorySnapshot or raises SourceError."""
