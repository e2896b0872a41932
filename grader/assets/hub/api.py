"""Docker Hub's API, at its paths and in its shapes (``shapes``): sign-in (``POST /v2/auth/token``
and the deprecated ``POST /v2/users/login``), repositories (and their deprecated
``/v2/repositories/...`` paths, still answered as Docker Hub answers them, deletion of tags and
repositories among them), tags and personal access tokens. Lists are paged as Docker Hub pages
them, ``next``/``previous`` absolute URLs."""

from __future__ import annotations

import shapes
from auth import INSUFFICIENT, Principal
from store import DELETE, PERMISSIONS, PUSH, Refused
from web import Handler, log, route

INCORRECT_LOGIN = "Incorrect authentication credentials"
"""The deprecated login's words for a wrong secret (the description's example)."""
TOKEN_FIELDS = {"token_label", "scopes", "expires_at"}


class ApiRoutes(Handler):
    # --- sign-in -----------------------------------------------------------------------------------

    def _signed_in(self, identifier: object, secret: object, via: str) -> Principal:
        try:
            return self.hub.auth.identify(identifier, secret, self.client)  # type: ignore[arg-type]
        except Refused as refusal:
            log("sign-in refused", account=identifier, via=via, error=refusal.message)
            raise

    @route("POST", "/v2/auth/token")
    def api_sign_in(self) -> None:
        body = self.json_body()
        identifier, secret = body.get("identifier"), body.get("secret")
        for name, value in (("identifier", identifier), ("secret", secret)):
            if not isinstance(value, str) or not value:  # the description's only refusal: 401
                raise Refused(401, f"{name} is required: a string", name)
        principal = self._signed_in(identifier, secret, "api")
        log("signed in", account=identifier, via="api", credential=principal.credential)
        self.send(200, {"access_token": self.hub.auth.start_session(principal)})

    @route("POST", "/v2/users/login")
    def api_users_login(self) -> None:
        """Deprecated for ``/v2/auth/token`` and still answered: ``{"token": ...}``."""
        body = self.json_body()
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username:
            raise Refused(401, INCORRECT_LOGIN)
        try:
            principal = self._signed_in(username, password, "api-login")
        except Refused as refusal:
            raise Refused(
                refusal.status,
                INCORRECT_LOGIN if refusal.status == 401 else refusal.message,
                refusal.field,
            ) from None
        log("signed in", account=username, via="api-login", credential=principal.credential)
        self.send(200, {"token": self.hub.auth.start_session(principal)})

    def owner(self, namespace: str, scopes: set[str], what: str) -> Principal:
        who = self.hub.auth.bearer(self.headers.get("Authorization"))
        if who.username != namespace:
            raise Refused(403, f"only {namespace!r} may {what}")
        if not who.may(scopes):
            raise Refused(403, f"{INSUFFICIENT} to {what}")
        return who

    def _maybe_bearer(self) -> Principal | None:
        if not self.headers.get("Authorization"):
            return None
        if self.headers["Authorization"].lower().startswith("basic "):
            return self.hub.auth.basic(self.headers["Authorization"], self.client)
        return self.hub.auth.bearer(self.headers.get("Authorization"))

    # --- repositories ------------------------------------------------------------------------------

    @route("GET", "/v2/namespaces/([^/]+)/repositories")
    def api_repositories(self, namespace: str) -> None:
        number, size = shapes.paging(self.query)
        order = shapes.ordering(self.query)
        part = (self.query.get("name") or [""])[-1]
        who = self._maybe_bearer()
        found = [
            r
            for r in self.hub.store.repositories(namespace)
            if part in r.name and self.hub.registry.visible(who, namespace, r.name)
        ]
        key = order.lstrip("-")
        found.sort(key=lambda r: r.name)
        found.sort(
            key=lambda r: (r.last_updated or r.date_registered) if key == "last_updated"
            else r.pull_count if key == "pull_count" else r.name,
            reverse=order.startswith("-"),
        )  # fmt: skip
        results = [shapes.repository_entry(r) for r in found]
        self.send(200, shapes.page(results, number, size, self.url()))

    @route("GET", "/v2/repositories/([^/]+)")
    def api_repositories_deprecated(self, namespace: str) -> None:
        self.api_repositories(namespace)

    @route("POST", "/v2/namespaces/([^/]+)/repositories")
    def api_create_repository(self, namespace: str, legacy: bool = False) -> None:
        who = self.owner(namespace, PUSH, "create repositories here")
        body = self.json_body()
        given = body.get("namespace", namespace if legacy else None)
        if given != namespace:
            raise Refused(
                400, f"namespace is required and must be this path's, {namespace!r}", "namespace"
            )
        for name in ("description", "full_description"):
            if not isinstance(body.get(name, ""), str):
                raise Refused(400, f"{name} is a string", name)
        if len(body.get("description", "")) > 100:
            raise Refused(400, "description has at most 100 characters", "description")
        if self.hub.store.repository(namespace, body.get("name")) is not None:
            raise Refused(400, f"repository {namespace}/{body['name']} already exists", "name")
        found = self.hub.store.create_repository(
            namespace, body.get("name"), body.get("is_private", False), body.get("description", "")
        )
        log(
            "repository created", account=namespace, repository=found.name, private=found.is_private
        )
        self.send(201, shapes.repository_info(found, who.username, _scopes(who)))

    @route("POST", "/v2/repositories/([^/]+)")
    def api_create_repository_deprecated(self, namespace: str) -> None:
        self.api_create_repository(namespace, legacy=True)

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)")
    def api_repository(self, namespace: str, name: str) -> None:
        who = self._maybe_bearer()
        found = self.hub.registry.visible(who, namespace, name)
        if found is None:
            raise Refused(404, "object not found")
        viewer = who.username if who else ""
        self.send(200, shapes.repository_info(found, viewer, _scopes(who)))

    @route("GET", "/v2/repositories/([^/]+)/([^/]+)")
    def api_repository_deprecated(self, namespace: str, name: str) -> None:
        self.api_repository(namespace, name)

    @route("PATCH", "/v2/namespaces/([^/]+)/repositories/([^/]+)")
    def api_update_repository(self, namespace: str, name: str) -> None:
        who = self.owner(namespace, DELETE, "change this repository's settings")
        body = self.json_body()
        if "is_private" not in body:
            raise Refused(400, "nothing to change: send is_private", "is_private")
        self.hub.registry.record(namespace, name)
        found = self.hub.store.set_private(namespace, name, body["is_private"])
        log("visibility", account=namespace, repository=name, private=found.is_private)
        self.send(200, shapes.repository_info(found, who.username, _scopes(who)))

    @route("DELETE", "/v2/repositories/([^/]+)/([^/]+)")
    def api_delete_repository(self, namespace: str, name: str) -> None:
        """Not in Docker Hub's API description; hub-tool and scripts call it, and Docker Hub
        answers 202: the repository and every image in it go. A password, or a Read, Write,
        Delete token."""
        self.owner(namespace, DELETE, "delete this repository")
        if self.hub.registry.record(namespace, name) is None:
            raise Refused(404, "object not found")
        self.hub.registry.delete_repository(namespace, name)
        log("repository deleted", account=namespace, repository=name)
        self.send(202, b"", content_type="text/plain")

    # --- tags ----------------------------------------------------------------------------------------

    @route("DELETE", "/v2/repositories/([^/]+)/([^/]+)/tags/([^/]+)")
    def api_delete_tag(self, namespace: str, name: str, tag: str) -> None:
        """Not in Docker Hub's API description; hub-tool and scripts call it (Docker Hub
        answers 204): the tag goes, the image's other tags stay. A password, or a Read, Write,
        Delete token."""
        self.owner(namespace, DELETE, "delete tags here")
        if self.hub.registry.record(namespace, name) is None:
            raise Refused(404, "object not found")
        self.hub.registry.delete_tag(namespace, name, tag)
        log("tag deleted", account=namespace, repository=name, tag=tag)
        self.send(204, b"", content_type="text/plain")

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)/tags")
    def api_tags(self, namespace: str, name: str) -> None:
        number, size = shapes.paging(self.query, clamp=True)
        if self.hub.registry.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        results = self.hub.registry.tags(namespace, name)
        if self.command == "HEAD" and not results:
            raise Refused(404, "this repository has no tags")
        self.send(200, shapes.page(results, number, size, self.url()))

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)/tags/([^/]+)")
    def api_tag(self, namespace: str, name: str, tag: str) -> None:
        if self.hub.registry.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        found = [t for t in self.hub.registry.tags(namespace, name) if t["name"] == tag]
        if not found:
            raise Refused(404, "tag not found")
        self.send(200, found[0])

    # --- personal access tokens ------------------------------------------------------------------

    def token_owner(self) -> Principal:
        who = self.hub.auth.bearer(self.headers.get("Authorization"))
        if who.kind != "password":  # 401: the description lists no 403 for these calls
            raise Refused(
                401, "access tokens cannot manage access tokens: sign in with your password"
            )
        return who

    @route("GET", "/v2/access-tokens")
    def api_access_tokens(self) -> None:
        number, size = shapes.paging(self.query)
        who = self.token_owner()
        results = [t.api() for t in self.hub.store.tokens(who.username)]
        listed = shapes.page(results, number, size, self.url(), past_end_is_404=False)
        active = sum(t["is_active"] for t in results)
        self.send(200, {**listed, "active_count": active})

    @route("POST", "/v2/access-tokens")
    def api_create_access_token(self) -> None:
        who = self.token_owner()
        body = self.json_body()
        for name in ("token_label", "scopes"):
            if name not in body:
                raise Refused(400, f"{name} is required", name)
        label, expires = body["token_label"], body.get("expires_at")
        if not isinstance(label, str):
            raise Refused(400, "token_label is a string", "token_label")
        if expires is not None and not isinstance(expires, str):
            raise Refused(400, "expires_at is a date and time (RFC 3339)", "expires_at")
        token, secret = self.hub.store.create_token(
            who.username, label, shapes.one_scope(body["scopes"]), expires,
            user_agent=self.headers.get("User-Agent", ""),
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
        """The token's label, or whether it is active, or both (one at least)."""
        who = self.token_owner()
        body = self.json_body()
        self.hub.store.token(who.username, token_id)  # 404 before anything is judged
        if "token_label" not in body and "is_active" not in body:
            raise Refused(400, "nothing to change: send token_label or is_active")
        if "is_active" in body and not isinstance(body["is_active"], bool):
            raise Refused(400, "is_active is true or false", "is_active")
        label = body.get("token_label")
        if "token_label" in body and (not isinstance(label, str) or not 1 <= len(label) <= 100):
            raise Refused(400, "token_label is a string of 1 to 100 characters", "token_label")
        if label is not None:
            self.hub.store.set_token_label(who.username, token_id, label)
        if "is_active" in body:
            self.hub.store.set_token_active(who.username, token_id, body["is_active"])
        token = self.hub.store.token(who.username, token_id)
        log(
            "access token updated", account=who.username, uuid=token_id, active=token.is_active,
            label=token.label,
        )  # fmt: skip
        self.send(200, token.api())

    @route("DELETE", "/v2/access-tokens/([^/]+)")
    def api_delete_access_token(self, token_id: str) -> None:
        who = self.token_owner()
        self.hub.store.delete_token(who.username, token_id)
        log("access token deleted", account=who.username, uuid=token_id, via="api")
        self.send(204, b"", content_type="text/plain")


def _scopes(who: Principal | None) -> set[str]:
    """What ``who``'s credential allows: a password (or the grader) everything, an access token
    its permission and every lower one."""
    if who is None or who.kind == "anonymous":
        return set()
    if who.kind in ("password", "admin"):
        return set(PERMISSIONS)
    ranked = shapes.SCOPES_LOW_TO_HIGH
    return set(ranked[: ranked.index(who.scope) + 1]) if who.scope in ranked else set()
