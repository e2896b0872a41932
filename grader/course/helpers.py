"""The helpers lesson cells call, and the lessons' own commands need: a port and a page for the
running app, fresh copies of the app's and the two-platform image's sources, the paragraph true on
the learner's engine, the local copy of an image to remove before a pull, and ``docker login``."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..checks.pulllimit import OLD_LAB
from ..errors import InvalidInput
from ..hub.registry import LimitAnswer
from ..infra import net
from ..infra.images import asset
from ..lab import APP_REPOSITORY, SIGN_UP, Lab, learner_dir
from ..names import parse_reference
from . import enginetexts


def login_command(lab: Lab) -> str:
    """``docker login`` for the lab registry; the token goes on standard input, never here."""
    return f"docker login {lab.registry} -u {lab.username} --password-stdin"


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


# --- Docker Hub's pull limits, reached in a classroom ------------------------------------------------


def small_pull_limits(lab: Lab, anonymous: int = 3, account: int = 6) -> str:
    """Make your pull-limited address's limits small enough to reach (the counts start again),
    and say where it is; on Docker Hub, whose limits are real, only say so."""
    if not lab.classroom:
        return (
            "Your lab is on Docker Hub: its pull limits are real (100 per 6 hours logged out, 200 "
            "logged in), not the course's to make small. Read yours: print(rate_limit(lab))."
        )
    if not lab.limited_registry:
        return " ".join(OLD_LAB)
    lab.set_pull_limits(anonymous, account)
    return (
        f"{lab.limited_registry} is your registry again, counting pulls as Docker Hub does, with "
        f"small limits: {anonymous} pulls per 6 hours logged out, {account} logged in. The counts "
        "start now. Pushes still go to " + lab.registry + "."
    )


def rate_limit(
    lab: Lab, *, pull: bool = False, logged_in: bool = False, tag: str = "v1"
) -> LimitAnswer:
    """Your pull limit, as your image's registry states it in its headers. ``pull=False``: a
    HEAD of the image's manifest, which counts nothing (Docker's documentation reads the limit
    so, with ``curl --head``); ``pull=True``: what a pull asks first (the manifest, GET), which
    counts. Logged out, unless ``logged_in`` (your token). In a classroom, at your pull-limited
    address; on Docker Hub, at Docker Hub."""
    api = lab.limited_registry_api if lab.classroom else lab.registry_api
    if api is None:
        raise InvalidInput(*OLD_LAB)
    repository = f"{lab.username}/{APP_REPOSITORY}"
    return api.limit_answer(repository, tag, pull=pull, anonymous=not logged_in)


# --- the running app ---------------------------------------------------------------------------------


def engine_text(lab: Lab, key: str) -> enginetexts.EngineText:
    """The lesson's paragraph ``key`` as it is true on the learner's engine (classic or
    containerd image store, BuildKit or the legacy builder): see :mod:`grader.course.enginetexts`."""
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


def platform_folder(lab: Lab, name: str = "hello") -> Path:
    """The build context of a two-platform image (a Dockerfile ``FROM scratch`` and a tiny
    program for linux/amd64 and one for linux/arm64), in your lab's folder. A fresh copy each
    time."""
    from .. import platformapp

    return platformapp.write_folder(_fresh_folder(lab, name))


def app_folder(lab: Lab, name: str) -> Path:
    """A copy of the app's source (Dockerfile, app.py, requirements.txt) that is yours to change,
    in your lab's folder. A fresh copy each time."""
    folder = _fresh_folder(lab, name)
    shutil.copytree(asset("my-flask-app"), folder)
    return folder


def _fresh_folder(lab: Lab, name: str) -> Path:
    """``apps/NAME`` in the lab's folder (a lab waiting for its sign-up has one too), emptied:
    the path, not yet made."""
    folder = learner_dir(lab.username or SIGN_UP) / "apps" / name
    shutil.rmtree(folder, ignore_errors=True)
    return folder
