"""What the lesson notebooks share besides their widgets: the lessons in order; the steps and the
lesson that teaches each, which earlier steps a lesson needs (and doing them for real when a
lesson is opened out of order); the tasks the learner does (a goal, the check that proves it,
hints from a nudge to the answer); the predict-then-run moments; the lifecycle's stages; the local
copy of an image to remove before a pull; and a port and a page for the running app."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..checks.run import APP_PORT
from ..errors import InvalidInput
from ..facts import fact
from ..infra import commands, net
from ..infra.images import asset
from ..lab import APP_REPOSITORY, SIGN_UP, Lab, learner_dir, remembered_username
from ..names import parse_reference
from ..result import CheckResult
from . import enginetexts

Log = Callable[[str], None]

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


def begin(lesson: str, username: str | None = None) -> Lab:
    """A lesson's first cell: start (or find) the learner's lab and show the lesson's header:
    your registry, username and token file, what this lesson builds on (and a button that does
    what is missing), where you are in the lifecycle, and the way on.

    Whose lab: ``username`` if given, else ``COURSE_USERNAME`` (a classroom that names its
    students; the course then makes the account), else the username the learner chose on their
    hub's sign-up page (remembered), else a lab waiting for its learner to sign up (lesson 01)."""
    from IPython.display import display

    from .widgets import LessonHeader

    username = username or os.environ.get("COURSE_USERNAME") or remembered_username()
    lab = Lab.start(username=username, persistent=True)
    display(LessonHeader(lab, lesson))
    return lab


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


# --- what the learner does ------------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """An answer a check takes from the learner's own notebook: the value their code gave the
    name (read when the check runs; missing: None)."""

    name: str


@dataclass(frozen=True)
class Task:
    """A do-it step: the learner writes the command in the cell above it. ``answer`` is what to
    write there, in the course's one form (``!docker …`` with ``{lab.…}`` values), runnable as
    shown in the lesson (it may use names the lesson defined, such as ``port``)."""

    name: str
    lesson: str
    goal: str
    check: str
    nudge: str
    shape: str
    """The command's shape: placeholders in capitals, to fill in (not runnable as it is)."""
    answer: str
    answers: tuple[tuple[str, object], ...] = ()
    """What the check takes besides the lab, e.g. ``(("tag", "v2.0.0"),)``; a :class:`Var` is
    read from the learner's notebook."""
    web: bool = False
    """Done on the hub's pages, not in a cell (signing up): the lesson has no empty cell for it."""

    @property
    def hints(self) -> tuple[str, str, str]:
        return (self.nudge, self.shape, self.answer)

    def check_answers(self, names: dict | None = None) -> dict:
        """What the check takes now: :class:`Var` answers read from ``names`` (the learner's
        notebook)."""
        names = names or {}
        return {k: names.get(v.name) if isinstance(v, Var) else v for k, v in self.answers}


_LOGIN = "!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}"
_LOGIN_SHAPE = "!docker login REGISTRY -u USERNAME --password-stdin < TOKEN_FILE"
_LOGIN_NUDGE = (
    "docker login takes the registry's host; -u gives your username; the token goes on "
    "standard input (--password-stdin), read from your token file with <, never typed."
)

_NEW_TOKEN = (
    "# The hub's page does this by hand; Docker Hub's API does it from code:\n"
    "access = lab.hub_api.sign_in(lab.username, lab.password)\n"
    'made = lab.hub_api.create_access_token(access, "my notebook", "repo:write")\n'
    'lab.save_token(made["token"])\n'
)


def _visibility_answer(private: bool) -> str:
    return (
        "# The repository's page (Settings) does this by hand; Docker Hub's API from code:\n"
        "access = lab.hub_api.sign_in(lab.username, lab.password)\n"
        f'lab.hub_api.set_private(lab.username, "my-flask-app", {private}, access)\n'
        "!docker pull {lab.image()}"
    )


