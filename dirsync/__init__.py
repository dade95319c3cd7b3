"""dirsync: keep a Bitwarden organization equal to a directory (LDAP, Active Directory, HR CSV)."""

__version__ = "0.1.0"
