"""The ``grader`` command: ``grader doctor``, ``grader images``, ``grader grade`` and
``grader classroom start|stop|add|forget|backup|restore|grade|release|status``."""

from __future__ import annotations

import argparse
import sys
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from .doctor import Diagnosis, diagnose
from .errors import CourseError
from .grading.grades import FORMATS
from .infra import images
from .infra.engine import Engine


class ExitStatus(IntEnum):
    OK = 0
    """The course can run."""
    NOT_READY = 1
    """Something the course needs is missing or broken; the output says how to fix it."""
    USAGE = 2


def doctor(out: TextIO, students: int | None = None) -> ExitStatus:
    """Is the engine reachable, which images are present, what the image step would do; with
    ``students``, whether this machine holds a classroom of that many."""
    diagnosis = diagnose()
    if students is not None:
        from .server import readiness

        more = readiness.findings(students)
        diagnosis = Diagnosis([*diagnosis.findings, *more], diagnosis.cleaned)
    print(diagnosis, file=out)
    return ExitStatus.OK if diagnosis.ready else ExitStatus.NOT_READY


def ensure_images(out: TextIO) -> ExitStatus:
    """The image step both README commands run: pull, else build offline, saying which."""
    engine = Engine.connect()
    result = images.ensure(engine, log=lambda line: print(line, file=out, flush=True))
    print(f"images ready: registry={result.registry} base={result.base} app={result.app}", file=out)
    return ExitStatus.OK


def grade(options, out: TextIO, err: TextIO) -> ExitStatus:
    """Autograde every submission of a class (or one student's), then print a summary and
    write the grades: every student of the gradebook, the LMS's file, the evidence."""
    from .grading import classroom
    from .grading import grades as _grades

    root = Path(options.course_dir).resolve()
    print(f"isolation: {classroom.isolation()}", file=err)
    results = classroom.grade_class(
        root, options.assignment or None, options.jobs, classroom.progress_bar(err), options.csv,
        student=options.student, export_format=options.format,
    )  # fmt: skip
    if not results:
        print("grader grade: no submissions found under submitted/", file=err)
        return ExitStatus.NOT_READY
    print(classroom.summary(results), file=out)
    path = root / options.csv
    print(f"\nscores exported to {path}", file=out)
    lms = _grades.lms_path(path, options.format)
    if lms is not None:
        print(f"{options.format.capitalize()}'s import file: {lms}", file=out)
    print(f"the evidence of each verdict: {_grades.evidence_path(path)}", file=out)
    problems = classroom.problems(results)
    if problems:
        print(f"\n{problems}", file=err)
    return ExitStatus.NOT_READY if problems else ExitStatus.OK


def classroom(options, out: TextIO) -> ExitStatus:
    """Start or stop the classroom server (:mod:`grader.server.control`), change its roster
    (:mod:`grader.server.members`), grade, release, watch."""
    from .server import backup, capacity, control, members, service

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    if options.action == "start":
        url = control.start(
            options.roster, options.port, log=say, listen=options.listen,
            tls_cert=options.tls_cert, tls_key=options.tls_key,
            limits=capacity.limits(options.memory, options.processes, options.disk, options.cpus),
            max_students=options.max_students, warm=options.warm,
        )  # fmt: skip
        say(f"Students sign in at {url} (stop it with: grader classroom stop)")
    elif options.action == "grade":
        results = control.grade(
            options.lab, options.instructor, options.jobs, log=say, student=options.student,
            release=options.release, export_format=options.format,
        )  # fmt: skip
        if any(g.status != "graded" for g in results):
            return ExitStatus.NOT_READY
    elif options.action == "release":
        control.release(options.lab, options.instructor, log=say, student=options.student)
    elif options.action == "add":
        members.add(options.roster, log=say)
    elif options.action == "forget":
        members.forget(options.username, options.keep_work, log=say)
    elif options.action == "unit":
        print(service.unit(), file=out, end="")
    elif options.action == "backup":
        backup.backup(options.folder, log=say)
    elif options.action == "restore":
        backup.restore(options.folder, log=say)
    elif options.action == "status":
        say(control.status(options.stuck_minutes))
    else:
        control.stop(log=say)
    return ExitStatus.OK


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="csv",
        help="also write an LMS's grade import beside grades.csv: canvas or moodle",
    )  # fmt: skip