TASKS: tuple[Task, ...] = (
    Task(
        "signup", "01-account",
        "Create your account on your hub's sign-up page (the link above): your username, an "
        "email address and a password.",
        "account",
        "The username is yours to choose, once: 4 to 30 characters, lowercase letters and digits "
        "only. It will be in the name of every image you push.",
        "On the sign-up page: Email, Username, Password (9 characters or more), then Sign up.",
        "On the sign-up page: a username such as ada2024, your email, a password of 9 "
        "characters or more; Sign up. Then press Check.",
        web=True,
    ),
    Task(
        "login", "02-login",
        "Generate a Read & Write access token on your hub, keep it in your lab "
        "(lab.save_token()), then log in to your registry with it on standard input.",
        "token",
        "The hub's Account settings → Personal access tokens → Generate new token; choose Read & "
        "Write. lab.save_token() asks for it (paste; it is not shown). Then docker login, the "
        "token read from lab.token_file with <.",
        "lab.save_token()  # paste the token the hub showed you\n" + _LOGIN_SHAPE,
        _NEW_TOKEN + _LOGIN,
    ),
    Task(
        "tag", "03-tag",
        "Give my-flask-app:v1 a second name that your registry accepts under your account.",
        "tag",
        "docker tag SOURCE TARGET names an image a second time; the target starts with where it "
        "goes (your registry) and whose it is (your username).",
        "!docker tag my-flask-app:v1 REGISTRY/USERNAME/my-flask-app:v1",
        "!docker tag my-flask-app:v1 {lab.registry}/{lab.username}/my-flask-app:v1",
    ),
    Task(
        "push", "04-push",
        "Send your tagged image to your registry.",
        "push",
        "docker push takes the image's full name: the name itself says where it goes.",
        "!docker push REGISTRY/USERNAME/my-flask-app:v1",
        "!docker push {lab.image()}",
    ),
    Task(
        "api-verify", "05-verify",
        "Read v1's digest and compressed size with Docker Hub's API, in code, into DIGEST and "
        "SIZE: what a script or a graded lab does instead of reading the page.",
        "verify",
        "GET /v2/namespaces/USERNAME/repositories/REPOSITORY/tags lists each tag with its "
        "digest and full_size: lab.hub_api.tags(USERNAME, REPOSITORY, lab.hub_access()) asks "
        "it.",
        "tags = lab.hub_api.tags(USERNAME, REPOSITORY, lab.hub_access())\n"
        "DIGEST, SIZE = ... the v1 entry's digest and full_size ...",
        "tags = lab.hub_api.tags(lab.username, \"my-flask-app\", lab.hub_access())\n"
        "DIGEST, SIZE = next((t[\"digest\"], t[\"full_size\"]) for t in tags if t[\"name\"] == \"v1\")",
        (("digest", Var("DIGEST")), ("size", Var("SIZE"))),
    ),
    Task(
        "pull", "06-pull-and-run",
        "Remove every local name of the image, pull it back from your registry, then give it "
        "the name my-flask-app:v1 again (the next lessons start from it).",
        "pull",
        "docker rmi removes names; an image goes once its last name is gone. Both "
        "my-flask-app:v1 and your registry's name point at it.",
        "!docker rmi REGISTRY_NAME my-flask-app:v1\n!docker pull REGISTRY_NAME\n"
        "!docker tag REGISTRY_NAME my-flask-app:v1",
        "!docker rmi {lab.image()} my-flask-app:v1\n!docker pull {lab.image()}\n"
        "!docker tag {lab.image()} my-flask-app:v1",
    ),
    Task(
        "run", "06-pull-and-run",
        "Run the pulled image in the background, by its registry name, with the container's port "
        "5000 published on `port`.",
        "run",
        "docker run -d starts a container in the background; -p HOST:CONTAINER publishes a port.",
        "!docker run -d -p HOST_PORT:5000 REGISTRY_NAME",
        "!docker run -d -p {port}:5000 {lab.image()}",
    ),
    Task(
        "release-1.0.0", "07-versions",
        "Release v1 as version v1.0.0 too: tag it and push the new tag.",
        "push",
        "A version is one more tag on the same image; only the new tag travels, the layers are "
        "already there.",
        "!docker tag my-flask-app:v1 REGISTRY/USERNAME/my-flask-app:v1.0.0\n"
        "!docker push REGISTRY/USERNAME/my-flask-app:v1.0.0",
        "!docker tag my-flask-app:v1 {lab.image('v1.0.0')}\n!docker push {lab.image('v1.0.0')}",
        (("tag", "v1.0.0"),),
    ),
    Task(
        "release-1.1.0", "07-versions",
        "Build your changed copy (`app`) as my-flask-app:v1.1.0 and publish it as v1.1.0.",
        "versioning",
        "Build, tag, push: three commands. The build takes the base image and the version as "
        "build arguments: --build-arg BASE_IMAGE={lab.images.base} --build-arg APP_VERSION=v1.1.0.",
        "!docker build -t my-flask-app:v1.1.0 --build-arg BASE_IMAGE=BASE "
        "--build-arg APP_VERSION=v1.1.0 APP_FOLDER\n"
        "!docker tag my-flask-app:v1.1.0 REGISTRY/USERNAME/my-flask-app:v1.1.0\n"
        "!docker push REGISTRY/USERNAME/my-flask-app:v1.1.0",
        "!docker build -t my-flask-app:v1.1.0 --build-arg BASE_IMAGE={lab.images.base} "
        "--build-arg APP_VERSION=v1.1.0 {app}\n"
        "!docker tag my-flask-app:v1.1.0 {lab.image('v1.1.0')}\n!docker push {lab.image('v1.1.0')}",
    ),
    Task(
        "restore-1.0.0", "07-versions",
        "Point v1.0.0 back at your first release (the image my-flask-app:v1 is), in the registry.",
        "versioning",
        "A tag moves with each push: tag the first release as v1.0.0 again and push it.",
        "!docker tag my-flask-app:v1 REGISTRY/USERNAME/my-flask-app:v1.0.0\n"
        "!docker push REGISTRY/USERNAME/my-flask-app:v1.0.0",
        "!docker tag my-flask-app:v1 {lab.image('v1.0.0')}\n!docker push {lab.image('v1.0.0')}",
    ),
    Task(
        "pin", "07-versions",
        "Pull your first release by its digest: the one name that never moves.",
        "digest",
        "NAME@sha256:… replaces the tag with the digest. v1.0.0's is in `docker images "
        "--digests`, on the hub's Tags page, and in the line its push printed.",
        "!docker pull REGISTRY/USERNAME/my-flask-app@sha256:DIGEST",
        "!docker pull {lab.pinned('v1.0.0')}",
    ),
    Task(
        "deploy", "08-rollback",
        "Deploy v1.1.0: run it in the background on `port`, and keep what docker run prints (the "
        "container's ID) in a variable named `deployed`.",
        "run",
        "name = !command keeps a command's output lines in a Python list; docker run -d prints "
        "the new container's ID.",
        "deployed = !docker run -d -p HOST_PORT:5000 REGISTRY/USERNAME/my-flask-app:v1.1.0",
        "deployed = !docker run -d -p {port}:5000 {lab.image('v1.1.0')}",
        (("tag", "v1.1.0"),),
    ),
    Task(
        "rollback", "08-rollback",
        "v1.1.0 has a bug: roll back. Remove the v1.1.0 container and run v1.0.0 in its place, on "
        "the same port.",
        "rollback",
        "Rolling back is running the previous tag. The container's ID is the last line of "
        "`deployed`: deployed[-1].",
        "!docker rm -f CONTAINER\n!docker run -d -p HOST_PORT:5000 "
        "REGISTRY/USERNAME/my-flask-app:v1.0.0",
        "!docker rm -f {deployed[-1]}\n!docker run -d -p {port}:5000 {lab.image('v1.0.0')}",
    ),
    Task(
        "platforms", "09-platforms",
        "Publish REGISTRY/USERNAME/hello:v1 as one name for two images, one for linux/amd64 and "
        "one for linux/arm64, built from the folder `hello`.",
        "platforms",
        "docker buildx build --platform builds for the platforms you name. Where the engine "
        "cannot hold two platforms under one name (see above), build and push each one under "
        "a tag of its own, then join them: docker buildx imagetools create -t NAME IMAGE IMAGE.",
        "!docker buildx build --platform linux/amd64 -t REGISTRY/USERNAME/hello:amd64 --push "
        "FOLDER\n"
        "!docker buildx build --platform linux/arm64 -t REGISTRY/USERNAME/hello:arm64 --push "
        "FOLDER\n"
        "!docker buildx imagetools create -t REGISTRY/USERNAME/hello:v1 "
        "REGISTRY/USERNAME/hello:amd64 REGISTRY/USERNAME/hello:arm64",
        "!docker buildx build --platform linux/amd64 -t {lab.image('amd64', 'hello')} --push "
        "{hello}\n"
        "!docker buildx build --platform linux/arm64 -t {lab.image('arm64', 'hello')} --push "
        "{hello}\n"
        "!docker buildx imagetools create -t {lab.image('v1', 'hello')} "
        "{lab.image('amd64', 'hello')} {lab.image('arm64', 'hello')}",
    ),
    Task(
        "private", "10-public-private",
        "Make your repository private on its hub page (Settings → Make private). Then, still "
        "logged out, pull it again.",
        "visibility",
        "Open your repository's page on the hub (the link above) and sign in; the Settings box "
        "has the button. The pull is the same command as before.",
        "(on the hub's page: Make private)\n!docker pull REGISTRY/USERNAME/my-flask-app:v1",
        _visibility_answer(True),
        (("private", True),),
    ),
    Task(
        "public", "10-public-private",
        "Make it public again, and pull it once more, still logged out.",
        "visibility",
        "The same Settings box now offers Make public.",
        "(on the hub's page: Make public)\n!docker pull REGISTRY/USERNAME/my-flask-app:v1",
        _visibility_answer(False),
        (("private", False),),
    ),
    Task(
        "login-again", "10-public-private",
        "Log in to your registry again, with your access token on standard input.",
        "login", _LOGIN_NUDGE, _LOGIN_SHAPE, _LOGIN,
    ),
    Task(
        "build-2.0.0", "11-review",
        "Build your changed copy (`app`) as my-flask-app:v2.0.0 and tag it for your registry.",
        "tag",
        "The build takes --build-arg BASE_IMAGE={lab.images.base} --build-arg "
        "APP_VERSION=v2.0.0; then docker tag, as in lesson 03.",
        "!docker build -t my-flask-app:v2.0.0 --build-arg BASE_IMAGE=BASE "
        "--build-arg APP_VERSION=v2.0.0 APP_FOLDER\n"
        "!docker tag my-flask-app:v2.0.0 REGISTRY/USERNAME/my-flask-app:v2.0.0",
        "!docker build -t my-flask-app:v2.0.0 --build-arg BASE_IMAGE={lab.images.base} "
        "--build-arg APP_VERSION=v2.0.0 {app}\n"
        "!docker tag my-flask-app:v2.0.0 {lab.image('v2.0.0')}",
        (("tag", "v2.0.0"),),
    ),
    Task(
        "push-2.0.0", "11-review", "Push v2.0.0.", "push",
        "As in lesson 04, with the new tag.",
        "!docker push REGISTRY/USERNAME/my-flask-app:v2.0.0",
        "!docker push {lab.image('v2.0.0')}",
        (("tag", "v2.0.0"),),
    ),
    Task(
        "pull-2.0.0", "11-review",
        "Remove every local name of v2.0.0, then pull it back.", "pull",
        "As in lesson 06: both my-flask-app:v2.0.0 and the registry's name point at it.",
        "!docker rmi REGISTRY_NAME my-flask-app:v2.0.0\n!docker pull REGISTRY_NAME",
        "!docker rmi {lab.image('v2.0.0')} my-flask-app:v2.0.0\n!docker pull {lab.image('v2.0.0')}",
        (("tag", "v2.0.0"),),
    ),
    Task(
        "run-2.0.0", "11-review",
        "Run v2.0.0 in the background, by its registry name, on `port`.", "run",
        "As in lesson 06.",
        "!docker run -d -p HOST_PORT:5000 REGISTRY/USERNAME/my-flask-app:v2.0.0",
        "!docker run -d -p {port}:5000 {lab.image('v2.0.0')}",
        (("tag", "v2.0.0"),),
    ),
)  # fmt: skip


