"""The log model both clients read: the registry's request log (Distribution's JSON lines) and
the classroom hub's token log, with their RFC 3339 times. A leaf: it knows the engine only to read
a container's log."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from .engine import Engine
from .wait import wait_until


class Marks(Protocol):
    def mark(self) -> str: ...


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


@dataclass(frozen=True)
class TokenRequest:
    """One token request in the classroom hub's log: who asked (``account`` and the kind of
    ``credential``: ``password``, ``pat:UUID``, ``anonymous``), for which scopes, and what the
    hub granted or why it refused."""

    time: str
    account: str
    credential: str
    scope: tuple[str, ...]
    access: tuple[dict, ...]
    status: int
    error: str
    useragent: str

    @classmethod
    def from_log(cls, record: dict) -> TokenRequest | None:
        if record.get("msg") not in ("token issued", "token refused"):
            return None
        return cls(
            time=str(record.get("time", "")),
            account=str(record.get("account", "")),
            credential=str(record.get("credential", "")),
            scope=tuple(record.get("scope") or ()),
            access=tuple(record.get("access") or ()),
            status=int(record.get("status") or 200),
            error=str(record.get("error", "")),
            useragent=str(record.get("useragent", "")),
        )

    @property
    def refused(self) -> bool:
        return self.status != 200

    @property
    def by_docker(self) -> bool:
        """Asked by the engine: dockerd itself, or containerd's resolver (which fetches the
        tokens of pushes and pulls on the containerd image store)."""
        return self.useragent.startswith(("docker/", "containerd/"))

    @property
    def time_ns(self) -> int:
        return rfc3339_ns(self.time)

    def wants(self, repository: str) -> set[str]:
        """The actions asked for on ``repository``."""
        found: set[str] = set()
        for scope in self.scope:
            for item in scope.split(" "):
                kind, _, rest = item.partition(":")
                name, _, actions = rest.rpartition(":")
                if kind == "repository" and name == repository:
                    found |= set(actions.split(","))
        return found

    def got(self, repository: str) -> set[str]:
        """The actions granted on ``repository``."""
        return {
            action
            for entry in self.access
            if entry.get("type") == "repository" and entry.get("name") == repository
            for action in entry.get("actions", [])
        }


def rfc3339_ns(text: str) -> int:
    """``2026-11-27T03:32:19.161961112Z`` as nanoseconds since the epoch (0 if unreadable)."""
    found = _RFC3339.match(text.strip())
    if not found:
        return 0
    seconds, fraction, offset = found.groups()
    zone = timezone.utc
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        whole = datetime.fromisoformat(seconds).replace(tzinfo=zone).timestamp()
    except ValueError:
        return 0
    return int(whole) * 10**9 + int((fraction or "")[:9].ljust(9, "0"))


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)?$")


def requests_log(
    engine: Engine, container_id: str, api: Marks | None = None
) -> list[RegistryRequest]:
    """The registry's own request log, oldest first.

    Distribution logs a finished request as ``response completed`` (``… with error`` for 4xx/5xx,
    which also names the user), and a refused one before any handler runs: ``error
    authenticating user "NAME"`` for a wrong secret, ``error authorizing context`` when no
    credential was sent (the docker client's first try on every request).
    """
    mark = api.mark() if api else None
    text = ""

    def written() -> bool:
        nonlocal text
        text = engine.container_logs(container_id)
        return mark is None or mark in text

    wait_until(written, 2, interval=0.01)
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
