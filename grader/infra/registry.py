"""The classroom registry: a real CNCF Distribution registry that requires login, started with
testcontainers, and the HTTP questions the grader asks it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import tarfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import bcrypt
import requests

from ..errors import PortInUse, RegistryUnavailable
from . import net
from .engine import Engine

# Without Docker Hub the reaper image (testcontainers/ryuk) cannot be had; the course removes
# what it starts itself (labels on everything, removal on stop and at the next start).
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from testcontainers.core.config import testcontainers_config  # noqa: E402
from testcontainers.core.container import DockerContainer  # noqa: E402

testcontainers_config.ryuk_disabled = True

BCRYPT_ROUNDS = 4
"""Distribution checks the bcrypt hash on every request; cost 4 (the minimum) keeps a push of a
2 MB image at ~0.2 s where testcontainers' cost 12 takes ~3 s (see FIELD-NOTES)."""

IMAGE_MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
INDEX_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
MANIFEST_TYPES = ", ".join(IMAGE_MANIFEST_TYPES + INDEX_TYPES)
ATTESTATION = "attestation-manifest"
"""``vnd.docker.reference.type`` of the manifests BuildKit adds to an index (provenance)."""


@dataclass(frozen=True)
class Manifest:
    """What the registry holds for one tag, as Docker Hub shows it.

    A tag names an image manifest (what the classic image store and the legacy builder push) or
    an image index (what BuildKit on the containerd image store pushes: the platform's manifest
    plus an attestation manifest). For an index, the image fields are those of the manifest for
    this machine's platform, picked as ``docker pull`` picks it; attestations are skipped."""

    repository: str
    reference: str
    digest: str
    """The tag's digest (``Docker-Content-Digest``): what ``docker push`` prints and Docker Hub
    shows; the index's digest when the tag is an index."""
    config_digest: str
    """The config blob's digest: the local image ID on the classic image store."""
    layers: tuple[tuple[str, int], ...]
    """``(digest, compressed size)`` of each layer."""
    media_type: str = IMAGE_MANIFEST_TYPES[0]
    image_digest: str = ""
    """The digest of the image manifest itself: the platform's entry of an index, else
    :attr:`digest`."""
    platform: str = ""
    """``os/architecture`` of the image manifest, where the index says it."""
    platforms: tuple[str, ...] = ()
    """Every platform an index offers (attestations left out)."""
    attestations: int = 0
    """How many attestation manifests the index carries."""

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    @property
    def size(self) -> int:
        """Compressed size: the sum of the layers, the figure Docker Hub shows."""
        return sum(size for _, size in self.layers)

    def identifies(self, image_id: str) -> bool:
        """Whether a local image ID is this image: its config digest (classic image store), or
        the digest of its index or manifest (containerd image store)."""
        return bool(image_id) and image_id in (
            self.config_digest,
            self.digest,
            self.image_digest or self.digest,
        )


@dataclass(frozen=True)
class RegistryRequest:
    """One line of the registry's request log."""

    index: int
    """Position in the log: later requests have larger indexes."""
    time: str
    method: str
    uri: str
    status: int
    user: str
    useragent: str
    message: str

    @property
    def by_docker(self) -> bool:
        return self.useragent.startswith("docker/")

    @property
    def time_ns(self) -> int:
        """:attr:`time` (RFC 3339, nanoseconds) as nanoseconds since the epoch; 0 if unreadable."""
        return rfc3339_ns(self.time)

    def target(self) -> tuple[str, str, str] | None:
        """``(repository, 'manifests' | 'blobs' | 'tags', reference)`` for a /v2/ API path."""
        path = self.uri.split("?", 1)[0]
        if not path.startswith("/v2/"):
            return None
        for kind in ("manifests", "blobs", "tags"):
            marker = f"/{kind}/"
            if marker in path:
                repo, _, ref = path[4:].rpartition(marker)
                return repo, kind, ref
        return None


