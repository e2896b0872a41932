"""Who is asking, and the registry's token service.

- :class:`Auth`: sign-in with a password or a personal access token (and the grader's secret),
  the failed sign-in limit, and the API's sessions (``POST /v2/auth/token``).
- :class:`TokenService`: what a :class:`Principal` may do on each scope the registry asks about,
  signed into a registry token (``keys.Signer``).
- :class:`TokenRoutes`: ``GET``/``POST /token`` (the registry's Bearer realm) and
  ``POST /_registry/events`` (the registry's notifications)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from typing import TYPE_CHECKING

from keys import Signer
from settings import Settings
from store import DELETE, PULL_OWN, PUSH, Refused, Store
from web import Handler, log, route

if TYPE_CHECKING:
    from registry import Registry

API_SESSION_SECONDS = 3600
INCORRECT = "incorrect username or password"
INSUFFICIENT = "access token has insufficient scopes"
DENIED = "requested access to the resource is denied"
"""Docker Hub's registry's words for a push into a repository that is not yours."""


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


class Auth:
    """Sign-in checks for every way in (the API, the pages, the token service)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.admin = settings.admin
        self.admin_sha256 = settings.admin_sha256
        self.limiter = Limiter(settings.sign_in_limit)
        self.api_sessions: dict[str, tuple[Principal, float]] = {}

    def identify(self, username: str, secret: str, client: str) -> Principal:
        """The account behind ``username`` and ``secret`` (a password or an access token)."""
        self.limiter.check("user:" + username, "client:" + client)
        if self.admin and username == self.admin:
            given = hashlib.sha256(secret.encode()).hexdigest()
            if self.admin_sha256 and hmac.compare_digest(given, self.admin_sha256):
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

    def start_session(self, principal: Principal) -> str:
        """A new API session's access token (``POST /v2/auth/token``)."""
        access = secrets.token_urlsafe(32)
        self.api_sessions[access] = (principal, time.time() + API_SESSION_SECONDS)
        return access

    def bearer(self, header: str | None) -> Principal:
        kind, _, value = (header or "").partition(" ")
        found = self.api_sessions.get(value) if kind.lower() in ("bearer", "jwt") else None
        if found is None or found[1] < time.time():
            raise Refused(401, "authentication required: sign in with POST /v2/auth/token")
        return found[0]


class TokenService:
    """The registry's token service: the access a principal's token grants, signed."""

    def __init__(self, signer: Signer, service: str, registry: Registry) -> None:
        self.signer = signer
        self.service = service
        self.registry = registry

    def registry_token(self, principal: Principal, query: dict[str, list[str]]) -> dict:
        service = (query.get("service") or [self.service])[0]
        if service != self.service:
            raise Refused(400, f"unknown service {service!r}: this hub serves {self.service!r}")
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
            **self.signer.registry_token(subject, self.service, access),
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
        record = self.registry.record(namespace, repository)
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


class TokenRoutes(Handler):
    """The token service's routes, and the registry's notifications."""

    @route("GET", "/token")
    def token(self) -> None:
        """The Docker token flow: Basic auth (or none) and ``scope`` in the query."""
        self._token(
            lambda: self.hub.auth.basic(self.headers.get("Authorization"), self.client), self.query
        )

    @route("POST", "/token")
    def oauth_token(self) -> None:
        """The OAuth2 flow containerd (the containerd image store) uses: a form with
        ``grant_type=password``, ``username``, ``password``, ``scope`` and ``service``."""
        form = self.form()
        if form.get("grant_type") != "password":
            raise Refused(400, "unsupported grant_type: use password")
        query = {
            "service": [form.get("service", self.hub.settings.service)],
            "scope": form.get("scope", "").split(" "),
        }
        username = form.get("username", "")
        self._token(
            lambda: self.hub.auth.identify(username, form.get("password", ""), self.client),
            query,
            username,
        )

    def _token(self, who, query: dict, account: str = "") -> None:
        principal = ANONYMOUS
        requested = [s for s in query.get("scope", []) if s]
        try:
            principal = who()
            answer = self.hub.tokens.registry_token(principal, query)
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
        secret = self.hub.settings.events_secret
        if not secret or not hmac.compare_digest(given, "Bearer " + secret):
            raise Refused(401, "not the registry")
        self.hub.registry.events(self.json_body())
        self.send(200, {})


def _account_of(header: str | None) -> str:
    kind, _, value = (header or "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(value).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return ""
