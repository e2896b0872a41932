"""The ways into a lab, each a function that returns one: a new lab (:func:`create`), a
learner's lab from an earlier kernel (:func:`resume`, :func:`resume_on_hub`), a grading run's
lab seen from its notebook (:func:`attach`), a grading run's own (:func:`for_grading`), a lab on
Docker Hub itself (:func:`use_hub`), and the end of a learner's lab (:func:`reset`).

``Lab.start``, ``Lab.start_for_grading``, ``Lab.use_hub`` and ``Lab.reset`` call them with the
class (``cls``), which this module builds without importing it: :mod:`.lab` imports this one."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import TypeVar

from ..errors import InvalidInput, PortInUse, RegistryUnavailable
from ..hub.containers import ClassroomRegistry
from ..hub.dockerhub import RemoteHub
from ..infra import cellshell, net, places
from ..infra import images as _images
from ..infra.dockerconfig import DockerConfig
from ..infra.engine import Engine
from ..infra.owners import LAB, LEARNER, ROLE, STATE_DIR, owner_labels, reap_dead_labs, remove_lab
from ..names import validate_username
from .accounts import _open_account, _pasted_token, new_password
from .explain import _explain_failure
from .learners import (
    SIGN_UP,
    _labs_dir,
    _learner_registries,
    _read_json,
    _remembered_file,
    learner_dir,
    remembered_username,
)

GRADING_ENV = "GRADER_LAB"
"""Set by a grading run for the kernel it starts: the path of the lab to attach to."""

L = TypeVar("L")
"""The lab class a way in builds (:class:`~grader.lab.lab.Lab`)."""


def start(cls: type[L], username, *, port, persistent, quiet) -> L:
    """:meth:`Lab.start <grader.lab.lab.Lab.start>`: attach to the grading run's lab when
    ``GRADER_LAB`` names one, else resume the learner's persistent lab or create one."""
    if username is None and not persistent:
        raise InvalidInput(
            "A lab without a username is a learner's own lab: persistent=True.",
            "Give a username: Lab.start(username=...).",
        )
    username = validate_username(username) if username is not None else None
    if port is not None and (
        isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535
    ):
        raise InvalidInput(f"port={port!r} is not a TCP port.", "Leave port out to get a free one.")
    engine = Engine.connect()
    # The notebook's !docker lines print plain lines, not a terminal's, and explain a failure.
    cellshell.install(on_failure=functools.partial(_explain_failure, lab_class=cls))
    if os.environ.get(GRADING_ENV):
        lab = attach(cls, engine, username, Path(os.environ[GRADING_ENV]))
        os.environ["DOCKER_CONFIG"] = str(lab.config.directory)
        return lab
    reap_dead_labs(engine)
    course_images = _images.ensure(engine, log=(lambda _: None) if quiet else print)
    lab = None
    if persistent:
        lab = resume(cls, engine, username or SIGN_UP, course_images)
    if lab is None:
        lab = create(cls, engine, username, course_images, port, persistent)
    if lab.username == "":
        lab.signed_up()  # signed up in another kernel since
    os.environ["DOCKER_CONFIG"] = str(lab.config.directory)
    return lab


def create(
    cls: type[L], engine, username, course_images, port, persistent, grading=False, home=None
) -> L:
    """A new lab; with ``username`` None, one whose account the notebook creates (grading);
    with ``home``, its Docker configuration is ``home/.docker`` (else in the lab's state)."""
    lab_id = secrets.token_hex(6)
    chosen = port is None  # a port we pick may be taken by someone else before the hub binds it
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
    # No username: a learner who signs up on the hub's page (their password is theirs alone).
    password, token = (new_password() if username else ""), ""
    name = f"{username or ('learner' if persistent else 'grading')}-{lab_id}"
    try:
        for attempt in range(3):
            registry = ClassroomRegistry(
                course_images.registry, labels, host_port=port, hub_image=course_images.hub
            )
            registry.with_name(f"classroom-registry-{name}")
            registry.hub.with_name(f"classroom-hub-{name}")
            try:
                if username is not None:  # the account opens while the registry starts
                    opening = lambda hub: _open_account(hub, username, password)  # noqa: E731
                    token = registry.start(opening).prepared
                else:
                    registry.start()
                break
            except PortInUse:
                if not chosen or attempt == 2:
                    raise
                # The hub's container was made but not started: made again, on another port.
                with contextlib.suppress(Exception):
                    client = registry.hub.get_docker_client().client
                    client.containers.get(f"classroom-hub-{name}").remove(force=True)
                port = net.registry_port()
        config = DockerConfig.create(home / ".docker" if home else state_dir / "docker")
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


def attach(cls: type[L], engine, username, path: Path) -> L:
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


def for_grading(cls: type[L], username: str | None, sandbox=None, home=None) -> L:
    """:meth:`Lab.start_for_grading <grader.lab.lab.Lab.start_for_grading>`: a fresh lab on
    this engine (:func:`create`), or on the sandbox's own engine."""
    if sandbox is None:
        engine = Engine.connect()
        reap_dead_labs(engine)
        course_images = _images.ensure(engine, log=lambda _: None)
        return create(cls, engine, username, course_images, None, False, grading=True, home=home)
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


def use_hub(cls: type[L], username: str, token: str | None, *, hub_url, registry, persistent) -> L:
    """:meth:`Lab.use_hub <grader.lab.lab.Lab.use_hub>`: Docker Hub must accept the token
    before anything is kept; a persistent one replaces the learner's classroom lab."""
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
    cellshell.install(on_failure=functools.partial(_explain_failure, lab_class=cls))
    if persistent:
        cls.reset(username)  # the classroom lab, if there was one, and its folder
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


def resume_on_hub(cls: type[L], engine, username, course_images, state: dict, folder: Path) -> L:
    """The learner's lab on Docker Hub (:func:`use_hub`) from an earlier kernel."""
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


def resume(cls: type[L], engine, username, course_images) -> L | None:
    """The learner's lab from an earlier kernel, or None (after removing a broken one).
    ``username`` is :data:`SIGN_UP` for a lab whose learner has not signed up yet."""
    state_file = learner_dir(username) / "state.json"
    state = _read_json(state_file, {})
    if state.get("hub_url"):
        return resume_on_hub(cls, engine, username, course_images, state, state_file.parent)
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


def reset(username: str | None = None) -> list[str]:
    """:meth:`Lab.reset <grader.lab.lab.Lab.reset>`: the learner's persistent labs' containers
    and folders removed; the remembered username forgotten when it was one of them."""
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
