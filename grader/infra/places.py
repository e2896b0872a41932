"""The course's folders outside the checkout, and the one way to get them.

Everything the course keeps outside the repository lives in one of the places below. Each is
made, with its mode, by :meth:`Place.make`, which every writer calls before it writes: a fresh
machine (where none of them exists) and a machine with an earlier run's folders take the same
path. Readers that only look (``grader doctor``'s leftovers) use :meth:`Place.path` and make
nothing.

Two roots, read when asked (never at import, so a test or CI points them elsewhere by setting
the variable):

- the machine's state, ``COURSE_STATE_ROOT`` (default ``/var/lib/publishing-course``): grading
  sandboxes, the classroom server, nbgrader's exchange, the students' seats. Root's.
- a user's own cache, ``$XDG_CACHE_HOME/publishing-course`` (default
  ``~/.cache/publishing-course``): the learner's labs, locks, the sandboxes' image tarball, debootstrap's base.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from ..settings import DEFAULT_STATE_ROOT, settings

STATE_ROOT_ENV = "COURSE_STATE_ROOT"
SOCKET_PATH_MAX = 107
"""The longest path a Unix socket may have (``sun_path`` is 108 bytes with its final NUL)."""
STATE_ROOT_MODE = 0o755
"""Others pass through it (to the exchange); each folder in it keeps its own mode."""


def state_root() -> Path:
    """The machine's state folder (``COURSE_STATE_ROOT``, else ``/var/lib/publishing-course``)."""
    return settings().state_root


def cache_root() -> Path:
    """The user's own cache folder for the course (``$XDG_CACHE_HOME/publishing-course``)."""
    return settings().cache_home / CACHE_FOLDER


CACHE_FOLDER = "publishing-course"
"""The course's folder in a user's cache."""
WHERE_ENV = (STATE_ROOT_ENV, "XDG_CACHE_HOME")
"""The environment variables that say where the folders below are: a child that must find the
same ones (the classroom's class page, grading for it) is given them."""


def learners_below(home: Path) -> Path:
    """Where the learner labs of a user whose cache is the default one (``~/.cache``, as a
    classroom seat's is) are kept, below their ``home``: what :data:`LEARNERS` is for them."""
    return home / ".cache" / CACHE_FOLDER / LEARNERS.name


@dataclass(frozen=True)
class Place:
    """One of the course's folders outside the checkout."""

    name: str
    """Its folder below its root."""
    mode: int
    """Set on every :meth:`make`, whatever the umask or an earlier run left."""
    what: str
    """What it holds (``grader doctor`` and the README say so)."""
    in_cache: bool = False
    """Below the user's cache (:func:`cache_root`) rather than the machine's state root."""
    entered_by_others: bool = False
    """Other users must pass through every folder above it, outside any jail (a sandbox's
    rootless engine keeps its data in it)."""
    longest_below: str = ""
    """The longest Unix socket path made below it, which must fit the kernel's 107
    characters: a root too long for it is refused before anything is made."""

    def path(self) -> Path:
        """Where it is; nothing is made."""
        return (cache_root() if self.in_cache else state_root()) / self.name

    def make(self) -> Path:
        """The folder, made if missing (with its root and every parent), with its mode."""
        path = self.path()
        root = cache_root() if self.in_cache else state_root()
        longest = len(str(path / self.longest_below)) if self.longest_below else 0
        if longest > SOCKET_PATH_MAX:
            room = len(str(root)) - (longest - SOCKET_PATH_MAX)
            raise InvalidInput(
                f"{root} is too long a folder for the course's state: a socket below it "
                f"({path / self.longest_below}) would pass the {SOCKET_PATH_MAX} characters a "
                "Unix socket's path may have.",
                f"Point {STATE_ROOT_ENV} at a folder of at most {room} characters "
                f"(default {DEFAULT_STATE_ROOT}).",
            )
        for folder in [*reversed(root.parents), root]:  # the ones missing, with the root's mode
            if not folder.is_dir():
                folder.mkdir(exist_ok=True)
                folder.chmod(0o700 if self.in_cache else STATE_ROOT_MODE)
        path.mkdir(exist_ok=True)
        if path.stat().st_mode & 0o7777 != self.mode:
            path.chmod(self.mode)
        if self.entered_by_others:
            closed = [f for f in path.parents if f.is_dir() and not f.stat().st_mode & 0o001]
            if closed:
                raise InvalidInput(
                    f"{closed[0]} lets no other user in, so nobody else can reach {path} "
                    f"({self.what}).",
                    f"chmod o+x {closed[0]}, or point {STATE_ROOT_ENV} at a folder every user "
                    f"can pass through (default {DEFAULT_STATE_ROOT}).",
                )
        return path


SANDBOXES = Place(
    "sandboxes",
    0o711,
    "grading sandboxes: a record and a size-limited tmpfs per grading",
    entered_by_others=True,
    # A sandbox's rootless engine: XDG_RUNTIME_DIR is ID/xdg, and containerd's socket in it.
    longest_below="0123456789/xdg/docker/containerd/containerd.sock",
)
"""``0711``: a sandbox's engine reaches its own folder but cannot list the others."""
CLASSROOM = Place("classroom", 0o700, "the classroom server: JupyterHub's config, roster, log")
"""``0700``: password hashes."""
EXCHANGE = Place("exchange", 0o777, "nbgrader's exchange, shared by a classroom's seats")
"""nbgrader's own model: every course folder inside sets its own permissions."""
SEATS = Place("seats", 0o700, "each classroom student's engine log, disk file and namespace")
CACHE = Place(
    "", 0o700, "locks, the grading sandboxes' image tarball, debootstrap's base", in_cache=True
)
"""``0700``: the labs below hold access tokens."""
LEARNERS = Place("learners", 0o700, "each learner's persistent lab", in_cache=True)
LABS = Place("labs", 0o700, "labs that end with their kernel", in_cache=True)

EVERY = (SANDBOXES, CLASSROOM, EXCHANGE, SEATS, CACHE, LEARNERS, LABS)


def write_private(path: Path, data: str | bytes) -> None:
    """``data`` into ``path``, root's alone from its first byte, replacing it whole at once
    (a reader sees the old file or the new one, never half of one)."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    partial.replace(path)
