"""JupyterHub's side of a student's seat: sign-in against the roster, and a spawner that starts
the student's own rootless engine, then their JupyterLab inside that engine's network namespace.

Inside the namespace, ``localhost`` is the student's own: the registry and hub a lab starts on
their engine publish there, and nowhere on the host. The hub's proxy reaches the student's server
through a forward the hub process holds (:mod:`grader.server.forward`), and the server reaches
the hub's API through another; whatever web page the student's engine serves is reachable from
their browser through jupyter-server-proxy, behind JupyterHub's sign-in.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
import urllib.parse
from pathlib import Path
from subprocess import Popen

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Float, Integer, Unicode

from ..isolation.rootless import Limits
from ..isolation.seats import DEFAULT_LIMITS, Seat
from . import forward
from .progress import COURSE_FOLDER  # the instructor's course folder, in their home
from .roster import ARRIVED, Person, arrived

COURSE_ID = "publishing-images"
"""nbgrader's course, as ``nbgrader_config.py`` names it."""
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
"""nbgrader's instructor tools in JupyterLab (the formgrader among them)."""
ENGINE_WATCH_SECONDS = 3.0
"""How often a student's engine is looked at (its process gone twice: the seat is restarted)."""
ENGINE_HUNG_SECONDS = 120.0
"""How long an engine whose process runs may leave every ping unanswered before its seat is
restarted."""
INNER_PORT = 8888
"""Where a student's JupyterLab listens, inside their namespace (the same for every student)."""
COURSE_ROOT = Path(__file__).resolve().parents[2]
"""The course's folder: its lessons, and the grader package the students' kernels import."""


VISIBLE = sorted({sys.base_prefix, sys.prefix, str(COURSE_ROOT)})
"""What stays visible (read-only) in a student's jail: the course's Python and the course."""


def seat_env(seat: Seat) -> dict[str, str]:
    """What a student's programs find in their environment besides JupyterHub's: their server
    and its kernels, and the lab the pool starts ahead (:mod:`.warm`)."""
    return {
        "DOCKER_HOST": seat.docker_host,
        "XDG_RUNTIME_DIR": str(seat.runtime),
        "PYTHONPATH": str(COURSE_ROOT),
        # The course's environment first: jupyter, nbgrader (and the alembic it runs), docker.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "COURSE_USERNAME": seat.username,
        "USER": seat.username,
    }


class RosterAuthenticator(Authenticator):
    """Sign-in with the username and password of the classroom's roster (kept hashed)."""

    roster_file = Unicode(help="The roster's JSON (usernames, password hashes, roles).").tag(
        config=True
    )

    def people(self) -> dict[str, Person]:
        records = json.loads(Path(self.roster_file).read_text())
        return {r["username"]: Person(**r) for r in records}

    async def authenticate(self, handler, data):
        person = self.people().get((data or {}).get("username", ""))
        password = (data or {}).get("password", "")
        if person is None or not await asyncio.to_thread(person.accepts, password):
            return None
        here = Path(self.roster_file).parent / ARRIVED
        here.mkdir(mode=0o700, exist_ok=True)
        (here / person.username).touch()
        await self._make_room(handler, person.username)
        return {"name": person.username, "admin": person.instructor}

    async def _make_room(self, handler, username: str) -> None:
        """Someone arriving with no server when every server the class may run is taken, some
        by seats started ahead of people not here yet: one of those stops, so that whoever
        came gets a seat (the hub's page says to come back later only when the class is
        full of people who came)."""
        limit = handler.active_server_limit
        user = handler.find_user(username)
        if not limit or (user is not None and user.spawner.active):
            return
        if handler.users.count_active_users()["active"] < limit:
            return
        here = arrived(Path(self.roster_file).parent)
        for other in list(handler.users.values()):
            ahead = other.spawners.get("")
            if other.name in here or ahead is None or not ahead.ready or ahead.pending:
                continue
            self.log.info(
                "%s came, every seat taken: %s's, started ahead, stops", username, other.name
            )
            await handler.stop_single_user(other)
            return

    def check_allowed(self, username, authentication=None):
        """Who is on the roster now (``grader classroom add`` and ``forget`` change it while
        the class runs)."""
        return username in self.people()


