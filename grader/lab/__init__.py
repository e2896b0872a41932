"""A lab: one student's classroom registry, account, access token and Docker configuration."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import string
import tempfile
import time
from pathlib import Path

import requests

from .. import checks as _checks
from ..errors import InvalidInput, LabStopped, RegistryUnavailable
from ..hub.client import DOCKER_HUB, HubAPI
from ..hub.containers import ClassroomRegistry
from ..hub.dockerhub import DOCKER_HUB_REGISTRY, RemoteHub
from ..hub.registry import RegistryAPI
from ..infra import cellshell, net, places
from ..infra import images as _images
from ..infra.dockerconfig import DockerConfig, default_config_dir
from ..infra.engine import Engine
from ..infra.logs import RegistryRequest, TokenRequest, requests_log
from ..infra.owners import LAB, LEARNER, ROLE, STATE_DIR, owner_labels, reap_dead_labs, remove_lab
from ..names import parse_reference, validate_username
from ..result import CheckResult, Outcome

APP_REPOSITORY = _images.APP_REPOSITORY
GRADING_ENV = "GRADER_LAB"
"""Set by a grading run for the kernel it starts: the path of the lab to attach to."""
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


COURSE_TOKEN_LABEL = "made by the course for this lab"
SIGN_UP = "_signing-up"
"""The key of a learner's persistent lab before they signed up on its hub (never a username:
Docker Hub's have no ``_`` or ``-``)."""


