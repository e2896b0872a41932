"""A lab: one student's classroom registry, account, access token and Docker configuration."""

from __future__ import annotations

import os
import secrets
import string
import tempfile
import time
from pathlib import Path

from . import checks as _checks
from .errors import InvalidInput, LabStopped, RegistryUnavailable
from .infra import images as _images
from .infra import net
from .infra.dockerconfig import DockerConfig, default_config_dir
from .infra.engine import Engine
from .infra.owners import LAB, ROLE, STATE_DIR, owner_labels, reap_dead_labs, remove_lab
from .infra.registry import ClassroomRegistry, RegistryAPI, RegistryRequest, requests_log
from .names import parse_reference, validate_username
from .result import CheckResult

APP_REPOSITORY = "my-flask-app"
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


def new_access_token() -> str:
    """An access token in Docker Hub's style: ``dckr_pat_`` and 27 random characters."""
    return "dckr_pat_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(27))


class Lab:
    """A running lab. Create it with :meth:`Lab.start`; end it with :meth:`stop` (or ``with``)."""

    def __init__(
        self,
        *,
        username: str,
        token: str,
        engine: Engine,
        registry: ClassroomRegistry,
        config: DockerConfig,
        lab_id: str,
        state_dir: Path,
        images: _images.CourseImages,
    ) -> None:
        self.username = username
        self.token = token
        self.engine = engine
        self.config = config
        self.lab_id = lab_id
        self.images = images
        self._registry = registry
        self._state_dir = state_dir
        self._previous_docker_config = os.environ.get("DOCKER_CONFIG")
        self._stopped = False

    # --- starting and stopping -----------------------------------------------------------------

    @classmethod
    def start(cls, username: str, *, port: int | None = None, quiet: bool = True) -> Lab:
        """Start a lab for ``username``: a fresh classroom registry that requires login, an
        account with an access token, and a Docker configuration of the lab's own, which this
        process (and every ``!docker`` command in the notebook) uses until :meth:`stop`."""
        username = validate_username(username)
        if port is not None and (not isinstance(port, int) or not 1 <= port <= 65535):
            raise InvalidInput(
                f"port={port!r} is not a TCP port.", "Leave port out to get a free one."
            )
        engine = Engine.connect()
        reap_dead_labs(engine)
        course_images = _images.ensure(engine, log=(lambda _: None) if quiet else print)
        lab_id = secrets.token_hex(6)
        state_dir = Path(tempfile.mkdtemp(prefix=f"lab-{lab_id}-", dir=_labs_dir()))
        labels = {LAB: lab_id, ROLE: "registry", STATE_DIR: str(state_dir), **owner_labels()}
        registry = ClassroomRegistry(course_images.registry, labels, host_port=port)
        try:
            registry.with_name(f"classroom-registry-{username}-{lab_id}")
            registry.start()
            token = new_access_token()
            registry.set_account(username, token)
            config = DockerConfig.create(state_dir / "docker")
        except BaseException:
            remove_lab(engine, lab_id, str(state_dir))
            raise
        lab = cls(
            username=username,
            token=token,
            engine=engine,
            registry=registry,
            config=config,
            lab_id=lab_id,
            state_dir=state_dir,
            images=course_images,
        )
        os.environ["DOCKER_CONFIG"] = str(config.directory)
        return lab

    def stop(self) -> None:
        """Remove every container, network, volume and image name the lab made, its Docker
        configuration and any credential for its registry in other configurations, and give the
        process back the ``DOCKER_CONFIG`` it had."""
        if self._stopped:
            return
        self._stopped = True
        if os.environ.get("DOCKER_CONFIG") == str(self.config.directory):
            if self._previous_docker_config is None:
                os.environ.pop("DOCKER_CONFIG", None)
            else:
                os.environ["DOCKER_CONFIG"] = self._previous_docker_config
        for config in self.other_docker_configs():
            config.logout(self.registry)  # a login made from a terminal during the lab
        remove_lab(self.engine, self.lab_id, str(self._state_dir))

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what students use ----------------------------------------------------------------------

    @property
    def registry(self) -> str:
        """``localhost:PORT``: the registry host to put in front of image names."""
        return self._registry.push_host

    def image(self, tag: str = "v1", repository: str = APP_REPOSITORY) -> str:
        """The full name to tag and push: ``localhost:PORT/USERNAME/REPOSITORY:TAG``."""
        ref = f"{self.registry}/{self.username}/{repository}:{tag}"
        parse_reference(ref)  # raises InvalidReference with the reason
        return ref

    def check(self, name: str, **answers) -> CheckResult:
        """Run one check (``"push"``, …) against the real state; see :data:`grader.checks.CHECKS`."""
        check = _checks.get(name)
        self._ensure_running()
        started = time.perf_counter()
        outcome = check.function(self, **answers)
        return CheckResult(
            name=check.name,
            title=check.title,
            passed=outcome.passed,
            points=check.points if outcome.passed else 0,
            max_points=check.points,
            message=outcome.message,
            hint=outcome.hint,
            evidence=outcome.evidence,
            seconds=time.perf_counter() - started,
        )

    def check_all(self) -> list[CheckResult]:
        return [self.check(check.name) for check in _checks.CHECKS if not check.needs_answers]

    # --- what checks ask --------------------------------------------------------------------------

    @property
    def hub(self) -> RegistryAPI:
        """The registry's HTTP API, asked as the grader's own account."""
        return self._registry.api

    def requests(self) -> list[RegistryRequest]:
        """The registry's own request log, oldest first."""
        return requests_log(self.engine, self._registry.get_container_id(), self.hub)

    def other_docker_configs(self) -> list[DockerConfig]:
        """Docker configurations a terminal would use instead of the lab's: the one
        ``DOCKER_CONFIG`` named before the lab, and the default ``~/.docker``."""
        folders = [self._previous_docker_config, str(default_config_dir())]
        unique = dict.fromkeys(Path(f).resolve() for f in folders if f)
        return [DockerConfig(f) for f in unique if f != self.config.directory.resolve()]

    def has_account(self, username: str) -> bool:
        return self._registry.has_account(username)

    def fetch_published(self, host_port: int, path: str = "/") -> tuple[str, int, str] | None:
        """GET a port published on the engine's host, from where the grader runs."""
        api_host = self.hub.base_url.split("//", 1)[1].rsplit(":", 1)[0]
        hosts = dict.fromkeys(["127.0.0.1", api_host])
        return net.fetch([f"http://{host}:{host_port}{path}" for host in hosts])

    def _ensure_running(self) -> None:
        if self._stopped:
            raise LabStopped(
                "This lab was stopped.", "Start a new one: lab = Lab.start(username=...)."
            )
        info = self.engine.container(self._registry.get_container_id())
        if info is None or not info.running:
            state = "was removed" if info is None else f"is {info.status}"
            raise RegistryUnavailable(
                f"The classroom registry container {state}: this is the environment, not your work.",
                "Start the lab again: lab.stop(); lab = Lab.start(username=...). "
                "What you pushed before is gone with it.",
            )

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<Lab {self.username} at {self.registry} ({state})>"


def _labs_dir() -> str:
    path = _images.cache_dir() / "labs"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)