def main(args: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser(
        "doctor", help="check that this machine can run the course, and say how to fix it"
    )
    checking.add_argument(
        "--classroom", type=int, default=None, metavar="N",
        help="also: can it hold a classroom of N students (memory, disk, loop devices, ...)?",
    )  # fmt: skip
    commands.add_parser(
        "images", help="make sure the course's images are present (pull, else build offline)"
    )
    grading = commands.add_parser(
        "grade", help="autograde every submission of a class (nbgrader), in parallel"
    )
    grading.add_argument("assignment", nargs="*", help="labs to grade (default: all submitted)")
    grading.add_argument(
        "--course-dir", default=".", help="the nbgrader course folder (default: .)"
    )
    grading.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: cores)"
    )
    grading.add_argument(
        "--csv", default="grades.csv",
        help="where the grades go: nbgrader's export's columns, every student, a column per check",
    )  # fmt: skip
    grading.add_argument(
        "--student", default=None,
        help="grade only this student's submissions (grades.csv still lists every student)",
    )  # fmt: skip
    _format_option(grading)
    room = commands.add_parser(
        "classroom", help="JupyterHub for a whole class, each student with an engine of their own"
    )
    actions = room.add_subparsers(dest="action", required=True)
    starting = actions.add_parser("start", help="start it (as root) for the people on a roster")
    starting.add_argument(
        "--roster", default=None,
        help="CSV: username,password[,instructor] a line; without it, the class starts again as "
        "it last started (its roster with add's and forget's changes, its address, certificate "
        "and limits): after a stop or a reboot",
    )  # fmt: skip
    where = starting.add_mutually_exclusive_group()
    where.add_argument(
        "--listen", default=None, metavar="ADDR:PORT",
        help="where it listens (default 127.0.0.1:8000, this machine only); any other address "
        "is served over HTTPS only, e.g. 0.0.0.0:8443 for every address",
    )  # fmt: skip
    where.add_argument(
        "--port", type=int, default=None, help="127.0.0.1:PORT (same as --listen 127.0.0.1:PORT)"
    )
    starting.add_argument(
        "--tls-cert", default=None, metavar="FILE",
        help="the certificate (PEM, with its chain) to serve; without one, a classroom on an "
        "address other machines reach gets a certificate the course makes (its fingerprint is "
        "printed)",
    )  # fmt: skip
    starting.add_argument("--tls-key", default=None, metavar="FILE", help="the certificate's key")
    starting.add_argument(
        "--max-students", type=int, default=None, metavar="N",
        help="servers running at once; beyond, a student is told to try again in a few minutes "
        "(default: as many as this machine's memory holds, see doctor --classroom)",
    )  # fmt: skip
    starting.add_argument(
        "--warm", type=int, default=None, metavar="N",
        help="keep N students' seats started ahead (engine and images), so signing in only "
        "starts JupyterLab: for a class arriving at once, its size (default 0)",
    )  # fmt: skip
    seat = starting.add_argument_group("each student's limits (their seat's cgroup and disk)")
    seat.add_argument("--memory", default=None, metavar="SIZE", help="memory (default 2G)")
    seat.add_argument("--processes", type=int, default=None, metavar="N", help="(default 512)")
    seat.add_argument(
        "--disk", default=None, metavar="SIZE", help="the engine's disk, made once (default 8G)"
    )
    seat.add_argument(
        "--cpus", type=float, default=None, metavar="N", help="cores' worth of CPU (default 1)"
    )
    actions.add_parser("stop", help="stop it and everything it started (work is kept)")
    adding = actions.add_parser(
        "add", help="add a running class's new people, and its changed passwords (no restart)"
    )
    adding.add_argument(
        "--roster", required=True,
        help="CSV as for start: its new lines are added, its changed lines take effect",
    )  # fmt: skip
    forgetting = actions.add_parser(
        "forget", help="take someone out: their server, user, home and engine disk go"
    )
    forgetting.add_argument("username", help="who leaves the class")
    actions.add_parser(
        "unit", help="print a systemd unit that starts the class at boot as it last started"
    )
    saving = actions.add_parser(
        "backup", help="save the roster, the exchange and every home (while the class runs)"
    )
    saving.add_argument("folder", help="a new (or empty) folder for this backup")
    restoring = actions.add_parser(
        "restore", help="put a backup back (the class stopped; what it replaces is kept aside)"
    )
    restoring.add_argument("folder", help="a folder `grader classroom backup` made")
    forgetting.add_argument(
        "--keep-work", default=None, metavar="DIR",
        help="first copy their home (without the engine's data) to DIR/USERNAME",
    )  # fmt: skip
    releasing = actions.add_parser(
        "release", help="release a graded lab's feedback to the students (nothing is regraded)"
    )
    releasing.add_argument("lab", help="the lab whose feedback goes out, e.g. lab1-publish")
    releasing.add_argument("--student", default=None, help="only this student's feedback")
    releasing.add_argument(
        "--instructor", default=None, help="whose course folder (default: the only instructor)"
    )
    watching = actions.add_parser(
        "status", help="the class's progress: each student's steps, who is stuck, refusals"
    )
    watching.add_argument(
        "--stuck-minutes", type=float, default=None,
        help="failing one step for longer than this is stuck (default: 10)",
    )  # fmt: skip
    marking = actions.add_parser(
        "grade", help="grade what the instructor collected, each in a sandbox; write the grades"
    )
    marking.add_argument("lab", help="the lab to grade, e.g. lab1-publish")
    marking.add_argument(
        "--instructor", default=None, help="whose course folder (default: the only instructor)"
    )
    marking.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: cores)"
    )
    marking.add_argument(
        "--student", default=None,
        help="grade only this student (grades.csv still lists the whole roster)",
    )  # fmt: skip
    marking.add_argument(
        "--release", action="store_true",
        help="release the feedback to the students (it is always generated)",
    )  # fmt: skip
    _format_option(marking)
    try:
        options = parser.parse_args(args)
    except SystemExit as exit:
        return ExitStatus.USAGE if exit.code else ExitStatus.OK
    try:
        if options.command == "doctor":
            return doctor(out, options.classroom)
        if options.command == "grade":
            return grade(options, out, err)
        if options.command == "classroom":
            return classroom(options, out)
        return ensure_images(out)
    except CourseError as error:
        print(f"grader {options.command}: {error.message}", file=err)
        if error.fix:
            print(f"  fix: {error.fix}", file=err)
        return ExitStatus.NOT_READY


def run() -> None:
    sys.exit(main())
