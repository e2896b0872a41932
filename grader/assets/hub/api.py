"""Docker Hub's API, at its paths and in its shapes: sign-in (``POST /v2/auth/token``),
repositories, tags and personal access tokens."""

from __future__ import annotations

from auth import INSUFFICIENT, Principal
from store import DELETE, PERMISSIONS, PUSH, Refused
from web import Handler, log, route


class ApiRoutes(Handler):
    @route("POST", "/v2/auth/token")
    def api_sign_in(self) -> None:
        body = self.json_body()
        identifier, secret = body.get("identifier"), body.get("secret")
        if not isinstance(identifier, str) or not isinstance(secret, str) or not identifier:
            raise Refused(400, "identifier and secret are required strings")
        try:
            principal = self.hub.auth.identify(identifier, secret, self.client)
        except Refused as refusal:
            log("sign-in refused", account=identifier, via="api", error=refusal.message)
            raise
        log("signed in", account=identifier, via="api", credential=principal.credential)
        self.send(200, {"access_token": self.hub.auth.start_session(principal)})

    def owner(self, namespace: str, scopes: set[str], what: str) -> Principal:
        who = self.hub.auth.bearer(self.headers.get("Authorization"))
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
            if self.hub.registry.visible(who, namespace, r.name)
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
        found = self.hub.registry.visible(self._maybe_bearer(), namespace, name)
        if found is None:
            raise Refused(404, "object not found")
        self.send(200, found.api())

    @route("PATCH", "/v2/namespaces/([^/]+)/repositories/([^/]+)")
    def api_update_repository(self, namespace: str, name: str) -> None:
        self.owner(namespace, DELETE, "change this repository's settings")
        body = self.json_body()
        if "is_private" not in body:
            raise Refused(400, "nothing to change: send is_private", "is_private")
        self.hub.registry.record(namespace, name)
        found = self.hub.store.set_private(namespace, name, body["is_private"])
        log("visibility", account=namespace, repository=name, private=found.is_private)
        self.send(200, found.api())

    @route("GET", "/v2/namespaces/([^/]+)/repositories/([^/]+)/tags")
    def api_tags(self, namespace: str, name: str) -> None:
        if self.hub.registry.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        page, size = _paging(self.query)
        results = self.hub.registry.tags(namespace, name)
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
        if self.hub.registry.visible(self._maybe_bearer(), namespace, name) is None:
            raise Refused(404, "object not found")
        found = [t for t in self.hub.registry.tags(namespace, name) if t["name"] == tag]
        if not found:
            raise Refused(404, "tag not found")
        self.send(200, found[0])

    def token_owner(self) -> Principal:
        who = self.hub.auth.bearer(self.headers.get("Authorization"))
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
            who.username, body.get("token_label", ""), one_scope(body),
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
            return self.hub.auth.basic(self.headers["Authorization"], self.client)
        return self.hub.auth.bearer(self.headers.get("Authorization"))


def one_scope(body: dict) -> str:
    """The one permission in an access token request's ``scopes`` (Docker Hub's shape)."""
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
