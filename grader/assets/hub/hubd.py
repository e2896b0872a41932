"""The classroom hub: Docker Hub's token service, API and web pages for one registry, offline.

Runs in its own container (``grader.infra.hub``), sharing its network with the registry:
- ``GET /token``: the registry's Bearer realm. Basic auth with a username and a password or a
  personal access token, or none (anonymous); answers a signed token granting what the account
  and the token's permission allow on each requested scope, as Docker Hub's does.
- ``/v2/...``: Docker Hub's API paths and shapes (sign-in, repositories, tags, access tokens).
- ``/login``, ``/r/USER/REPO``, ``/r/USER/REPO/tags``, ``/settings/personal-access-tokens``:
  the hub's pages.
- ``POST /_registry/events``: the registry's notifications (who pushed which tag, when).
- ``/_admin/...``: the grader's own calls (accounts), with the grader's secret.

Every token request and sign-in is logged as one JSON line on standard output: the evidence the
grader reads (like the registry's own request log)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.cookies
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pages
from keys import Signer
from store import DELETE, PERMISSIONS, PULL_OWN, PUSH, Refused, Store, now, parse_time

SERVICE = os.environ.get("HUB_SERVICE", "classroom-registry")
ISSUER = os.environ.get("HUB_ISSUER", "classroom-hub")
ADMIN = os.environ.get("HUB_ADMIN", "")
ADMIN_SHA256 = os.environ.get("HUB_ADMIN_SHA256", "")
EVENTS_SECRET = os.environ.get("HUB_EVENTS_SECRET", "")
REGISTRY = os.environ.get("HUB_REGISTRY", "http://127.0.0.1:5000")
REGISTRY_HOST = os.environ.get("HUB_REGISTRY_HOST", "localhost:5000")
DATA = Path(os.environ.get("HUB_DATA", "/var/lib/hub"))
CERTS = Path(os.environ.get("HUB_CERTS", "/certs"))
PORT = int(os.environ.get("HUB_PORT", "8080"))
SIGN_IN_LIMIT = int(os.environ.get("HUB_SIGN_IN_LIMIT", "10"))
"""Failed sign-ins per account (and per client) in a minute before the hub answers 429."""
API_SESSION_SECONDS = 3600

MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
INDEX_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
INSUFFICIENT = "access token has insufficient scopes"
DENIED = "requested access to the resource is denied"
"""Docker Hub's registry's words for a push into a repository that is not yours."""
PROXIED = re.compile(r"^(/(?:[^?#]*/)?proxy/absolute/\d+)(?=/|$)")
"""The prefix jupyter-server-proxy's absolute mode keeps: ``[/user/NAME]/proxy/absolute/PORT``."""
INCORRECT = "incorrect username or password"


def log(msg: str, **fields) -> None:
    print(json.dumps({"time": now(), "msg": msg, **fields}), flush=True)


class Principal:
    """Who a request is: an account, how it signed in (password, an access token, the grader)."""

    def __init__(self, username: str, kind: str, scope: str = "", token_id: str = "") -> None:
        self.username = username
        self.kind = kind  # "password" | "pat" | "admin" | "anonymous"
        self.scope = scope
        self.token_id = token_id

    @property
    def credential(self) -> str:
        return f"pat:{self.token_id}" if self.kind == "pat" else self.kind

    def may(self, scopes: set[str]) -> bool:
        return self.kind == "password" or (self.kind == "pat" and self.scope in scopes)


ANONYMOUS = Principal("", "anonymous")


