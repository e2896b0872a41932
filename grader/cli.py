"""The ``grader`` command: ``grader doctor`` and ``grader images``."""

from __future__ import annotations

import argparse
import sys
from enum import IntEnum
from typing import TextIO

from .doctor import diagnose
from .errors import CourseError
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


def main(args: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(prog="grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "doctor", help="check that this machine can run the course, and say how to fix it"
    )
    commands.add_parser(
        "images", help="make sure the course's images are present (pull, else build offline)"
    )
    try:
        options = parser.parse_args(args)
    except SystemExit as exit:
        return ExitStatus.USAGE if exit.code else ExitStatus.OK
    try:
        if options.command == "doctor":
            return doctor(out)
        return ensure_images(out)
    except CourseError as error:
        print(f"grader {options.command}: {error.message}", file=err)
        if error.fix:
            print(f"  fix: {error.fix}", file=err)
        return ExitStatus.NOT_READY


def run() -> None:
    sys.exit(main())
