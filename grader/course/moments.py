"""The predict-then-run moments of the lessons: a pitfall to predict, the real commands that show
what happens (break it on purpose, then see why), and which outcome they showed (:class:`Moment`,
:data:`MOMENTS`, :func:`moment`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..checks.run import APP_PORT
from ..errors import InvalidInput
from ..facts import fact
from ..infra import commands
from ..lab import APP_REPOSITORY, Lab
from .helpers import login_command

Log = Callable[[str], None]


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

    def play(self, lab: Lab, log: Log, results: list) -> int | None:
        """Run the commands as shown (no shell), in order, until one fails: each logged as
        ``$ line`` with its output, given its :attr:`stdin` (redacted), its result appended to
        ``results`` as it ends; then :attr:`after`, even when a command failed. Returns the
        option that happened (None: the commands could not show it). A
        :class:`~grader.errors.CourseError` on the way is raised as it is."""
        before = self.before(lab)
        try:
            lines = self.commands(lab)
            stdin = self.stdin(lab, before)
            secrets = [s for s in stdin if s]
            for index, line in enumerate(lines):
                log(f"$ {line}")
                given = stdin[index] if index < len(stdin) else None
                result = commands.run(line, log, stdin=given, redact=secrets, timeout=300)
                results.append(result)
                if not result.ok:
                    break
            return self.outcome(lab, results, before)
        finally:
            self.after(lab, before)


def _failed_last(results) -> bool:
    return bool(results) and not results[-1].ok


def _v1_0_0_digest(lab: Lab) -> dict:
    manifest = lab.registry_api.manifest(f"{lab.username}/{APP_REPOSITORY}", "v1.0.0")
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
