"""The lab object: its state, the checks run on it, its paths and the questions it asks its hub.

Its ways in (:meth:`Lab.start`, :meth:`Lab.start_for_grading`, :meth:`Lab.use_hub`) and out
(:meth:`Lab.reset`) are in :mod:`.builders`."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import requests

from .. import checks as _checks
from .. import journal
from ..errors import InvalidInput, LabStopped, RegistryUnavailable
from ..hub.client import DOCKER_HUB, HubAPI
from ..hub.containers import ClassroomRegistry
from ..hub.dockerhub import DOCKER_HUB_REGISTRY, RemoteHub
from ..hub.registry import RegistryAPI
from ..infra import images as _images
from ..infra import net
from ..infra.dockerconfig import DockerConfig, default_config_dir
from ..infra.engine import Engine
from ..infra.logs import RegistryRequest, TokenRequest, requests_log
from ..infra.owners import remove_lab
from ..names import parse_reference
from ..result import CheckResult, Outcome
from . import builders
from .accounts import _pasted_token
from .learners import SIGN_UP, _read_json, _remember, learner_dir

APP_REPOSITORY = _images.APP_REPOSITORY


class Lab:
    """A running lab. Create it with :meth:`Lab.start`; end it with :meth:`stop` (or ``with``)."""

    def __init__(
        self,
        *,
        username: str,
        token: str,
        engine: Engine,
        password: str = "",
        registry: ClassroomRegistry | RemoteHub,
        config: DockerConfig,
        lab_id: str,
        state_dir: Path,
        images: _images.CourseImages,
        persistent: bool = False,
        attached: bool = False,
        grading: bool = False,
        sandbox=None,
    ) -> None:
        self.username = username
        self.token = token
        """Your access token: the one the lab made (Read & Write, labelled as the course's) until
        you save one you generated on the hub's page (:meth:`save_token`)."""
        self.password = password
        """Your account's password on the classroom hub, to sign in to its pages."""
        self.engine = engine
        self.config = config
        self.lab_id = lab_id
        self.images = images
        self.persistent = persistent
        """A learner's lab that outlives the kernel (lessons); False for throwaway labs."""
        self.attached = attached
        """A notebook's view of a lab that a grading run started and owns."""
        self.grading = grading
        """A grading run's own lab: its verdicts rest only on evidence the student cannot write
        (e.g. a credential helper named in the student's configuration is never run)."""
        self.sandbox = sandbox
        """The grading sandbox this lab runs in (:class:`grader.isolation.sandbox.Sandbox`), or None."""
        self._registry = registry
        registry.api.platform = engine.platform  # an index is read for this engine's platform
        self._state_dir = state_dir
        self._previous_docker_config = os.environ.get("DOCKER_CONFIG")
        self._stopped = False
        self.progress: dict[str, bool] = self._read_state("progress.json", {})
        """``{check name: passed}`` for the checks run so far (kept across kernels when
        persistent)."""
        self.answers_shown: list[str] = self._read_state("answers-shown.json", [])
        """The lesson steps whose full answer the learner revealed (kept like ``progress``)."""
        self.listeners: list = []
        self._attempt_counts: dict[str, int] | None = None
        """Called with each :class:`CheckResult` as it is recorded (a lesson's tracker)."""

    # --- starting and stopping -----------------------------------------------------------------

    @classmethod
    def start(
        cls,
        username: str | None,
        *,
        port: int | None = None,
        persistent: bool = False,
        quiet: bool = True,
    ) -> Lab:
        """Start a lab for ``username``: a classroom registry with Docker Hub's token auth and the
        hub beside it (pages, API, token service), an account with a password and a Read & Write
        access token the course made, and a Docker configuration of the lab's own, which this process
        (and every ``!docker`` command in the notebook) uses until :meth:`stop`.

        A throwaway lab (the default, used by graded labs) always starts fresh. A persistent lab
        (``persistent=True``, used by lessons) is the learner's own: a later ``start`` in any
        notebook or kernel finds the same registry, account, token and pushed images, until
        :meth:`Lab.reset`.

        ``username=None`` (persistent labs only) is a learner who has not signed up yet: the lab
        has a registry and hub but no account, and takes the account its learner makes on the
        hub's sign-up page (:meth:`signed_up`) as theirs, remembered for every later lesson
        (:func:`remembered_username`).
        """
        return builders.start(cls, username, port=port, persistent=persistent, quiet=quiet)

    @classmethod
    def start_for_grading(cls, username: str | None, sandbox=None, home=None) -> Lab:
        """A fresh lab for one grading run, with the account of the username the notebook
        states (``None``: no student account). With ``sandbox``, everything runs on the
        sandbox's own engine (loaded with the course's images) and the student's Docker
        configuration is in the sandbox user's home; else on this engine, with the
        configuration in ``home`` when given (a kernel host's, ``grading/handoff.py``)."""
        return builders.for_grading(cls, username, sandbox, home)

    def grading_handle(self, folder: Path | None = None) -> Path:
        """Write what a notebook needs to attach to this lab (``GRADER_LAB``) and return its
        path: the student's account, its password and token, never the grader's."""
        state = {
            "lab_id": self.lab_id,
            "username": self.username,
            "container": self._registry.get_container_id(),
            "registry_image": self.images.registry,
            "images": dataclasses.asdict(self.images),
            "token": self.token,
            "password": self.password,
            "config_dir": str(self.config.directory),
        }
        path = (folder or self._state_dir) / "attach.json"
        path.write_text(json.dumps(state))
        path.chmod(0o600)
        if self.sandbox is not None:
            self.sandbox.give(path)
        return path

    def student_accounts(self) -> list[str]:
        """The accounts the hub holds (the grader's own is not one)."""
        return self._registry.student_accounts()

    @classmethod
    def use_hub(
        cls,
        username: str,
        token: str | None = None,
        *,
        hub_url: str = DOCKER_HUB,
        registry: str = DOCKER_HUB_REGISTRY,
        persistent: bool = True,
    ) -> Lab:
        """Go through the course on Docker Hub itself, with your own account: your ``username``
        and a personal access token you generated there (Account settings -> Personal access
        tokens, Read & Write), asked for unseen when left out.

        Docker Hub must accept the token before anything is kept, and it is kept only in the
        lab's own Docker configuration folder (:attr:`token_file`). From then on the lessons'
        ``Lab.start(username, persistent=True)`` finds this lab; :meth:`Lab.reset` goes back
        to the classroom hub. No container is started: images go to ``docker.io/USER/…``, and
        the checks read Docker Hub's registry and API with your token and your engine's
        events. (``hub_url`` and ``registry`` point it at another hub with Docker Hub's API
        and token flow, such as a classroom hub's address.)"""
        return builders.use_hub(
            cls, username, token, hub_url=hub_url, registry=registry, persistent=persistent
        )

    @classmethod
    def reset(cls, username: str | None = None) -> list[str]:
        """Remove the learner's persistent lab (registry, pushed images, login, progress); the
        next ``Lab.start(username, persistent=True)`` starts from scratch. ``None``: the
        learner who signed up on their hub (the username the course remembers), and a lab still
        waiting for its sign-up; the remembered username is forgotten."""
        return builders.reset(username)

    def signed_up(self) -> bool:
        """Whether this lab's learner has an account on its hub. A lab started without a
        username (:meth:`start`) takes the account made on the hub's sign-up page as its
        learner's, once: from then on its username is that one, remembered for every later
        lesson (:func:`remembered_username`), and its folder is that username's."""
        if self.username:
            return True
        if not (self.persistent and self.classroom):
            return False
        found = self._registry.signed_up_accounts()
        if not found:
            return False
        username = found[0]["username"]
        target = learner_dir(username)
        if target.exists():  # an earlier lab of that name (a course-made account): replaced
            Lab.reset(username)
        self._state_dir.rename(target)
        self._state_dir = target
        self.config = DockerConfig(target / "docker")
        self.username = username
        self._save_state()
        _remember(username)
        if os.environ.get("DOCKER_CONFIG", "").startswith(str(learner_dir(SIGN_UP))):
            os.environ["DOCKER_CONFIG"] = str(self.config.directory)
        return True

    def sign_up_record(self) -> dict | None:
        """When this lab's account was made by its learner on the hub's sign-up page:
        ``{"username": …, "created_at": …}``; None for an account the course made."""
        if not (self.classroom and self.username):
            return None
        found = self._registry.signed_up_accounts()
        return next((a for a in found if a["username"] == self.username), None)

    def _save_state(self) -> None:
        if not self.classroom:  # the token stays in the Docker configuration folder alone
            state = {"lab_id": self.lab_id, "hub_url": self.hub_url, "registry": self.registry}
            (self._state_dir / "state.json").write_text(json.dumps(state, indent=1))
            return
        state = {
            "username": self.username,
            "lab_id": self.lab_id,
            "container": self._registry.get_container_id(),
            "registry_image": self.images.registry,
            "token": self.token,
            "password": self.password,
            "grader_account": list(self._registry.grader_account),
        }
        path = self._state_dir / "state.json"
        path.write_text(json.dumps(state, indent=1))
        path.chmod(0o600)

    def _read_state(self, name: str, default):
        return _read_json(self._state_dir / name, default)

    def stop(self) -> None:
        """End the lab in this process.

        A throwaway lab removes every container, network, volume and image name it made, its
        Docker configuration and any credential for its registry in other configurations. A
        persistent lab keeps all that for the next lesson (:meth:`Lab.reset` removes it). Both
        give the process back the ``DOCKER_CONFIG`` it had."""
        if self._stopped:
            return
        self._stopped = True
        if os.environ.get("DOCKER_CONFIG") == str(self.config.directory):
            if self._previous_docker_config is None:
                os.environ.pop("DOCKER_CONFIG", None)
            else:
                os.environ["DOCKER_CONFIG"] = self._previous_docker_config
        if self.persistent or self.attached:
            return
        if not self.classroom:  # a throwaway lab on Docker Hub: its own folder, nothing else
            shutil.rmtree(self._state_dir, ignore_errors=True)
            return
        if self.sandbox is not None:
            self.sandbox.destroy()  # the engine, its registry and images, the user: all of it
            return
        for config in self.other_docker_configs():
            config.logout(self.registry)  # a login made from a terminal during the lab
        remove_lab(self.engine, self.lab_id, str(self._state_dir))

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what students use ----------------------------------------------------------------------

    @property
    def classroom(self) -> bool:
        """The course runs this lab's hub and registry (and reads their logs and accounts);
        False on Docker Hub (:meth:`use_hub`), where only your own token and your engine's
        events are evidence."""
        return self._registry.classroom

    @property
    def registry(self) -> str:
        """``localhost:PORT``: the registry host to put in front of image names."""
        return self._registry.push_host

    @property
    def limited_registry(self) -> str:
        """``localhost:PORT``: your registry again, with Docker Hub's pull limits switched on
        and small (:meth:`set_pull_limits`), to reach one in a few pulls; "" on Docker Hub,
        whose own limits are real. Pushes go to :attr:`registry`."""
        return getattr(self._registry, "pull_host", "")

    @property
    def limited_registry_api(self) -> RegistryAPI | None:
        """:attr:`limited_registry`'s API, asked with your token (or logged out); None on Docker Hub."""
        pull_api = getattr(self._registry, "pull_api", None)
        return pull_api(self.username, self.token) if pull_api else None

    def set_pull_limits(self, anonymous: int = 3, account: int = 6, window: int = 21600) -> None:
        """Pulls allowed at :attr:`limited_registry` per ``window`` seconds: ``anonymous`` from
        one address logged out, ``account`` per account; the counts start again."""
        if not self.classroom:
            raise InvalidInput(
                "Docker Hub's own pull limits are not the course's to set.",
                "Use a classroom lab (Lab.start) for the pull-limit exercise.",
            )
        self._registry.set_pull_limits(anonymous, account, window)

    @property
    def token_file(self) -> Path:
        """A file that holds only your access token (readable by you alone), to send it to
        ``docker login`` on standard input: ``!docker login {lab.registry} -u {lab.username}
        --password-stdin < {lab.token_file}``. The token never appears in a command line."""
        path = self.config.directory / "access-token"
        if not path.exists() or path.read_text() != self.token:
            path.touch(mode=0o600)
            path.chmod(0o600)
            path.write_text(self.token)
        return path

    @property
    def hub_url(self) -> str:
        """The hub's base URL (``http://localhost:PORT``): its pages (``/r/USER/REPO``,
        ``/settings/personal-access-tokens``) and Docker Hub's API paths."""
        return self._registry.hub_url

    def hub_page(self, path: str = "") -> str:
        """The URL of one of the hub's pages, e.g. ``lab.hub_page(f"/r/{lab.username}/my-flask-app")``,
        as the learner's browser reaches it: ``http://localhost:PORT/…`` when JupyterLab runs on
        the learner's machine; through jupyter-server-proxy (``JUPYTER_BASE/proxy/absolute/PORT/…``)
        when it runs elsewhere: under JupyterHub (``JUPYTERHUB_SERVICE_PREFIX``), or wherever
        ``COURSE_JUPYTER_BASE_URL`` names the Jupyter server's base URL. On Docker Hub
        (:meth:`use_hub`): Docker Hub's own pages."""
        path = path if path.startswith("/") or not path else "/" + path
        base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or os.environ.get(
            "COURSE_JUPYTER_BASE_URL"
        )
        if not self.classroom:
            return self._registry.page(path)
        if base:
            return f"{base.rstrip('/')}/proxy/absolute/{self._registry.hub.host_port}{path or '/'}"
        return self.hub_url + path

    def save_token(self, token: str | None = None) -> Path:
        """Keep an access token you generated on the hub's page as your token, in
        :attr:`token_file` (asks for it, unseen, when ``token`` is left out). The hub must know
        it as one of yours and active: a typo is caught here, not at ``docker login``."""
        token = _pasted_token(
            token,
            "Paste the access token the hub showed you: ",
            "Copy the token the hub showed when you generated it (your password is not one).",
        )
        if not self.hub_api.authenticates(self.username, token):
            raise InvalidInput(
                f"The hub does not accept this token for {self.username!r}: mistyped, "
                "deactivated, expired or deleted.",
                f"Check it on {self.hub_page('/settings/personal-access-tokens')}, or generate "
                "a new one there.",
            )
        self.token = token
        if self.persistent:
            self._save_state()
        return self.token_file

    def source(self, tag: str = "v1", repository: str = APP_REPOSITORY) -> str:
        """The local image a step starts from: ``my-flask-app:v1``, as in the seed. (Submissions
        graded side by side each have an engine of their own: see :mod:`grader.isolation.sandbox`.)"""
        return f"{repository}:{tag}"

    def copy_app(self, folder: str | os.PathLike = "my-flask-app") -> Path:
        """Copy the course app's source (Dockerfile, app.py) into ``folder`` to change and build
        a new version; returns the folder. An existing folder is left as it is."""
        folder = Path(folder)
        if not folder.exists():
            shutil.copytree(_images.asset("my-flask-app"), folder)
        return folder

    def image(self, tag: str = "v1", repository: str = APP_REPOSITORY) -> str:
        """The full name to tag and push: ``localhost:PORT/USERNAME/REPOSITORY:TAG``."""
        ref = f"{self.registry}/{self.username}/{repository}:{tag}"
        parse_reference(ref)  # raises InvalidReference with the reason
        return ref

    def pinned(self, tag: str = "v1.0.0", repository: str = APP_REPOSITORY) -> str:
        """``REGISTRY/USERNAME/REPOSITORY@sha256:…``: the name of exactly the content the
        registry's ``tag`` holds now (its digest), which no later push can change."""
        manifest = self.registry_api.manifest(f"{self.username}/{repository}", tag)
        if manifest is None:
            raise InvalidInput(
                f"The registry has no {self.username}/{repository}:{tag}, so it has no digest.",
                f"Push it first: !docker push {self.image(tag, repository)}",
            )
        return f"{self.registry}/{self.username}/{repository}@{manifest.digest}"

    def check(self, name: str, *, tried: bool = True, **answers) -> CheckResult:
        """Run one check (``"push"``, …) against the real state; see :data:`grader.checks.CHECKS`.
        ``tried=False``: the course only looks (a lesson opened, an earlier step's prerequisite),
        which the learner's journal does not count as an attempt."""
        check = _checks.get(name)
        self._ensure_running()
        started = time.perf_counter()
        if name != "account" and not self.signed_up():
            outcome = Outcome(
                False,
                "You have no account on your hub yet, and every step needs your username.",
                f"Sign up first (lesson 01), on your hub's page: {self.hub_page('/signup')}",
            )
        else:
            outcome = check.function(self, **answers)
        result = CheckResult(
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
        self._record(result, tried)
        return result

    def _record(self, result: CheckResult, tried: bool = True) -> None:
        self.progress[result.name] = result.passed
        if self.persistent:
            (self._state_dir / "progress.json").write_text(json.dumps(self.progress))
            attempts = self._attempts()
            attempts[result.name] = attempts.get(result.name, 0) + tried
            self._journal("check", step=result.name, passed=result.passed, tried=tried,
                          attempt=attempts[result.name])  # fmt: skip
        for listener in list(self.listeners):
            listener(result)

    def record_answer_shown(self, task: str, step: str | None = None) -> None:
        """Remember that the learner revealed the full answer of lesson step ``task`` (whose
        check is ``step``)."""
        self._journal("answer", step=step or task, task=task)
        if task not in self.answers_shown:
            self.answers_shown.append(task)
            if self.persistent:
                (self._state_dir / "answers-shown.json").write_text(json.dumps(self.answers_shown))

    def record_hint(self, task: str, step: str, level: int) -> None:
        """Note in the learner's journal that hint ``level`` (1 to 3) of ``task`` was shown."""
        self._journal("hint", step=step, task=task, level=level)

    def record_diagnosis(self, error: str) -> None:
        """Note in the learner's journal that a failed docker command was explained
        (:class:`grader.diagnose.Diagnosis` ``error``: its key, not the command)."""
        self._journal("diagnosis", error=error)

    def _journal(self, kind: str, **fields) -> None:
        """One line in the persistent lab's journal (:mod:`grader.journal`); a journal that
        cannot be written loses that line, never the learner's step."""
        if not self.persistent:
            return
        try:
            journal.append(self._state_dir, journal.event(kind, **fields))
        except OSError:
            pass

    def _attempts(self) -> dict[str, int]:
        """Tried checks per step so far, counted once from the journal."""
        if self._attempt_counts is None:
            events = journal.read_own(self._state_dir) if self.persistent else []
            counts: dict[str, int] = {}
            for entry in events:
                if entry["kind"] == "check" and entry["tried"]:
                    counts[entry["step"]] = counts.get(entry["step"], 0) + 1
            self._attempt_counts = counts
        return self._attempt_counts

    def check_all(self) -> list[CheckResult]:
        return [
            self.check(check.name)
            for check in _checks.CHECKS
            if not check.needs_answers and not check.hub
        ]

    # --- what checks ask --------------------------------------------------------------------------

    @property
    def registry_api(self) -> RegistryAPI:
        """The registry's HTTP API, asked as the grader's own account."""
        return self._registry.api

    @property
    def hub_api(self) -> HubAPI:
        """Docker Hub's API and token service, at the lab's hub (the same client reads the real
        Docker Hub)."""
        return self._registry.hub_api

    def hub_access(self) -> str:
        """An API access token for the hub, signed in as the grader (who reads every
        repository, private ones too); in a graded notebook, as the student."""
        return self._registry.grader_access()

    def hub_log(self) -> list[dict]:
        """The hub's own log: token requests (who, with which credential, for what, granted
        what), sign-ins and changes, oldest first. Empty on Docker Hub, which keeps its log to itself."""
        return self._registry.hub_log() if self.classroom else []

    def identify_token(self, secret: str) -> dict | None:
        """Which of your access tokens ``secret`` is (Docker Hub's API shape: ``uuid``,
        ``token_label``, ``scopes``, ``status``, ``generated_by``), read by the grader without
        counting as a use; None if it is not one of yours."""
        return self._registry.identify_token(self.username, secret)

    def hub_repository(self, repository: str = APP_REPOSITORY) -> dict | None:
        """Your repository as the hub's API shows it (``is_private``, ``last_modified``), read
        by the grader (a private one too)."""
        return self._registry.repository(self.username, repository)

    def token_requests(self) -> list[TokenRequest]:
        """Every registry token the hub was asked for (by the engine, the grader, anyone), oldest
        first: who had which credential, and what was granted or refused."""
        found = (TokenRequest.from_log(record) for record in self.hub_log())
        return [request for request in found if request is not None]

    def requests(self) -> list[RegistryRequest]:
        """The registry's own request log, oldest first (empty on Docker Hub)."""
        if not self.classroom:
            return []
        return requests_log(self.engine, self._registry.get_container_id(), self.registry_api)

    def other_docker_configs(self) -> list[DockerConfig]:
        """Docker configurations a terminal would use instead of the lab's: the one
        ``DOCKER_CONFIG`` named before the lab, and the default ``~/.docker``."""
        folders = [self._previous_docker_config, str(default_config_dir())]
        unique = dict.fromkeys(Path(f).resolve() for f in folders if f)
        return [DockerConfig(f) for f in unique if f != self.config.directory.resolve()]

    def has_account(self, username: str) -> bool:
        return self._registry.has_account(username)

    def may_push(self, secret: str, repository: str = APP_REPOSITORY) -> bool:
        """Whether the hub's token service grants push on your ``repository`` to ``secret``
        (your password or one of your access tokens), as it would to ``docker push``."""
        return self.hub_api.can("push", f"{self.username}/{repository}", (self.username, secret))

    def fetch_published(self, host_port: int, path: str = "/") -> tuple[str, int, str] | None:
        """GET a port published on the engine's host, from where the grader runs (a grading
        sandbox's ports: inside its network namespace)."""
        if self.sandbox is not None:
            url = f"http://127.0.0.1:{host_port}{path}"
            try:
                response = self.sandbox.namespace().session().get(url, timeout=3)
            except requests.exceptions.RequestException:
                return None
            return url, response.status_code, response.text
        hosts = {"127.0.0.1": None}
        if self.classroom:  # where the grader reaches the engine's ports (see ClassroomRegistry)
            hosts[self.registry_api.base_url.split("//", 1)[1].rsplit(":", 1)[0]] = None
        return net.fetch([f"http://{host}:{host_port}{path}" for host in hosts])

    def _ensure_running(self) -> None:
        if self._stopped:
            raise LabStopped(
                "This lab was stopped.", "Start a new one: lab = Lab.start(username=...)."
            )
        if not self.classroom:
            return
        for container_id in (
            self._registry.get_container_id(),
            self._registry.hub.get_container_id(),
        ):
            info = self.engine.container(container_id)
            if info is None or not info.running:
                break
        if info is None or not info.running:
            state = "was removed" if info is None else f"is {info.status}"
            raise RegistryUnavailable(
                f"The classroom registry container {state}: this is the environment, not your work.",
                "Start the lab again: lab.stop(); lab = Lab.start(username=...). "
                "What you pushed before is gone with it.",
            )

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        where = self.registry if self.classroom else f"{self.registry}, {self.hub_url}"
        return f"<Lab {self.username} at {where} ({state})>"
