"""``grader classroom start`` and ``stop``: JupyterHub for a whole class on one Linux machine.

Start checks everything first (the roster, the port, the users, what rootless engines need),
then makes each student's user (kept across starts, with their work), writes JupyterHub's
configuration into root's state folder and starts JupyterHub in the background. Stop ends
JupyterHub, every student's server, kernels and engine, and the proxy; users and homes stay.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import requests
import urllib3

from ..errors import InvalidInput, SandboxUnavailable
from ..infra import images as _images
from ..infra import places
from ..infra.engine import Engine
from ..infra.wait import wait_until
from ..isolation import sandbox
from ..isolation.rootless import Limits, zombie
from ..isolation.seats import DEFAULT_LIMITS, HIDDEN, Seat, course_user
from . import capacity, hubconfig
from . import listen as _listen
from . import roster as _roster
from .hubconfig import COURSE_ROOT
from .progress import COURSE_FOLDER

DEFAULT_PORT = 8000


def proxy_command() -> str:
    """configurable-http-proxy, as ``make setup`` installs it (npm) beside the course."""
    local = COURSE_ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    import shutil

    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    raise InvalidInput(
        "JupyterHub's proxy (configurable-http-proxy) is not installed.",
        "Run `make setup` (it installs it from the npm registry).",
    )


def _pid(name: str = "jupyterhub.pid", program: bytes = b"jupyterhub") -> int | None:
    """The live process a pid file in the state folder names, if it is still ``program`` (a
    stale file's number may belong to another process by now)."""
    try:
        pid = int((places.CLASSROOM.path() / name).read_text())
    except (OSError, ValueError):
        return None
    return pid if program in _cmdline(pid) else None


def running() -> bool:
    """A classroom runs on this machine (its JupyterHub is alive)."""
    return _pid() is not None


def start(
    roster_path: str | Path | None,
    port: int | None = None,
    log=print,
    *,
    listen: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    limits: Limits | None = None,
    max_students: int | None = None,
    warm: int | None = None,
) -> str:
    """Start the classroom; returns its URL. It listens on ``listen`` (``ADDR:PORT``; else on
    127.0.0.1:``port``), over HTTPS unless that is a loopback address and no certificate is
    given (:mod:`.listen`). Each seat gets ``limits`` (:data:`DEFAULT_LIMITS` if None); at most
    ``max_students`` servers run at once (else as many as the memory holds: a student beyond
    that gets JupyterHub's page saying so, and to try again in a few minutes); ``warm`` seats
    are kept started ahead of their students (:mod:`.warm`). Raises
    :class:`InvalidInput` before anything starts when the roster, the address, the
    certificate, the limits or the machine is not right.

    Without ``roster_path`` it starts again as it last started (after a stop, a reboot: what a
    systemd unit runs): the running roster, with ``add`` and ``forget``'s changes, and the last
    start's address, certificate and limits, except those given."""
    if roster_path is None:
        people = [_roster.Person(**r) for r in roster_records()]
        last = _last_start()
        if listen is None and port is None:
            listen = last.get("listen")
        if tls_cert is None and tls_key is None:
            tls_cert, tls_key = last.get("tls_cert"), last.get("tls_key")
        if limits is None and last.get("limits"):
            limits = Limits(**last["limits"])
        if max_students is None:
            max_students = last.get("max_students")
        if warm is None:
            warm = last.get("warm")
    else:
        people = _roster.read(roster_path)
    if listen is None:
        port = DEFAULT_PORT if port is None else port
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise InvalidInput(
                f"--port {port!r} is not a TCP port.", "Give a port from 1 to 65535."
            )
        listen = f"127.0.0.1:{port}"
    host, port = _listen.parse(listen)
    if _pid() is not None:
        raise InvalidInput(
            "A classroom is already running on this machine.",
            "Stop it first: grader classroom stop",
        )
    _listen.check_free(host, port)
    _listen.check_tls(tls_cert, tls_key)
    limits = limits or DEFAULT_LIMITS
    capacity.check(limits, places.SEATS.path())
    if max_students is not None and max_students < 1:
        raise InvalidInput(f"--max-students {max_students} is below one.", "Give 1 or more.")
    if warm is not None and warm < 0:
        raise InvalidInput(f"--warm {warm} is below zero.", "Give 0 (none) or more.")
    for person in people:
        course_user(person.username)  # raises for a user the course did not make
    ok, why = sandbox.support()
    if not ok:
        raise SandboxUnavailable(f"The classroom cannot give students engines here: {why}.", why)
    proxy = proxy_command()
    _check_readable_by_students()

    state = places.CLASSROOM.make()
    where = _listen.prepare(host, port, state / "tls", tls_cert, tls_key, log)
    places.write_private(
        state / "start.json",
        json.dumps({"listen": _listen.form(host, port), "limits": asdict(limits),
                    "max_students": max_students, "warm": warm,
                    **{name: str(Path(path).resolve()) if path else None
                       for name, path in (("tls_cert", tls_cert), ("tls_key", tls_key))}}),
    )  # fmt: skip
    for person in people:
        Seat(person.username).ensure_user()
    roster_file = write_roster([asdict(p) for p in people])
    engine = Engine.connect()
    course = _images.ensure(engine, log=lambda line: log(line))
    tarball = _images.saved(engine, course)
    shutil.rmtree(state / _roster.ARRIVED, ignore_errors=True)  # a new class: nobody came yet
    config = state / "jupyterhub_config.py"
    most = max_students or capacity.seats_held(limits)
    config.write_text(hubconfig.write(people, where, roster_file, tarball, proxy, limits, most))
    log_file = open(state / "jupyterhub.log", "ab")  # noqa: SIM115 (JupyterHub keeps it)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=state, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
        # The course's state root, if set, goes with the environment.
        env={**os.environ, "PYTHONPATH": str(COURSE_ROOT)},
    )  # fmt: skip
    log_file.close()
    (state / "jupyterhub.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 60
    while True:
        if _answers(f"{where.local_url}/hub/api"):
            break
        if process.poll() is not None or time.monotonic() > deadline:
            tail = (state / "jupyterhub.log").read_text(errors="replace").splitlines()[-12:]
            stop()
            raise SandboxUnavailable(
                "JupyterHub did not start:\n" + "\n".join(tail),
                f"Its whole log: {state / 'jupyterhub.log'}",
            )
        time.sleep(0.2)
    if warm:
        _start_warming(roster_file, warm, tarball, limits, most)
        log(
            f"classroom: starting {warm} seat(s) ahead of their students (log: {state / 'warm.log'})"
        )
    log(f"classroom: {where.url} ({len(people)} people on the roster)")
    return where.url


def _start_warming(roster_file: Path, count: int, tarball: Path, limits: Limits, most: int) -> None:
    """The pool of seats started ahead (:mod:`.warm`), in the background."""
    state = places.CLASSROOM.path()
    with open(state / "warm.log", "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "grader.server.warm", "--roster", str(roster_file),
             "--count", str(count), "--most", str(most), "--images", str(tarball),
             "--limits", json.dumps(asdict(limits))],
            cwd=state, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "PYTHONPATH": str(COURSE_ROOT)},
        )  # fmt: skip
    (state / "warm.pid").write_text(str(process.pid))


