"""Facts several checks need, gathered from the lab: which local names look like a mistaken
attempt at the expected one, what the registry holds, what its log says."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..hub.registry import Manifest
from ..infra.engine import EngineEvent
from ..infra.logs import RegistryRequest, TokenRequest
from ..names import DOCKER_HUB, Reference, parse_reference, same_image_name
from ..result import shell

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


@dataclass(frozen=True)
class Target:
    """The image a check is about: ``localhost:PORT/USERNAME/REPOSITORY:TAG``."""

    registry: str
    username: str
    repository: str
    tag: str
    source: str
    """The local image the student starts from, e.g. ``my-flask-app:v1`` (a name of its own
    per grading run, see :meth:`grader.Lab.source`)."""

    @property
    def path(self) -> str:
        return f"{self.username}/{self.repository}"

    @property
    def ref(self) -> str:
        return f"{self.registry}/{self.path}:{self.tag}"


def target(lab, repository: str = "my-flask-app", tag: str = "v1") -> Target:
    for value, what in ((repository, "repository"), (tag, "tag")):
        if not isinstance(value, str):
            raise InvalidInput(f"{what}={value!r} is not a name.", f"Pass the {what} as a string.")
    parse_reference(f"{lab.registry}/{lab.username}/{repository}:{tag}")
    return Target(lab.registry, lab.username, repository, tag, lab.source(tag, repository))


def image_id_of(lab, manifest: Manifest) -> str:
    """The ID ``docker images`` would show for the registry's image on this engine: its config
    digest on the classic image store, the tag's (index or manifest) digest on the containerd
    image store."""
    return manifest.digest if lab.engine.info.containerd_store else manifest.config_digest


def local_refs(lab, repository: str) -> list[Reference]:
    """Every local image name whose repository part is ``repository``."""
    found = []
    for image in lab.engine.images():
        for name in image.tags:
            try:
                ref = parse_reference(name)
            except InvalidInput:
                continue
            if ref.repository == repository:
                found.append(ref)
    return found


@dataclass(frozen=True)
class Misnaming:
    """A local name that looks like an attempt at the target, and what is wrong with it."""

    ref: str
    problem: str
    hint: str


def misnamings(lab, want: Target) -> list[Misnaming]:
    """Local names of ``want.repository`` that are the usual mistakes, most telling first."""
    wanted = parse_reference(want.ref)
    port = wanted.port
    same_registry = {wanted.registry} | ({f"127.0.0.1:{port}"} if port else set())
    found = []
    for ref in local_refs(lab, want.repository):
        text = str(ref)
        if (
            same_image_name(text, want.ref)
            or text == want.source
            or ref.domain is None
            and ref.namespace is None
        ):
            continue  # the target itself, or a plain local image
        if ref.domain is None and wanted.registry != DOCKER_HUB:
            found.append(
                Misnaming(
                    text,
                    f"{text} has no registry host, so `docker push` sends it to Docker Hub "
                    "(docker.io), not to the classroom registry.",
                    "Put the registry host in front: "
                    + shell(f"docker tag {want.source} {want.ref}"),
                )
            )
        elif port and ref.port == port and ref.host not in LOOPBACK_HOSTS:
            found.append(
                Misnaming(
                    text,
                    f"{text} names the registry by {ref.host}, not localhost. The engine only "
                    "talks plain HTTP to localhost and fails with 'server gave HTTP response "
                    "to HTTPS client'.",
                    f"Use {want.registry} as the host: "
                    + shell(f"docker tag {want.source} {want.ref}"),
                )
            )
        elif ref.registry in same_registry and ref.namespace != want.username:
            found.append(
                Misnaming(
                    text,
                    f"{text} is in the namespace {ref.namespace or '(none)'!r}, not your "
                    f"username {want.username!r}. A registry only lets you push under your "
                    "own name.",
                    "Tag it under your username: " + shell(f"docker tag {want.source} {want.ref}"),
                )
            )
        elif ref.registry == wanted.registry and ref.path == want.path and ref.tag == "latest":
            found.append(
                Misnaming(
                    text,
                    f"{text} uses the tag 'latest' instead of {want.tag!r}.",
                    "Tag the version: " + shell(f"docker tag {want.source} {want.ref}"),
                )
            )
    return found


def denied(requests: list[TokenRequest], path: str, after_ns: int = 0) -> list[TokenRequest]:
    """The docker client's refused attempts at repository ``path`` after ``after_ns``, from the
    hub's log: a token refused (a wrong, deactivated, expired or deleted credential, or an access
    token without the permission asked for), or a token granting less than the client asked
    (no credential at all: an anonymous push; a private repository pulled by someone else)."""
    found = []
    for request in requests:
        if not request.by_docker or request.time_ns <= after_ns:
            continue
        wanted = request.wants(path)
        if not wanted:
            continue
        if request.refused or wanted - request.got(path):
            found.append(request)
    return found


def wrong_secret_attempts(requests: list[TokenRequest], username: str) -> list[TokenRequest]:
    """``docker login`` (or a push or pull) as ``username`` that the hub refused."""
    return [r for r in requests if r.refused and r.account == username and r.by_docker]


def last_push(requests: list[RegistryRequest], want: Target) -> RegistryRequest | None:
    """The request that stored the tag: ``PUT /v2/PATH/manifests/TAG`` with 201 Created."""
    found = None
    for request in requests:
        if (
            request.method == "PUT"
            and request.status == 201
            and request.target()
            == (
                want.path,
                "manifests",
                want.tag,
            )
        ):
            found = request
    return found


def last_push_ns(
    lab, requests: list[RegistryRequest], want: Target
) -> tuple[int, list[EngineEvent]]:
    """When ``want`` was last pushed (nanoseconds since the epoch, 0 if never), and the engine's
    image events the answer used.

    The registry's log shows a push that stored the tag (``PUT manifests/TAG``); the engine's
    own ``push`` event also shows a push that sent nothing new, which on the containerd image
    store asks only ``HEAD manifests/TAG`` and leaves no PUT in the log."""
    pushed = last_push(requests, want)
    events = lab.engine.events(since_ns=0)
    engine_pushes = [
        e.time_ns for e in events if e.action == "push" and same_image_name(e.actor, want.ref)
    ]
    return max([pushed.time_ns if pushed else 0, *engine_pushes]), events


def removed_then_pulled(events: list[EngineEvent], image_id: str, ref: str, after_ns: int) -> bool:
    """Whether the engine's events show image ``image_id`` deleted (its last local name
    removed) after ``after_ns`` and ``ref`` pulled after that."""
    deleted = [
        e.time_ns
        for e in events
        if e.action == "delete" and e.actor == image_id and e.time_ns > after_ns
    ]
    pulled = [e.time_ns for e in events if e.action == "pull" and same_image_name(e.actor, ref)]
    return any(p >= d for d in deleted for p in pulled)


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} B"