def task(name: str) -> Task:
    for candidate in TASKS:
        if candidate.name == name:
            return candidate
    raise InvalidInput(
        f"{name!r} is not a lesson task.", "Use one of: " + ", ".join(t.name for t in TASKS) + "."
    )


# --- predict, then run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """A pitfall to predict before running it: the question, the outcomes to choose from, the
    commands that show what really happens (run as shown, without a shell), and which outcome
    they showed, read from what they did."""

    name: str
    lesson: str
    question: str
    options: tuple[str, ...]
    right: int
    commands: Callable[[Lab], list[str]]
    outcome: Callable[[Lab, list, dict], int | None]
    """``(lab, command results, what before() read) -> the option that happened`` (None: the
    commands could not show it; ``unshown`` says why)."""
    why: str
    before: Callable[[Lab], dict] = lambda lab: {}
    unshown: str = ""
    stdin: Callable[[Lab, dict], list[str | None]] = lambda lab, before: []
    """What each command gets on standard input (a token for ``--password-stdin``), by position;
    given what :attr:`before` read. Never shown: it is redacted from the output."""
    after: Callable[[Lab, dict], None] = lambda lab, before: None
    """Put back what the commands changed that is not the lesson's point (runs even when a
    command failed)."""


def _failed_last(results) -> bool:
    return bool(results) and not results[-1].ok


def _v1_0_0_digest(lab: Lab) -> dict:
    manifest = lab.hub.manifest(f"{lab.username}/{APP_REPOSITORY}", "v1.0.0")
    return {"digest": manifest.digest if manifest else None}


def _moved(lab: Lab, results, before: dict) -> int | None:
    if not results or not results[0].ok:
        return None  # no my-flask-app:v1.1.0 to push: nothing shown
    if not results[-1].ok:
        return 0
    after = _v1_0_0_digest(lab)["digest"]
    return 1 if after and after != before.get("digest") else 2


def _failed_saying(results, *texts: str) -> bool:
    return _failed_last(results) and any(t in results[-1].output for t in texts)


def _read_only_login(lab: Lab) -> dict:
    """A Read-only token the course makes on the learner's account, for the prediction (on the
    classroom hub: on Docker Hub the course holds no credential that may make one)."""
    if not lab.classroom:
        return {}
    return {"secret": lab._registry.course_token(lab.username, READ_ONLY_LABEL, "repo:read")}


READ_ONLY_LABEL = "read-only, made for lesson 04's prediction"


def _login_again(lab: Lab, before: dict) -> None:
    """Back to the learner's own token, as the learner logged in before the prediction."""
    if before and lab.token:
        commands.run(login_command(lab), stdin=lab.token, redact=[lab.token], timeout=60)


