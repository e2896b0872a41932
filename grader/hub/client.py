"""Docker Hub's API and its registry token flow, as one client for the classroom hub and the real
Docker Hub alike (same paths, same shapes). The checks and the hub view read a hub only here."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import jwt
import requests

from ..errors import CourseError, RegistryUnavailable

DOCKER_HUB = "https://hub.docker.com"
DOCKER_HUB_REALM = "https://auth.docker.io/token"
DOCKER_HUB_SERVICE = "registry.docker.io"
WRITE_SCOPES = ("repo:write", "repo:admin")
PERMISSION_LABELS = {
    "repo:public_read": "Repo Public Read-only",
    "repo:read": "Repo Read-only",
    "repo:write": "Repo Read & Write",
    "repo:admin": "Repo Read, Write, Delete",
}
"""Docker Hub's access-token permissions, as its settings page names them."""
SIGN_IN_SECONDS = 600
"""How long an access token from ``POST /v2/auth/token`` lasts: "This expires in 10 minutes"
(Docker Hub's API description, ``AuthCreateTokenResponse``)."""
RENEW_BEFORE_SECONDS = 60
"""A kept sign-in is renewed this long before it would run out (a slow call still has time)."""


class HubRefused(CourseError):
    """The hub turned a request down: ``status`` and the hub's own text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, "")
        self.status = status


@dataclass(frozen=True)
class Challenge:
    """A registry's ``WWW-Authenticate: Bearer realm=…,service=…,scope=…``."""

    realm: str
    service: str
    scope: str = ""

    @classmethod
    def parse(cls, header: str) -> Challenge | None:
        if not header.lower().startswith("bearer "):
            return None
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        if "realm" not in fields:
            return None
        return cls(fields["realm"], fields.get("service", ""), fields.get("scope", ""))


