"""dirsync's Python runs inside the sandbox the units declare.

Without systemd as PID 1 the units cannot be started here, so each restriction is
checked on its own: MemoryDenyWriteExecute= through the kernel's equivalent prctl, and
SystemCallFilter= / RestrictAddressFamilies= by tracing a workload with strace and
comparing what it used with what the unit allows.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "dirsync.service"
PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1
EINVAL = 22

# What a sync does at the system-call level: imports, TLS setup, a thread pool making
# HTTP requests, and the state directory's lock, fsync and atomic rename.
WORKLOAD = """
import fcntl, http.server, os, ssl, sys, threading
from concurrent.futures import ThreadPoolExecutor
import httpx, ldap3, pydantic_settings, dirsync.cli.main, dirsync.config, dirsync.logs
ssl.create_default_context()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_port}/"
with ThreadPoolExecutor(4) as pool, httpx.Client() as client:
    codes = set(pool.map(lambda _: client.get(url).status_code, range(8)))
server.shutdown()
state = sys.argv[1]
with open(os.path.join(state, "lock"), "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(os.path.join(state, "state.tmp"), "w") as handle:
        handle.write("{}")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(os.path.join(state, "state.tmp"), os.path.join(state, "state.json"))
print(sorted(codes))
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
    """Apply the unit's SystemCallFilter= lines in order: an allow list, then ~ removals."""
    allowed: set[str] = set()
    for value in unit_values("SystemCallFilter"):
        deny = value.startswith("~")
        for item in value.removeprefix("~").split():
            group = syscall_group(item) if item.startswith("@") else frozenset({item})
            allowed = allowed - group if deny else allowed | group
    return allowed


@pytest.fixture(scope="module")
def trace(tmp_path_factory: pytest.TempPathFactory) -> str:
    assert shutil.which("strace"), "strace is missing: .ci/setup installs it"
    work = tmp_path_factory.mktemp("sandbox")
    log = work / "trace"
    result = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(log), sys.executable, "-c", WORKLOAD, str(work)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "[200]\n"), result.stderr
    return log.read_text(encoding="utf-8")


def test_the_unit_declares_the_filters() -> None:
    assert unit_values("SystemCallFilter") == ["@system-service", "~@privileged @resources"]
    assert unit_values("RestrictAddressFamilies") == ["AF_INET AF_INET6 AF_UNIX"]


def test_every_system_call_used_is_allowed(trace: str) -> None:
    used = set(re.findall(r"^\d+ +([a-z0-9_]+)\(", trace, re.MULTILINE))
    assert {"openat", "flock", "fsync", "rename", "connect"} <= used
    assert sorted(used - allowed_syscalls()) == []


def test_every_address_family_used_is_allowed(trace: str) -> None:
    families = set(re.findall(r"socket\((AF_[A-Z0-9]+)", trace))
    assert "AF_INET" in families
    assert families <= set(unit_values("RestrictAddressFamilies")[0].split())


def test_python_and_dependencies_run_under_memory_deny_write_execute() -> None:
    # MemoryDenyWriteExecute= is a seccomp filter; the kernel's PR_SET_MDWE enforces the
    # same rule (no writable+executable mappings), is inherited by exec, and needs no systemd.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) < 0 and ctypes.get_errno() == EINVAL:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    launcher = (
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"assert libc.prctl({PR_SET_MDWE}, {PR_MDWE_REFUSE_EXEC_GAIN}, 0, 0, 0) == 0\n"
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
    )
    workload = (
        "import mmap, ssl\n"
        "import httpx, ldap3, pydantic_settings, dirsync.cli.main, dirsync.config\n"
        "ssl.create_default_context()\n"
        "try:\n"
        "    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "except PermissionError:\n"
        "    print('enforced')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, "-c", workload],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "enforced\n", "")
