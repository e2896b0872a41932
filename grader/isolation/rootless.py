"""What a grading sandbox and a classroom seat share: a rootless Docker engine started as an
unprivileged user inside cgroups of its own, a root-only handle on the engine's network
namespace, and the end of everything those cgroups and that user run.

- :class:`Limits`, :func:`make_cgroups`, :func:`cgroup_paths`: the course's cgroup
  (``publishing-course/NAME``) for memory, processes and CPU, on cgroup v2 or v1.
- :func:`start_engine`: Debian's ``dockerd-rootless.sh`` as the user, its published ports kept in
  its own network namespace (no port driver), waited for until it answers.
- :func:`hold_netns`: a bind mount of the engine's network namespace only root holds (as
  ``ip netns`` does): the kernel or the student's server runs in it, the grader reaches the
  registry and published ports through it.
- :func:`kill_all`: SIGTERM (with a grace period) then SIGKILL until nothing is left.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import SandboxUnavailable
from ..infra.wait import wait_until
from ..settings import settings

CGROUP_NAME = "publishing-course"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH an engine and a jailed program get (nothing of the caller's)."""
ROOTLESS_FIX = (
    "Run `grader doctor`: it names what rootless engines need here (uidmap's newuidmap, "
    "rootlesskit, slirp4netns, Debian's dockerd-rootless.sh, /etc/subuid ranges)."
)


@dataclass(frozen=True)
class Limits:
    """What one sandbox or seat may use."""

    memory_mb: int = 3072
    processes: int = 1024
    disk_mb: int = 4096
    cpus: float = 0
    """Cores' worth of CPU time (1.5: one and a half cores); 0 for no limit."""


# --- cgroups -------------------------------------------------------------------------------------


CPU_PERIOD_US = 100_000
"""The period of the CPU limit: ``cpus`` cores' worth of each 100 ms."""


def cgroup_settings(limits: Limits) -> dict[Path, dict[str, int | str]]:
    """``{controller folder: {file: value}}`` for cgroup v2 or v1, whichever the host has. The
    CPU controller's group is there with or without a limit (no quota), so the same cgroups
    hold a seat whatever its limits."""
    base = Path("/sys/fs/cgroup")
    memory = limits.memory_mb * 1024 * 1024
    quota = round(limits.cpus * CPU_PERIOD_US) if limits.cpus > 0 else None
    if (base / "cgroup.controllers").exists():  # v2
        cpu_max = f"{quota or 'max'} {CPU_PERIOD_US}"
        return {base: {"memory.max": memory, "pids.max": limits.processes, "cpu.max": cpu_max}}
    found: dict[Path, dict[str, int | str]] = {}
    if (base / "memory").is_dir():
        found[base / "memory"] = {"memory.limit_in_bytes": memory}
    if (base / "pids").is_dir():
        found[base / "pids"] = {"pids.max": limits.processes}
    if (base / "cpu").is_dir():
        found[base / "cpu"] = {"cpu.cfs_period_us": CPU_PERIOD_US, "cpu.cfs_quota_us": quota or -1}
    return found


def cgroup_paths(name: str) -> list[Path]:
    """The cgroups ``CGROUP_NAME/name`` (one per controller folder the host has)."""
    return [folder / CGROUP_NAME / name for folder in cgroup_settings(Limits())]


def make_cgroups(name: str, limits: Limits) -> None:
    """The cgroups ``CGROUP_NAME/name`` that will hold a sandbox's or a seat's processes, with
    ``limits``. On cgroup v2 a new group hands no controller down, so the course's own group
    enables memory, pids and cpu for its children first: without it a machine's first grading would
    run with no limit at all (each write is allowed to fail: the limits are best effort)."""
    for folder, values in cgroup_settings(limits).items():
        parent = folder / CGROUP_NAME
        parent.mkdir(exist_ok=True)
        if (folder / "cgroup.controllers").exists():
            for controller in ("+memory", "+pids", "+cpu"):
                with contextlib.suppress(OSError):
                    (parent / "cgroup.subtree_control").write_text(controller)
        (parent / name).mkdir(exist_ok=True)
        for key, value in values.items():
            with contextlib.suppress(OSError):
                (parent / name / key).write_text(str(value))