class SeatSpawner(LocalProcessSpawner):
    """A student's server: their engine first, then JupyterLab as them, in its namespace."""

    images_tarball = Unicode(help="The course's images, docker-saved, for a new engine.").tag(
        config=True
    )
    exchange = Unicode(help="nbgrader's exchange folder, shared by the class.").tag(config=True)
    memory_mb = Integer(DEFAULT_LIMITS.memory_mb, help="A seat's memory.").tag(config=True)
    processes = Integer(DEFAULT_LIMITS.processes, help="A seat's processes.").tag(config=True)
    disk_mb = Integer(DEFAULT_LIMITS.disk_mb, help="A seat's engine disk.").tag(config=True)
    cpus = Float(DEFAULT_LIMITS.cpus, help="A seat's cores' worth of CPU.").tag(config=True)

    def _seat(self) -> Seat:
        limits = Limits(self.memory_mb, self.processes, self.disk_mb, self.cpus)
        return Seat(self.user.name, limits)

    def get_env(self):
        env = super().get_env()
        seat = self._seat()
        env.update(seat_env(seat))
        # The hub's API, as the student's server reaches it: the forward inside its namespace.
        env["JUPYTERHUB_API_URL"] = f"http://127.0.0.1:{self._hub_port()}/hub/api"
        return env

    def _hub_port(self) -> int:
        return urllib.parse.urlsplit(self.hub.api_url).port

    async def start(self):
        seat = self._seat()
        self._restarting = False
        await self._launch(seat)
        self._proxy_forward = await forward.into(seat.namespace(), INNER_PORT)
        self._watching = asyncio.create_task(self._watch_engine(seat))
        return ("127.0.0.1", self._proxy_forward.sockets[0].getsockname()[1])

    async def _launch(self, seat: Seat) -> None:
        """The seat's engine, the course in it, the forward to the hub's API inside its network
        namespace, and the student's server in the jail (what a restart of the seat repeats;
        the proxy's forward into the namespace stays, as it enters the namespace by its handle
        at each connection)."""
        await asyncio.to_thread(seat.ensure_user)
        await asyncio.to_thread(seat.ready, self.images_tarball or None)
        await asyncio.to_thread(self._prepare, seat)
        hub_port = self._hub_port()
        self._hub_forward = await forward.out_of(seat.namespace(), hub_port, hub_port)
        self.ip, self.port = "127.0.0.1", INNER_PORT
        argv = [*self.cmd, *self.get_args()]
        command = seat.jail(argv, self.get_env(), VISIBLE, share=[self.exchange])
        self.log.info("Starting %s's server in their seat", self.user.name)
        self.proc = Popen(
            command, preexec_fn=seat.enter_cgroups, start_new_session=True,
            env={"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")},
        )  # fmt: skip
        self.pid = self.proc.pid

    async def _watch_engine(self, seat: Seat) -> None:
        """Restart the seat when its engine's process is gone (killed, out of memory), or when
        it has not answered for ENGINE_HUNG_SECONDS: everything in it ends (the engine's
        network namespace goes with the engine, and the student's server and kernels run in
        it), then engine and server start again. What the student pushed is on the seat's
        disk, and their files in their home; the browser reconnects to the new server by
        itself, kernels start afresh. A busy engine on a loaded machine may not answer a ping
        for seconds: that alone restarts nothing (it did, in CI, in the middle of a lab)."""
        gone, silent_since = 0, None
        while self.proc is not None and self.proc.poll() is None:
            await asyncio.sleep(ENGINE_WATCH_SECONDS)
            running = await asyncio.to_thread(seat.engine_running)
            answers = running and await asyncio.to_thread(seat.engine_answers)
            gone = 0 if running else gone + 1
            silent_since = None if answers else silent_since or time.monotonic()
            silent = time.monotonic() - silent_since if silent_since else 0
            hung = silent > ENGINE_HUNG_SECONDS
            if (gone < 2 and not hung) or self.proc.poll() is not None:
                continue
            self.log.warning("%s's engine stopped: restarting their seat", self.user.name)
            self._restarting = True
            try:
                self._hub_forward.close()  # it listens in the namespace that went
                await asyncio.to_thread(seat.stop)
                await self._launch(seat)
            except Exception:
                self.log.exception("%s's seat could not be restarted", self.user.name)
                return
            finally:
                self._restarting = False
            gone, silent_since = 0, None

    async def poll(self):
        if getattr(self, "_restarting", False):
            return None  # the seat is coming back: its server is not gone
        return await super().poll()

    def _prepare(self, seat: Seat) -> None:
        """The lessons in the student's home, and nbgrader's settings (each only once: a
        student's own changes are kept)."""
        made = []
        lessons = seat.home / "lessons"
        if not lessons.exists():
            shutil.copytree(COURSE_ROOT / "notebooks", lessons)
            made.append(lessons)
        config = seat.home / ".jupyter" / "nbgrader_config.py"
        if not config.exists():
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(nbgrader_settings(self.exchange))
            made.append(config.parent)
        course = seat.home / COURSE_FOLDER
        if self.user.admin and not course.exists():
            instructor_course(course, self.exchange)
            config.write_text(nbgrader_settings(self.exchange, course))
            # The instructor's own JupyterLab shows nbgrader's instructor tools, which the
            # course's environment turns off for learners (Makefile: the learners' setup).
            page = seat.home / ".jupyter" / "labconfig" / "page_config.json"
            page.parent.mkdir(parents=True, exist_ok=True)
            tools = {plugin: False for plugin in INSTRUCTOR_PLUGINS}
            page.write_text(json.dumps({"disabledExtensions": tools}, indent=1))
            made += [course, page.parent]
        elif self.user.admin:
            refuse_unsandboxed(config)  # a seat made before the refusal existed
        for top in made:
            for path in [top, *top.rglob("*")]:
                os.chown(path, seat.uid, seat.gid)

    async def stop(self, now=False):
        watching = getattr(self, "_watching", None)
        if watching is not None:
            watching.cancel()
        # Everything in the seat first (server, kernels, engine): the server is not our child
        # but the child of ``unshare``, which ignores the signals JupyterHub would send it.
        await asyncio.to_thread(self._seat().stop)
        await super().stop(now=True)
        for name in ("_hub_forward", "_proxy_forward"):
            server = getattr(self, name, None)
            if server is not None:
                server.close()
                setattr(self, name, None)


