"""A student's seat on the classroom server: a Unix user of their own, their home, and a rootless
Docker engine of their own, in a network namespace of its own, under limits.

- The user (``useradd``, marked ``publishing-course student`` so the course never touches a user
  it did not make) keeps its home (``0700``) between classroom starts: the student's work stays.
- The engine (Debian's ``dockerd-rootless.sh``, run as the user) listens only on
  ``/run/user/UID/docker.sock`` (the user's own runtime folder, ``0700``). Its published ports
  stay in its network namespace (no port driver): another student, on the same host, reaches
  none of them. The student's JupyterLab runs in that namespace too (see
  :mod:`grader.server.spawner`), so ``localhost:PORT`` in a notebook is their own registry.
- A cgroup (memory and process limits) holds the engine and the student's server, and the
  engine's data lives on a file system of its own (a sparse ext4 file of ``disk_mb``, loop
  mounted): one student cannot take the machine down, and stopping the seat kills everything in
  it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput, SandboxUnavailable
from ..infra import engine, places
from ..infra.images import HUB_IMAGE
from ..infra.wait import wait_until
from . import jail, rootless
from .netns import Namespace
from .rootless import PATH, Limits, make_cgroups
from .sandbox import support

MARK = "publishing-course student"
"""The comment (GECOS) of every user the course made for a student."""
HIDDEN = ["/root", "/home", "/tmp", "/var/tmp", "/var/lib/docker", "/srv", "/dev/shm"]
"""What a student's programs never see (their own home and runtime folder excepted), besides
the course's state (:func:`places.state_root`)."""


def course_user(username: str) -> pwd.struct_passwd | None:
    """The Unix user the course made for ``username``, or None if there is none; raises when a
    user of that name exists that the course did not make (it is never taken over)."""
    try:
        entry = pwd.getpwnam(username)
    except KeyError:
        return None
    if entry.pw_gecos.split(",")[0] != MARK:
        raise InvalidInput(
            f"This machine already has a user {username!r} that the course did not make.",
            "Give that student another username in the roster.",
        )
    return entry


DEFAULT_LIMITS = Limits(memory_mb=2048, processes=512, disk_mb=8192, cpus=1.0)
"""A seat's limits unless the instructor sets others (``grader classroom start --memory …``):
memory and processes for JupyterLab, a few kernels and a rootless engine running the lesson's
containers; one core, so one student's build cannot starve the class; disk for the course's
images and a student's own pushes."""


