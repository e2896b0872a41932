"""Requests the hub must refuse with a clear message and no change, shared by the hub's tests in a
lab (tests/hub/test_hub.py) and in-process (tests/hub/test_hubd_inprocess.py)."""

from __future__ import annotations


def bad_inputs(username: str, token_uuid: str) -> list[tuple[str, str, dict, int, str]]:
    """``(method, path, requests keywords, status, text in the message)`` as a signed-in
    ``username`` sends them; ``token_uuid`` names one of their access tokens."""
    return [
        ("POST", "/v2/access-tokens", {"data": "{not json"}, 400, "not JSON"),
        ("POST", "/v2/access-tokens", {"json": ["a list"]}, 400, "JSON object"),
        ("POST", "/v2/access-tokens", {"json": {"token_label": "", "scopes": ["repo:read"]}}, 400, "description"),
        ("POST", "/v2/access-tokens", {"json": {"token_label": "x", "scopes": ["repo:everything"]}}, 400, "unknown scope"),
        ("POST", "/v2/access-tokens", {"json": {"token_label": "x", "scopes": "repo:read"}}, 400, "list of permissions"),
        ("POST", "/v2/access-tokens", {"json": {"token_label": "x", "scopes": ["repo:read"], "expires_at": "tomorrow"}}, 400, "RFC 3339"),
        ("POST", "/v2/access-tokens", {"json": {"token_label": "x", "scopes": ["repo:read"], "expires_at": "2001-01-01T00:00:00Z"}}, 400, "in the past"),
        ("PATCH", "/v2/access-tokens/no-such-uuid", {"json": {"is_active": False}}, 404, "not found"),
        ("PATCH", f"/v2/access-tokens/{token_uuid}", {"json": {"is_active": "no"}}, 400, "true or false"),
        ("POST", f"/v2/namespaces/{username}/repositories", {"json": {"name": "Bad Name!", "namespace": username}}, 400, "lowercase"),
        ("POST", f"/v2/namespaces/{username}/repositories", {"json": {"name": "ok", "namespace": username, "is_private": "yes"}}, 400, "true or false"),
        ("POST", f"/v2/namespaces/{username}/repositories", {"json": {"name": "ok"}}, 400, "namespace is required"),
        ("POST", "/v2/namespaces/someoneelse/repositories", {"json": {"name": "theirs"}}, 403, "only 'someoneelse'"),
        ("GET", f"/v2/namespaces/{username}/repositories/none/tags?page_size=1000", {}, 404, "not found"),
        ("POST", "/v2/auth/token", {"json": {"identifier": username}}, 401, "required"),
    ]  # fmt: skip


def said(answer) -> str:
    """The words of a refusal, in whichever of Docker Hub's shapes it came: ``message`` and
    ``detail`` (its API), ``text`` (a field it could not accept), ``details`` (its token
    service)."""
    body = answer.json()
    return next(str(body[k]) for k in ("message", "detail", "text", "details") if body.get(k))
