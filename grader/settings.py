"""What the environment sets for the course, read in one place and only when asked.

Every variable the course reads is a field of :class:`Settings`, built from the environment by
:meth:`Settings.from_environ`. Nothing is read at import: a test, CI or ``grader classroom``
changes a variable and the next :func:`settings` call sees it. (Variables the course *writes*
for its own children, e.g. ``DOCKER_CONFIG`` for a lab's docker CLI or ``GRADER_LAB`` for a
graded kernel, are process state, not settings: the modules that hand them over own them.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STATE_ROOT = "/var/lib/publishing-course"


@dataclass(frozen=True)
class Settings:
    state_root: Path
    """``COURSE_STATE_ROOT``: the machine's state (sandboxes, classroom, exchange, seats)."""
    cache_home: Path
    """``XDG_CACHE_HOME`` (else ``~/.cache``): the user's cache, the course's folder below it."""
    registry_image: str
    """``COURSE_REGISTRY_IMAGE``: the registry to pull (else built offline)."""
    base_image: str
    """``COURSE_BASE_IMAGE``: the Python base the app and the hub are built on."""
    registry_binary: str
    """``COURSE_REGISTRY_BINARY``: Debian's registry binary, for the offline registry image."""
    debian_mirror: str
    """``COURSE_DEBIAN_MIRROR``: where debootstrap fetches the offline base from."""
    rootless_script: str
    """``COURSE_DOCKERD_ROOTLESS``: the rootless engine's start script (sandboxes, seats)."""
    username: str
    """``COURSE_USERNAME``: the learner's Docker Hub username (a classroom seat sets it)."""
    jupyter_base: str
    """``JUPYTERHUB_SERVICE_PREFIX`` or ``COURSE_JUPYTER_BASE_URL``: the Jupyter server's base
    URL when it runs elsewhere than the learner's browser (hub pages go through its proxy)."""
    docker_host: str
    """``DOCKER_HOST``: the engine the docker CLI and the SDK talk to ('' for the default)."""
    legacy_builder: bool
    """``DOCKER_BUILDKIT=0`` (or ``false``): the docker CLI builds with the legacy builder."""
    app_port: int
    """``COURSE_APP_PORT``: the host port the lessons publish the app on when it is free (5000,
    the lesson's ``-p 5000:5000``; another lets two runs of the course on one machine, e.g. two
    test streams, each keep their own)."""
    kernel_handoff: str
    """``GRADER_KERNEL_HANDOFF``: a folder shared with a kernel host in another container (the
    grading Job's, ``grader/grading/handoff.py``): a graded kernel runs there ('' for none)."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            state_root=Path(env.get("COURSE_STATE_ROOT") or DEFAULT_STATE_ROOT),
            cache_home=Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache"),
            registry_image=env.get("COURSE_REGISTRY_IMAGE") or "registry:2",
            base_image=env.get("COURSE_BASE_IMAGE") or "python:3.12-slim",
            registry_binary=env.get("COURSE_REGISTRY_BINARY") or "/usr/bin/docker-registry",
            debian_mirror=env.get("COURSE_DEBIAN_MIRROR") or "http://deb.debian.org/debian",
            rootless_script=env.get("COURSE_DOCKERD_ROOTLESS")
            or "/usr/share/docker.io/contrib/dockerd-rootless.sh",
            username=env.get("COURSE_USERNAME", ""),
            jupyter_base=env.get("JUPYTERHUB_SERVICE_PREFIX")
            or env.get("COURSE_JUPYTER_BASE_URL", ""),
            docker_host=env.get("DOCKER_HOST", ""),
            legacy_builder=env.get("DOCKER_BUILDKIT", "").strip().lower() in ("0", "false"),
            app_port=_port(env.get("COURSE_APP_PORT", "")),
            kernel_handoff=env.get("GRADER_KERNEL_HANDOFF", ""),
        )


def _port(value: str, default: int = 5000) -> int:
    """A TCP port from a variable's text; the default when it is empty or not a port."""
    try:
        port = int(value)
    except ValueError:
        return default
    return port if 0 < port < 65536 else default


def settings() -> Settings:
    """The settings as the environment has them now."""
    return Settings.from_environ()
