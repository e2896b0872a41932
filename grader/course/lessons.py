"""What the lesson notebooks share besides their widgets: the lessons in order; the steps and the
lesson that teaches each, which earlier steps a lesson needs (and doing them for real when a
lesson is opened out of order); and the lifecycle's stages.

The rest of the lesson side lives beside it, and every name is here too: the tasks the learner
does in :mod:`grader.course.tasks`, the predict-then-run moments in :mod:`grader.course.moments`,
the helpers lessons call (a port and a page for the running app, the local copy of an image to
remove before a pull, ...) in :mod:`grader.course.helpers`. A lesson's first cell, ``begin()``,
is :mod:`grader.course.begin` (it shows a widget: the widgets import this module, not the other
way round)."""

from __future__ import annotations

from dataclasses import dataclass

from ..checks.run import APP_PORT
from ..errors import InvalidInput
from ..infra import commands
from ..lab import Lab
from ..result import CheckResult
from .helpers import (
    LocalCopy,
    app_folder,
    app_port,
    app_port_note,
    engine_text,
    local_copy,
    login_command,
    page,
    platform_folder,
)
from .moments import MOMENTS, READ_ONLY_LABEL, SECOND_COPY, Log, Moment, moment
from .tasks import TASKS, Task, Var, task

__all__ = [
    "BUILDS_ON",
    "LESSONS",
    "MOMENTS",
    "READ_ONLY_LABEL",
    "SECOND_COPY",
    "STAGES",
    "STEPS",
    "TASKS",
    "LocalCopy",
    "Log",
    "Moment",
    "Stage",
    "Step",
    "Task",
    "Var",
    "app_folder",
    "app_port",
    "app_port_note",
    "catch_up",
    "engine_text",
    "local_copy",
    "login_command",
    "missing",
    "moment",
    "neighbours",
    "page",
    "platform_folder",
    "stages",
    "step",
    "steps_through",
    "task",
]

LESSONS: tuple[tuple[str, str], ...] = (
    ("00-welcome", "Welcome"),
    ("01-account", "Account"),
    ("02-login", "Login"),
    ("03-tag", "Tag"),
    ("04-push", "Push"),
    ("05-verify", "Verify"),
    ("06-pull-and-run", "Pull and run"),
    ("07-versions", "Versions"),
    ("08-rollback", "Rollback"),
    ("09-platforms", "Platforms"),
    ("10-public-private", "Public and private"),
    ("11-review", "Review"),
)
"""Every lesson notebook, in order, with its title."""

BUILDS_ON: dict[str, str] = {
    "02-login": "account",
    "03-tag": "account",
    "04-push": "tag",
    "05-verify": "push",
    "06-pull-and-run": "push",
    "07-versions": "push",
    "08-rollback": "push",
    "09-platforms": "login",
    "10-public-private": "push",
    "11-review": "login",
}
"""The last step each lesson needs done (lessons not named need nothing)."""


def neighbours(lesson: str) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """The lessons before and after ``lesson`` (None at either end)."""
    names = [name for name, _ in LESSONS]
    if lesson not in names:
        raise InvalidInput(f"{lesson!r} is not a lesson.", "Use one of: " + ", ".join(names) + ".")
    at = names.index(lesson)
    return (LESSONS[at - 1] if at else None, LESSONS[at + 1] if at + 1 < len(LESSONS) else None)


@dataclass(frozen=True)
class Step:
    """One step of the lifecycle, the check that proves it and the lesson that teaches it."""

    check: str
    lesson: str
    """The notebook, e.g. ``02-login``."""
    does: str
    """What doing it for the learner means, in a few words."""


# The lesson's order (the same as grader.checks.CHECKS). verify and versioning are no one's
# prerequisite: nothing later needs them done.
STEPS: tuple[Step, ...] = (
    Step("account", "01-account", "sign up on your hub's page (the username is yours to choose)"),
    Step("login", "02-login", "docker login with your access token"),
    Step("tag", "03-tag", "docker tag my-flask-app:v1 with your registry and username"),
    Step("push", "04-push", "docker push"),
    Step("pull", "06-pull-and-run", "remove the local copy, then docker pull"),
    Step("run", "06-pull-and-run", "docker run -d -p …:5000"),
)

STAGES: tuple[tuple[str, str | None], ...] = (
    ("Build", None),
    ("Tag", "tag"),
    ("Push", "push"),
    ("Pull", "pull"),
    ("Run", "run"),
)
"""The lifecycle, each stage with the check that lights it (Build: the app image exists)."""


def step(check: str) -> Step:
    for candidate in STEPS:
        if candidate.check == check:
            return candidate
    raise InvalidInput(
        f"{check!r} is not a step an earlier lesson does.",
        "Use one of: " + ", ".join(s.check for s in STEPS) + ".",
    )


def steps_through(check: str) -> list[Step]:
    """The steps up to and including ``check``, in order."""
    last = STEPS.index(step(check))
    return list(STEPS[: last + 1])


# --- lessons opened out of order ---------------------------------------------------------------


def missing(lab: Lab, through: str) -> list[tuple[Step, CheckResult]]:
    """Each step up to ``through`` whose check does not pass now, with the failed result."""
    found = []
    for earlier in steps_through(through):
        result = lab.check(earlier.check, tried=False)
        if not result.passed:
            found.append((earlier, result))
    return found


def catch_up(lab: Lab, through: str, log: Log = print) -> list[CheckResult]:
    """Do, for real and in order, every step up to ``through`` whose check does not pass, and
    check each one. Stops at the first step that still fails; returns the checks' results."""
    results = []
    for earlier in steps_through(through):
        result = lab.check(earlier.check, tried=False)
        if result.passed:
            continue
        log(f"--- {earlier.check} (lesson {earlier.lesson}): {earlier.does}")
        if earlier.check == "account":  # a name only the learner may choose
            log(f"Nobody can sign up for you: {result.hint}")
            results.append(result)
            break
        for command, stdin in _commands(lab, earlier.check):
            log(f"$ {command}")
            commands.run(command, log, stdin=stdin, redact=[lab.token], timeout=600)
        result = lab.check(earlier.check, tried=False)  # done by the course, not the learner
        results.append(result)
        log(str(result))
        if not result.passed:
            break
    return results


def _commands(lab: Lab, check: str) -> list[tuple[str, str | None]]:
    """What the learner would type for one step: ``(command line, standard input)`` pairs."""
    if check == "login":
        return [(login_command(lab), lab.token)]
    if check == "tag":
        return [(f"docker tag {lab.source()} {lab.image()}", None)]
    if check == "push":
        return [(f"docker push {lab.image()}", None)]
    if check == "pull":
        copy = local_copy(lab)
        return [(line, None) for line in copy.remove_commands()] + [
            (f"docker pull {lab.image()}", None),
            (copy.restore_command(), None),
        ]
    if check == "run":
        return [(f"docker run -d -p {app_port()}:{APP_PORT} {lab.image()}", None)]
    return []  # account: the learner signs up on the hub's page (or the course made it)


# --- the lifecycle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    name: str
    done: bool
    check: str | None


def stages(lab: Lab) -> list[Stage]:
    """Build -> Tag -> Push -> Pull -> Run, each done when its check passed last time it ran
    (``lab.progress``, kept across kernels); Build is done when the app image exists."""
    found = []
    for name, check in STAGES:
        if check is None:
            done = lab.engine.image(lab.source()) is not None
        else:
            done = bool(lab.progress.get(check))
        found.append(Stage(name, done, check))
    return found
