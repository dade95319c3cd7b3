"""A stateful emulator of the Bitwarden Public API (contract: docs/bitwarden-public-api.md).

It shares no code with `dirsync.bitwarden` on purpose: the client is tested against an
independent reading of the contract.
"""
