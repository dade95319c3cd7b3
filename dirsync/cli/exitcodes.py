"""Process exit codes: the contract with scripts and systemd."""

OK = 0
ERROR = 1
"""Configuration, source, authentication or API error; nothing unsafe was done."""
USAGE = 2
REMOVALS_WITHHELD = 3
"""The safety limits withheld removals; everything else ran."""
ACTIONS_FAILED = 4
"""Some actions failed; the rest ran."""
CHANGES_PENDING = 5
"""`plan --detailed-exitcode`: the plan is not empty."""
STOPPED_SIGINT = 130
"""Stopped by SIGINT (Ctrl-C): calls in flight finished and were audited, nothing new started."""
STOPPED_SIGTERM = 143
"""Stopped by SIGTERM (systemctl stop): as for SIGINT."""
