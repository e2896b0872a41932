"""The registry's HTTP API as the grader asks it: manifests, tags and the catalog, with token auth
as Docker Hub's registry has it (a Bearer challenge answered by the hub's token service)."""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass

import requests

from ..errors import RegistryUnavailable
from .client import Challenge, HubAPI, HubRefused

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
class LimitAnswer:
    """A registry's answer to a manifest request, with Docker Hub's pull-limit headers, as
    ``curl --head`` shows them (docs.docker.com/docker-hub/usage/pulls/)."""

    method: str
    url: str
    status: int
    limit: str = ""
    """``ratelimit-limit``, e.g. ``100;w=21600`` (100 pulls per 21,600 seconds); "" when the
    registry sends none (no limit)."""
    remaining: str = ""
    source: str = ""
    """``docker-ratelimit-source``: what the count is kept for (an address, or an account)."""
    error: str = ""
    """The registry's refusal as docker prints it (``toomanyrequests: ...``); "" when served."""

    @property
    def refused(self) -> bool:
        return self.status == 429

    def __str__(self) -> str:
        lines = [f"{self.method} {self.url}: {self.status}"]
        headers = (
            ("ratelimit-limit", self.limit),
            ("ratelimit-remaining", self.remaining),
            ("docker-ratelimit-source", self.source),
        )
        lines += [f"{name}: {value}" for name, value in headers if value]
        if not self.limit:
            lines.append("(no ratelimit header: no pull limit here)")
        if self.error:
            lines.append(self.error)
        return "\n".join(lines)


class RegistryAPI:
    """HTTP questions to the registry, asked as the grader's own account.

    The registry uses token auth, as Docker Hub's does: a request without a token is answered
    ``401`` with a Bearer challenge; the token comes from the hub's token service
    (:attr:`hub`), for the scope the challenge names, and the request is sent again with it."""

    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str],
        hub: HubAPI,
        platform: str = "linux/amd64",
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        """Plain HTTP, or into a grading sandbox's network namespace (``Namespace.session``)."""
        self.auth = auth
        self.hub = hub
        self.platform = platform
        """``os/architecture`` whose manifest an index is read for (the engine's own)."""
        self._tokens: dict[str, str] = {}

    def _get(self, path: str, *, method: str = "GET", auth=None, headers=None) -> requests.Response:
        anonymous = auth is _anonymous
        headers = dict(headers or {})
        scope = _scope_of(path)
        # An anonymous question is asked afresh each time: a token from before a repository
        # became private would still be accepted until it expires.
        cached = None if anonymous else self._tokens.get(scope)
        if cached:
            headers["Authorization"] = "Bearer " + cached
        response = self._send(method, path, headers)
        challenge = Challenge.parse(response.headers.get("WWW-Authenticate", ""))
        if response.status_code == 401 and challenge is not None:
            try:
                token, _ = self.hub.registry_token(
                    [challenge.scope] if challenge.scope else [], None if anonymous else self.auth
                )
            except HubRefused:
                return response
            if not anonymous:
                self._tokens[scope] = token
            headers["Authorization"] = "Bearer " + token
            response = self._send(method, path, headers)
        return response

    def _send(self, method: str, path: str, headers: dict) -> requests.Response:
        try:
            return self.session.request(
                method, self.base_url + path, headers=headers, timeout=10, auth=_anonymous
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
        """Would ``docker login`` succeed as ``username`` with ``secret``?"""
        return self.hub.authenticates(username, secret)

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
        """Whether a client without a credential is refused ``repository`` (a private
        repository, or one that does not exist yet)."""
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
        chosen = self._choose(entries)
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

    def limit_answer(
        self, repository: str, reference: str, *, pull: bool = False, anonymous: bool = True
    ) -> LimitAnswer:
        """What the registry says of your pull limit, logged out (``anonymous``) or as this
        client's account. ``pull=False``: a HEAD of the tag's manifest, which reads the limit
        and counts nothing. ``pull=True``: the GETs a pull sends for the manifests (the tag's,
        and for an index the image for :attr:`platform`), which Docker Hub counts: one pull."""
        method = "GET" if pull else "HEAD"
        path = f"/v2/{repository}/manifests/{reference}"
        auth = _anonymous if anonymous else None
        response = self._get(path, method=method, auth=auth, headers={"Accept": MANIFEST_TYPES})
        kind = response.headers.get("Content-Type", "")
        if pull and response.status_code == 200 and kind in INDEX_TYPES:
            entries = [e for e in response.json().get("manifests") or [] if not _is_attestation(e)]
            chosen = self._choose(entries)
            if chosen:
                path = f"/v2/{repository}/manifests/{chosen['digest']}"
                response = self._get(path, auth=auth, headers={"Accept": MANIFEST_TYPES})
        error = ""
        if not response.ok and method == "GET":
            with contextlib.suppress(ValueError, AttributeError, IndexError, TypeError):
                first = response.json()["errors"][0]
                error = f"{str(first['code']).lower()}: {first['message']}"
        return LimitAnswer(
            method,
            self.base_url + path,
            response.status_code,
            response.headers.get("ratelimit-limit", ""),
            response.headers.get("ratelimit-remaining", ""),
            response.headers.get("docker-ratelimit-source", ""),
            error,
        )

    def _choose(self, entries: list[dict]) -> dict | None:
        """The index entry ``docker pull`` picks: this machine's platform, else the first."""
        want = self.platform.split("/")[:2]
        chosen = next((e for e in entries if _platform(e).split("/")[:2] == want), None)
        return chosen or next(iter(entries), None)

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


def _scope_of(path: str) -> str:
    """The scope a request for ``path`` needs (the key its token is kept under)."""
    path = path.split("?", 1)[0]
    if path.startswith("/v2/_catalog"):
        return "registry:catalog:*"
    # The name is everything between /v2/ and the API's last words (a repository may itself be
    # called "tags" or "manifests").
    found = re.match(r"^/v2/(.+)/(?:tags/list|(?:manifests|blobs)/[^/]+)$", path)
    return f"repository:{found.group(1)}:pull" if found else ""


def _anonymous(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that sends no credential (the session's own account is not used)."""
    return request
