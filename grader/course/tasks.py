"""The tasks the learner does in the lessons: for each, a goal, the check that proves it, and hints
from a nudge to the answer (:class:`Task`, :data:`TASKS`, :func:`task`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput


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
    on_docker_hub: str = ""
    """The answer on Docker Hub itself (:meth:`grader.Lab.use_hub`), where it differs: there the
    course has no password and no classroom-only call, and the hub's web pages do what they do."""
    classroom_only: bool = False
    """A step only a classroom can stage (Docker Hub's own pull limits are not the course's to
    make a learner reach): on Docker Hub the lesson shows what to read instead."""

    @property
    def hints(self) -> tuple[str, str, str]:
        return (self.nudge, self.shape, self.answer)

    def hints_for(self, classroom: bool) -> tuple[str, str, str]:
        """The hints where the learner's lab is: a classroom's, or Docker Hub's."""
        if classroom or not self.on_docker_hub:
            return self.hints
        return (self.nudge, self.shape, self.on_docker_hub)

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


_SAVE_GENERATED = (
    "lab.save_token()  # paste the token Docker Hub showed you when you generated it\n"
)


def _visibility_on_docker_hub(private: bool) -> str:
    return (
        f"# On Docker Hub: your repository's page, Settings, Make {'private' if private else 'public'}"
        " (its API has no call for it). Then:\n!docker pull {lab.image()}"
    )


def _visibility_answer(private: bool) -> str:
    return (
        "# Docker Hub: the repository's page (Settings) does it; its API has no call for it.\n"
        "# Your classroom hub's own call does it from code:\n"
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
        on_docker_hub=_SAVE_GENERATED + _LOGIN,
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
        "pull-limit", "06-pull-and-run",
        "Logged out, pull your image from your pull-limited address until it refuses you; then "
        "log in there with your token and pull it once more.",
        "pull-limit",
        "rate_limit(lab, pull=True) asks, logged out, for what a pull downloads first (your "
        "image's manifest, GET): each counts. Past the limit comes toomanyrequests. docker login "
        "to that address, and your pulls count for your account instead.",
        "print(rate_limit(lab, pull=True))  # again, until toomanyrequests\n"
        "!docker login LIMITED_REGISTRY -u USERNAME --password-stdin < TOKEN_FILE\n"
        "!docker pull LIMITED_REGISTRY/USERNAME/my-flask-app:v1",
        "for _ in range(4):\n"
        "    print(rate_limit(lab, pull=True), end=\"\\n\\n\")\n"
        "!docker login {lab.limited_registry} -u {lab.username} --password-stdin < {lab.token_file}\n"
        "!docker pull {lab.limited_registry}/{lab.username}/my-flask-app:v1",
        classroom_only=True,
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
        on_docker_hub=_visibility_on_docker_hub(True),
    ),
    Task(
        "public", "10-public-private",
        "Make it public again, and pull it once more, still logged out.",
        "visibility",
        "The same Settings box now offers Make public.",
        "(on the hub's page: Make public)\n!docker pull REGISTRY/USERNAME/my-flask-app:v1",
        _visibility_answer(False),
        (("private", False),),
        on_docker_hub=_visibility_on_docker_hub(False),
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