def new_password() -> str:
    """A password for a lab's hub account (the learner signs in to the hub's pages with it)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(16))


def _open_account(registry: ClassroomRegistry, username: str, password: str) -> str:
    """Create ``username`` on the lab's hub and return a Read & Write access token the course
    made for it (so a graded lab can log in; lessons have the learner generate their own)."""
    return registry.set_account(username, password, token_label=COURSE_TOKEN_LABEL)


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
        if username is None and not persistent:
            raise InvalidInput(
                "A lab without a username is a learner's own lab: persistent=True.",
                "Give a username: Lab.start(username=...).",
            )
        username = validate_username(username) if username is not None else None
        if port is not None and (
            isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535
        ):
            raise InvalidInput(
                f"port={port!r} is not a TCP port.", "Leave port out to get a free one."
            )
        engine = Engine.connect()
        # The notebook's !docker lines print plain lines, not a terminal's, and explain a failure.
        cellshell.install(on_failure=_explain_failure)
        if os.environ.get(GRADING_ENV):
            lab = cls._attach(engine, username, Path(os.environ[GRADING_ENV]))
            os.environ["DOCKER_CONFIG"] = str(lab.config.directory)
            return lab
        reap_dead_labs(engine)
        course_images = _images.ensure(engine, log=(lambda _: None) if quiet else print)
        lab = None
        if persistent:
            lab = cls._resume(engine, username or SIGN_UP, course_images)
        if lab is None:
            lab = cls._create(engine, username, course_images, port, persistent)
        if lab.username == "":
            lab.signed_up()  # signed up in another kernel since
        os.environ["DOCKER_CONFIG"] = str(lab.config.directory)
        return lab

    @classmethod
    def _create(cls, engine, username, course_images, port, persistent, grading=False) -> Lab:
        """A new lab; with ``username`` None, one whose account the notebook creates (grading)."""
        lab_id = secrets.token_hex(6)
        if persistent:
            state_dir = places.LEARNERS.make() / (username or SIGN_UP)
            shutil.rmtree(state_dir, ignore_errors=True)
            state_dir.mkdir(mode=0o700)
            labels = {LEARNER: username or SIGN_UP}
            # A fixed port, so the registry keeps its address if the engine restarts it.
            port = port or net.registry_port()
        else:
            state_dir = Path(tempfile.mkdtemp(prefix=f"lab-{lab_id}-", dir=_labs_dir()))
            labels = owner_labels()
            port = port or net.registry_port()
        labels.update({LAB: lab_id, ROLE: "registry", STATE_DIR: str(state_dir)})
        registry = ClassroomRegistry(
            course_images.registry, labels, host_port=port, hub_image=course_images.hub
        )
        # No username: a learner who signs up on the hub's page (their password is theirs alone).
        password, token = (new_password() if username else ""), ""
        try:
            name = f"{username or ('learner' if persistent else 'grading')}-{lab_id}"
            registry.with_name(f"classroom-registry-{name}")
            registry.hub.with_name(f"classroom-hub-{name}")
            if username is not None:  # the account opens while the registry starts
                token = registry.start(lambda hub: _open_account(hub, username, password)).prepared
            else:
                registry.start()
            config = DockerConfig.create(state_dir / "docker")
        except BaseException:
            remove_lab(engine, lab_id, str(state_dir))
            raise
        lab = cls(
            username=username or "",
            token=token,
            password=password,
            engine=engine,
            registry=registry,
            config=config,
            lab_id=lab_id,
            state_dir=state_dir,
            images=course_images,
            persistent=persistent,
            grading=grading,
        )
        if persistent:
            lab._save_state()
        return lab

    @classmethod
    def _attach(cls, engine, username, path: Path) -> Lab:
        """The notebook's side of a grading run: the registry, account, token and Docker
        configuration the grading process made for the username the notebook states (named by
        ``GRADER_LAB``). The notebook gets the student's own token, never a grader's credential."""
        try:
            state = json.loads(path.read_text())
            graded_for = state["username"]
            if username == graded_for:
                registry = ClassroomRegistry(
                    state["registry_image"], labels={}, grader_account=(graded_for, state["token"])
                ).attach(state["container"])
        except (OSError, ValueError, KeyError) as error:
            raise RegistryUnavailable(
                f"The grading run's lab ({path}) cannot be used: {error}",
                "Grade again; `grader doctor` shows the engine's state.",
            ) from None
        if username != graded_for:
            raise InvalidInput(
                f"This lab is graded for {graded_for!r} (the USERNAME your notebook states), "
                f"not {username!r}.",
                "Start the lab with your USERNAME: lab = Lab.start(username=USERNAME).",
            )
        return cls(
            username=username,
            token=state["token"],
            password=state.get("password", ""),
            engine=engine,
            registry=registry,
            config=DockerConfig(state["config_dir"]),
            lab_id=state["lab_id"],
            state_dir=path.parent,
            images=_images.CourseImages(**state["images"]),
            attached=True,
        )

    @classmethod
    def start_for_grading(cls, username: str | None, sandbox=None) -> Lab:
        """A fresh lab for one grading run, with the account of the username the notebook
        states (``None``: no student account). With ``sandbox``, everything runs on the
        sandbox's own engine (loaded with the course's images) and the student's Docker
        configuration is in the sandbox user's home."""
        if sandbox is None:
            engine = Engine.connect()
            reap_dead_labs(engine)
            course_images = _images.ensure(engine, log=lambda _: None)
            return cls._create(engine, username, course_images, None, False, grading=True)
        engine = sandbox.engine()
        host_images = _images.ensure(Engine.connect(), log=lambda _: None)
        lab_id = secrets.token_hex(6)
        state_dir = sandbox.root / "lab"
        state_dir.mkdir(mode=0o700)
        registry = ClassroomRegistry(
            host_images.registry,
            {LAB: lab_id, ROLE: "registry"},
            host_port=net.registry_port(check=False),  # the sandbox's own network: all free
            hub_image=host_images.hub,
            docker_client_kw={"environment": {"DOCKER_HOST": sandbox.grader_host}},
            session=sandbox.namespace().session(),
        )
        registry.with_name(f"classroom-registry-{lab_id}")
        registry.hub.with_name(f"classroom-hub-{lab_id}")
        password = new_password()
        opening = (lambda hub: _open_account(hub, username, password)) if username else None
        token = registry.start(opening).prepared or ""
        config = DockerConfig.create(sandbox.home / ".docker")
        for path in (config.directory, *config.directory.iterdir()):
            sandbox.give(path)
        return cls(
            username=username or "",
            token=token,
            password=password,
            engine=engine,
            registry=registry,
            config=config,
            lab_id=lab_id,
            state_dir=state_dir,
            images=host_images,
            grading=True,
            sandbox=sandbox,
        )

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
        username = validate_username(username)
        token = _pasted_token(
            token,
            f"Paste an access token you generated on {hub_url}: ",
            f"Generate one on {hub_url}/settings/personal-access-tokens (Read & Write) and "
            "paste it; your password is not one.",
        )
        hub = RemoteHub(username, token, registry=registry, hub_url=hub_url)
        if not hub.hub_api.authenticates(username, token):
            raise InvalidInput(
                f"{hub_url} does not accept this token for {username!r}: mistyped, another "
                "account's, deactivated, expired or deleted.",
                f"Check it on {hub_url}/settings/personal-access-tokens, or generate a new one.",
            )
        engine = Engine.connect()
        cellshell.install(on_failure=_explain_failure)
        if persistent:
            Lab.reset(username)  # the classroom lab, if there was one, and its folder
            state_dir = places.LEARNERS.make() / username
            state_dir.mkdir(mode=0o700)
        else:
            state_dir = Path(tempfile.mkdtemp(prefix="lab-hub-", dir=_labs_dir()))
        lab = cls(
            username=username,
            token=token,
            engine=engine,
            registry=hub,
            config=DockerConfig.create(state_dir / "docker"),
            lab_id=secrets.token_hex(6),
            state_dir=state_dir,
            images=_images.ensure(engine, log=lambda _: None),
            persistent=persistent,
        )
        lab.token_file  # noqa: B018 - writes the token into the lab's configuration folder
        if persistent:
            lab._save_state()
        os.environ["DOCKER_CONFIG"] = str(lab.config.directory)
        return lab

    @classmethod
    def _resume_on_hub(cls, engine, username, course_images, state: dict, folder: Path) -> Lab:
        """The learner's lab on Docker Hub (:meth:`use_hub`) from an earlier kernel."""
        config = DockerConfig(folder / "docker")
        try:
            token = (config.directory / "access-token").read_text().strip()
            hub = RemoteHub(username, token, registry=state["registry"], hub_url=state["hub_url"])
        except (OSError, KeyError):
            raise InvalidInput(
                f"Your Docker Hub lab in {folder} has lost its access token.",
                f"Give it again: Lab.use_hub({username!r}); or go back to the classroom hub: "
                f"Lab.reset({username!r}).",
            ) from None
        return cls(
            username=username,
            token=token,
            engine=engine,
            registry=hub,
            config=config,
            lab_id=state.get("lab_id", ""),
            state_dir=folder,
            images=course_images,
            persistent=True,
        )

    @classmethod
    def _resume(cls, engine, username, course_images) -> Lab | None:
        """The learner's lab from an earlier kernel, or None (after removing a broken one).
        ``username`` is :data:`SIGN_UP` for a lab whose learner has not signed up yet."""
        state_file = learner_dir(username) / "state.json"
        state = _read_json(state_file, {})
        if state.get("hub_url"):
            return cls._resume_on_hub(engine, username, course_images, state, state_file.parent)
        containers = _learner_registries(engine, username)
        try:
            container = next(c for c in containers if c.id == state["container"])
            registry = ClassroomRegistry(
                state["registry_image"],
                labels={},
                grader_account=tuple(state["grader_account"]),
            ).attach(container.id)
        except (OSError, ValueError, KeyError, StopIteration):
            for container in containers:
                remove_lab(engine, container.labels.get(LAB, ""), None)
            return None
        return cls(
            username="" if username == SIGN_UP else username,
            token=state["token"],
            password=state.get("password", ""),
            engine=engine,
            registry=registry,
            config=DockerConfig(state_file.parent / "docker"),
            lab_id=state["lab_id"],
            state_dir=state_file.parent,
            images=course_images,
            persistent=True,
        )

    @classmethod
    def reset(cls, username: str | None = None) -> list[str]:
        """Remove the learner's persistent lab (registry, pushed images, login, progress); the
        next ``Lab.start(username, persistent=True)`` starts from scratch. ``None``: the
        learner who signed up on their hub (the username the course remembers), and a lab still
        waiting for its sign-up; the remembered username is forgotten."""
        if username is None:
            keys = [k for k in (remembered_username(), SIGN_UP) if k]
        else:
            keys = [validate_username(username)]
        engine = Engine.connect()
        removed = []
        for key in keys:
            for container in _learner_registries(engine, key):
                removed += remove_lab(engine, container.labels.get(LAB, ""), None)
            shutil.rmtree(learner_dir(key), ignore_errors=True)
        if remembered_username() in keys:
            _remembered_file().unlink(missing_ok=True)
        return removed

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
        manifest = self.hub.manifest(f"{self.username}/{repository}", tag)
        if manifest is None:
            raise InvalidInput(
                f"The registry has no {self.username}/{repository}:{tag}, so it has no digest.",
                f"Push it first: !docker push {self.image(tag, repository)}",
            )
        return f"{self.registry}/{self.username}/{repository}@{manifest.digest}"

    def check(self, name: str, **answers) -> CheckResult:
        """Run one check (``"push"``, …) against the real state; see :data:`grader.checks.CHECKS`."""
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
        self._record(result)
        return result

    def _record(self, result: CheckResult) -> None:
        self.progress[result.name] = result.passed
        if self.persistent:
            (self._state_dir / "progress.json").write_text(json.dumps(self.progress))
        for listener in list(self.listeners):
            listener(result)

    def record_answer_shown(self, step: str) -> None:
        """Remember that the learner revealed the full answer of a lesson step."""
        if step not in self.answers_shown:
            self.answers_shown.append(step)
            if self.persistent:
                (self._state_dir / "answers-shown.json").write_text(json.dumps(self.answers_shown))

    def check_all(self) -> list[CheckResult]:
        return [
            self.check(check.name)
            for check in _checks.CHECKS
            if not check.needs_answers and not check.hub
        ]

    # --- what checks ask --------------------------------------------------------------------------

    @property
    def hub(self) -> RegistryAPI:
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
        return requests_log(self.engine, self._registry.get_container_id(), self.hub)

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
            hosts[self.hub.base_url.split("//", 1)[1].rsplit(":", 1)[0]] = None
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