def _running_port(lab: Lab) -> int | None:
    """The host port of a running container of the learner's pulled image (lesson 06's run)."""
    image = lab.engine.image(lab.image())
    for container in lab.engine.containers():
        if image is not None and container.image_id == image.id and container.running:
            for port in container.ports.get(APP_PORT, []):
                return int(port)
    return None


def _other_platform(lab: Lab) -> str:
    """The platform of the two that this engine's machine is not (arm64 on an amd64 machine)."""
    return "linux/amd64" if lab.engine.platform.endswith("arm64") else "linux/arm64"


SECOND_COPY = "my-flask-app-second-copy"
"""The name of the container lesson 06's prediction tries to start (removed after)."""


MOMENTS: tuple[Moment, ...] = (
    Moment(
        "interactive-login", "02-login",
        "In this notebook you run docker login REGISTRY -u USERNAME, with no --password-stdin. "
        "What happens?",
        (
            "It asks for your password, as it does in a terminal.",
            "It fails at once: a notebook cell cannot answer docker's password prompt.",
            "It logs you in with the token your lab keeps.",
        ),
        1,
        lambda lab: [f"docker login {lab.registry} -u {lab.username}"],
        lambda lab, results, before: (
            1 if _failed_saying(results, "non TTY", "TTY") else 2 if not _failed_last(results) else 0
        ),
        "docker login -u asks for the password on the terminal, and a notebook's ! command has "
        "none (Cannot perform an interactive login from a non TTY device): nothing is stored. In "
        "a notebook, a script or CI, the secret goes on standard input, --password-stdin, read "
        "from a file only you can read.",
    ),
    Moment(
        "capitals", "03-tag",
        "You tag your image with capitals in its name: REGISTRY/USERNAME/My-Flask-App:v1. What "
        "happens?",
        (
            "It works: registries ignore case.",
            "It is refused: an image name must be lowercase.",
            "It works, and docker lowercases the name for you.",
        ),
        1,
        lambda lab: [f"docker tag {lab.source()} {lab.registry}/{lab.username}/My-Flask-App:v1"],
        lambda lab, results, before: 1 if _failed_last(results) else 0,
        "A repository's name (and your username in it) is lowercase letters, digits and a few "
        "separators; only the registry's host and the tag may hold capitals. docker refuses the "
        "name before it does anything: invalid reference format: repository name must be "
        "lowercase.",
    ),
    Moment(
        "short-name", "04-push",
        "You push the image by its short name: docker push my-flask-app:v1. What happens?",
        (
            "It goes to your registry, under your account.",
            "It goes to Docker Hub, under your account.",
            "It is refused: the name has no registry and no username.",
        ),
        2,
        lambda lab: [f"docker push {lab.source()}"],
        lambda lab, results, before: 2 if _failed_last(results) else 0,
        "A name without a registry host means Docker Hub (docker.io); without a username, "
        "docker.io/library/my-flask-app: Docker's official images, which only Docker may push "
        "to. Docker Hub answers: denied: requested access to the resource is denied. Here, with "
        "no Docker Hub in reach, the push stops sooner, at the connection. Either way nothing "
        "reaches your registry: the name must say REGISTRY/USERNAME.",
    ),
    Moment(
        "push-untagged", "04-push",
        "You push a version you never tagged: docker push REGISTRY/USERNAME/my-flask-app:v9. "
        "What happens?",
        (
            "It pushes my-flask-app:v1 under the tag v9.",
            "It is refused: your engine has no image by that name to send.",
            "The registry creates an empty v9 tag.",
        ),
        1,
        lambda lab: [f"docker push {lab.image('v9')}"],
        lambda lab, results, before: 1 if _failed_last(results) else 0,
        "docker push sends an image your engine has under exactly that name, and nothing else: "
        "tag first (docker tag SOURCE TARGET), then push the name you gave it.",
    ),
    Moment(
        "read-only-push", "04-push",
        "You log in with a Read-only access token (one that may pull your private repositories) "
        "and push your image again. What happens?",
        (
            "It works: any token of yours may push.",
            "It is refused: the token's permission does not allow a push.",
            "It works, but the hub marks the tag read-only.",
        ),
        1,
        lambda lab: [login_command(lab), f"docker push {lab.image()}"] if lab.classroom else [],
        lambda lab, results, before: (
            None if not before
            else 1 if _failed_saying(results, "insufficient scopes", "401 Unauthorized")
            else 0
        ),
        "A personal access token carries one permission, and the hub checks it on every request: "
        "Read-only may pull, never push (Docker Hub answers: access token has insufficient "
        "scopes). Give a server that only pulls a Read-only token, and CI that pushes a Read & "
        "Write one. (The prediction logged you in again with your own token afterwards.)",
        before=_read_only_login,
        stdin=lambda lab, before: [before.get("secret"), None],
        after=_login_again,
        unshown="On Docker Hub, generate a Repo Read-only token on Docker Home, log in with it "
        "and push: the course cannot make one for you there.",
    ),
    Moment(
        "pull-unchanged", "06-pull-and-run",
        "Your engine still has the image under its registry name. You pull that name. What "
        "does docker download?",
        (
            "Every layer again: a pull always downloads.",
            "Nothing: the engine already has that exact image, and docker says it is up to date.",
            "Nothing: the pull fails because the image exists.",
        ),
        1,
        lambda lab: [f"docker pull {lab.image()}"],
        lambda lab, results, before: (
            2 if _failed_last(results)
            else 1 if "up to date" in results[-1].output
            else 0
        ),
        "docker pull first asks the registry for the tag's digest; if the engine already has "
        "that image, it downloads nothing (Status: Image is up to date). To see a real download "
        "from 'another machine', the local copy must go first.",
    ),
    Moment(
        "port-taken", "06-pull-and-run",
        "Your app runs, published on a port of your machine. You start a second copy with the same "
        "-p HOST:5000. What happens?",
        (
            "Both containers share the port.",
            "The second one is refused: that host port is already taken.",
            "Docker moves the second one to the next free port.",
        ),
        1,
        lambda lab: [
            f"docker run -d --name {SECOND_COPY} -p {port}:{APP_PORT} {lab.image()}"
            for port in [_running_port(lab)]
            if port is not None
        ],
        lambda lab, results, before: (
            None if before.get("port") is None
            else 1 if _failed_saying(results, "already allocated", "address already in use")
            else 0
        ),
        "One host port, one listener: -p HOST:CONTAINER publishes the container's port on that "
        "port of your machine, and a second container cannot have it too (docker creates the "
        "container, then fails to start it: port is already allocated). Give each copy its own "
        "host port, -p 5001:5000, or stop the first one.",
        before=lambda lab: {"port": _running_port(lab)},
        unshown="Run your container first (the task above): nothing holds a port yet.",
        after=lambda lab, before: lab.engine.remove_container(SECOND_COPY),
    ),
    Moment(
        "no-latest", "07-versions",
        "Your repository has v1, v1.0.0 and v1.1.0, and no latest. Someone pulls "
        "REGISTRY/USERNAME/my-flask-app with no tag. What do they get?",
        (
            "The newest version, v1.1.0.",
            "v1, the first tag pushed.",
            "An error: no tag means latest, and there is none.",
        ),
        2,
        lambda lab: [f"docker pull {lab.registry}/{lab.username}/{APP_REPOSITORY}"],
        lambda lab, results, before: 2 if _failed_last(results) else 0,
        "A missing tag is always latest, never 'the newest': latest is only the tag someone "
        "pushed last under that name. Without one, nobody gets an unnamed version by accident.",
    ),
    Moment(
        "tag-moves", "07-versions",
        "You push v1.1.0's image under the tag v1.0.0, which your repository already has. What "
        "happens?",
        (
            "The registry refuses: v1.0.0 is taken.",
            "It is accepted: v1.0.0 now names the new image.",
            "It is accepted, and v1.0.0 keeps naming the first release.",
        ),
        1,
        lambda lab: [
            f"docker tag {lab.source('v1.1.0')} {lab.image('v1.0.0')}",
            f"docker push {lab.image('v1.0.0')}",
        ],
        _moved,
        "Whoever pulls v1.0.0 now gets v1.1.0's code. "
        + fact("tags-move").replace("`", "")
        + " "
        + fact("immutable-tags"),
        before=_v1_0_0_digest,
        unshown="Build and push v1.1.0 first (the task above): there is no my-flask-app:v1.1.0.",
    ),
    Moment(
        "other-platform", "09-platforms",
        "Your machine is linux/amd64 (most PCs and servers). You run the linux/arm64 image of "
        "hello:v1, as a server would run an image built on an Apple-silicon Mac: docker run "
        "--platform linux/arm64 … What happens?",
        (
            "It prints its greeting, like the amd64 one.",
            "It fails: exec format error, this CPU cannot run an arm64 program.",
            "docker runs the amd64 image instead, which fits this machine.",
        ),
        1,
        lambda lab: [f"docker run --rm --platform {_other_platform(lab)} {lab.image('v1', 'hello')}"],
        lambda lab, results, before: (
            None if not results
            else 1 if _failed_saying(results, "exec format error")
            else 2 if f"Hello from {lab.engine.platform}" in results[-1].output
            else 0
        ),
        "An executable is machine code for one CPU architecture. Without an emulator (Docker "
        "Desktop has QEMU built in; a plain Linux server usually has none), the kernel refuses "
        "the other architecture's program: exec format error, the image was built for the "
        "wrong platform. Build for the platform that will run it (--platform linux/amd64), or "
        "publish both under one name, as you did, and let each pull pick its own.",
        after=lambda lab, before: lab.engine.remove_image(lab.image("v1", "hello")),
    ),
    Moment(
        "logged-out", "10-public-private",
        "A first push made your repository public. You log out of your registry, then pull "
        "your own image. What happens?",
        (
            "It works: a public repository answers anyone, logged in or not.",
            "It is refused: you are anonymous now.",
            "It works from the local copy, without asking the registry.",
        ),
        0,
        lambda lab: [f"docker logout {lab.registry}", f"docker pull {lab.image()}"],
        lambda lab, results, before: 1 if _failed_last(results) else 0,
        "A pull always asks the registry (even when the engine has the image: it compares "
        "digests). A public repository answers everyone, as public images on Docker Hub do "
        "without any account; only pushing needs a login, and only the owner may push. A "
        "private repository would have refused you.",
    ),
)  # fmt: skip


def moment(name: str) -> Moment:
    for candidate in MOMENTS:
        if candidate.name == name:
            return candidate
    raise InvalidInput(
        f"{name!r} is not a predict-then-run moment.",
        "Use one of: " + ", ".join(m.name for m in MOMENTS) + ".",
    )


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
        if earlier.check == "account":  # a name only the learner may choose
            log(f"Nobody can sign up for you: {result.hint}")
            results.append(result)
            break
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
    return []  # account: the learner signs up on the hub's page (or the course made it)


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