@dataclass
class Seat:
    username: str
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)

    # --- the user ----------------------------------------------------------------------------

    def ensure_user(self) -> None:
        """Make the student's user and home if they are not there yet (kept across starts)."""
        if course_user(self.username) is not None:
            return
        ok, why = support()
        if not ok:
            raise SandboxUnavailable(f"No student engine can be made here: {why}.", why)
        done = subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/bash", "--comment", MARK,
             self.username],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SandboxUnavailable(
                f"Could not make the user {self.username!r}: {done.stderr.strip()}",
                "Run the classroom as root on a machine with useradd.",
            )
        self.home.chmod(0o700)

    @property
    def entry(self) -> pwd.struct_passwd:
        found = course_user(self.username)
        if found is None:
            raise InvalidInput(f"{self.username!r} has no seat yet.", "ensure_user() first.")
        return found

    @property
    def uid(self) -> int:
        return self.entry.pw_uid

    @property
    def gid(self) -> int:
        return self.entry.pw_gid

    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.username).pw_dir)

    @property
    def runtime(self) -> Path:
        """``/run/user/UID``: the user's own runtime folder (the engine's socket is there)."""
        return Path(f"/run/user/{self.uid}")

    @property
    def docker_host(self) -> str:
        return f"unix://{self.runtime}/docker.sock"

    @property
    def state(self) -> Path:
        """Root's folder for this seat (the engine's log, the namespace's handle, the disk)."""
        return places.SEATS.path() / self.username

    # --- the engine ----------------------------------------------------------------------------

    def ready(self, images: str | os.PathLike | None = None, timeout: float = 60) -> bool:
        """The seat's engine running, with the course's images (``images``: a tarball
        ``docker save`` wrote) loaded once, whoever asks first: the spawner at sign-in, or the
        pool that starts seats ahead (:mod:`grader.server.warm`); one at a time per seat. True
        if it had to start the engine."""
        places.SEATS.make()
        self.state.mkdir(exist_ok=True, mode=0o700)
        with open(self.state / "ready.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            started = not self.engine_running()
            self.start_engine(timeout)
            if images:
                seat_engine = engine.Engine.at(self.docker_host)
                try:
                    if seat_engine.image(HUB_IMAGE) is None:
                        seat_engine.load(images)
                finally:
                    seat_engine.close()
        return started

    def start_engine(self, timeout: float = 60) -> None:
        """Start the student's rootless engine (if it is not running) and wait for it. One that
        runs already is waited for, never started twice: on a loaded machine an engine may
        take longer than a ping's seconds to answer, and a second start would fail and stop the
        seat, the first engine with it."""
        if self.engine_running():
            if wait_until(self.engine_answers, timeout, give_up=lambda: not self.engine_running()):
                return
            if self.engine_running():
                raise SandboxUnavailable(
                    f"{self.username}'s engine runs but has not answered in {timeout:.0f} s.",
                    f"Its log: {self.state / 'engine.log'}. `sudo grader classroom stop` ends it "
                    "(then `sudo grader classroom start` again).",
                )
        places.SEATS.make()
        self.state.mkdir(exist_ok=True, mode=0o700)
        self.runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chown(self.runtime, self.uid, self.gid)
        self._clear_runtime()
        make_cgroups(f"seat-{self.username}", self.limits)
        self._mount_disk()
        spec = rootless.EngineSpec(
            uid=self.uid,
            gid=self.gid,
            home=self.home,
            runtime=self.runtime,
            data_root=self.data_root,
            hosts=(self.docker_host,),
            log=self.state / "engine.log",
            cgroups=tuple(self.cgroup_paths()),
            whose=f"{self.username}'s",
            groups="--init-groups",
            env=(("USER", self.username),),
        )
        try:
            rootless.start_engine(spec, self.engine_answers, timeout)
        except SandboxUnavailable:
            self.stop()
            raise
        rootless.hold_netns(self.runtime, self.netns_file, 0o400)

    def _clear_runtime(self) -> None:
        """Empty the runtime folder of what an engine that ran before left (killed, or a user of
        the same uid before): pid files, sockets, containerd's state. dockerd, and the
        containerd it starts, each refuse to start over a pid file that names a process that
        runs, and on a busy machine pids come round again soon. Only the engine keeps anything
        there (rmtree does not follow the student's links)."""
        for entry in self.runtime.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    @property
    def data_root(self) -> Path:
        """The engine's images, containers and volumes (the registry's pushed layers too)."""
        return self.home / ".local" / "share" / "docker"

    @property
    def disk_image(self) -> Path:
        return self.state / "engine-disk.img"

    def _mount_disk(self) -> None:
        """The engine's data on a file system of its own, ``limits.disk_mb`` big (a sparse ext4
        file, root's, mounted over :attr:`data_root`): a student filling it fills only it."""
        if os.path.ismount(self.data_root):
            return
        self.data_root.mkdir(parents=True, exist_ok=True)
        if any(self.data_root.iterdir()):
            return  # an engine's data from before disks were given: left as it is
        if not self.disk_image.exists():
            with open(self.disk_image, "wb") as disk:
                disk.truncate(self.limits.disk_mb << 20)
            self.disk_image.chmod(0o600)
            subprocess.run(
                ["mkfs.ext4", "-q", "-F", "-m", "0", str(self.disk_image)],
                check=True, capture_output=True,
            )  # fmt: skip
        done = subprocess.run(
            ["mount", "-o", "loop,nosuid,nodev", str(self.disk_image), str(self.data_root)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SandboxUnavailable(
                f"{self.username}'s engine disk could not be mounted: {done.stderr.strip()}",
                "The classroom needs loop devices (losetup -f) and mkfs.ext4 (e2fsprogs).",
            )
        for path in (self.home / ".local", self.home / ".local" / "share", self.data_root):
            os.chown(path, self.uid, self.gid)
        self.data_root.chmod(0o700)

    def engine_answers(self) -> bool:
        socket = Path(self.docker_host.removeprefix("unix://"))
        return socket.exists() and engine.answers(self.docker_host)

    def engine_running(self) -> bool:
        """Is the engine's process alive (whether or not it answers now: a busy engine on a
        loaded machine can take longer than a ping's seconds, a killed one never comes back)?"""
        try:
            pid = int((self.runtime / "docker.pid").read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return False
        return command.startswith(b"dockerd\0") and not rootless.zombie(pid)

    @property
    def netns_file(self) -> Path:
        """A handle (bind mount) on the engine's network namespace, root's alone."""
        return self.state / "netns"

    def namespace(self) -> Namespace:
        return Namespace(self.netns_file)

    # --- the student's programs ------------------------------------------------------------

    def jail(
        self, argv: list[str], env: dict[str, str], show: list[str], share: list[str] = ()
    ) -> list[str]:
        """The command (run as root) that runs ``argv`` as the student, in the engine's network
        namespace and new PID and mount namespaces (:mod:`grader.isolation.jail`): the root file
        system read-only but the student's home and runtime folder; ``/root``, other homes,
        ``/tmp``, the host engine's data and the course's state hidden; the host engine's
        socket replaced by ``/dev/null``; no privilege to gain. ``show``: folders to leave
        visible (read-only) inside hidden ones, such as the course's Python; ``share``: folders
        every seat writes in (nbgrader's exchange)."""
        spec = {
            "uid": self.uid,
            "gid": self.gid,
            "argv": argv,
            "env": {"PATH": PATH, **env, "HOME": str(self.home), "DOCKER_HOST": self.docker_host},
            "cwd": str(self.home),
            "hide": [*HIDDEN, str(places.state_root())],
            "keep": [str(self.home), str(self.runtime), *share],
            "show": show,
            "cgroups": [str(p) for p in self.cgroup_paths()],
            "tmp_mb": 512,
        }
        return jail.command(spec, self.state, self.netns_file)

    def run(
        self, argv: list[str], env: dict[str, str], show: list[str], timeout: float
    ) -> subprocess.CompletedProcess:
        """Run ``argv`` as the student in their seat (:meth:`jail`), counted against the seat's
        limits, and wait for it; what it printed is in the result."""
        return subprocess.run(
            self.jail(argv, env, show), preexec_fn=self.enter_cgroups, capture_output=True,
            text=True, timeout=timeout, env={"PATH": PATH},
        )  # fmt: skip

    # --- limits and the end ------------------------------------------------------------------

    def cgroup_paths(self) -> list[Path]:
        return rootless.cgroup_paths(f"seat-{self.username}")

    def enter_cgroups(self) -> None:
        """In a child before exec: it and all it starts count against the seat's limits."""
        rootless.entering(self.cgroup_paths())()

    def processes(self) -> set[int]:
        """Every live process of the seat: in its cgroups, or run by its user."""
        found = rootless.cgroup_pids(self.cgroup_paths())
        with contextlib.suppress(InvalidInput):
            found |= rootless.user_pids(self.uid)
        found.discard(os.getpid())
        return found

    def stop(self) -> int:
        """Stop everything the seat runs (engine, server, kernels, containers); the user and
        home stay. Returns how many processes were stopped."""
        stopped = rootless.kill_all(self.processes, grace=5)
        rootless.let_go_netns(self.netns_file)
        with contextlib.suppress(KeyError, InvalidInput):
            if os.path.ismount(self.data_root):
                subprocess.run(["umount", str(self.data_root)], capture_output=True)
        rootless.remove_cgroups(self.cgroup_paths())
        return stopped
