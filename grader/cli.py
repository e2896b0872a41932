"""The ``grader`` command: ``grader doctor``, ``grader images``, ``grader grade`` and
``grader classroom start|stop|grade|release|status``."""

from __future__ import annotations

import argparse
import sys
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from .doctor import diagnose
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


def doctor(out: TextIO) -> ExitStatus:
    """Is the engine reachable, which images are present, what the image step would do."""
    diagnosis = diagnose()
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
    """Start or stop the classroom server (:mod:`grader.server.control`)."""
    from .server import control

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    if options.action == "start":
        url = control.start(options.roster, options.port, log=say)
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
    commands.add_parser(
        "doctor", help="check that this machine can run the course, and say how to fix it"
    )
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
        "--roster", required=True, help="CSV: username,password[,instructor] a line"
    )
    starting.add_argument("--port", type=int, default=8000, help="where it listens (127.0.0.1)")
    actions.add_parser("stop", help="stop it and everything it started (work is kept)")
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
            return doctor(out)
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
