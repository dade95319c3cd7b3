"""dirsync runs inside the system-call sandbox the units declare.

Without systemd as PID 1 the units cannot be started here, so the test builds the same
seccomp filter systemd would from the unit's SystemCallFilter=, SystemCallErrorNumber=,
RestrictAddressFamilies= and MemoryDenyWriteExecute= lines (with libseccomp, as systemd
does), loads it in a launcher, and runs a real `dirsync sync` under it. The mount,
user and /proc namespacing settings are not reproduced here.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.ops.test_secret_leak import DIRSYNC, write_config

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "dirsync.service"
SYSTEM_PYTHON = "/usr/bin/python3"
"""Debian's python3-seccomp (libseccomp's bindings) is built for the system interpreter."""

LAUNCHER = """
import errno, json, os, sys
import seccomp

spec = json.loads(sys.argv[1])
rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(spec["errno"]))
guarded = {"socket", "mmap", "mprotect", "pkey_mprotect", "shmat"}
for name in spec["allow"]:
    if name in guarded:
        continue
    try:
        rules.add_rule(seccomp.ALLOW, name)
    except RuntimeError:
        pass  # not a system call of this architecture
# RestrictAddressFamilies=: other families fail with EAFNOSUPPORT.
families = spec["families"]
for family in families:
    rules.add_rule(seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, family))
for family in set(range(max(families))) - set(families):
    refuse = seccomp.ERRNO(errno.EAFNOSUPPORT)
    rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.EQ, family))
refuse = seccomp.ERRNO(errno.EAFNOSUPPORT)
rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.GT, max(families)))
# MemoryDenyWriteExecute=: no mapping both writable and executable, no exec gained later.
WRITE, EXEC, SHM_EXEC = 2, 4, 0o100000
for prot in (0, WRITE, EXEC):
    rules.add_rule(seccomp.ALLOW, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, WRITE | EXEC, prot))
for name in ("mprotect", "pkey_mprotect"):
    rules.add_rule(seccomp.ALLOW, name, seccomp.Arg(2, seccomp.MASKED_EQ, EXEC, 0))
rules.add_rule(seccomp.ALLOW, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, 0))
rules.load()
os.execv(sys.argv[2], sys.argv[2:])
"""


def unit_values(key: str) -> list[str]:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    return [line.split("=", 1)[1] for line in lines if line.startswith(f"{key}=")]


@functools.cache
def syscall_group(name: str) -> frozenset[str]:
    """The system calls of a systemd filter group, nested groups expanded."""
    result = subprocess.run(
        ["systemd-analyze", "syscall-filter", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names: set[str] = set()
    for line in result.stdout.splitlines()[1:]:
        item = line.strip()
        if item.startswith("@"):
            names |= syscall_group(item)
        elif item and not item.startswith("#"):
            names.add(item)
    return frozenset(names)


def allowed_syscalls() -> set[str]:
    """The unit's SystemCallFilter= lines in order: an allow list, then ~ removals."""
    allowed: set[str] = set()
    for value in unit_values("SystemCallFilter"):
        deny = value.startswith("~")
        for item in value.removeprefix("~").split():
            group = syscall_group(item) if item.startswith("@") else frozenset({item})
            allowed = allowed - group if deny else allowed | group
    return allowed


def test_the_unit_declares_what_the_sandbox_reproduces() -> None:
    assert unit_values("SystemCallFilter") == ["@system-service", "~@privileged @resources"]
    assert unit_values("SystemCallErrorNumber") == ["EPERM"]
    assert unit_values("RestrictAddressFamilies") == ["AF_INET AF_INET6 AF_UNIX"]
    assert unit_values("MemoryDenyWriteExecute") == ["yes"]
    assert unit_values("SystemCallArchitectures") == ["native"]


def sandboxed(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run *command* under the unit's system-call sandbox."""
    assert Path(SYSTEM_PYTHON).exists()
    (error,) = unit_values("SystemCallErrorNumber")
    families = unit_values("RestrictAddressFamilies")[0].split()
    spec = {
        "allow": sorted(allowed_syscalls()),
        "errno": getattr(errno, error),
        "families": sorted(getattr(socket, name) for name in families),
    }
    return subprocess.run(
        [SYSTEM_PYTHON, "-c", LAUNCHER, json.dumps(spec), *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


PROBE = """
import errno, mmap, os, socket
def outcome(call):
    try:
        call()
    except OSError as exc:
        return errno.errorcode[exc.errno]
    return "allowed"
print(outcome(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)))
print(outcome(lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()))
print(outcome(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)))
print(outcome(lambda: os.nice(1)))
print(outcome(lambda: os.setuid(os.getuid())))
"""


def test_the_sandbox_refuses_what_the_unit_forbids() -> None:
    result = sandboxed(sys.executable, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["EAFNOSUPPORT", "allowed", "EPERM", "EPERM", "EPERM"]


def test_a_real_sync_runs_in_the_sandbox(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "client_secret").write_text(emulator.client_secret)
    (credentials / "bind_password").write_text(slapd.bind_password)
    work = tmp_path / "work"
    work.mkdir()
    config = str(write_config(work, emulator, slapd))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRSYNC_")}
    env["CREDENTIALS_DIRECTORY"] = str(credentials)

    synced = sandboxed(str(DIRSYNC), "--config", config, "sync", "--format", "json", env=env)
    assert synced.returncode == 0, synced.stderr[-3000:]
    report = json.loads(synced.stdout)
    assert report["counts"]["ok"]["invite"] > 0
    assert report["counts"]["failed"] == {}
    again = sandboxed(str(DIRSYNC), "--config", config, "plan", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
