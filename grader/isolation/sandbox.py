"""A sandbox for one grading: a user made for it, a rootless Docker engine of its own, limits,
and a private view of the file system for the student's kernel.

What a sandbox is, on Linux with root (the grading host):

- an unprivileged user ``gsbx-ID`` (``useradd``: its own ``/etc/subuid`` range), removed after;
- a size-limited tmpfs at ``sandboxes/ID`` in the course's state (:data:`places.SANDBOXES`;
  the disk limit), holding the engine's data root, the user's home and the kernel's working
  folder; unmounted after, so nothing stays;
- a rootless engine (Debian's ``dockerd-rootless.sh``) run as that user, in a network namespace
  of its own where its published ports stay (none reaches the host), with two sockets:
  ``sock/student.sock`` for the kernel and ``sock/grader.sock`` for the grading process. The
  ``sock`` folder is root's once the engine listens, so nothing in the sandbox can put another
  program behind the grader's socket;
- a cgroup (memory and process limits) that holds the engine and the kernel, and that is how
  everything the sandbox started is found and killed at the end;
- :meth:`Sandbox.jail`: the command that runs a program (the kernel) as the user, in the
  engine's network namespace (so ``localhost:PORT`` is the sandbox's registry) and its own PID
  and mount namespaces, with the root file system read-only, ``/root``, ``/home``, ``/tmp``,
  ``/var/tmp``, the course folder and the host engine's socket hidden, and no privilege to gain.

What it cannot do: the student is root of their own engine (a rootless engine's root is the
sandbox user), so a student can break their own sandbox, never the host, the gradebook or a
neighbour. The sandbox reaches no network but its own: once its engine is up, the link
slirp4netns gave its namespace is cut (:func:`cut_the_way_out`), so nothing it runs can send the
hidden tests, or anything else, away.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import SandboxUnavailable
from ..infra import places
from ..infra.engine import Engine, answers
from ..infra.wait import wait_until
from ..settings import settings
from . import jail, rootless
from .netns import Namespace
from .rootless import Limits, make_cgroups

USER_PREFIX = "gsbx-"
SANDBOX_ENV = "GRADER_SANDBOX"
"""Set by ``grader grade`` for an ``nbgrader autograde`` process: the sandbox made for it."""


def support() -> tuple[bool, str]:
    """Can sandboxes be made here? (True, what they are) or (False, what is missing and how to
    get it)."""
    if sys.platform != "linux":
        return False, (
            f"rootless engines need Linux (this is {sys.platform}): grading runs the student's "
            "code with your own engine and user, no sandbox"
        )
    if os.geteuid() != 0:
        return False, "making a user per grading needs root: run the grading as root (sudo)"
    missing = [
        name
        for name in (
            "rootlesskit",
            "slirp4netns",
            "newuidmap",
            "useradd",
            "unshare",
            "dockerd",
            "ip",
        )
        if not shutil.which(name)
    ]
    if not Path(settings().rootless_script).exists():
        missing.append(settings().rootless_script)
    if missing:
        return False, (
            f"missing {', '.join(missing)}: `apt-get install docker.io rootlesskit slirp4netns "
            "uidmap iproute2` (Debian/Ubuntu)"
        )
    return True, (
        "each submission runs as a user made for it, with a rootless Docker engine of its own, "
        "memory/process/disk limits, a private file system view and no network"
    )


@dataclass
class Sandbox:
    name: str
    root: Path
    uid: int
    gid: int
    limits: Limits
    engine_pid: int = 0

    # --- making and removing --------------------------------------------------------------------

    @classmethod
    def create(
        cls, limits: Limits | None = None, images: Path | None = None, name: str | None = None
    ) -> Sandbox:
        """Make a sandbox and start its engine; ``images``: a ``docker save`` tarball to load;
        ``name``: one from :func:`new_name` (another process may be waiting to adopt it)."""
        ok, why = support()
        if not ok:
            raise SandboxUnavailable(f"No grading sandbox can be made here: {why}.", why)
        limits = limits or Limits()
        name = name or new_name()
        root = places.SANDBOXES.make() / name.removeprefix(USER_PREFIX)
        root.mkdir(mode=0o755)
        sandbox = cls(name, root, -1, -1, limits)
        try:
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={limits.disk_mb}m,mode=755", name, str(root)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            _useradd(name, root / "home")
            sandbox.uid, sandbox.gid = _ids(name)
            for folder in ("home", "xdg", "data", "sock", "work", "ipc"):
                (root / folder).mkdir(mode=0o700)
                os.chown(root / folder, sandbox.uid, sandbox.gid)
            (root / "work").chmod(0o755)
            sandbox._write_manifest()
            make_cgroups(sandbox.name, limits)
            sandbox._start_engine()
            if images is not None:
                sandbox.engine().load(images)
        except BaseException as error:
            sandbox.destroy()
            _record(name, {"state": "failed", "error": str(error), "owner_pid": os.getpid()})
            raise
        sandbox._write_manifest("ready")
        return sandbox

    @classmethod
    def adopt(cls, name: str, timeout: float = 300) -> Sandbox:
        """The sandbox ``name`` that another process (``grader grade``) makes for this one:
        waits until it is ready. Its destruction is then this process's to do."""
        path = places.SANDBOXES.path() / f"{name}.json"
        record: dict = {}

        def read() -> bool:
            nonlocal record
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError):
                record = {}
            return record.get("state") == "ready"

        if not wait_until(read, timeout, give_up=lambda: record.get("state") == "failed"):
            raise SandboxUnavailable(
                f"The grading sandbox {name} could not be made: "
                f"{record.get('error') or 'it was not ready in time'}",
                "Run `grader doctor`; grade again.",
            )
        limits = Limits(**record["limits"])
        return cls(
            record["name"], Path(record["root"]), record["uid"], record["gid"], limits,
            record["engine_pid"],
        )  # fmt: skip

    def _write_manifest(self, state: str = "making") -> None:
        """What ``grader doctor`` needs to remove this sandbox if the grading is killed, and
        whether it is ready to be adopted."""
        record = {**asdict(self), "root": str(self.root), "limits": asdict(self.limits)}
        _record(self.name, {**record, "owner_pid": os.getpid(), "state": state})

    def cgroup_paths(self) -> list[Path]:
        return rootless.cgroup_paths(self.name)

    def _start_engine(self) -> None:
        spec = rootless.EngineSpec(
            uid=self.uid,
            gid=self.gid,
            home=self.root / "home",
            runtime=self.root / "xdg",
            data_root=self.root / "data",
            hosts=(f"unix://{self.root}/sock/student.sock", f"unix://{self.root}/sock/grader.sock"),
            log=self.root / "engine.log",
            cgroups=tuple(self.cgroup_paths()),
            whose="The sandbox's",
        )

        def started(pid: int) -> None:
            self.engine_pid = pid
            self._write_manifest()

        rootless.start_engine(spec, self._answers, timeout=30, started=started)
        # From now on only root can create or replace anything next to the grader's socket.
        sock = self.root / "sock"
        os.chown(sock, 0, 0)
        sock.chmod(0o755)
        rootless.hold_netns(self.root / "xdg", self.netns_file, 0o444)
        cut_the_way_out(self.netns_file)

    def _answers(self) -> bool:
        return answers(self.grader_host)

    def destroy(self) -> list[str]:
        """Kill everything the sandbox started, remove its user, cgroups and files."""
        return remove(self.name)

    # --- using it --------------------------------------------------------------------------------

    @property
    def grader_host(self) -> str:
        return f"unix://{self.root}/sock/grader.sock"

    @property
    def student_host(self) -> str:
        return f"unix://{self.root}/sock/student.sock"

    @property
    def netns_file(self) -> Path:
        return self.root / "netns"

    def namespace(self) -> Namespace:
        """The sandbox's network namespace, where its registry and published ports listen."""
        return Namespace(self.netns_file)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"

    def engine(self) -> Engine:
        """The sandbox's engine, through the grader's own socket."""
        return Engine.at(self.grader_host)

    def give(self, path: Path) -> None:
        """Make ``path`` (inside the sandbox) the sandbox user's."""
        os.chown(path, self.uid, self.gid)

    def alive(self) -> bool:
        """The grader's own probe: does the sandbox's engine still answer on its socket?"""
        return self._answers()

    def jail(
        self, argv: list[str], env: dict[str, str], hide: list[str], show: list[str]
    ) -> list[str]:
        """The command that runs ``argv`` inside the sandbox (see the module's docstring):
        ``env`` is all of its environment, ``hide`` more folders to hide (the course's), ``show``
        folders to leave visible, read-only, even inside hidden ones (the Python environment and
        the grader's code, which the kernel imports)."""
        spec = {
            "uid": self.uid,
            "gid": self.gid,
            "argv": argv,
            "env": {
                "PATH": rootless.PATH,
                "HOME": str(self.home),
                **env,
                "DOCKER_HOST": self.student_host,
            },
            "cwd": str(self.work),
            # The course's state (the other sandboxes, whose users /etc/passwd names; a
            # classroom's exchange and seats), the engine's own files (data root, runtime
            # folder) and the grader's lab state too.
            "hide": [
                *HIDDEN,
                str(places.state_root()),
                *hide,
                *(str(self.root / f) for f in ("data", "xdg", "lab")),
            ],  # fmt: skip
            "keep": [str(self.root)],
            "show": show,
            "cgroups": [str(p) for p in self.cgroup_paths()],
            "tmp_mb": 512,
        }
        return jail.command(spec, self.root, self.netns_file)