class RegistryAPI:
    """HTTP questions to the registry, asked as the grader's own account."""

    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str],
        platform: str = "linux/amd64",
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        """Plain HTTP, or into a grading sandbox's network namespace (``Namespace.session``)."""
        self.session.auth = auth
        self.platform = platform
        """``os/architecture`` whose manifest an index is read for (the engine's own)."""

    def _get(self, path: str, *, method: str = "GET", auth=None, headers=None) -> requests.Response:
        try:
            return self.session.request(
                method, self.base_url + path, auth=auth, headers=headers, timeout=10
            )
        except requests.exceptions.RequestException as error:
            raise RegistryUnavailable(
                f"The classroom registry at {self.base_url} did not answer ({type(error).__name__}).",
                "Start the lab again (lab.stop(); Lab.start(...)); `grader doctor` shows the engine's state.",
            ) from None

    def mark(self) -> str:
        """Send a request only the grader makes and return its URI: once it shows in the log,
        the log holds every request answered before it (Distribution writes a request's line
        after sending the response, so a client can finish before its line is written)."""
        uri = f"/v2/?mark={secrets.token_hex(8)}"
        self._get(uri)
        return uri

    def authenticates(self, username: str, secret: str) -> bool:
        """Would the registry let ``username`` in with ``secret``?"""
        return self._get("/v2/", auth=(username, secret)).status_code == 200

    def answers(self) -> bool:
        """Does anything answer HTTP at the registry's address (any status)?"""
        try:
            self.session.get(self.base_url + "/v2/", timeout=0.5)
            return True
        except requests.exceptions.RequestException:
            return False

    def ping(self) -> bool:
        return self._get("/v2/").status_code == 200

    def requires_login(self, repository: str) -> bool:
        """Whether a client without a credential is refused ``repository`` (like a private
        repository on Docker Hub; the classroom registry refuses everything without login)."""
        return self._get(f"/v2/{repository}/tags/list", auth=_anonymous).status_code == 401

    def catalog(self) -> list[str]:
        response = self._get("/v2/_catalog?n=1000")
        return response.json().get("repositories") or [] if response.ok else []

    def tags(self, repository: str) -> list[str]:
        response = self._get(f"/v2/{repository}/tags/list")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return sorted(response.json().get("tags") or [])

    def manifest(self, repository: str, reference: str) -> Manifest | None:
        """What ``repository:reference`` names, read as the docker client reads it."""
        found = self._manifest_json(repository, reference)
        if found is None:
            return None
        digest, media_type, body = found
        if media_type not in INDEX_TYPES:
            return _image_manifest(repository, reference, digest, media_type, body, digest)
        entries = [e for e in body.get("manifests") or [] if not _is_attestation(e)]
        platforms = tuple(_platform(e) for e in entries)
        want = self.platform.split("/")[:2]
        chosen = next((e for e in entries if _platform(e).split("/")[:2] == want), None)
        chosen = chosen or next(iter(entries), None)
        image = self._manifest_json(repository, chosen["digest"]) if chosen else None
        fields = {"config_digest": "", "layers": ()}
        if image is not None:
            inner = _image_manifest(repository, reference, digest, image[1], image[2], image[0])
            fields = {"config_digest": inner.config_digest, "layers": inner.layers}
        return Manifest(
            repository=repository,
            reference=reference,
            digest=digest,
            media_type=media_type,
            image_digest=chosen["digest"] if chosen else "",
            platform=_platform(chosen) if chosen else "",
            platforms=platforms,
            attestations=len(body.get("manifests") or []) - len(entries),
            **fields,
        )

    def image_platform(self, repository: str, manifest: Manifest) -> str:
        """``os/architecture`` from the image's config blob ("" if it cannot be read)."""
        if not manifest.config_digest:
            return ""
        response = self._get(f"/v2/{repository}/blobs/{manifest.config_digest}")
        try:
            config = response.json() if response.ok else {}
        except ValueError:
            return ""
        return f"{config.get('os', '')}/{config.get('architecture', '')}".strip("/")

    def _manifest_json(self, repository: str, reference: str) -> tuple[str, str, dict] | None:
        response = self._get(
            f"/v2/{repository}/manifests/{reference}", headers={"Accept": MANIFEST_TYPES}
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body = response.json()
        media_type = body.get("mediaType") or response.headers.get("Content-Type", "")
        return response.headers.get("Docker-Content-Digest", ""), media_type, body


def _image_manifest(repository, reference, digest, media_type, body, image_digest) -> Manifest:
    return Manifest(
        repository=repository,
        reference=reference,
        digest=digest,
        config_digest=(body.get("config") or {}).get("digest", ""),
        layers=tuple((layer["digest"], int(layer["size"])) for layer in body.get("layers", [])),
        media_type=media_type,
        image_digest=image_digest,
    )


def _is_attestation(entry: dict) -> bool:
    annotations = entry.get("annotations") or {}
    platform = entry.get("platform") or {}
    return (
        annotations.get("vnd.docker.reference.type") == ATTESTATION
        or platform.get("os") == "unknown"
    )


def _platform(entry: dict) -> str:
    platform = entry.get("platform") or {}
    text = f"{platform.get('os', '')}/{platform.get('architecture', '')}"
    return text + (f"/{platform['variant']}" if platform.get("variant") else "")


def rfc3339_ns(text: str) -> int:
    """``2026-11-27T03:32:19.161961112Z`` as nanoseconds since the epoch (0 if unreadable)."""
    seconds, _, fraction = text.rstrip("Z").partition(".")
    try:
        whole = datetime.fromisoformat(seconds).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0
    digits = "".join(c for c in fraction if c.isdigit())[:9].ljust(9, "0")
    return int(whole) * 10**9 + int(digits)


def _anonymous(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that sends no credential (the session's own account is not used)."""
    return request


def _htpasswd_line(username: str, secret: str) -> str:
    hashed = bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS, prefix=b"2a"))
    return f"{username}:{hashed.decode()}"


class ClassroomRegistry(DockerContainer):
    """A Distribution registry (``registry:2`` or its offline build) that requires login.

    Accounts live in an htpasswd file inside the container; Distribution re-reads it when its
    modification time changes, so accounts are added without a restart.
    """

    PORT = 5000
    HTPASSWD = "/auth/htpasswd"

    def __init__(
        self,
        image: str,
        labels: dict,
        host_port: int | None = None,
        grader_account: tuple[str, str] | None = None,
        users: dict[str, str] | None = None,
        docker_client_kw: dict | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(image, docker_client_kw=docker_client_kw)
        self._session = session
        """Set for a registry in a grading sandbox: HTTP made inside its network namespace."""
        self.accounts: dict[str, str] = {}
        """``{username: htpasswd line}``: what this object wrote to the htpasswd file (attach()
        reads the file instead)."""
        self._htpasswd_mtime = 0
        self.host_port_request = host_port
        self.host_port = 0
        """The port on the engine's host, known once started."""
        self.grader_account = grader_account or (
            "grader" + secrets.token_hex(6),
            secrets.token_urlsafe(24),
        )
        self.with_envs(
            REGISTRY_AUTH="htpasswd",
            REGISTRY_AUTH_HTPASSWD_REALM="Classroom Registry",
            REGISTRY_AUTH_HTPASSWD_PATH=self.HTPASSWD,
            REGISTRY_LOG_FORMATTER="json",
            REGISTRY_LOG_LEVEL="info",
            REGISTRY_LOG_ACCESSLOG_DISABLED="true",
            REGISTRY_STORAGE_DELETE_ENABLED="true",
            REGISTRY_HTTP_SECRET=secrets.token_hex(16),
        )
        # Bound to the loopback interface only: the classroom's network never sees the registry,
        # and the engine may push over plain HTTP to localhost.
        # (testcontainers' with_bind_ports takes no interface; the SDK's port spec does.)
        self.ports[f"{self.PORT}/tcp"] = ("127.0.0.1", host_port) if host_port else ("127.0.0.1",)
        self.with_kwargs(labels=labels)
        self.accounts.setdefault(self.grader_account[0], _htpasswd_line(*self.grader_account))
        for username, secret in (users or {}).items():  # in the file before the first request
            self.accounts[username] = _htpasswd_line(username, secret)
        self.with_copy_into_container(self._htpasswd_bytes(), self.HTPASSWD)
        self._api: RegistryAPI | None = None

    def _htpasswd_bytes(self) -> bytes:
        return ("\n".join(self.accounts.values()) + "\n").encode()

    def start(self) -> ClassroomRegistry:
        try:
            super().start()
        except Exception as error:  # the SDK's APIError carries the engine's reason
            text = str(error)
            if "port is already allocated" in text or "address already in use" in text:
                raise PortInUse(
                    f"Port {self.host_port_request} is already taken on this machine.",
                    "Start the lab without port= to get a free port, or free that port.",
                ) from None
            raise
        self.host_port = int(self.get_docker_client().port(self.get_container_id(), self.PORT))
        self._api = self._connect()
        return self

    def attach(self, container_id: str) -> ClassroomRegistry:
        """Take over a registry container started earlier (a learner's lab that outlives its
        kernel), starting it again if the engine stopped it."""
        self._container = self.get_docker_client().client.containers.get(container_id)
        if self._container.status != "running":
            self._container.start()
        self.accounts = self.read_accounts()
        self.host_port = int(self.get_docker_client().port(self.get_container_id(), self.PORT))
        self._api = self._connect()
        return self

    @property
    def push_host(self) -> str:
        """``localhost:PORT``: the address the engine pushes to (its own loopback, where plain
        HTTP is allowed)."""
        return f"localhost:{self.host_port}"

    def _connect(self) -> RegistryAPI:
        """Find the address the grader's own HTTP calls reach (differs from the push address
        when the grader runs in a container with the host's engine socket)."""
        if self._session is not None:
            api = RegistryAPI(
                f"http://127.0.0.1:{self.host_port}", self.grader_account, session=self._session
            )
            deadline = time.monotonic() + 30
            while not api.answers():
                if time.monotonic() > deadline:
                    raise RegistryUnavailable(
                        "The classroom registry in the grading sandbox did not answer.",
                        "Grade again; `grader doctor` shows what is left.",
                    )
                time.sleep(0.02)
            return api
        candidates = [f"127.0.0.1:{self.host_port}"]
        with contextlib.suppress(Exception):
            candidates.append(f"{self.get_container_host_ip()}:{self.get_exposed_port(self.PORT)}")
        with contextlib.suppress(Exception):
            bridge = self.get_docker_client().bridge_ip(self.get_container_id())
            candidates.append(f"{bridge}:{self.PORT}")
        address = net.first_answering(
            [f"http://{c}/v2/" for c in dict.fromkeys(candidates)], deadline=30
        )
        if address is None:
            logs = self.get_wrapped_container().logs(tail=10).decode("utf-8", "replace")
            raise RegistryUnavailable(
                f"The classroom registry started but did not answer on {', '.join(candidates)}.",
                "Run `grader doctor`. The registry's last log lines:\n" + logs,
            )
        return RegistryAPI(address.removesuffix("/v2/"), self.grader_account)

    @property
    def api(self) -> RegistryAPI:
        assert self._api is not None, "start() first"
        return self._api

    def set_account(self, username: str, secret: str) -> None:
        """Create or replace an account. Takes effect at the registry's next request."""
        self.accounts[username] = _htpasswd_line(username, secret)
        # Distribution reloads when the file's mtime changes; tar keeps whole seconds, so make
        # every rewrite's mtime strictly later than the last one.
        self._htpasswd_mtime = max(int(time.time()), self._htpasswd_mtime + 1)
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w") as tar:
            content = self._htpasswd_bytes()
            info = tarfile.TarInfo(self.HTPASSWD.lstrip("/"))
            info.size, info.mtime, info.mode = len(content), self._htpasswd_mtime, 0o644
            tar.addfile(info, io.BytesIO(content))
        self.get_wrapped_container().put_archive("/", data.getvalue())
        deadline = time.monotonic() + 5
        while not self.api.authenticates(username, secret):
            if time.monotonic() > deadline:
                raise RegistryUnavailable(
                    f"The registry did not take the account {username!r}.", "Start the lab again."
                )
            time.sleep(0.05)

    def read_accounts(self) -> dict[str, str]:
        """``{username: htpasswd line}`` as the registry's htpasswd file holds them now (another
        process may have added an account since this object wrote it)."""
        stream, _ = self.get_wrapped_container().get_archive(self.HTPASSWD)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.getmembers()[0]
            self._htpasswd_mtime = max(self._htpasswd_mtime, int(member.mtime))
            text = tar.extractfile(member).read().decode()  # type: ignore[union-attr]
        return {line.split(":", 1)[0]: line for line in text.splitlines() if ":" in line}

    def student_accounts(self) -> list[str]:
        """The accounts in the registry other than the grader's own, in the file's order."""
        return [name for name in self.read_accounts() if name != self.grader_account[0]]

    def has_account(self, username: str) -> bool:
        return username in self.read_accounts()


def requests_log(
    engine: Engine, container_id: str, api: RegistryAPI | None = None
) -> list[RegistryRequest]:
    """The registry's own request log, oldest first.

    Distribution logs a finished request as ``response completed`` (``… with error`` for 4xx/5xx,
    which also names the user), and a refused one before any handler runs: ``error
    authenticating user "NAME"`` for a wrong secret, ``error authorizing context`` when no
    credential was sent (the docker client's first try on every request).
    """
    mark = api.mark() if api else None
    deadline = time.monotonic() + 2
    while True:
        text = engine.container_logs(container_id)
        if mark is None or mark in text or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    entries: list[RegistryRequest] = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        message = record.get("msg", "")
        if message.startswith("response completed"):
            status, user = (
                int(record.get("http.response.status") or 0),
                record.get("auth.user.name", ""),
            )
        elif message.startswith("error authenticating user"):
            status, user = 401, message.split('"')[1] if '"' in message else ""
        elif message.startswith("error authorizing context"):
            status, user = 401, ""
        else:
            continue
        entries.append(
            RegistryRequest(
                index=len(entries),
                time=record.get("time", ""),
                method=record.get("http.request.method", ""),
                uri=record.get("http.request.uri", ""),
                status=status,
                user=user,
                useragent=record.get("http.request.useragent", ""),
                message=message,
            )
        )
    return entries
