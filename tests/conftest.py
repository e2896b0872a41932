"""Fixtures shared by the suite. Everything runs against the real Docker engine, the real
registry image and the real docker CLI; HOME is a temporary folder so the real one is never
touched."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader import Lab
from grader.infra import places
from grader.infra.engine import Engine

# A student's own Docker configuration, as Docker Desktop or a past `docker login` leaves it.
STUDENT_DOCKER_CONFIG = (
    json.dumps(
        {
            "auths": {
                "https://index.docker.io/v1/": {
                    "auth": base64.b64encode(b"student:their-own-hub-password").decode()
                }
            },
            "psFormat": "table {{.ID}}\\t{{.Names}}",
        },
        indent="\t",
    )
    + "\n"
).encode()


def pytest_configure(config):
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")


@pytest.fixture(scope="session", autouse=True)
def student_home(tmp_path_factory) -> Path:
    """A home folder with a student's own ~/.docker/config.json in it."""
    home = tmp_path_factory.mktemp("home")
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_bytes(STUDENT_DOCKER_CONFIG)
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(home))
    patch.delenv("DOCKER_CONFIG", raising=False)
    patch.delenv("XDG_CACHE_HOME", raising=False)
    yield home
    patch.undo()


@contextlib.contextmanager
def fresh_machine_state():
    """Every folder the course keeps outside the checkout missing, as on a fresh machine: the
    machine's state root and the user's cache pointed at folders that do not exist yet (below
    one every user can pass through, as ``/var/lib`` is). Yields that folder."""
    folder = Path(tempfile.mkdtemp(prefix="fresh-", dir="/var/tmp"))
    folder.chmod(0o755)
    with pytest.MonkeyPatch.context() as patch:
        # Short, as the default is: a sandbox's sockets live below it (places.SOCKET_PATH_MAX).
        patch.setenv(places.STATE_ROOT_ENV, str(folder / "var" / "course"))
        patch.setenv("XDG_CACHE_HOME", str(folder / "home" / ".cache"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


DOCKER_LINES = ("!docker ", "deployed = !docker ")
"""How a line of a lesson step's answer runs a docker command."""
HUB_API_LINES = (
    "# ",
    "access = lab.hub_api.",
    "made = lab.hub_api.",
    "tags = lab.hub_api.",
    "DIGEST, SIZE = ",
    "lab.hub_api.",
    "lab.save_token(",
    "for _ in range(",
    "    print(rate_limit(lab, pull=True)",
)
"""The other lines a hub step's answer may have: Docker Hub's API through the lab (what the hub's
page does by hand), the registry's pull limit read through the course's helper, and comments."""


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.connect()


@pytest.fixture
def lab():
    with Lab.start(username="john123") as started:
        yield started


def docker(*args: str, input: str | None = None, check: bool = True, timeout: int = 300):
    """Run the real docker CLI, with the process's environment (the lab's DOCKER_CONFIG)."""
    done = subprocess.run(
        ["docker", *args], input=input, capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done


def login(lab, secret: str | None = None, check: bool = True):
    secret = lab.token if secret is None else secret
    return docker(
        "login", lab.registry, "-u", lab.username, "--password-stdin", input=secret, check=check
    )


def set_lab_token_active(lab, active: bool) -> None:
    """Deactivate (or reactivate) the lab's access token on the hub, as its owner would on the
    hub's page (signed in with the account's password)."""
    access = lab.hub_api.sign_in(lab.username, lab.password)
    for token in lab.hub_api.access_tokens(access):
        lab.hub_api.set_access_token_active(access, token["uuid"], active)


def set_private(lab, private: bool, repository: str = "my-flask-app") -> None:
    """Make the learner's repository private or public, as its owner would on the hub."""
    access = lab.hub_api.sign_in(lab.username, lab.password)
    lab.hub_api.set_private(lab.username, repository, private, access)


def tag_and_push(lab, tag: str = "v1", source: str | None = None):
    docker("tag", source or lab.source(), lab.image(tag))
    return docker("push", lab.image(tag))


def pushed(lab):
    """The lesson up to the push: logged in, tagged, pushed."""
    login(lab)
    tag_and_push(lab)
    return lab


def pull_fresh(lab, tag: str = "v1"):
    """Remove every local name of the image, then pull it back, as the lesson says."""
    docker("rmi", lab.image(tag), lab.source(tag), check=False)
    docker("pull", lab.image(tag))
    docker("tag", lab.image(tag), lab.source(tag))  # the lab's own name back, for later steps


@contextlib.contextmanager
def port_5000_taken():
    """Port 5000 held, as AirPlay Receiver holds it on macOS (if something else holds it
    already, that is the same situation). The course prefers 5000 meanwhile, whatever
    COURSE_APP_PORT says (a test stream may set it)."""
    preferred = os.environ.pop("COURSE_APP_PORT", None)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("0.0.0.0", 5000))
            taken.listen()
        except OSError:
            pass
        try:
            yield
        finally:
            if preferred is not None:
                os.environ["COURSE_APP_PORT"] = preferred
