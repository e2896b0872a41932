"""The Docker engine, through the Docker SDK."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import docker
import docker.errors
import requests

from ..errors import EngineUnavailable, ImageUnavailable
from ..settings import settings

LABEL = "org.publishing-course"
"""Prefix of every label the course puts on what it creates."""

ENGINE_FIX = (
    "Start a Docker engine and try again: Docker Desktop on macOS/Windows; on Debian/Ubuntu "
    "`sudo apt-get install docker.io && sudo systemctl start docker` (or `bash .ci/start-docker`). "
    "`docker info` must answer."
)


CLASSIC = "classic"
CONTAINERD = "containerd"
BUILDKIT = "BuildKit"
LEGACY = "legacy builder"
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}


@dataclass(frozen=True)
class EngineInfo:
    """What kind of engine the learner has: the facts on which checks and lessons differ."""

    version: str
    image_store: str
    """:data:`CLASSIC` (graph drivers such as overlay2: Docker Engine up to 28, Debian's 20.10)
    or :data:`CONTAINERD` (the containerd image store: Docker Desktop 4.34+, Engine 29)."""
    storage_driver: str
    builder: str
    """What ``docker build`` uses here: :data:`BUILDKIT` or :data:`LEGACY`."""
    os: str
    architecture: str
    """As registries name it: ``amd64``, ``arm64``, …"""

    @property
    def containerd_store(self) -> bool:
        return self.image_store == CONTAINERD

    @property
    def platform(self) -> str:
        return f"{self.os}/{self.architecture}"

    def describe(self) -> str:
        store = "the containerd image store" if self.containerd_store else "the classic image store"
        return f"Docker {self.version} ({self.platform}), {store} ({self.storage_driver}), {self.builder}"


@dataclass(frozen=True)
class EngineEvent:
    """One line of the engine's own event log (``docker events``)."""

    time_ns: int
    type: str
    action: str
    """``pull``, ``push``, ``tag``, ``untag``, ``delete``, ``start``, …"""
    actor: str
    """The image ID, or a reference for pull and push events, or a container ID."""
    name: str
    """The ``name`` attribute: the reference an image event concerns, a container's name."""
    image: str = ""
    """A container event's ``image`` attribute: the reference it was started from."""


@dataclass(frozen=True)
class LocalImage:
    """An image in the engine's store."""

    id: str
    """``sha256:…``: the image ID. On the classic store it is the digest of the image's config;
    on the containerd store it is the digest of its manifest or index (what ``docker push``
    prints). Compare it with a registry's image through :meth:`Manifest.identifies`."""
    tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    """``repo@sha256:…`` entries the engine recorded on push and pull."""
    size: int
    """``docker image inspect``'s Size: the unpacked size on the classic store, about the
    compressed content on the containerd store (see :meth:`Engine.listed_size`)."""
    labels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerInfo:
    """A container, as the engine reports it."""

    id: str
    name: str
    image_id: str
    image_ref: str
    """The reference the container was started from (``Config.Image``)."""
    status: str
    ports: dict
    """``{container_port: [host_port, …]}`` for published TCP ports."""
    labels: dict

    @property
    def running(self) -> bool:
        return self.status == "running"


@contextlib.contextmanager
def _engine_errors(what: str) -> Iterator[None]:
    try:
        yield
    except (requests.exceptions.ConnectionError, docker.errors.DockerException) as error:
        if isinstance(error, docker.errors.APIError) and not _is_connection_error(error):
            raise
        raise EngineUnavailable(
            f"The Docker engine did not answer while {what}: {error}", ENGINE_FIX
        ) from None


def _is_connection_error(error: docker.errors.APIError) -> bool:
    return error.response is None


class Engine:
    """Questions and orders for the Docker engine. Every call to the engine goes through here."""

    def __init__(self, client: docker.DockerClient, host: str | None = None) -> None:
        self.client = client
        self.host = host
        """The engine's address when it is not the environment's (a grading sandbox's)."""

    @classmethod
    def at(cls, host: str, timeout: int = 120) -> Engine:
        """The engine at ``host`` (``unix:///path``), e.g. a grading sandbox's."""
        return cls(docker.DockerClient(base_url=host, timeout=timeout), host)

    def _cli_env(self, **extra: str) -> dict[str, str]:
        """The environment for the docker CLI to reach this engine."""
        env = dict(os.environ, **extra)
        if self.host:
            env["DOCKER_HOST"] = self.host
            env.pop("DOCKER_CONTEXT", None)
        return env

    @classmethod
    def connect(cls, timeout: int = 60) -> Engine:
        """Connect to the engine named by the environment (``DOCKER_HOST``) or raise
        :class:`EngineUnavailable` with the fix."""
        try:
            client = docker.from_env(timeout=timeout)
            client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
            where = settings().docker_host or "the default socket (/var/run/docker.sock)"
            raise EngineUnavailable(
                f"No Docker engine answers at {where} ({_short(error)}).", ENGINE_FIX
            ) from None
        return cls(client)

    def close(self) -> None:
        self.client.close()

    def version(self) -> str:
        return str(self._info.get("ServerVersion") or "?")

    @functools.cached_property
    def _info(self) -> dict:
        with _engine_errors("asking what it is"):
            return self.client.info()

    @property
    def platform(self) -> str:
        """``os/architecture`` as registries name it, e.g. ``linux/amd64``."""
        arch = str(self._info.get("Architecture") or "")
        return f"{self._info.get('OSType') or 'linux'}/{_ARCHITECTURES.get(arch, arch)}"

    @functools.cached_property
    def info(self) -> EngineInfo:
        """The engine's version, image store, builder and platform (asked once)."""
        info = self._info
        driver_status = {str(k): str(v) for k, v in (info.get("DriverStatus") or []) if k}
        containerd = driver_status.get("driver-type") == "io.containerd.snapshotter.v1"
        os_name, _, architecture = self.platform.partition("/")
        return EngineInfo(
            version=self.version(),
            image_store=CONTAINERD if containerd else CLASSIC,
            storage_driver=str(info.get("Driver") or "?"),
            builder=cli_builder(),
            os=os_name,
            architecture=architecture,
        )

    def events(self, since_ns: int, type: str = "image") -> list[EngineEvent]:
        """The engine's own events of ``type`` since ``since_ns`` (nanoseconds since the
        epoch), oldest first. The engine keeps its last 256 events or so."""
        until_ns = time.time_ns()  # the engine holds the stream open until then: no later
        with _engine_errors("reading its events"):
            stream = self.client.api.events(
                since=_seconds(max(since_ns, 10**9)),
                until=_seconds(until_ns),
                filters={"type": type},
                decode=True,
            )
            found = []
            for event in stream:
                actor = event.get("Actor") or {}
                found.append(
                    EngineEvent(
                        time_ns=int(event.get("timeNano") or event.get("time", 0) * 10**9),
                        type=event.get("Type", ""),
                        action=event.get("Action", ""),
                        actor=actor.get("ID", ""),
                        name=(actor.get("Attributes") or {}).get("name", ""),
                        image=(actor.get("Attributes") or {}).get("image", ""),
                    )
                )
        return found

    def listed_size(self, ref: str) -> int | None:
        """The size ``docker images`` shows for ``ref``: unpacked on the classic store; unpacked
        plus the compressed content on the containerd store."""
        with _engine_errors(f"listing {ref}"):
            for summary in self.client.api.images(name=ref):
                return int(summary.get("Size") or 0)
        return None

    # images -----------------------------------------------------------------------------------

    def image(self, ref: str) -> LocalImage | None:
        """The image ``ref`` names (a name:tag or an ID), or None."""
        with _engine_errors(f"looking up {ref}"):
            try:
                return _local_image(self.client.images.get(ref))
            except docker.errors.ImageNotFound:
                return None
            except docker.errors.APIError as error:
                if error.status_code in (400, 404):  # malformed names count as missing
                    return None
                raise

    def images(self) -> list[LocalImage]:
        """Every tagged image, from one listing (their ``size`` is what ``docker images``
        shows). No per-image inspect that a removal in between could break; and since the
        containerd image store answers a listing with 404 when an image goes while it lists,
        the listing is asked again then."""
        with _engine_errors("listing images"):
            for _ in range(10):
                try:
                    return [_image_summary(summary) for summary in self.client.api.images()]
                except docker.errors.NotFound:
                    time.sleep(0.05)
            return [_image_summary(summary) for summary in self.client.api.images()]

    def tag(self, source: str, target: str) -> None:
        repository, _, tag = target.rpartition(":")
        with _engine_errors(f"tagging {source}"):
            self.client.images.get(source).tag(repository, tag)

    def remove_image(self, ref: str) -> bool:
        """Remove one tag (the image stays while another tag points at it). False if absent."""
        with _engine_errors(f"removing {ref}"):
            try:
                self.client.images.remove(ref, noprune=False)
                return True
            except docker.errors.ImageNotFound:
                return False
            except docker.errors.APIError as error:
                if error.status_code == 409:  # still used by a container
                    return False
                raise

    def pull(self, ref: str) -> None:
        """Pull ``ref``; raise :class:`ImageUnavailable` with the engine's reason if it fails."""
        repository, _, tag = ref.rpartition(":")
        with _engine_errors(f"pulling {ref}"):
            try:
                self.client.images.pull(repository, tag=tag)
            except docker.errors.APIError as error:
                raise ImageUnavailable(f"Pulling {ref} failed: {_short(error)}", "") from None

    def build(self, context: str, tag: str, buildargs: dict | None = None) -> list[str]:
        """Build one of the course's images from ``context`` (a folder with a Dockerfile) as
        ``tag`` the way a learner's ``docker build`` does (BuildKit where the CLI has it, else the
        legacy builder); return the build's output lines."""
        argv = [_docker_cli(), "build", "-t", tag]
        for key, value in (buildargs or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        # The CLI reaches the engine the SDK does: both read DOCKER_HOST. The course's own
        # images carry no provenance attestation: on the containerd image store an image with
        # one becomes an index whose attestation a later pull does not fetch, and the engine
        # then refuses to push the pulled copy again ("missing content"), which the lessons do.
        env = self._cli_env(BUILDKIT_PROGRESS="plain", BUILDX_NO_DEFAULT_ATTESTATIONS="1")
        try:
            done = subprocess.run(
                [*argv, context], capture_output=True, text=True, timeout=900, env=env
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ImageUnavailable(f"Building {tag} failed: {error}", "") from None
        lines = (done.stdout + done.stderr).splitlines()
        if done.returncode != 0:
            if any("Cannot connect to the Docker daemon" in line for line in lines):
                raise EngineUnavailable(
                    f"The Docker engine did not answer while building {tag}.", ENGINE_FIX
                )
            raise ImageUnavailable(
                f"Building {tag} failed (exit {done.returncode}).",
                "The build's last lines:\n" + "\n".join(lines[-8:]),
            )
        return lines

    def save(self, refs: list[str], path: str | os.PathLike) -> None:
        """``docker save`` of ``refs`` into the tarball ``path``."""
        self._cli(["save", "-o", str(path), *refs], f"saving {', '.join(refs)}")

    def load(self, path: str | os.PathLike) -> None:
        """``docker load`` of a tarball that ``save`` wrote."""
        self._cli(["load", "-q", "-i", str(path)], f"loading {path}")

    def _cli(self, args: list[str], what: str) -> str:
        try:
            done = subprocess.run(
                [_docker_cli(), *args], capture_output=True, text=True, timeout=600,
                env=self._cli_env(),
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EngineUnavailable(f"The docker CLI failed {what}: {error}", ENGINE_FIX) from None
        if done.returncode != 0:
            raise EngineUnavailable(
                f"The docker CLI failed {what}: {(done.stdout + done.stderr).strip()[-400:]}",
                ENGINE_FIX,
            )
        return done.stdout

    def import_image(self, tarball, ref: str, changes: list[str]) -> None:
        """Import a root file system (a tar stream) as image ``ref``."""
        repository, _, tag = ref.rpartition(":")
        with _engine_errors(f"importing {ref}"):
            self.client.api.import_image_from_data(
                tarball, repository=repository, tag=tag, changes=changes
            )

    # containers -------------------------------------------------------------------------------

    def containers(self, *, all: bool = False, labels: dict | None = None) -> list[ContainerInfo]:
        filters = {"label": [f"{k}={v}" if v is not None else k for k, v in (labels or {}).items()]}
        with _engine_errors("listing containers"):
            # One summary call: no per-container inspect that a removal in between could break.
            return [
                _container_summary(c) for c in self.client.api.containers(all=all, filters=filters)
            ]

    def container(self, id_or_name: str) -> ContainerInfo | None:
        with _engine_errors(f"inspecting container {id_or_name}"):
            try:
                return _container_info(self.client.containers.get(id_or_name))
            except docker.errors.NotFound:
                return None

    def container_logs(self, id_or_name: str, since: int | None = None) -> str:
        with _engine_errors(f"reading the logs of {id_or_name}"):
            try:
                raw = self.client.api.logs(id_or_name, stdout=True, stderr=True, since=since)
            except docker.errors.NotFound:
                return ""
            return raw.decode("utf-8", "replace")

    def remove_container(self, id_or_name: str) -> bool:
        with _engine_errors(f"removing container {id_or_name}"):
            try:
                self.client.api.remove_container(id_or_name, force=True, v=True)
                return True
            except docker.errors.NotFound:
                return False
            except docker.errors.APIError as error:
                if error.status_code == 409:  # removal already in progress
                    return False
                raise

    def networks(self, labels: dict) -> list:
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        with _engine_errors("listing networks"):
            return self.client.networks.list(filters=filters)

    def volumes(self, labels: dict) -> list:
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        with _engine_errors("listing volumes"):
            return self.client.volumes.list(filters=filters)

    def remove_labelled(self, labels: dict) -> list[str]:
        """Remove every container, network and volume carrying ``labels``; return what went."""
        removed = []
        for container in self.containers(all=True, labels=labels):
            if self.remove_container(container.id):
                removed.append(f"container {container.name}")
        with _engine_errors("removing networks and volumes"):
            for network in self.networks(labels):
                with contextlib.suppress(docker.errors.NotFound):
                    network.remove()
                    removed.append(f"network {network.name}")
            for volume in self.volumes(labels):
                with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                    volume.remove(force=True)
                    removed.append(f"volume {volume.name}")
        return removed


def answers(host: str) -> bool:
    """Does an engine answer at ``host`` (``unix://…``) within two seconds?"""
    try:
        client = docker.DockerClient(base_url=host, timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _seconds(ns: int) -> str:
    """Nanoseconds as the engine's ``seconds.nanoseconds`` timestamp."""
    return f"{ns // 10**9}.{ns % 10**9:09d}"


def _docker_cli() -> str:
    return shutil.which("docker") or "docker"


def cli_builder() -> str:
    """What the docker CLI builds with: BuildKit (the buildx plugin) unless it is missing or
    ``DOCKER_BUILDKIT=0`` asks for the legacy builder."""
    if settings().legacy_builder:
        return LEGACY
    return _buildx_answers(_docker_cli())


@functools.lru_cache(maxsize=8)
def _buildx_answers(cli: str) -> str:
    """Whether ``docker buildx`` works (asked once per process: it takes ~0.1 s)."""
    try:
        done = subprocess.run(
            [cli, "buildx", "version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return LEGACY
    return BUILDKIT if done.returncode == 0 else LEGACY


def _local_image(image) -> LocalImage:
    attrs = image.attrs
    return LocalImage(
        id=image.id,
        tags=tuple(image.tags),
        repo_digests=tuple(attrs.get("RepoDigests") or ()),
        size=attrs.get("Size", 0),
        labels=(attrs.get("Config") or {}).get("Labels") or {},
    )


def _image_summary(summary: dict) -> LocalImage:
    return LocalImage(
        id=summary.get("Id", ""),
        tags=tuple(t for t in summary.get("RepoTags") or () if t != "<none>:<none>"),
        repo_digests=tuple(
            d for d in summary.get("RepoDigests") or () if not d.endswith("@<none>")
        ),
        size=int(summary.get("Size") or 0),
        labels=summary.get("Labels") or {},
    )


def _container_info(container) -> ContainerInfo:
    attrs = container.attrs
    ports: dict[int, list[int]] = {}
    for spec, bindings in ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
        number, _, proto = spec.partition("/")
        if proto == "tcp" and bindings:
            ports[int(number)] = sorted({int(b["HostPort"]) for b in bindings if b.get("HostPort")})
    return ContainerInfo(
        id=container.id,
        name=container.name,
        image_id=attrs.get("Image", ""),
        image_ref=(attrs.get("Config") or {}).get("Image", ""),
        status=(attrs.get("State") or {}).get("Status", ""),
        ports=ports,
        labels=(attrs.get("Config") or {}).get("Labels") or {},
    )


def _container_summary(summary: dict) -> ContainerInfo:
    ports: dict[int, list[int]] = {}
    for port in summary.get("Ports") or []:
        if port.get("Type") == "tcp" and port.get("PublicPort"):
            ports.setdefault(int(port["PrivatePort"]), []).append(int(port["PublicPort"]))
    return ContainerInfo(
        id=summary["Id"],
        name=(summary.get("Names") or ["/?"])[0].lstrip("/"),
        image_id=summary.get("ImageID", ""),
        image_ref=summary.get("Image", ""),
        status=summary.get("State", ""),
        ports={k: sorted(set(v)) for k, v in ports.items()},
        labels=summary.get("Labels") or {},
    )


def _short(error: Exception) -> str:
    text = str(error)
    if isinstance(error, docker.errors.APIError) and error.explanation:
        text = str(error.explanation)
    return text.strip().splitlines()[0][:300] if text.strip() else type(error).__name__
