"""The Docker engine, through the Docker SDK."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import docker
import docker.errors
import requests

from ..errors import EngineUnavailable, ImageUnavailable

LABEL = "org.publishing-course"
"""Prefix of every label the course puts on what it creates."""

ENGINE_FIX = (
    "Start a Docker engine and try again: Docker Desktop on macOS/Windows; on Debian/Ubuntu "
    "`sudo apt-get install docker.io && sudo systemctl start docker` (or `bash .ci/start-docker`). "
    "`docker info` must answer."
)


@dataclass(frozen=True)
class LocalImage:
    """An image in the engine's store."""

    id: str
    """``sha256:…``: the image ID, which is the digest of its config."""
    tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    """``repo@sha256:…`` entries the engine recorded on push and pull."""
    size: int
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

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, timeout: int = 60) -> Engine:
        """Connect to the engine named by the environment (``DOCKER_HOST``) or raise
        :class:`EngineUnavailable` with the fix."""
        try:
            client = docker.from_env(timeout=timeout)
            client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
            where = os.environ.get("DOCKER_HOST") or "the default socket (/var/run/docker.sock)"
            raise EngineUnavailable(
                f"No Docker engine answers at {where} ({_short(error)}).", ENGINE_FIX
            ) from None
        return cls(client)

    def close(self) -> None:
        self.client.close()

    def version(self) -> str:
        with _engine_errors("asking its version"):
            return self.client.version().get("Version", "?")

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
        with _engine_errors("listing images"):
            return [_local_image(image) for image in self.client.images.list()]

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
        """Build ``context`` (a folder with a Dockerfile) as ``tag``; return the build log."""
        lines: list[str] = []
        with _engine_errors(f"building {tag}"):
            try:
                for chunk in self.client.api.build(
                    path=context, tag=tag, buildargs=buildargs or {}, rm=True, decode=True
                ):
                    if "stream" in chunk:
                        lines.append(chunk["stream"].rstrip("\n"))
                    if "error" in chunk:
                        raise ImageUnavailable(
                            f"Building {tag} failed: {chunk['error'].strip()}",
                            "Read the build log above; " + "\n".join(lines[-5:]),
                        )
            except docker.errors.APIError as error:
                raise ImageUnavailable(f"Building {tag} failed: {_short(error)}", "") from None
        return lines

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


def _local_image(image) -> LocalImage:
    attrs = image.attrs
    return LocalImage(
        id=image.id,
        tags=tuple(image.tags),
        repo_digests=tuple(attrs.get("RepoDigests") or ()),
        size=attrs.get("Size", 0),
        labels=(attrs.get("Config") or {}).get("Labels") or {},
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
