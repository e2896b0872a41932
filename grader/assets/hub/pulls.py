"""Docker Hub's pull rate limits, taught by doing: a second address of the classroom's registry
(``HUB_PULL_PORT``, off when 0) that passes pulls through to it and counts them as Docker Hub
does, per anonymous address and per account.

As Docker Hub (docs.docker.com/docker-hub/usage/pulls/):
- a pull is a GET of an image's manifest (``/v2/NAME/manifests/REF``) that the registry
  answers, one per platform pulled: a HEAD is not one, nor the GET of an index;
- each manifest answer carries ``ratelimit-limit: N;w=SECONDS``, ``ratelimit-remaining:
  N;w=SECONDS`` and ``docker-ratelimit-source`` (the address, or the account);
- past the limit the manifest GET is refused: 429, ``{"errors": [{"code": "TOOMANYREQUESTS",
  "message": ...}]}``, which docker shows as ``toomanyrequests: ...``; a pull signed in is
  counted for the account, whose limit is higher.

The limits are small and set by the grader (``POST /_admin/pull-limits``) so a lesson can make a
learner reach one in a few pulls. Only reads pass (GET, HEAD): pushes go to the registry's own
address, which has no limit."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from store import Refused
from web import log

ANONYMOUS_WORDS = "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"
ACCOUNT_WORDS = (
    "You have reached your pull rate limit. You may increase the limit by authenticating and "
    "upgrading: https://www.docker.com/increase-rate-limits"
)
"""Docker Hub's words past each limit (anonymous: as users reported its registry's answer in
2025; signed in: the body docs.docker.com/docker-hub/usage/pulls/ gives, read 2026-12-06)."""
PASSED_HEADERS = ("Authorization", "Accept", "User-Agent", "Range")
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
"""An index lists an image per platform: its GET is not a pull, each image's is (Docker Hub
counts a multi-platform pull once per platform pulled)."""


class PullLimits:
    """Pulls counted per source (``ip:ADDRESS`` or ``account:NAME``) in a sliding window."""

    def __init__(self, anonymous: int, account: int, window: int) -> None:
        self._lock = threading.Lock()
        self._pulls: dict[str, list[float]] = {}
        self.set(anonymous, account, window)

    def set(self, anonymous: object, account: object, window: object) -> None:
        """New limits (each a whole number, at least 1); the counts start again."""
        for name, value in (("anonymous", anonymous), ("account", account), ("window", window)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise Refused(400, f"{name} is a whole number of at least 1", name)
        with self._lock:
            self.anonymous, self.account, self.window = anonymous, account, window
            self._pulls.clear()

    def limit(self, source: str) -> int:
        return self.account if source.startswith("account:") else self.anonymous

    def remaining(self, source: str) -> int:
        with self._lock:
            return self.limit(source) - len(self._recent(source))

    def count(self, source: str) -> None:
        with self._lock:
            self._recent(source).append(time.monotonic())

    def _recent(self, source: str) -> list[float]:
        since = time.monotonic() - self.window
        kept = [t for t in self._pulls.get(source, []) if t > since]
        self._pulls[source] = kept
        return kept

    def headers(self, source: str, remaining: int) -> dict[str, str]:
        return {
            "ratelimit-limit": f"{self.limit(source)};w={self.window}",
            "ratelimit-remaining": f"{max(0, remaining)};w={self.window}",
            "docker-ratelimit-source": source.split(":", 1)[1],
        }


def _account(authorization: str) -> str:
    """The account a registry token was issued to (its ``sub``), or "" for an anonymous one.
    Read, not verified: the registry verifies it, and refuses a forged one."""
    kind, _, token = authorization.partition(" ")
    if kind.lower() != "bearer" or token.count(".") != 2:
        return ""
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return ""
    return str(claims.get("sub") or "") if isinstance(claims, dict) else ""


class PullHandler(BaseHTTPRequestHandler):
    server_version = "classroom-hub-pulls"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        pass

    def handle_one_request(self) -> None:
        """A TLS handshake (a client trying HTTPS first, as containerd does for ``localhost``)
        gets an answer in HTTP, as Distribution's own server gives: the client then falls back
        to HTTP (containerd does only when the answer starts with ``HTTP/``)."""
        try:
            first = self.rfile.peek(1)[:1]  # type: ignore[attr-defined]
        except (OSError, ValueError):
            self.close_connection = True
            return
        if first == b"\x16":  # a TLS record: handshake
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")  # fmt: skip
            self.close_connection = True
            return
        super().handle_one_request()

    def do_GET(self) -> None:
        self._pass()

    def do_HEAD(self) -> None:
        self._pass()

    def _refuse_writes(self) -> None:
        body = json.dumps(
            {
                "errors": [
                    {
                        "code": "UNSUPPORTED",
                        "message": (
                            "this address of the registry is for pulls: push to the registry's own address"
                        ),
                    }
                ]
            }
        )
        self._answer(405, {"Content-Type": "application/json"}, body.encode())

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse_writes

    def _pass(self) -> None:
        limits: PullLimits = self.server.limits  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        manifest = "/manifests/" in path and path.startswith("/v2/")
        account = _account(self.headers.get("Authorization", ""))
        source = f"account:{account}" if account else f"ip:{self.client_address[0]}"
        if manifest and self.command == "GET" and self.headers.get("Authorization"):
            if limits.remaining(source) <= 0:
                words = ACCOUNT_WORDS if account else ANONYMOUS_WORDS
                body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS", "message": words}]})
                headers = {"Content-Type": "application/json", **limits.headers(source, 0)}
                _log_manifest(self.command, path, source, 429, False, 0)
                self._answer(429, headers, body.encode())
                return
        request = urllib.request.Request(
            self.server.registry + self.path,  # type: ignore[attr-defined]
            method=self.command,
            headers={  # each header whole: dockerd sends one Accept line per media type
                k: ", ".join(v) for k in PASSED_HEADERS if (v := self.headers.get_all(k))
            },
        )
        try:
            upstream = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as refused:  # the registry's own refusal, as it is
            upstream = refused
        except OSError:
            body = (
                b'{"errors": [{"code": "UNAVAILABLE", "message": "the registry did not answer"}]}'
            )
            self._answer(502, {"Content-Type": "application/json"}, body)
            return
        with upstream:
            headers = {
                k: v for k, v in upstream.headers.items()
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive")
            }  # fmt: skip
            counted = False
            if manifest and upstream.status == 200:
                kind = upstream.headers.get("Content-Type", "")
                counted = self.command == "GET" and kind not in INDEX_TYPES
                if counted:
                    limits.count(source)  # an image's manifest: one pull per platform pulled
                headers.update(limits.headers(source, limits.remaining(source)))
            if manifest:  # logged before the answer: a check run once it arrives finds it
                _log_manifest(
                    self.command, path, source, upstream.status, counted, limits.remaining(source)
                )
            self._answer(upstream.status, headers, upstream)

    def _answer(self, status: int, headers: dict, body) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if isinstance(body, bytes):
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        self.end_headers()
        if self.command != "HEAD":
            while chunk := body.read(65536):
                self.wfile.write(chunk)


def _log_manifest(
    method: str, path: str, source: str, status: int, counted: bool, remaining: int
) -> None:
    """One manifest request at the pull-limited address, in the hub's log (the evidence of the
    pull-limit step): whose count (``ip:ADDRESS`` or ``account:NAME``), answered how."""
    name, _, reference = path[len("/v2/") :].rpartition("/manifests/")
    log("limited manifest", method=method, repository=name, reference=reference, source=source,
        status=status, counted=counted, remaining=max(0, remaining))  # fmt: skip


class PullServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], registry: str, limits: PullLimits) -> None:
        self.registry = registry.rstrip("/")
        self.limits = limits
        super().__init__(address, PullHandler)