def _read_json(path: Path, default):
    """The JSON in ``path`` if it is readable and of ``default``'s type, else ``default``."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return default
    return found if isinstance(found, type(default)) else default


def _pasted_token(token: str | None, prompt: str, fix: str) -> str:
    """``token`` (asked for, unseen, when None), stripped; :class:`InvalidInput` when it is not
    a personal access token at all (a password, an empty paste)."""
    if token is None:
        import getpass

        token = getpass.getpass(prompt)
    token = token.strip() if isinstance(token, str) else ""
    if not token.startswith("dckr_pat_"):
        raise InvalidInput(
            "That is not a personal access token: Docker Hub's start with dckr_pat_.", fix
        )
    return token


def learner_dir(username: str) -> Path:
    """Where a learner's persistent lab keeps its token, Docker configuration and progress."""
    return places.LEARNERS.path() / username


def _remembered_file() -> Path:
    """The file holding the username a learner chose when they signed up on their hub."""
    return places.CACHE.path() / "learner.json"


def remembered_username() -> str | None:
    """The username this learner chose on their hub's sign-up page, if they did."""
    found = _read_json(_remembered_file(), {}).get("username")
    try:
        return validate_username(found) if found else None
    except InvalidInput:
        return None


def _remember(username: str) -> None:
    places.CACHE.make()
    path = _remembered_file()
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"username": username}))
    partial.rename(path)


