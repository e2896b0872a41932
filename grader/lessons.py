"""What the lesson notebooks share besides their widgets: the steps in order and the lesson that
teaches each, which earlier steps a lesson needs (and doing them for real when a lesson is opened
out of order), the lifecycle's stages, the local copy of an image to remove before a pull, and a
port and a page for the running app."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import enginetexts
from .checks.run import APP_PORT
from .errors import InvalidInput
from .infra import commands, net
from .infra.images import asset
from .lab import APP_REPOSITORY, Lab, learner_dir
from .names import parse_reference
from .result import CheckResult

Log = Callable[[str], None]


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
    Step("account", "01-account", "start your lab (it creates the account)"),
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
        result = lab.check(earlier.check)
        if not result.passed:
            found.append((earlier, result))
    return found


def catch_up(lab: Lab, through: str, log: Log = print) -> list[CheckResult]:
    """Do, for real and in order, every step up to ``through`` whose check does not pass, and
    check each one. Stops at the first step that still fails; returns the checks' results."""
    results = []
    for earlier in steps_through(through):
        result = lab.check(earlier.check)
        if result.passed:
            continue
        log(f"--- {earlier.check} (lesson {earlier.lesson}): {earlier.does}")
        for command, stdin in _commands(lab, earlier.check):
            log(f"$ {command}")
            commands.run(command, log, stdin=stdin, redact=[lab.token], timeout=600)
        result = lab.check(earlier.check)
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
    return []  # account: Lab.start made it


def login_command(lab: Lab) -> str:
    """``docker login`` for the lab registry; the token goes on standard input, never here."""
    return f"docker login {lab.registry} -u {lab.username} --password-stdin"


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


# --- removing the local copy before a pull ----------------------------------------------------------


@dataclass(frozen=True)
class LocalCopy:
    """The local names of a pushed image that make ``docker pull`` download nothing, and the
    learner's containers that keep the image in use."""

    ref: str
    """The pushed image: ``localhost:PORT/USERNAME/REPOSITORY:TAG``."""
    source: str
    """The local name the learner started from, e.g. ``my-flask-app:v1``."""
    names: tuple[str, ...]
    containers: tuple[str, ...]

    def remove_commands(self) -> list[str]:
        lines = []
        if self.containers:
            lines.append("docker rm -f " + " ".join(self.containers))
        if self.names:
            lines.append("docker rmi " + " ".join(self.names))
        return lines

    def restore_command(self) -> str:
        """Give the course its local name back, from what was pulled."""
        return f"docker tag {self.ref} {self.source}"


def local_copy(lab: Lab, tag: str = "v1", repository: str = APP_REPOSITORY) -> LocalCopy:
    """What to remove so that a pull of ``tag`` really downloads it: every name of that image
    under your registry or without a registry (``my-flask-app:…``), and your containers of it.
    Names other labs gave the same image are left alone."""
    ref, source = lab.image(tag, repository), lab.source(tag, repository)
    image = lab.engine.image(ref) or lab.engine.image(source)
    if image is None:
        return LocalCopy(ref, source, (), ())
    plain = parse_reference(source).path
    names = []
    for name in image.tags:
        parsed = parse_reference(name)
        if name.startswith(f"{lab.registry}/") or (parsed.domain is None and parsed.path == plain):
            names.append(name)
    containers = [
        c.name
        for c in lab.engine.containers(all=True)
        if c.image_id == image.id and c.image_ref.startswith(f"{lab.registry}/")
    ]
    return LocalCopy(ref, source, tuple(sorted(names)), tuple(containers))


# --- the running app ---------------------------------------------------------------------------------


def engine_text(lab: Lab, key: str) -> enginetexts.EngineText:
    """The lesson's paragraph ``key`` as it is true on the learner's engine (classic or
    containerd image store, BuildKit or the legacy builder): see :mod:`grader.enginetexts`."""
    return enginetexts.text(lab.engine.info, key)


def app_port() -> int:
    """5000 (the lesson's ``-p 5000:5000``) when it is free on this machine, else a free port."""
    return net.app_port()


def app_port_note(port: int) -> str:
    """Why the app goes on ``port`` rather than 5000 ("" when it is 5000)."""
    return net.app_port_note(port)


def page(lab: Lab, host_port: int, path: str = "/", wait: float = 10.0) -> str | None:
    """The page the app serves on ``host_port`` (waiting up to ``wait`` seconds for a container
    that just started), or None if nothing answers."""
    deadline = time.monotonic() + wait
    while True:
        answer = lab.fetch_published(host_port, path)
        if answer and answer[1] == 200:
            return answer[2]
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)


def app_folder(lab: Lab, name: str) -> Path:
    """A copy of the app's source (Dockerfile, app.py, requirements.txt) that is yours to change,
    in your lab's folder. A fresh copy each time."""
    folder = learner_dir(lab.username) / "apps" / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(asset("my-flask-app"), folder)
    return folder
