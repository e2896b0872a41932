"""The registry, as the hub reads it: its notifications (who pushed which tag, when), its tags
and manifests (for the tags page and API), and which repositories an account may see."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from keys import Signer
from settings import Settings
from store import Refused, Store, now

if TYPE_CHECKING:
    from auth import Principal

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
INDEX_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)


ACCEPT = ", ".join(MANIFEST_TYPES + INDEX_TYPES)
WRITE = ("pull", "push", "delete")
"""What the hub allows itself on a repository it deletes from."""
HUB_AGENT = "classroom-hub"
"""The hub's own requests to the registry: their push events (a tag put back after a deletion)
are nobody's push."""


class Registry:
    def __init__(self, store: Store, signer: Signer, settings: Settings) -> None:
        self.store = store
        self.signer = signer
        self.url = settings.registry
        self.service = settings.service

    # --- the registry's notifications ------------------------------------------------------------

    def events(self, envelope: dict) -> None:
        for event in envelope.get("events") or []:
            target = event.get("target") or {}
            media = target.get("mediaType", "")
            namespace, _, name = (target.get("repository") or "").partition("/")
            if not name or media not in MANIFEST_TYPES + INDEX_TYPES:
                continue
            when = event.get("timestamp") or now()
            agent = (event.get("request") or {}).get("useragent", "")
            if event.get("action") == "push" and target.get("tag") and agent != HUB_AGENT:
                actor = (event.get("actor") or {}).get("name", "")
                self.store.pushed(
                    namespace, name, target["tag"], target.get("digest", ""), actor, when
                )
            elif event.get("action") == "pull" and _by_engine(event):  # not the hub's own reads
                self.store.pulled(
                    namespace, name, target.get("tag") or target.get("digest", ""), when
                )

    # --- reading the registry (for the tags page and API) ----------------------------------------

    def _get(self, path: str, repository: str, accept: str = "") -> tuple[dict, dict]:
        """A registry's JSON answer and headers (``({}, {})`` when it has no such thing)."""
        _, headers, body = self._raw(
            "GET", path, repository, {"Accept": accept} if accept else None
        )
        return json.loads(body or b"{}"), headers

    def _raw(self, method: str, path: str, repository: str, headers: dict | None = None,
             data: bytes | None = None, actions: tuple[str, ...] = ("pull",)) -> tuple[int, dict, bytes]:  # fmt: skip
        """One request to the registry as the hub itself, allowed ``actions`` on ``repository``
        (its writes say ``User-Agent: HUB_AGENT``); a 404 is answered as ``(404, {}, b"")``."""
        import urllib.request  # here, not at the top: a tenth of the hub's start-up time

        access = [{"type": "repository", "name": repository, "actions": list(actions)}]
        token = self.signer.registry_token("hub", self.service, access)["token"]
        request = urllib.request.Request(
            self.url + path, method=method, data=data,
            headers={"Authorization": "Bearer " + token, **(headers or {})},
        )  # fmt: skip
        if method in ("PUT", "DELETE"):
            request.add_header("User-Agent", HUB_AGENT)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 404, {}, b""
            raise

    def tags(self, namespace: str, name: str) -> list[dict]:
        repository = f"{namespace}/{name}"
        listing, _ = self._get(f"/v2/{repository}/tags/list", repository)
        records = self.store.tag_records(namespace, name)
        found = []
        for tag in sorted(listing.get("tags") or []):
            body, headers = self._get(
                f"/v2/{repository}/manifests/{tag}",
                repository,
                ", ".join(MANIFEST_TYPES + INDEX_TYPES),
            )
            if not body:
                continue
            digest = headers.get("Docker-Content-Digest", "")
            media = body.get("mediaType") or headers.get("Content-Type", "")
            entries = [(digest, body)]
            if media in INDEX_TYPES:
                entries = []
                for entry in body.get("manifests") or []:
                    annotations = entry.get("annotations") or {}
                    platform = entry.get("platform") or {}
                    if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
                        continue
                    if platform.get("os") == "unknown":
                        continue
                    inner, _ = self._get(
                        f"/v2/{repository}/manifests/{entry['digest']}", repository,
                        ", ".join(MANIFEST_TYPES),
                    )  # fmt: skip
                    entries.append((entry["digest"], inner))
            record = records.get(tag)
            images = []
            for image_digest, manifest in entries:
                config_digest = (manifest.get("config") or {}).get("digest", "")
                config, _ = (
                    self._get(f"/v2/{repository}/blobs/{config_digest}", repository)
                    if config_digest
                    else ({}, {})
                )
                images.append(
                    {
                        "architecture": config.get("architecture", ""),
                        "os": config.get("os", ""),
                        "variant": config.get("variant"),
                        "digest": image_digest,
                        "size": sum(
                            int(layer.get("size", 0)) for layer in manifest.get("layers") or []
                        ),
                        "status": "active",
                        "last_pushed": record["last_pushed"] if record else None,
                        "last_pulled": record["last_pulled"] if record else None,
                    }
                )
            pusher = self.store.account_id(record["pusher"]) if record else 0
            found.append(
                {
                    "id": abs(hash((repository, tag))) % 10**9,
                    "name": tag,
                    "repository": self.store.repository_id(namespace, name),
                    "creator": pusher,
                    "last_updater": pusher,
                    "full_size": images[0]["size"] if images else 0,
                    "images": images,
                    "digest": digest,
                    "media_type": media,
                    "content_type": "image",
                    "last_updated": record["last_pushed"] if record else None,
                    "last_updater_username": record["pusher"] if record else "",
                    "tag_last_pushed": record["last_pushed"] if record else None,
                    "tag_last_pulled": record["last_pulled"] if record else None,
                    "tag_status": "active",
                    "v2": True,
                }
            )
        # Newest push first, as Docker Hub lists them (a tag never pushed through here last).
        found.sort(key=lambda t: t["name"])
        found.sort(key=lambda t: t["tag_last_pushed"] or "", reverse=True)
        return found

    # --- deleting, as Docker Hub's API deletes --------------------------------------------------

    def _digests(self, repository: str) -> dict[str, str]:
        """``{tag: digest}`` for every tag the registry holds."""
        listing, _ = self._get(f"/v2/{repository}/tags/list", repository)
        found = {}
        for tag in listing.get("tags") or []:
            _, headers, _ = self._raw(
                "HEAD", f"/v2/{repository}/manifests/{tag}", repository, {"Accept": ACCEPT}
            )
            if headers.get("Docker-Content-Digest"):
                found[tag] = headers["Docker-Content-Digest"]
        return found

    def delete_tag(self, namespace: str, name: str, tag: str) -> None:
        """The tag goes; the image and the repository's other tags stay, as on Docker Hub. The
        registry deletes an image by digest with every tag on it: the others are put back at
        once, with the same manifest (same digest), by the hub (whose pushes are not logged as
        anyone's)."""
        repository = f"{namespace}/{name}"
        status, headers, body = self._raw(
            "GET", f"/v2/{repository}/manifests/{tag}", repository, {"Accept": ACCEPT}
        )
        if status == 404:
            raise Refused(404, "tag not found")
        digest = headers.get("Docker-Content-Digest", "")
        siblings = [t for t, d in self._digests(repository).items() if d == digest and t != tag]
        self._raw("DELETE", f"/v2/{repository}/manifests/{digest}", repository, actions=WRITE)
        kind = {"Content-Type": headers.get("Content-Type", MANIFEST_TYPES[0])}
        for other in siblings:
            path = f"/v2/{repository}/manifests/{other}"
            self._raw("PUT", path, repository, kind, body, actions=WRITE)
        self.store.forget_tag(namespace, name, tag)

    def delete_repository(self, namespace: str, name: str) -> None:
        """Every image of the repository goes, and its record: a push makes it anew."""
        repository = f"{namespace}/{name}"
        for digest in set(self._digests(repository).values()):
            self._raw("DELETE", f"/v2/{repository}/manifests/{digest}", repository, actions=WRITE)
        self.store.delete_repository(namespace, name)

    # --- what an account may see ------------------------------------------------------------------

    def record(self, namespace: str, name: str):
        """The repository's record; made (public) if the registry has it but its push event has
        not arrived yet (notifications are sent after the push answered)."""
        found = self.store.repository(namespace, name)
        if found is None and "/" not in name:
            try:
                listing, _ = self._get(f"/v2/{namespace}/{name}/tags/list", f"{namespace}/{name}")
            except (OSError, ValueError):
                return None
            if listing.get("tags"):
                try:
                    self.store.create_repository(namespace, name, False)
                except Refused:
                    pass  # the push event made it meanwhile
                found = self.store.repository(namespace, name)
        return found

    def visible(self, who: Principal | None, namespace: str, name: str):
        """The repository if ``who`` may see it (its owner, the grader, anyone when public)."""
        found = self.record(namespace, name)
        if found is None:
            return None
        if found.is_private and not (who and (who.kind == "admin" or who.username == namespace)):
            return None
        return found


def _by_engine(event: dict) -> bool:
    agent = (event.get("request") or {}).get("useragent", "")
    return agent.startswith(("docker/", "containerd/"))