def _learner_registries(engine: Engine, key: str) -> list:
    """The registry containers of the persistent lab kept under ``key`` (a username, or
    :data:`SIGN_UP`): labelled with it, or named by its folder's state (a lab that was started
    before its learner signed up keeps the label it was made with)."""
    found = {c.id: c for c in engine.containers(all=True, labels={LEARNER: key, ROLE: "registry"})}
    container = _read_json(learner_dir(key) / "state.json", {}).get("container")
    if container and container not in found:
        for candidate in engine.containers(all=True, labels={ROLE: "registry"}):
            if candidate.id == container and LEARNER in candidate.labels:
                found[candidate.id] = candidate
    return list(found.values())


def _labs_dir() -> str:
    return str(places.LABS.make())


def _explain_failure(command: str, output: str, status: int) -> None:
    """Under a failed ``!docker`` line, what went wrong and what to type instead
    (:mod:`grader.diagnose`), written with the values of the lab the notebook holds: the one
    whose Docker configuration is in effect."""
    from IPython import get_ipython
    from IPython.display import display

    from ..diagnose import Context, diagnose

    shell = get_ipython()
    held = [value for value in (shell.user_ns.values() if shell else ()) if isinstance(value, Lab)]
    in_effect = os.environ.get("DOCKER_CONFIG")
    lab = next((lab for lab in held if str(lab.config.directory) == in_effect), None)
    found = diagnose(command, output, status, Context.of(lab))
    if found is not None:
        display(found)
