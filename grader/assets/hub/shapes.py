"""Docker Hub's API shapes, as its own API description gives them (docker/docs,
``content/reference/api/hub/latest.yaml``; the part the hub serves is vendored in the course's
``tests/hub/schema``, which its contract tests judge every answer by): a repository listed and
read, a page of results and its links, the paging and ordering a list takes, an error.

Pure functions of what they are given: no request, no store."""

from __future__ import annotations

import urllib.parse

from store import PERMISSIONS, Refused, Repository

SCOPES_LOW_TO_HIGH = tuple(PERMISSIONS)
"""``repo:public_read`` < ``repo:read`` < ``repo:write`` < ``repo:admin``: "you only need to
define 1 scope as any lower scopes are assumed" (the description's access-token section)."""
MAX_PAGE_SIZE = 100
ORDERINGS = ("name", "-name", "last_updated", "-last_updated", "pull_count", "-pull_count")


def repository_entry(repository: Repository) -> dict:
    """A repository in a list (``repository_list_entry``)."""
    return {
        "name": repository.name,
        "namespace": repository.namespace,
        "repository_type": "image",
        "status": 1,
        "status_description": "active",
        "description": repository.description,
        "is_private": repository.is_private,
        "star_count": 0,
        "pull_count": repository.pull_count,
        "last_updated": repository.last_updated or repository.date_registered,
        "last_modified": repository.last_modified,
        "date_registered": repository.date_registered,
        "affiliation": "",
        "media_types": [],
        "content_types": ["image"],
        "categories": [],
        "storage_size": 0,
    }


def repository_info(repository: Repository, viewer: str, viewer_scopes: set[str]) -> dict:
    """A repository read or made (``repository_info``), with what ``viewer`` may do in it:
    its owner what their credential allows (a password: everything), anyone else read."""
    owner = viewer == repository.namespace
    return {
        **repository_entry(repository),
        "user": repository.namespace,
        "is_automated": False,
        "collaborator_count": 0,
        "hub_user": repository.namespace,
        "has_starred": False,
        "full_description": "",
        "permissions": {
            "read": True,
            "write": owner and bool(viewer_scopes & {"repo:write", "repo:admin"}),
            "admin": owner and "repo:admin" in viewer_scopes,
        },
        "immutable_tags_settings": {"enabled": False, "rules": []},
        "storage_size": None,
        "source": None,
    }


def paging(query: dict[str, list[str]], clamp: bool = False) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1 to 100, 10 when not given) of a list's query.
    Out of bounds is a 400, or with ``clamp`` (where the description has no 400 and no bounds
    in the parameter's schema: the tags) brought within them, a page before the first a 404."""
    found = {}
    for name, default, most in (("page", 1, None), ("page_size", 10, MAX_PAGE_SIZE)):
        text = (query.get(name) or [str(default)])[-1]
        try:
            value = int(text)
        except ValueError:
            raise Refused(400, f"{name} is a whole number, not {text!r}", name) from None
        if clamp and name == "page" and value < 1:
            raise Refused(404, f"there is no page {value}: the first is 1")
        if clamp:
            value = max(1, min(value, most or value))
        if value < 1 or (most is not None and value > most):
            bounds = f"1 to {most}" if most else "1 or more"
            raise Refused(400, f"{name} is {bounds}, not {value}", name)
        found[name] = value
    return found["page"], found["page_size"]


def ordering(query: dict[str, list[str]]) -> str:
    wanted = (query.get("ordering") or ["name"])[-1]
    if wanted not in ORDERINGS:
        raise Refused(
            400, f"Invalid ordering value. Must be one of: {', '.join(ORDERINGS)}", "ordering"
        )
    return wanted


def page(results: list, number: int, size: int, url: str, past_end_is_404: bool = True) -> dict:
    """Page ``number`` of ``results`` (``size`` each), its ``next``/``previous`` as absolute URLs
    of the same list (``url``: this request's, with its query). A page after the last is
    Docker Hub's 404 where the description says so (repositories, tags)."""
    chunk = results[(number - 1) * size : number * size]
    if number > 1 and not chunk and past_end_is_404:
        raise Refused(404, f"page {number} is past the last page of {len(results)} results")

    def link(to: int) -> str:
        parts = urllib.parse.urlsplit(url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "page"]
        query.append(("page", str(to)))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    return {
        "count": len(results),
        "next": link(number + 1) if len(results) > number * size else None,
        "previous": link(number - 1) if number > 1 else None,
        "results": chunk,
    }


def one_scope(scopes: object) -> str:
    """The permission a token request's ``scopes`` gives: the highest named (lower ones are
    assumed by it)."""
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
        raise Refused(400, f"scopes is a list of permissions: {', '.join(PERMISSIONS)}", "scopes")
    unknown = [s for s in scopes if s not in PERMISSIONS]
    if unknown:
        raise Refused(
            400, f"unknown scope {unknown[0]!r}: one of {', '.join(PERMISSIONS)}", "scopes"
        )
    return max(scopes, key=SCOPES_LOW_TO_HIGH.index)


def error(path: str, status: int, message: str, field: str = "") -> dict:
    """An error as Docker Hub's API answers it at ``path``: a request it could not accept (400)
    names the field (``fields``/``text``, the description's validation error); a sign-in at the
    deprecated ``/v2/users/login`` has only ``detail``; any other has ``detail`` and ``message``
    (the description's ``Error``), and ``errinfo`` with the field when there is one."""
    if status == 400:
        return {"fields": {field: [message]} if field else {}, "text": message}
    if path.rstrip("/") == "/v2/users/login":
        return {"detail": message}
    body: dict = {"detail": message, "message": message}
    if field:
        body["errinfo"] = {"field": field}
    return body