class HubAPI:
    """Docker Hub's API at ``base_url`` (``https://hub.docker.com`` or a classroom hub's
    ``http://localhost:PORT``) and its token service at ``token_url``."""

    def __init__(
        self,
        base_url: str = DOCKER_HUB,
        token_url: str = DOCKER_HUB_REALM,
        service: str = DOCKER_HUB_SERVICE,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.service = service
        self.session = session or requests.Session()
        self._signed_in: dict[tuple[str, str], tuple[str, float]] = {}

    def _call(
        self, method: str, path: str, *, access: str | None = None, **kw
    ) -> requests.Response:
        headers = dict(kw.pop("headers", None) or {})
        if access:
            headers["Authorization"] = f"Bearer {access}"
        url = path if path.startswith("http") else self.base_url + path
        try:
            return self.session.request(method, url, headers=headers, timeout=10, **kw)
        except requests.exceptions.RequestException as error:
            raise RegistryUnavailable(
                f"The hub at {self.base_url} did not answer ({type(error).__name__}).",
                "Start the lab again; `grader doctor` shows the engine's state.",
            ) from None

    def _json(self, response: requests.Response, ok=(200, 201)) -> dict:
        if response.status_code not in ok:
            raise HubRefused(response.status_code, _message(response))
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise HubRefused(response.status_code, "the hub answered something not JSON") from None

    # --- the registry's token service ----------------------------------------------------------

    def registry_token(
        self, scopes: list[str], auth: tuple[str, str] | None = None
    ) -> tuple[str, list[dict]]:
        """A registry token for ``scopes`` (``repository:USER/REPO:pull,push``) as ``docker``
        gets one: with ``auth`` (username, password or access token) or anonymously. Returns the
        token and the access it grants (read from its claims, which the registry verifies)."""
        params = [("service", self.service)] + [("scope", s) for s in scopes]
        if auth:
            params.append(("account", auth[0]))
        body = self._json(self._call("GET", self.token_url, params=params, auth=auth))
        token = body.get("token") or body.get("access_token") or ""
        return token, _claims(token).get("access") or []

    def authenticates(self, username: str, secret: str) -> bool:
        """Would ``docker login`` succeed with this secret (the token service accepts it)?"""
        try:
            self.registry_token([], (username, secret))
            return True
        except HubRefused:
            return False

    def can(self, action: str, repository: str, auth: tuple[str, str] | None) -> bool:
        """Whether a token for ``repository`` with ``auth`` (None: anonymous) grants ``action``."""
        try:
            _, access = self.registry_token([f"repository:{repository}:pull,{action}"], auth)
        except HubRefused:
            return False
        return any(action in entry.get("actions", []) for entry in access)

    # --- the API ------------------------------------------------------------------------------------

    def sign_in(self, identifier: str, secret: str) -> str:
        """``POST /v2/auth/token``: an access token for the API's other calls."""
        body = self._json(
            self._call("POST", "/v2/auth/token", json={"identifier": identifier, "secret": secret})
        )
        return body["access_token"]

    def access(self, identifier: str, secret: str) -> str:
        """An access token for ``identifier``, kept and signed in again before Docker Hub's ten
        minutes run out."""
        kept = self._signed_in.get((identifier, secret))
        if kept is None or time.monotonic() > kept[1]:
            renew_at = time.monotonic() + SIGN_IN_SECONDS - RENEW_BEFORE_SECONDS
            kept = (self.sign_in(identifier, secret), renew_at)
            self._signed_in[(identifier, secret)] = kept
        return kept[0]

    def _pages(self, path: str, access: str | None) -> Iterator[dict]:
        """Every result of a list, page after page as ``next`` leads (absolute URLs; a relative
        one, as older hubs sent, is taken from ``path``)."""
        while path:
            body = self._json(self._call("GET", path, access=access))
            yield from body.get("results") or []
            following = body.get("next") or ""
            if following and not following.startswith("http"):
                following = path.split("?")[0] + following
            path = following

    def repository(self, namespace: str, name: str, access: str | None = None) -> dict | None:
        response = self._call(
            "GET", f"/v2/namespaces/{namespace}/repositories/{name}", access=access
        )
        return None if response.status_code == 404 else self._json(response)

    def repositories(self, namespace: str, access: str | None = None) -> list[dict]:
        """Every repository of ``namespace`` that ``access`` may see (all pages)."""
        return list(self._pages(f"/v2/namespaces/{namespace}/repositories?page_size=100", access))

    def create_repository(self, namespace: str, name: str, is_private: bool, access: str) -> dict:
        response = self._call(
            "POST",
            f"/v2/namespaces/{namespace}/repositories",
            access=access,
            json={"name": name, "namespace": namespace, "is_private": is_private},
        )
        return self._json(response)

    def set_private(self, namespace: str, name: str, is_private: bool, access: str) -> dict:
        response = self._call(
            "PATCH",
            f"/v2/namespaces/{namespace}/repositories/{name}",
            access=access,
            json={"is_private": is_private},
        )
        return self._json(response)

    def tags(self, namespace: str, name: str, access: str | None = None) -> list[dict]:
        """Every tag (all pages), newest push first as Docker Hub lists them."""
        path = f"/v2/namespaces/{namespace}/repositories/{name}/tags?page_size=100"
        return list(self._pages(path, access))

    def access_tokens(self, access: str) -> list[dict]:
        """Every personal access token of the signed-in account (all pages)."""
        return list(self._pages("/v2/access-tokens?page_size=100", access))

    def create_access_token(
        self, access: str, label: str, scope: str, expires_at: str | None = None
    ) -> dict:
        """A new personal access token: the answer holds its ``uuid`` and, this once, ``token``."""
        body = {"token_label": label, "scopes": [scope]}
        if expires_at:
            body["expires_at"] = expires_at
        return self._json(self._call("POST", "/v2/access-tokens", access=access, json=body))

    def set_access_token_active(self, access: str, uuid: str, active: bool) -> dict:
        response = self._call(
            "PATCH", f"/v2/access-tokens/{uuid}", access=access, json={"is_active": active}
        )
        return self._json(response)

    def delete_access_token(self, access: str, uuid: str) -> None:
        self._json(self._call("DELETE", f"/v2/access-tokens/{uuid}", access=access), ok=(204,))


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        said = ("message", "detail", "text", "details")  # Docker Hub's, auth.docker.io's
        return str(next((body[k] for k in said if body.get(k)), body))
    return str(body)


def _claims(token: str) -> dict:
    """The claims of a JWT, unverified: what a token service says it granted (the registry is
    what verifies it)."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
