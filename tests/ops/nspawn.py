"""A throw-away Debian with systemd as PID 1, booted with systemd-nspawn (root only).

The Debian root is built once by `.ci/setup` (debootstrap) and cached at ``ROOT_CACHE``;
each container boots an overlay on it, so runs start clean and the cache stays untouched.
The container shares the host's network namespace: servers the tests start on the host's
127.0.0.1 (slapd, the emulator) are reachable from inside. Facts: the nspawn notes in
the project's reference material (no machined, no system bus on the host: --register=no
--keep-unit; /run/systemd/nspawn must be a tmpfs).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT_CACHE = Path("/var/cache/dirsync-test/bookworm-root")
PROPAGATE = Path("/run/systemd/nspawn")
BOOT_TIMEOUT = 60.0
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def missing_prerequisite() -> str | None:
    """Why a container cannot boot here, or None."""
    if os.geteuid() != 0:
        return "systemd-nspawn needs root; CI runs as root"
    for tool in ("systemd-nspawn", "nsenter", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is missing: .ci/setup installs systemd-container"
    if not (ROOT_CACHE / "usr/lib/systemd/systemd").exists():
        return f"no Debian root at {ROOT_CACHE}: .ci/setup builds it with debootstrap"
    return None


class Container:
    """A booted container; files go in through ``root`` (the overlay's merged view)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.root = workdir / "merged"
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    def path(self, inside: str) -> Path:
        """A path of the container, seen from the host."""
        return self.root / inside.lstrip("/")

    def write(self, inside: str, text: str, mode: int = 0o644) -> None:
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        target.chmod(mode)

    def run(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run *command* inside, in the namespaces of the container's PID 1."""
        assert self.pid is not None, "not booted"
        enter = ["nsenter", "--target", str(self.pid), "--mount", "--uts", "--ipc", "--pid"]
        clean = ["env", "-i", f"PATH={CONTAINER_PATH}"]
        return subprocess.run(
            [*enter, "--", *clean, *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def boot(self) -> None:
        log = (self.workdir / "console.log").open("wb")
        self.process = subprocess.Popen(
            ["systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", str(self.root), "-b"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nspawn exited: {self.console()}")
            self.pid = self.pid or _init_of(self.process.pid)
            if self.pid is not None:
                state = self.run("systemctl", "is-system-running", timeout=10).stdout.strip()
                if state in ("running", "degraded"):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"the container did not boot in {BOOT_TIMEOUT:.0f} s: {self.console()}")

    def console(self) -> str:
        return (self.workdir / "console.log").read_text(encoding="utf-8", errors="replace")[-2000:]

    def poweroff(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if self.pid is not None:
            self.run("systemctl", "poweroff", timeout=30)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _init_of(nspawn_pid: int) -> int | None:
    """The container's PID 1 as the host sees it: systemd, a child of the nspawn process."""
    found = subprocess.run(
        ["pgrep", "-P", str(nspawn_pid), "-f", "systemd"], capture_output=True, text=True
    ).stdout.split()
    return int(found[0]) if found else None


@contextlib.contextmanager
def booted_container() -> Iterator[Container]:
    """Boot an overlay of the cached root; power it off and remove every trace afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="dirsync-nspawn-"))
    upper, work, merged = (workdir / name for name in ("upper", "work", "merged"))
    for path in (upper, work, merged):
        path.mkdir()
    mounted: list[Path] = []
    try:
        if not os.path.ismount(PROPAGATE):
            PROPAGATE.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(PROPAGATE)], check=True)
            mounted.append(PROPAGATE)
        options = f"lowerdir={ROOT_CACHE},upperdir={upper},workdir={work}"
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)],
                       check=True)  # fmt: skip
        mounted.insert(0, merged)
        container = Container(workdir)
        try:
            yield container
        finally:
            container.poweroff()
    finally:
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)
        shutil.rmtree(workdir, ignore_errors=True)
