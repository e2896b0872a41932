"""Run a program inside a sandbox: ``python -m grader.isolation.jail SPEC.json``.

Started by :meth:`grader.isolation.sandbox.Sandbox.jail` as root, already in new PID and mount
namespaces (``unshare``). Here: join the sandbox's cgroups, mount a fresh ``/proc``, hide the
folders the spec names behind empty tmpfs mounts (except the sandbox's own folder), bind
``/dev/null`` over the host engine's socket, make every mount read-only but the sandbox's own, then become the
sandbox's user with no way to regain privileges and ``exec`` the program with only the spec's
environment.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

_PR_SET_NO_NEW_PRIVS = 38


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _mount_points() -> list[str]:
    with open("/proc/self/mountinfo") as mountinfo:
        return [line.split()[4] for line in mountinfo]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def command(spec: dict, folder: Path, netns: Path) -> list[str]:
    """The command (run as root) that runs ``spec`` (written, root's alone, into ``folder``)
    in the network namespace ``netns`` and new PID and mount namespaces: this module's
    :func:`main` does the rest there."""
    import secrets

    path = folder / f"jail-{secrets.token_hex(3)}.json"
    path.write_text(json.dumps(spec))
    path.chmod(0o600)
    return [
        "nsenter", f"--net={netns}",
        "unshare", "--mount", "--pid", "--fork", "--kill-child", "--propagation=private",
        sys.executable, "-m", "grader.isolation.jail", str(path),
    ]  # fmt: skip


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    os.unlink(spec_path)
    for cgroup in spec["cgroups"]:
        try:
            Path(cgroup, "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            pass
    keep = spec["keep"]
    _mount("-t", "proc", "proc", "/proc")
    # The sandbox's own folder may lie below a hidden one (/var/...): keep a view of it first.
    staged = []
    for index, folder in enumerate([*keep, *spec["show"]]):
        if any(_inside(folder, hidden) for hidden in spec["hide"]):
            stage = f"/run/.publishing-course-keep{index}"
            os.makedirs(stage, exist_ok=True)
            _mount("--bind", folder, stage)
            staged.append((stage, folder))
    for folder in spec["hide"]:
        if Path(folder).is_dir():
            if folder in ("/tmp", "/var/tmp", "/dev/shm"):
                options = f"size={spec['tmp_mb']}m,mode=1777"
            else:
                options = "size=1m,mode=755"  # empty, and not the student's to write in
            _mount("-t", "tmpfs", "-o", options, "sandbox-hidden", folder)
    for socket in ("/var/run/docker.sock", "/run/docker.sock"):
        if Path(socket).exists():
            _mount("--bind", "/dev/null", socket)
    for stage, folder in staged:
        os.makedirs(folder, exist_ok=True)
        _mount("--move", stage, folder)
    writable = [
        "/proc",
        "/dev",
        "/sys",
        *keep,
        *(f for f in spec["hide"] if f in ("/tmp", "/var/tmp")),
    ]
    for point in sorted(set(_mount_points()), key=len):
        if not any(_inside(point, w) for w in writable):
            _mount("-o", "remount,bind,ro", point)
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(spec["cwd"])
    os.umask(0o022)
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])


if __name__ == "__main__":
    main(sys.argv[1])