class Limiter:
    """Failed sign-ins per key in a sliding minute."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        with self._lock:
            moment = time.monotonic()
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if moment - t < self.window]
                self._failures[key] = recent
                if len(recent) >= self.limit:
                    wait = int(self.window - (moment - recent[0])) + 1
                    raise Refused(
                        429,
                        f"too many failed sign-in attempts: try again in {wait} seconds",
                        str(wait),
                    )

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(time.monotonic())


class Hub:
    def __init__(self, store: Store, signer: Signer) -> None:
        self.store = store
        self.signer = signer
        self.limiter = Limiter(SIGN_IN_LIMIT)
        self.api_sessions: dict[str, tuple[Principal, float]] = {}
        self.web_sessions: dict[str, tuple[str, str]] = {}
        """``{cookie: (username, csrf token)}``: browsers signed in to the pages."""

    # --- who is asking ---------------------------------------------------------------------------

    def identify(self, username: str, secret: str, client: str) -> Principal:
        """The account behind ``username`` and ``secret`` (a password or an access token)."""
        self.limiter.check("user:" + username, "client:" + client)
        if ADMIN and username == ADMIN:
            given = hashlib.sha256(secret.encode()).hexdigest()
            if ADMIN_SHA256 and hmac.compare_digest(given, ADMIN_SHA256):
                return Principal(username, "admin")
        elif secret.startswith("dckr_pat_"):
            token = self.store.token_by_secret(username, secret)
            if token is not None:
                if token.expired:
                    raise Refused(401, "access token has expired")
                if not token.is_active:
                    raise Refused(401, "access token is inactive")
                self.store.token_used(token.uuid)
                return Principal(username, "pat", token.scope, token.uuid)
        elif self.store.check_password(username, secret):
            return Principal(username, "password")
        self.limiter.failed("user:" + username, "client:" + client)
        raise Refused(401, INCORRECT)

    def basic(self, header: str | None, client: str) -> Principal:
        if not header:
            return ANONYMOUS
        kind, _, value = header.partition(" ")
        if kind.lower() != "basic":
            raise Refused(401, "use Basic authentication with your username and access token")
        try:
            username, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "the Authorization header is not valid Basic credentials") from None
        return self.identify(username, secret, client)

    def bearer(self, header: str | None) -> Principal:
        kind, _, value = (header or "").partition(" ")
        found = self.api_sessions.get(value) if kind.lower() in ("bearer", "jwt") else None
        if found is None or found[1] < time.time():
            raise Refused(401, "authentication required: sign in with POST /v2/auth/token")
        return found[0]

    # --- the registry's token service ------------------------------------------------------------

    def registry_token(self, principal: Principal, query: dict[str, list[str]]) -> dict:
        service = (query.get("service") or [SERVICE])[0]
        if service != SERVICE:
            raise Refused(400, f"unknown service {service!r}: this hub serves {SERVICE!r}")
        access, facts = [], {}
        entries = [e for scope in query.get("scope", []) for e in _split_scopes(scope)]
        # A push may name a repository to mount blobs from (containerd does, from where a layer
        # came): Distribution then needs pull on it. One that does not exist has nothing to read,
        # so a pushing owner gets pull on it, and the registry falls back to an upload.
        pushing = any(
            "push" in actions and name.partition("/")[0] == principal.username
            and principal.may(PUSH)
            for kind, name, actions in entries
            if kind == "repository"
        )  # fmt: skip
        for entry in entries:
            granted = self.grant(principal, *entry, facts, pushing)
            if granted is not None:
                access.append(granted)
        subject = "" if principal.kind == "anonymous" else principal.username
        return {
            "access": access,
            "facts": facts,
            **self.signer.registry_token(subject, SERVICE, access),
        }

    def grant(
        self, who: Principal, kind: str, name: str, actions: list[str], facts: dict, pushing=False
    ):
        if kind == "registry" and name == "catalog":
            return {"type": kind, "name": name, "actions": ["*"]} if who.kind == "admin" else None
        if kind != "repository":
            return None
        namespace, _, repository = name.partition("/")
        if not repository:
            namespace, repository = "library", name
        record = self.record(namespace, repository)
        public = record is not None and not record.is_private
        facts[name] = (
            "missing" if record is None else ("private" if record.is_private else "public")
        )
        owner = who.kind in ("password", "pat") and who.username == namespace
        allowed = set()
        if who.kind == "admin" or public or (owner and who.may(PULL_OWN)):
            allowed.add("pull")
        if record is None and pushing:
            allowed.add("pull")  # a mount source that does not exist: nothing to read
        if owner and who.may(PUSH):
            allowed.add("push")
        if owner and who.may(DELETE):
            allowed.add("delete")
        wanted = [a for a in actions if a]
        given = [
            a for a in wanted if a in allowed or (a == "*" and who.kind == "password" and owner)
        ]
        beyond = [a for a in wanted if a != "pull" and a not in given]
        if owner and who.kind == "pat" and beyond:
            raise Refused(401, INSUFFICIENT)  # Docker Hub refuses a token asking beyond its PAT
        if beyond:
            # A push (or delete) that cannot be allowed is refused here, before any upload,
            # rather than with a pull-only token the registry would turn down at the manifest:
            # containerd's pusher can hang for good on a refused manifest PUT over plain HTTP
            # (its retry's body pipe and the HTTPS->HTTP fallback), so a learner's push into
            # someone else's repository, or without a login, fails at once as on Docker Hub.
            # (Docker Hub, as the token specification asks, grants the subset instead: a
            # deliberate difference, stated in the README.)
            raise Refused(401, DENIED)
        return {"type": kind, "name": name, "actions": given}

    # --- the registry's notifications ------------------------------------------------------------

    def events(self, envelope: dict) -> None:
        for event in envelope.get("events") or []:
            target = event.get("target") or {}
            media = target.get("mediaType", "")
            namespace, _, name = (target.get("repository") or "").partition("/")
            if not name or media not in MANIFEST_TYPES + INDEX_TYPES:
                continue
            when = event.get("timestamp") or now()
            if event.get("action") == "push" and target.get("tag"):
                actor = (event.get("actor") or {}).get("name", "")
                self.store.pushed(
                    namespace, name, target["tag"], target.get("digest", ""), actor, when
                )
            elif event.get("action") == "pull" and _by_engine(event):  # not the hub's own reads
                self.store.pulled(
                    namespace, name, target.get("tag") or target.get("digest", ""), when
                )

    # --- reading the registry (for the tags page and API) ----------------------------------------

    def _registry(self, path: str, repository: str, accept: str = "") -> tuple[dict, dict]:
        import urllib.request  # here, not at the top: a tenth of the hub's start-up time

        access = [{"type": "repository", "name": repository, "actions": ["pull"]}]
        token = self.signer.registry_token("hub", SERVICE, access)["token"]
        request = urllib.request.Request(
            REGISTRY + path, headers={"Authorization": "Bearer " + token}
        )
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return {}, {}
            raise

    def tags(self, namespace: str, name: str) -> list[dict]:
        repository = f"{namespace}/{name}"
        listing, _ = self._registry(f"/v2/{repository}/tags/list", repository)
        records = self.store.tag_records(namespace, name)
        found = []
        for tag in sorted(listing.get("tags") or []):
            body, headers = self._registry(
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
                    inner, _ = self._registry(
                        f"/v2/{repository}/manifests/{entry['digest']}", repository,
                        ", ".join(MANIFEST_TYPES),
                    )  # fmt: skip
                    entries.append((entry["digest"], inner))
            record = records.get(tag)
            images = []
            for image_digest, manifest in entries:
                config_digest = (manifest.get("config") or {}).get("digest", "")
                config, _ = (
                    self._registry(f"/v2/{repository}/blobs/{config_digest}", repository)
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
            found.append(
                {
                    "id": abs(hash((repository, tag))) % 10**9,
                    "name": tag,
                    "repository": 0,
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
        return found

    # --- what an account may see ------------------------------------------------------------------

    def record(self, namespace: str, name: str):
        """The repository's record; made (public) if the registry has it but its push event has
        not arrived yet (notifications are sent after the push answered)."""
        found = self.store.repository(namespace, name)
        if found is None and "/" not in name:
            try:
                listing, _ = self._registry(
                    f"/v2/{namespace}/{name}/tags/list", f"{namespace}/{name}"
                )
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


def _split_scopes(scope: str) -> list[tuple[str, str, list[str]]]:
    """``repository:a/b:pull,push repository:c/d:pull`` as ``[(type, name, actions), ...]``."""
    found = []
    for item in scope.split(" "):
        parts = item.split(":")
        if len(parts) < 3:
            continue
        kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
        found.append((kind, name, actions.split(",")))
    return found


ROUTES: list[tuple[str, re.Pattern, str]] = []


def route(method: str, pattern: str):
    def register(function):
        ROUTES.append((method, re.compile("^" + pattern + "$"), function.__name__))
        return function

    return register


class Handler(BaseHTTPRequestHandler):
    hub: Hub
    server_version = "classroom-hub"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # the JSON log says what matters
        pass

    # --- plumbing ----------------------------------------------------------------------------------

    @property
    def client(self) -> str:
        return self.client_address[0]

    def _dispatch(self, method: str) -> None:
        self._body_read = False
        # Through jupyter-server-proxy (JupyterLab on a remote machine), the hub is reached at
        # JUPYTER_BASE/proxy/absolute/PORT/...: keep that prefix for every link it answers.
        found = PROXIED.match(self.path)
        self.prefix = found.group(1) if found else ""
        self.path = self.path[len(self.prefix) :] or "/"
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        path = url.path.rstrip("/") or "/"
        try:
            for wanted, pattern, name in ROUTES:
                match = pattern.match(path)
                if match and wanted == method:
                    return getattr(self, name)(*match.groups())
            if any(p.match(path) for _, p, _ in ROUTES):
                raise Refused(405, f"{method} is not allowed here")
            raise Refused(404, "not found")
        except Refused as refusal:
            self.refused(refusal)
        except Exception as error:  # never a traceback to the client; the log keeps it
            log("error", path=path, error=f"{type(error).__name__}: {error}")
            self.send(500, {"message": "the hub failed on this request; see its log"})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def body(self, limit: int = 65536) -> bytes:
        self._body_read = True
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise Refused(400, "Content-Length is not a number") from None
        if length > limit:
            self.close_connection = True  # the rest of the body is never read: no keep-alive
            raise Refused(413, "request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def json_body(self) -> dict:
        raw = self.body()
        try:
            found = json.loads(raw or b"{}")
        except ValueError:
            raise Refused(400, "the request body is not JSON") from None
        if not isinstance(found, dict):
            raise Refused(400, "the request body is not a JSON object")
        return found

    def form(self) -> dict[str, str]:
        raw = self.body().decode("utf-8", "replace")
        return {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def send(self, status: int, body, headers: dict | None = None, content_type: str = "") -> None:
        if not self._body_read and self.command in ("POST", "PATCH", "PUT", "DELETE"):
            try:  # an answer without reading the request's body: read it, or keep-alive breaks
                self.body()
            except Refused:
                pass
        if isinstance(body, (dict, list)):
            data, content_type = json.dumps(body).encode(), content_type or "application/json"
        else:
            if isinstance(body, str) and self.prefix:  # the pages' links are absolute paths
                body = re.sub(r'(href|action)="/', rf'\1="{self.prefix}/', body)
            data = body.encode() if isinstance(body, str) else body
            content_type = content_type or "text/html; charset=utf-8"
        headers = dict(headers or {})
        if self.prefix and headers.get("Location", "").startswith("/"):
            headers["Location"] = self.prefix + headers["Location"]
        if "Set-Cookie" in headers:
            headers["Set-Cookie"] = headers["Set-Cookie"].replace("Path=/", f"Path={self.prefix}/")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def refused(self, refusal: Refused) -> None:
        if isinstance(refusal, _SignIn) and self.command == "GET" and self.wants_html():
            self.redirect("/login?next=" + urllib.parse.quote(self.path))
            return
        headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
        if self.wants_html():
            page = pages.error(refusal.status, refusal.message, self.web_user())
            self.send(refusal.status, page, headers)
            return
        body = {"message": refusal.message, "details": refusal.message}
        if refusal.field and refusal.status != 429:
            body["errinfo"] = {"field": refusal.field}
        self.send(refusal.status, body, headers)

    def wants_html(self) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        return not (path.startswith("/v2/") or path.startswith("/_") or path == "/token")

    def redirect(self, where: str, headers: dict | None = None) -> None:
        self.send(303, "", {"Location": where, **(headers or {})})

    # --- web sessions --------------------------------------------------------------------------------

    def cookie(self) -> str:
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie") or "")
        return jar["hub_session"].value if "hub_session" in jar else ""

    def web_user(self) -> str:
        return self.hub.web_sessions.get(self.cookie(), ("", ""))[0]

    def signed_in(self) -> tuple[str, str]:
        found = self.hub.web_sessions.get(self.cookie())
        if not found:
            raise _SignIn()
        return found

    def checked_form(self) -> tuple[str, dict[str, str]]:
        username, csrf = self.signed_in()
        form = self.form()
        if not hmac.compare_digest(form.get("csrf", ""), csrf):
            raise Refused(403, "this form has expired: reload the page and try again")
        return username, form

    def page(self, html: str, status: int = 200) -> None:
        self.send(status, html)

    # --- the token service -----------------------------------------------------------------------

    @route("GET", "/token")
    def token(self) -> None:
        """The Docker token flow: Basic auth (or none) and ``scope`` in the query."""
        self._token(
            lambda: self.hub.basic(self.headers.get("Authorization"), self.client), self.query
        )

    @route("POST", "/token")
    def oauth_token(self) -> None:
        """The OAuth2 flow containerd (the containerd image store) uses: a form with
        ``grant_type=password``, ``username``, ``password``, ``scope`` and ``service``."""
        form = self.form()
        if form.get("grant_type") != "password":
            raise Refused(400, "unsupported grant_type: use password")
        query = {
            "service": [form.get("service", SERVICE)],
            "scope": form.get("scope", "").split(" "),
        }
        username = form.get("username", "")
        self._token(
            lambda: self.hub.identify(username, form.get("password", ""), self.client),
            query,
            username,
        )

    def _token(self, who, query: dict, account: str = "") -> None:
        principal = ANONYMOUS
        requested = [s for s in query.get("scope", []) if s]
        try:
            principal = who()
            answer = self.hub.registry_token(principal, query)
        except Refused as refusal:
            log(
                "token refused",
                account=account or _account_of(self.headers.get("Authorization")),
                credential=principal.credential,
                scope=requested,
                status=refusal.status,
                error=refusal.message,
                useragent=self.headers.get("User-Agent", ""),
            )
            raise
        log(
            "token issued",
            account=principal.username,
            credential=principal.credential,
            scope=requested,
            access=answer.pop("access"),
            repositories=answer.pop("facts"),
            useragent=self.headers.get("User-Agent", ""),
        )
        self.send(200, {**answer, "scope": " ".join(requested)})

    @route("POST", "/_registry/events")
    def registry_events(self) -> None:
        given = self.headers.get("Authorization", "")
        if not EVENTS_SECRET or not hmac.compare_digest(given, "Bearer " + EVENTS_SECRET):
            raise Refused(401, "not the registry")
        self.hub.events(self.json_body())
        self.send(200, {})

    # --- the grader's calls ------------------------------------------------------------------------

    def admin(self) -> None:
        if self.hub.basic(self.headers.get("Authorization"), self.client).kind != "admin":
            raise Refused(403, "the grader's own call")

    @route("POST", "/_admin/accounts")
    def admin_account(self) -> None:
        self.admin()
        body = self.json_body()
        username = str(body.get("username", ""))
        self.hub.store.set_account(username, str(body.get("password", "")))
        answer = {"username": username}
        if body.get("token_label"):  # and a first token, in the same call (a lab's start)
            token, secret = self.hub.store.create_token(
                username, str(body["token_label"]), _one_scope(body), None, generated_by="course"
            )
            answer["token"] = {**token.api(), "token": secret}
        self.send(201, answer)

    @route("GET", "/_admin/accounts")
    def admin_accounts(self) -> None:
        self.admin()
        self.send(
            200, {"accounts": self.hub.store.accounts(), "signed_up": self.hub.store.signed_up()}
        )

    @route("POST", "/_admin/accounts/([^/]+)/access-tokens")
    def admin_token(self, username: str) -> None:
        """A token made by the course (``generated_by: course``), e.g. for a graded lab."""
        self.admin()
        if not self.hub.store.has_account(username):
            raise Refused(404, f"no account {username!r}")
        body = self.json_body()
        token, secret = self.hub.store.create_token(
            username, str(body.get("token_label", "")), _one_scope(body),
            body.get("expires_at"), generated_by="course",
        )  # fmt: skip
        self.send(201, {**token.api(), "token": secret})

    @route("POST", "/_admin/identify")
    def admin_identify(self) -> None:
        """Which of an account's tokens a secret is (the grader's check of a stored login),
        without counting as a use of it."""
        self.admin()
        body = self.json_body()
        token = self.hub.store.token_by_secret(
            str(body.get("username", "")), str(body.get("secret", ""))
        )
        if token is None:
            raise Refused(404, "no such access token")
        self.send(200, token.api())

    # --- Docker Hub's API ----------------------------------------------------------------------------

    @route("POST", "/v2/auth/token")
    def api_sign_in(self) -> None:
        body = self.json_body()
        identifier, secret = body.get("identifier"), body.get("secret")
        if not isinstance(identifier, str) or not isinstance(secret, str) or not identifier:
            raise Refused(400, "identifier and secret are required strings")
        try:
            principal = self.hub.identify(identifier, secret, self.client)
        except Refused as refusal:
            log("sign-in refused", account=identifier, via="api", error=refusal.message)
            raise
        log("signed in", account=identifier, via="api", credential=principal.credential)
        access = secrets.token_urlsafe(32)
        self.hub.api_sessions[access] = (principal, time.time() + API_SESSION_SECONDS)
        self.send(200, {"access_token": access})

    def owner(self, namespace: str, scopes: set[str], what: str) -> Principal:
        who = self.hub.bearer(self.headers.get("Authorization"))
        if who.username != namespace:
            raise Refused(403, f"only {namespace!r} may {what}")
        if not who.may(scopes):
            raise Refused(403, f"{INSUFFICIENT} to {what}")
        return who

    @route("GET", "/v2/namespaces/([^/]+)/repositories")
    def api_repositories(self, namespace: str) -> None:
        who = self._maybe_bearer()
        results = [
            r.api()
            for r in self.hub.store.repositories(namespace)
            if self.hub.visible(who, namespace, r.name)
        ]
        self.send(200, {"count": len(results), "next": None, "previous": None, "results": results})

    @route("POST", "/v2/namespaces/([^/]+)/repositories")
    def api_create_repository(self, namespace: str) -> None:
        self.owner(namespace, PUSH, "create repositories here")
        body = self.json_body()
        found = self.hub.store.create_repository(
            namespace, body.get("name"), body.get("is_private", False), body.get("description", "")
        )
        log(
            "repository created", account=namespace, repository=found.name, private=found.is_private
        )
        self.send(201, found.api())

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)")
    def api_repository(self, namespace: str, name: str) -> None:
        found = self.hub.visible(self._maybe_bearer(), namespace, name)
        if found is None:
            raise Refused(404, "object not found")
        self.send(200, found.api())

    @route("PATCH", "/v2/namespaces/([^/]+)/repositories/([^/]+)")
    def api_update_repository(self, namespace: str, name: str) -> None:
        self.owner(namespace, DELETE, "change this repository's settings")
        body = self.json_body()
        if "is_private" not in body:
            raise Refused(400, "nothing to change: send is_private", "is_private")
        self.hub.record(namespace, name)
        found = self.hub.store.set_private(namespace, name, body["is_private"])
        log("visibility", account=namespace, repository=name, private=found.is_private)
        self.send(200, found.api())

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)/tags")
    def api_tags(self, namespace: str, name: str) -> None:
        if self.hub.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        page, size = _paging(self.query)
        results = self.hub.tags(namespace, name)
        chunk = results[(page - 1) * size : page * size]
        more = len(results) > page * size
        self.send(
            200,
            {
                "count": len(results),
                "next": f"?page={page + 1}&page_size={size}" if more else None,
                "previous": f"?page={page - 1}&page_size={size}" if page > 1 else None,
                "results": chunk,
            },
        )

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)/tags/([^/]+)")
    def api_tag(self, namespace: str, name: str, tag: str) -> None:
        if self.hub.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        found = [t for t in self.hub.tags(namespace, name) if t["name"] == tag]
        if not found:
            raise Refused(404, "tag not found")
        self.send(200, found[0])

    def token_owner(self) -> Principal:
        who = self.hub.bearer(self.headers.get("Authorization"))
        if who.kind != "password":
            raise Refused(
                403, "access tokens cannot manage access tokens: sign in with your password"
            )
        return who

    @route("GET", "/v2/access-tokens")
    def api_access_tokens(self) -> None:
        who = self.token_owner()
        results = [t.api() for t in self.hub.store.tokens(who.username)]
        self.send(
            200,
            {
                "count": len(results),
                "next": None,
                "previous": None,
                "active_count": sum(t["is_active"] for t in results),
                "results": results,
            },
        )

    @route("POST", "/v2/access-tokens")
    def api_create_access_token(self) -> None:
        who = self.token_owner()
        body = self.json_body()
        token, secret = self.hub.store.create_token(
            who.username, body.get("token_label", ""), _one_scope(body),
            body.get("expires_at"), user_agent=self.headers.get("User-Agent", ""),
        )  # fmt: skip
        log(
            "access token created",
            account=who.username,
            uuid=token.uuid,
            scope=token.scope,
            via="api",
        )
        self.send(201, {**token.api(), "token": secret})

    @route("GET", "/v2/access-tokens/([^/]+)")
    def api_access_token(self, token_id: str) -> None:
        who = self.token_owner()
        self.send(200, self.hub.store.token(who.username, token_id).api())

    @route("PATCH", "/v2/access-tokens/([^/]+)")
    def api_update_access_token(self, token_id: str) -> None:
        who = self.token_owner()
        body = self.json_body()
        if not isinstance(body.get("is_active"), bool):
            raise Refused(400, "is_active is true or false", "is_active")
        token = self.hub.store.set_token_active(who.username, token_id, body["is_active"])
        log("access token updated", account=who.username, uuid=token_id, active=token.is_active)
        self.send(200, token.api())

    @route("DELETE", "/v2/access-tokens/([^/]+)")
    def api_delete_access_token(self, token_id: str) -> None:
        who = self.token_owner()
        self.hub.store.delete_token(who.username, token_id)
        log("access token deleted", account=who.username, uuid=token_id, via="api")
        self.send(204, b"", content_type="text/plain")

    def _maybe_bearer(self) -> Principal | None:
        if not self.headers.get("Authorization"):
            return None
        if self.headers["Authorization"].lower().startswith("basic "):
            return self.hub.basic(self.headers["Authorization"], self.client)
        return self.hub.bearer(self.headers.get("Authorization"))

    # --- the pages ---------------------------------------------------------------------------------

    @route("GET", "/")
    def home(self) -> None:
        user = self.web_user()
        self.redirect(f"/repositories/{user}" if user else "/login")

    @route("GET", "/login")
    def login_page(self) -> None:
        self.page(pages.login(_safe_next(self.query.get("next", [""])[0])))

    @route("POST", "/login")
    def login(self) -> None:
        form = self.form()
        username, password = form.get("username", "").strip(), form.get("password", "")
        target = _safe_next(form.get("next", ""))
        if not username or not password:
            self.page(pages.login(target, "Enter your username and password.", username), 400)
            return
        try:
            principal = self.hub.identify(username, password, self.client)
            if principal.kind != "password":
                raise Refused(401, "sign in with your password, not an access token")
        except Refused as refusal:
            log("sign-in refused", account=username, via="web", error=refusal.message)
            headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
            self.send(
                refusal.status,
                pages.login(target, refusal.message.capitalize() + ".", username),
                headers,
            )
            return
        log("signed in", account=username, via="web", credential="password")
        cookie = secrets.token_urlsafe(32)
        self.hub.web_sessions[cookie] = (username, secrets.token_urlsafe(16))
        self.redirect(
            target or f"/repositories/{username}",
            {"Set-Cookie": f"hub_session={cookie}; Path=/; HttpOnly; SameSite=Lax"},
        )

    @route("GET", "/signup")
    def signup_page(self) -> None:
        taken = self.hub.store.signed_up()
        self.page(pages.signup(owner=taken[0]["username"] if taken else ""))

    @route("POST", "/signup")
    def signup(self) -> None:
        """Docker Hub's sign-up (username, email, password). A learner's classroom hub is theirs
        alone: once someone signed up on it, it sends the next one to sign in instead."""
        form = self.form()
        username = form.get("username", "").strip()
        email = form.get("email", "").strip()
        taken = self.hub.store.signed_up()
        try:
            self.hub.limiter.check("signup:" + self.client)
            if taken:
                raise Refused(
                    409, f"this hub already has its learner's account, {taken[0]['username']}"
                )
            self.hub.store.sign_up(username, email, form.get("password", ""))
        except Refused as refusal:
            self.hub.limiter.failed("signup:" + self.client)
            log("sign-up refused", account=username, error=refusal.message)
            owner = taken[0]["username"] if taken else ""
            page = pages.signup(refusal.message.capitalize() + ".", username, email, owner)
            headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
            self.send(refusal.status, page, headers)
            return
        log("signed up", account=username, via="web")
        cookie = secrets.token_urlsafe(32)
        self.hub.web_sessions[cookie] = (username, secrets.token_urlsafe(16))
        self.redirect(
            f"/repositories/{username}",
            {"Set-Cookie": f"hub_session={cookie}; Path=/; HttpOnly; SameSite=Lax"},
        )

    @route("POST", "/logout")
    def logout(self) -> None:
        self.hub.web_sessions.pop(self.cookie(), None)
        self.redirect("/login", {"Set-Cookie": "hub_session=; Path=/; Max-Age=0"})

    @route("GET", "/repositories/([^/]+)")
    def repositories_page(self, namespace: str) -> None:
        user = self.web_user()
        who = Principal(user, "password") if user else None
        found = [
            r
            for r in self.hub.store.repositories(namespace)
            if self.hub.visible(who, namespace, r.name)
        ]
        self.page(pages.repositories(user, namespace, found, REGISTRY_HOST))

    @route("GET", "/r/([^/]+)/([^/]+)")
    def repository_page(self, namespace: str, name: str) -> None:
        user, csrf = self.hub.web_sessions.get(self.cookie(), ("", ""))
        found = self.hub.visible(Principal(user, "password") if user else None, namespace, name)
        if found is None:
            raise Refused(
                404,
                f"Repository {namespace}/{name} not found (or it is private and you are not its owner).",
            )
        self.page(
            pages.repository(user, csrf, found, REGISTRY_HOST, self.hub.tags(namespace, name))
        )

    @route("GET", "/r/([^/]+)/([^/]+)/tags")
    def tags_page(self, namespace: str, name: str) -> None:
        user = self.web_user()
        found = self.hub.visible(Principal(user, "password") if user else None, namespace, name)
        if found is None:
            raise Refused(
                404,
                f"Repository {namespace}/{name} not found (or it is private and you are not its owner).",
            )
        self.page(pages.tags(user, found, REGISTRY_HOST, self.hub.tags(namespace, name)))

    @route("POST", "/r/([^/]+)/([^/]+)/settings/visibility")
    def visibility(self, namespace: str, name: str) -> None:
        username, form = self.checked_form()
        if username != namespace:
            raise Refused(403, f"Only {namespace} can change this repository's visibility.")
        wanted = form.get("visibility")
        if wanted not in ("public", "private"):
            raise Refused(400, "Choose public or private.")
        self.hub.record(namespace, name)
        try:
            found = self.hub.store.set_private(namespace, name, wanted == "private")
        except Refused as refusal:
            repo = self.hub.store.repository(namespace, name)
            if repo is None:
                raise
            tags = self.hub.tags(namespace, name)
            csrf = self.signed_in()[1]
            self.page(
                pages.repository(username, csrf, repo, REGISTRY_HOST, tags, refusal.message),
                refusal.status,
            )
            return
        log("visibility", account=namespace, repository=name, private=found.is_private, via="web")
        self.redirect(f"/r/{namespace}/{name}")

    @route("GET", "/settings/personal-access-tokens")
    def tokens_page(self) -> None:
        username, csrf = self.signed_in()
        self.page(pages.tokens(username, csrf, self.hub.store.tokens(username)))

    @route("GET", "/settings/personal-access-tokens/new")
    def new_token_page(self) -> None:
        username, csrf = self.signed_in()
        self.page(pages.new_token(username, csrf))

    @route("POST", "/settings/personal-access-tokens")
    def create_token(self) -> None:
        username, form = self.checked_form()
        days = form.get("expiration", "")
        expires_at = None
        try:
            if days == "custom":
                expires_at = _custom_expiry(form.get("custom_expiration", ""))
            elif days not in ("", "none"):
                if days not in ("30", "90"):
                    raise Refused(400, "Choose an expiration from the list.")
                expires_at = _in_days(int(days))
            token, secret = self.hub.store.create_token(
                username, form.get("description", ""), form.get("permission", ""), expires_at,
                user_agent=self.headers.get("User-Agent", ""),
            )  # fmt: skip
        except Refused as refusal:
            csrf = self.signed_in()[1]
            self.page(pages.new_token(username, csrf, refusal.message, form), refusal.status)
            return
        log("access token created", account=username, uuid=token.uuid, scope=token.scope, via="web")
        self.page(pages.token_created(username, token, secret, REGISTRY_HOST), 201)

    @route("POST", "/settings/personal-access-tokens/([^/]+)/(activate|deactivate|delete)")
    def change_token(self, token_id: str, action: str) -> None:
        username, _ = self.checked_form()
        if action == "delete":
            self.hub.store.delete_token(username, token_id)
        else:
            self.hub.store.set_token_active(username, token_id, action == "activate")
        log(f"access token {action}", account=username, uuid=token_id, via="web")
        self.redirect("/settings/personal-access-tokens")

    @route("GET", "/_ping")
    def ping(self) -> None:
        self.send(200, {"ok": True})


class _SignIn(Refused):
    def __init__(self) -> None:
        super().__init__(401, "Sign in to see this page.")


def _account_of(header: str | None) -> str:
    kind, _, value = (header or "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(value).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return ""


def _one_scope(body: dict) -> str:
    scopes = body.get("scopes", ["repo:public_read"])
    if not isinstance(scopes, list) or len(scopes) != 1 or not isinstance(scopes[0], str):
        raise Refused(
            400, f"scopes is a list of one permission: {', '.join(PERMISSIONS)}", "scopes"
        )
    return scopes[0]


def _paging(query: dict) -> tuple[int, int]:
    try:
        page = int((query.get("page") or ["1"])[0])
        size = int((query.get("page_size") or ["10"])[0])
    except ValueError:
        raise Refused(400, "page and page_size are whole numbers") from None
    if page < 1 or not 1 <= size <= 100:
        raise Refused(400, "page starts at 1; page_size is 1 to 100")
    return page, size


def _custom_expiry(text: str) -> str:
    """Docker Hub's Custom expiry: a date and hour (UTC here) from now to a year ahead."""
    when = parse_time(text.strip() + (":00Z" if len(text.strip()) == 16 else ""))
    if when is None:
        raise Refused(400, "Give the custom expiration as a date and an hour.")
    moment, start = when.timestamp(), parse_time(now()).timestamp()  # type: ignore[union-attr]
    if not start < moment <= start + 366 * 86400:
        raise Refused(400, "A custom expiration is a date and hour within the coming year.")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _in_days(days: int) -> str:
    moment = parse_time(now()).timestamp() + days * 86400  # type: ignore[union-attr]
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _safe_next(target: str) -> str:
    """Only a path on this hub (never another site) to go on to after signing in."""
    return target if target.startswith("/") and not target.startswith("//") else ""


class _Handler(Handler):
    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    signer = Signer.load_or_make(DATA / "private", CERTS / "hub.pem", ISSUER)
    store = Store(str(DATA / "hub.db"))
    if ADMIN:
        store._run(  # the grader's account: a name and a hash, never a usable password
            "INSERT OR IGNORE INTO accounts (username, salt, password, admin, created_at)"
            " VALUES (?, '', '', 1, ?)",
            ADMIN,
            now(),
        )
    Handler.hub = Hub(store, signer)
    server = ThreadingHTTPServer(("0.0.0.0", PORT), _Handler)
    server.daemon_threads = True
    log("hub ready", port=PORT, service=SERVICE, issuer=ISSUER)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