def remove_cgroups(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.rmdir()


def entering(paths: list[Path]) -> Callable[[], None]:
    """A ``preexec_fn``: the child, and all it starts, count against the cgroups' limits."""

    def enter() -> None:
        for path in paths:
            with contextlib.suppress(OSError):
                (path / "cgroup.procs").write_text(str(os.getpid()))

    return enter


# --- processes -----------------------------------------------------------------------------------


def cgroup_pids(paths: list[Path]) -> set[int]:
    found = set()
    for path in paths:
        with contextlib.suppress(OSError):
            found |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
    return {pid for pid in found if not zombie(pid)}


def user_pids(uid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid and not zombie(int(entry.name)):
                    found.add(int(entry.name))
    return found


def zombie(pid: int) -> bool:
    """Dead and waiting for its parent to collect it (reaps it if that is us)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    if state in ("Z", "X"):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        return True
    return False


def kill_all(processes: Callable[[], set[int]], grace: float = 0.0) -> int:
    """End every process ``processes()`` finds (never this one): SIGTERM and up to ``grace``
    seconds to exit when ``grace`` is given, then SIGKILL until none is left (a dying engine's
    children appear while it goes). Returns how many there were at first."""

    def found() -> set[int]:
        return processes() - {os.getpid()}

    first = found()
    if grace and first:
        for pid in first:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not found(), grace)
    for _ in range(50):
        left = found()
        if not left:
            break
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    return len(first)


# --- the engine ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineSpec:
    """How one rootless engine is started."""

    uid: int
    gid: int
    home: Path
    runtime: Path
    """``XDG_RUNTIME_DIR``: the engine writes ``docker.pid`` (and its default socket) there."""
    data_root: Path
    hosts: tuple[str, ...]
    """``-H`` addresses (``unix://…``) it listens on."""
    log: Path
    cgroups: tuple[Path, ...]
    whose: str
    """Named in an error: "The sandbox's", "ann's"."""
    groups: str = "--clear-groups"
    """``setpriv``'s group option: a sandbox's user has none; a seat's has its own."""
    env: tuple[tuple[str, str], ...] = ()


def start_engine(
    spec: EngineSpec,
    answers: Callable[[], bool],
    timeout: float,
    started: Callable[[int], object] = lambda pid: None,
) -> int:
    """Start the engine, tell ``started`` its process id at once, and wait until ``answers()``;
    return the process id. A start that fails or times out raises :class:`SandboxUnavailable`
    with the log's tail."""
    env = {
        "HOME": str(spec.home),
        "XDG_RUNTIME_DIR": str(spec.runtime),
        "PATH": PATH,
        # Published ports stay inside the engine's network namespace: two engines both running
        # `docker run -p 5000:5000` never collide, and nothing reaches the host's.
        "DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER": "none",
        **dict(spec.env),
    }
    command = [
        "setpriv", f"--reuid={spec.uid}", f"--regid={spec.gid}", spec.groups,
        settings().rootless_script, "--data-root", str(spec.data_root),
        *[arg for host in spec.hosts for arg in ("-H", host)],
        # The plain proxy, listening in the engine's own network namespace (rootlesskit's proxy
        # would ask a port driver to publish on the host, and there is none).
        f"--userland-proxy-path={shutil.which('docker-proxy') or '/usr/sbin/docker-proxy'}",
    ]  # fmt: skip
    with open(spec.log, "wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=spec.home, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=entering(list(spec.cgroups)),
            start_new_session=True,
        )  # fmt: skip
    started(process.pid)
    if not wait_until(answers, timeout, give_up=lambda: process.poll() is not None):
        tail = spec.log.read_text(errors="replace").splitlines()[-8:]
        raise SandboxUnavailable(
            f"{spec.whose} rootless Docker engine did not start:\n" + "\n".join(tail),
            ROOTLESS_FIX,
        )
    return process.pid


def hold_netns(runtime: Path, handle: Path, mode: int) -> None:
    """Bind the running engine's network namespace (its pid in ``runtime/docker.pid``) to
    ``handle``, a file made with ``mode`` (an earlier handle is let go first)."""
    pid = int((runtime / "docker.pid").read_text())
    with contextlib.suppress(OSError):
        subprocess.run(["umount", str(handle)], capture_output=True)
    handle.touch(mode=mode)
    subprocess.run(
        ["mount", "--bind", f"/proc/{pid}/ns/net", str(handle)], check=True, capture_output=True
    )


def let_go_netns(handle: Path) -> None:
    with contextlib.suppress(OSError):
        subprocess.run(["umount", str(handle)], capture_output=True)
        handle.unlink()
