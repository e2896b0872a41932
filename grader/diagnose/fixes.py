"""The fixes several families of recognisers write: the course's login form, a new token, the
hub's pages, an image name moved into the learner's own namespace."""

from __future__ import annotations

import re
import shlex

from ..names import Reference
from ..result import shell
from .command import Invocation
from .model import Context

# --- fixes ----------------------------------------------------------------------------------------


def _login_fix(ctx: Context, login: Invocation | None = None) -> str:
    """The course's one login form, with the learner's values where known."""
    server = login.positionals[0] if login and login.positionals else None
    user = login.value("-u", "--username") if login else None
    registry = ctx.registry or server or "REGISTRY"
    username = ctx.username or (user if user and re.fullmatch(r"[a-z0-9]+", user) else "USERNAME")
    token_file = shlex.quote(ctx.token_file) if ctx.token_file else "TOKEN_FILE"
    return shell(f"docker login {registry} -u {username} --password-stdin < {token_file}")


def _page(ctx: Context, path: str) -> str | None:
    """The hub's page at ``path`` (Docker Hub keeps its settings on Docker Home)."""
    if not ctx.hub_url:
        return None
    from ..hub.dockerhub import page_url

    return page_url(ctx.hub_url, path)


def _new_token(ctx: Context) -> str:
    page = _page(ctx, "/settings/personal-access-tokens")
    where = f"on {page}" if page else "on the hub's Personal access tokens page"
    keep = ", keep it with `lab.save_token()`" if ctx.registry else ""
    return f"Generate a Read & Write access token {where}{keep}, then log in with it: "


def _tags_page(ctx: Context, ref: Reference) -> str:
    if ctx.registry and ref.domain == ctx.registry and ref.namespace:
        page = _page(ctx, f"/r/{ref.path}/tags")
        if page:
            return f" (the tags it has are listed on {page})"
    return ""


def _own_name(ctx: Context, ref: Reference) -> str:
    """``ref`` moved into the learner's own registry and namespace."""
    registry = ctx.registry or ref.domain or "REGISTRY"
    namespace = ctx.username or "USERNAME"
    tag = f":{ref.tag}" if ref.tag else ""
    prefix = "" if registry == "docker.io" and ref.domain is None else f"{registry}/"
    return f"{prefix}{namespace}/{ref.repository}{tag}"