def _answers(url: str) -> bool:
    """JupyterHub's API answers at ``url`` (over TLS whoever signed its certificate: this only
    asks whether our own process is up)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        with contextlib.suppress(requests.exceptions.RequestException):
            return requests.get(url, timeout=1, verify=False).status_code == 200
    return False


def stop(log=print) -> list[str]:
    """Stop JupyterHub, its proxy and every student's server, kernels and engine; returns
    what was stopped. Users and homes stay (the next start finds each student's work)."""
    stopped = []
    warming = _pid("warm.pid", b"grader.server.warm")  # first: it would start seats again
    if warming is not None:
        with contextlib.suppress(OSError):
            os.killpg(warming, signal.SIGKILL)
        wait_until(lambda: zombie(warming), 10, interval=0.1)
        stopped.append(f"the seats started ahead (pid {warming})")
    pid = _pid()
    if pid is not None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
        wait_until(lambda: zombie(pid), 30, interval=0.1)
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        stopped.append(f"JupyterHub (pid {pid})")
    # JupyterHub starts its proxy in a session of its own, and stops it only when it can.
    proxy = _pid("proxy.pid", b"configurable-http-proxy")
    if proxy is not None:
        with contextlib.suppress(OSError):
            os.kill(proxy, signal.SIGTERM)
        stopped.append(f"its proxy (pid {proxy})")
    for username in _roster_usernames():
        count = Seat(username).stop()
        if count:
            stopped.append(f"{username}: {count} process(es)")
    with contextlib.suppress(OSError):
        (places.CLASSROOM.path() / "jupyterhub.pid").unlink()
    for line in stopped:
        log(f"classroom: stopped {line}")
    return stopped


def grade(
    lab: str,
    instructor: str | None = None,
    jobs: int | None = None,
    log=print,
    *,
    student: str | None = None,
    release: bool = False,
    export_format: str = "csv",
) -> list:
    """Grade the submissions the instructor collected for ``lab`` (only ``student``'s, when
    named; each in its sandbox, as ``grader grade`` does), write the grades (``grades.csv`` in
    the instructor's course folder, with every student of the roster and their ``id``; the
    LMS's file for ``export_format``; the evidence), generate the feedback and, with
    ``release``, release it: students fetch it from their assignment list. Runs as root; the
    course folder stays the instructor's."""
    from ..grading import classroom
    from ..grading import grades as _grades

    _grades.check_format(export_format)
    records = roster_records()
    instructor = _instructor(instructor)
    owner = Seat(instructor)
    course = owner.home / COURSE_FOLDER
    if not (course / "submitted").is_dir():
        raise InvalidInput(
            f"{instructor} has collected nothing yet ({course / 'submitted'} is missing).",
            f"Collect first, in {instructor}'s JupyterLab: nbgrader collect {lab}",
        )
    roster = [
        {"username": r["username"], "role": r.get("role", "student"), "id": r.get("id") or ""}
        for r in records
    ]
    only = ["--student", student] if student else []
    steps = [["generate_feedback", lab, "--force", *only]]
    if release:
        steps.append(["release_feedback", lab, *only])
    try:
        results = classroom.grade_class(
            course, [lab], jobs, classroom.progress_bar(sys.stderr),
            student=student, roster=roster, export_format=export_format,
        )  # fmt: skip
        for step in steps if results else []:
            _nbgrader(course, *step, again="Grade again")
    finally:
        subprocess.run(["chown", "-R", f"{owner.uid}:{owner.gid}", str(course)], check=False)
    _report_grades(results, course / "grades.csv", lab, export_format, release, log)
    return results


def _report_grades(results: list, path: Path, lab: str, export_format: str, release, log) -> None:
    """What ``grade`` did, for the instructor: the summary, where the files are, each grading
    that gave no score with its cause, and whether the feedback went out."""
    from ..grading import classroom
    from ..grading import grades as _grades

    if not results:
        log(f"classroom: nothing collected for {lab} yet: nothing was graded.")
        return
    log(classroom.summary(results))
    log(f"classroom: grades (every student on the roster) in {path}")
    lms = _grades.lms_path(path, export_format)
    if lms is not None:
        log(f"classroom: {export_format.capitalize()}'s import file: {lms}")
    log(f"classroom: the evidence of each verdict: {_grades.evidence_path(path)}")
    problems = classroom.problems(results)
    if problems:
        log(problems)
    if release:
        log("classroom: feedback released: students fetch it from their assignment list.")
    else:
        log(
            "classroom: feedback generated, not released: look at it, then release it: "
            f"grader classroom release {lab} (or Release on the class page)."
        )


def release(lab: str, instructor: str | None = None, log=print, *, student: str | None = None):
    """Release the feedback of ``lab`` that grading generated (only ``student``'s, when named):
    students fetch it from their assignment list. Nothing is graded again."""
    owner = Seat(_instructor(instructor))
    course = owner.home / COURSE_FOLDER
    if not (course / "feedback").is_dir() or not any((course / "feedback").glob(f"*/{lab}")):
        raise InvalidInput(
            f"There is no feedback for {lab} to release yet.",
            f"Grade it first: grader classroom grade {lab}",
        )
    only = ["--student", student] if student else []
    try:
        _nbgrader(course, "release_feedback", lab, *only, again="Release again")
    finally:
        subprocess.run(["chown", "-R", f"{owner.uid}:{owner.gid}", str(course)], check=False)
    log(f"classroom: feedback for {lab} released: students fetch it from their assignment list.")


def _nbgrader(course: Path, *args: str, again: str) -> None:
    """``nbgrader ARGS`` in the instructor's course folder, as root (the caller gives the folder
    back to the instructor); a failure raises with nbgrader's own words."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(COURSE_ROOT)},
    )  # fmt: skip
    if done.returncode != 0:
        raise InvalidInput(
            f"nbgrader {args[0]} failed: {done.stderr.strip()[-400:]}",
            f"{again}; the course folder is as nbgrader left it.",
        )


def _instructor(instructor: str | None) -> str:
    """The roster's instructor named, or its only one; raises for anyone else."""
    people = {r["username"]: r for r in roster_records()}
    teachers = sorted(u for u, r in people.items() if r.get("role") == "instructor")
    if instructor is None and len(teachers) == 1:
        instructor = teachers[0]
    if instructor not in teachers:
        raise InvalidInput(
            f"{instructor!r} is not an instructor on the classroom's roster "
            f"(instructors: {', '.join(teachers) or 'none'}).",
            "Name one with --instructor, or add `,instructor` to a line of the roster.",
        )
    return instructor


def status(stuck_minutes: float | None = None) -> str:
    """The class's progress as text: each roster student's steps (from their journals), who is
    stuck, and the refusals of the last minutes (:mod:`grader.server.progress`)."""
    from . import progress

    roster_records()  # raises when no classroom was ever started here
    people = progress.members(places.CLASSROOM.path() / "roster.json")
    data = progress.Gatherer().gather(
        people, stuck_minutes=progress.STUCK_MINUTES if stuck_minutes is None else stuck_minutes
    )
    return progress.as_text(data)


def _last_start() -> dict:
    """The options the classroom last started with (``start.json``), or {}."""
    try:
        found = json.loads((places.CLASSROOM.path() / "start.json").read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_roster(records: list[dict]) -> Path:
    """The running roster (``roster.json``: hashes, never passwords), replaced whole at once:
    the hub reads it at each sign-in."""
    path = places.CLASSROOM.make() / "roster.json"
    places.write_private(path, json.dumps(records))
    return path


def roster_records() -> list[dict]:
    try:
        found = json.loads((places.CLASSROOM.path() / "roster.json").read_text())
    except (OSError, ValueError):
        found = None
    if not isinstance(found, list):
        raise InvalidInput(
            "No classroom has been started on this machine.",
            "Start one: grader classroom start --roster FILE",
        )
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _roster_usernames() -> list[str]:
    try:
        return [r["username"] for r in roster_records()]
    except (InvalidInput, KeyError, TypeError):
        return []


def _check_readable_by_students() -> None:
    """Students' servers run the course's Python as the students: every folder on the way must
    let others in (a folder their jail hides is replaced by an open one holding only what they
    are shown, e.g. ``/root`` around a pyenv Python)."""
    for path in (Path(sys.executable).resolve(), Path(sys.prefix), COURSE_ROOT):
        for folder in [path, *path.parents]:
            hidden = any(folder == Path(h) or Path(h) in folder.parents for h in HIDDEN)
            if not hidden and folder.is_dir() and not os.stat(folder).st_mode & 0o001:
                raise InvalidInput(
                    f"Students cannot reach {path}: {folder} lets nobody else in.",
                    "Put the course where every user can read it (e.g. /opt/publishing-course) "
                    "and run `make setup` there.",
                )