def cut_the_way_out(netns: Path) -> None:
    """Take the sandbox's network namespace off every network but its own: the link
    slirp4netns gives it (the one its default route goes through) goes down and the route goes,
    so neither the graded kernel nor a container it starts can send anything away (e.g. the
    hidden tests). Loopback and the engine's own bridge stay: the registry it runs and the ports
    it publishes answer inside, and its images were loaded, never pulled."""

    def ip(*args: str) -> str:
        done = subprocess.run(
            ["nsenter", f"--net={netns}", "ip", *args], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SandboxUnavailable(
                f"The sandbox's network could not be cut off (ip {' '.join(args)}): "
                f"{done.stderr.strip()}",
                "Install iproute2 (`apt-get install iproute2`); run the grading as root.",
            )
        return done.stdout

    for line in ip("-o", "route", "show", "default").splitlines():
        device = line.split(" dev ", 1)[1].split()[0] if " dev " in line else None
        ip("route", "del", *line.split())
        if device:
            ip("link", "set", "dev", device, "down")
    if ip("-o", "route", "show", "default").strip():
        raise SandboxUnavailable(
            "The sandbox kept a way out to the network.", rootless.ROOTLESS_FIX
        )


def new_name() -> str:
    return USER_PREFIX + secrets.token_hex(5)


def _record(name: str, record: dict) -> None:
    path = places.SANDBOXES.make() / f"{name}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record))
    partial.rename(path)  # a reader never sees half a record


HIDDEN = ["/root", "/home", "/tmp", "/var/tmp", "/run/user", "/var/lib/docker", "/srv", "/dev/shm"]
"""Folders the kernel never sees (plus the course folder and the grader's caches)."""


def _useradd(name: str, home: Path) -> None:
    for attempt in range(20):  # useradd takes a lock on /etc/passwd; parallel gradings wait
        done = subprocess.run(
            ["useradd", "--no-create-home", "--home-dir", str(home), "--shell",
             "/usr/sbin/nologin", "--comment", "publishing-course grading sandbox", name],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode == 0:
            return
        if "lock" not in done.stderr or attempt == 19:
            raise SandboxUnavailable(
                f"Could not make the sandbox's user: {done.stderr.strip()}",
                "Run the grading as root on a machine with useradd (shadow's passwd package).",
            )
        time.sleep(0.1 + attempt * 0.05)


def _ids(name: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def remove(name: str) -> list[str]:
    """Remove sandbox ``name`` and all it left: processes (its cgroup's and its user's), the
    tmpfs with its engine's data, the cgroups, the user. Returns what was removed."""
    removed = []
    root = places.SANDBOXES.path() / name.removeprefix(USER_PREFIX)
    paths = rootless.cgroup_paths(name)
    try:
        uid = _ids(name)[0]
    except KeyError:
        uid = None
    killed = rootless.kill_all(
        lambda: (
            rootless.cgroup_pids(paths) | (rootless.user_pids(uid) if uid is not None else set())
        )
    )
    if killed:
        removed.append(f"{killed} process(es)")
    rootless.remove_cgroups(paths)
    if root.is_dir():
        # The engine's overlay mounts sit under the tmpfs; a lazy unmount takes them all.
        with open("/proc/mounts") as mounts:
            below = [line.split()[1] for line in mounts if line.split()[1].startswith(str(root))]
        for mount in sorted(below, key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        with contextlib.suppress(OSError):
            root.rmdir()
        removed.append(f"files {root}")
    if uid is not None:
        for attempt in range(20):
            done = subprocess.run(["userdel", name], capture_output=True, text=True)
            if done.returncode == 0 or "lock" not in done.stderr:
                break
            time.sleep(0.1 + attempt * 0.05)
        removed.append(f"user {name}")
    with contextlib.suppress(OSError):
        (places.SANDBOXES.path() / f"{name}.json").unlink()
    return removed


class Pool:
    """Sandboxes made ahead, one at a time in the background, for gradings that will adopt
    them (:meth:`Sandbox.adopt`): a grading's nbgrader starts while its sandbox is made."""

    def __init__(self, images: Path, ahead: int = 1, total: int | None = None) -> None:
        """``ahead`` sandboxes are started at once; ``total``: how many gradings there will be
        (no sandbox is made beyond them, except when a grading is retried)."""
        from concurrent.futures import ThreadPoolExecutor

        self._images = images
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-maker")
        self._lock = threading.Lock()
        ahead = min(ahead, total) if total is not None else ahead
        self._ahead: list[str] = [self._make() for _ in range(ahead)]
        self._more = (total - ahead) if total is not None else None

    def _make(self) -> str:
        name = new_name()
        _record(name, {"state": "making", "owner_pid": os.getpid()})
        self._maker.submit(self._create, name)
        return name

    def _create(self, name: str) -> None:
        with contextlib.suppress(Exception):  # a failure is recorded for the adopter
            Sandbox.create(images=self._images, name=name)

    def take(self) -> str:
        """The name of a sandbox (being) made, to hand to a grading; one more is started."""
        with self._lock:
            if not self._ahead:
                self._ahead.append(self._make())
            if self._more is None or self._more > 0:
                self._ahead.append(self._make())
                self._more = None if self._more is None else self._more - 1
            return self._ahead.pop(0)

    def close(self) -> None:
        """Wait for what is being made, and remove every sandbox nobody took."""
        self._maker.shutdown(wait=True)
        for name in self._ahead:
            remove(name)
        self._ahead.clear()


def leftovers() -> list[str]:
    """Sandboxes whose grading is gone (killed): their names."""
    names = set()
    folder = places.SANDBOXES.path()
    if folder.is_dir():
        for record in folder.glob(f"{USER_PREFIX}*.json"):
            try:
                owner = json.loads(record.read_text()).get("owner_pid", 0)
            except ValueError:
                owner = 0
            if not owner or not Path(f"/proc/{owner}").exists():
                names.add(record.stem)
        for root in folder.iterdir():
            if root.is_dir() and not (folder / f"{USER_PREFIX}{root.name}.json").exists():
                names.add(USER_PREFIX + root.name)
    with contextlib.suppress(OSError):
        for line in Path("/etc/passwd").read_text().splitlines():
            fields = line.split(":")
            user, home = fields[0], Path(fields[5]) if len(fields) > 5 else Path()
            if not user.startswith(USER_PREFIX) or (folder / f"{user}.json").exists():
                continue
            # A sandbox's home is SANDBOXES/<id>/home. One below another state root's folder
            # belongs to the gradings there (running at the same time, say), unless that
            # folder is gone: then nobody's grading can still own it.
            if home.parent.parent == folder or not home.parent.parent.is_dir():
                names.add(user)
    return sorted(names)