_WRITTEN = "# Written by the classroom server (grader classroom)."
_REFUSE = "c.VerifiedExecute.refuse_unsandboxed = True"


def refuse_unsandboxed(config: Path) -> bool:
    """Add the refusal to an instructor's ``nbgrader_config.py`` that the classroom wrote before
    it had one (never to a file of the instructor's own, nor through a link); True if added."""
    if config.is_symlink() or not config.is_file():
        return False
    text = config.read_text()
    if not text.startswith(_WRITTEN) or _REFUSE in text.splitlines():
        return False
    with open(config, "a") as handle:
        handle.write(("" if text.endswith("\n") else "\n") + _REFUSE + "\n")
    return True


def nbgrader_settings(exchange: str, course: Path | None = None) -> str:
    """A person's own ``~/.jupyter/nbgrader_config.py``: the class's exchange (and, for the
    instructor, where the course folder is, for the formgrader, and no grading outside a
    sandbox: the formgrader's Autograde would run a student's code as the instructor)."""
    lines = [
        _WRITTEN,
        "c = get_config()  # noqa: F821",
        f"c.Exchange.root = {exchange!r}",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
    ]
    if course is not None:
        lines.append(f"c.CourseDirectory.root = {str(course)!r}")
        # The formgrader's Autograde runs in the instructor's server, where no sandbox can be
        # made: it refuses, before any student's code runs, and names the class page's Grade.
        lines.append(_REFUSE)
    return "\n".join(lines) + "\n"


def instructor_course(course: Path, exchange: str) -> None:
    """The instructor's course folder: the labs' sources and releases, and the course's own
    nbgrader configuration with the class's exchange."""
    course.mkdir(parents=True)
    for folder in ("solutions", "labs"):
        shutil.copytree(COURSE_ROOT / folder, course / folder)
    own = (COURSE_ROOT / "nbgrader_config.py").read_text()
    (course / "nbgrader_config.py").write_text(
        own + f"\n# The classroom server's exchange.\nc.Exchange.root = {exchange!r}\n"
    )
