"""Recognisers of pushes and pulls the registry or the engine refuses: an image not tagged
before its push, an index pushed without all its parts, a private or someone else's repository,
Docker Hub's pull rate limit."""

from __future__ import annotations

import shlex
from dataclasses import replace

from ..result import shell
from .command import split_name
from .fixes import _login_fix, _new_token, _own_name
from .model import Context, Seen


def _rate_limit(seen: Seen) -> tuple[str, str]:
    ctx = seen.context
    hub = ctx if ctx.registry == "docker.io" else Context()
    login = shell(
        f"docker login -u {hub.username or 'USERNAME'} --password-stdin < "
        f"{shlex.quote(hub.token_file) if hub.token_file else 'TOKEN_FILE'}"
    )
    return (
        "Docker Hub limits pulls per 6 hours: 100 for anonymous pulls from one address (a whole "
        "classroom behind one address shares them) and 200 for a logged-in free account.",
        f"Log in to Docker Hub, which counts your pulls apart from the address's: {login}; or "
        "wait until the window has passed, and pull again.",
    )


def _push_not_tagged(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("push", ""):
        return None
    written = seen.command.image("push") or seen.group(1)
    ref = split_name(written)
    if ref is None:
        return None
    tag = ref.tag or "latest"
    target = str(replace(ref, tag=tag)) if not ref.digest else written
    source = f"{ref.repository}:{tag}"
    source = source if source != target else "IMAGE"
    return (
        f"There is no image called `{target}` on this machine: `docker push` sends an image by "
        "the name it has here, so it needs that name first (`docker tag` gives it).",
        shell(f"docker tag {source} {target}") + ", then " + shell(f"docker push {target}"),
    )


def _push_missing_content(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("push", ""):
        return None
    target = seen.command.image("push") or "NAME:TAG"
    ref = split_name(target)
    source = f"{replace(ref, tag=None)}:TAG" if ref else "NAME:TAG"
    return (
        f"`{target}` names an image index you pulled (a BuildKit build: your platform's image "
        "plus an attestation), and your engine keeps only your platform's part of it: a pull "
        "does not fetch the attestation, and `docker push` of an index needs every part "
        "(the containerd image store, docker/cli#4959).",
        "Make the new tag in the registry itself, which has every part (TAG: the tag you "
        f"pulled): {shell(f'docker buildx imagetools create -t {target} {source}')}",
    )


def _pull_denied(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("pull", "run", "create", "build", ""):
        return None
    ctx = seen.context
    ref = split_name(seen.group(1)) or split_name(seen.command.image("pull", "run", "create"))
    path = ref.path if ref else "that repository"
    then = shell(f"docker pull {seen.command.image('pull', 'run', 'create') or ref}")
    if ref and ctx.username and ref.namespace == ctx.username:
        return (
            f"`{path}` is your private repository (or it is not there: check the spelling), and "
            "this pull was not logged in as you: a private repository shows only to its owner.",
            _login_fix(ctx) + ", then " + then,
        )
    owner = f"`{ref.namespace}`'s" if ref and ref.namespace else "someone else's"
    return (
        f"`{path}` is {owner}, and private, or misspelled, or not there at all: the registry "
        "answers the same to all three, and only its owner can pull a private repository.",
        f"Check the name; if the repository is yours, log in as its owner: {_login_fix(ctx)}, "
        f"then {then}",
    )


def _push_denied(seen: Seen) -> tuple[str, str] | None:
    cmd, ctx = seen.command, seen.context
    if cmd.action in ("pull", "run", "create"):
        return None
    image = cmd.image("push", "build", "imagetools") or "NAME:TAG"
    ref = split_name(image)
    push = shell(f"docker push {image}")
    if ref is None:
        return None
    own = _own_name(ctx, ref)
    moved = shell(f"docker tag {image} {own}") + ", then " + shell(f"docker push {own}")
    if ref.namespace is None:
        return (
            f"`{image}` has no username before the repository name: you may push only under "
            f"your own, `{ctx.username or 'USERNAME'}/`.",
            moved,
        )
    if ctx.username and ref.namespace != ctx.username:
        return (
            f"`{ref.path}` is under `{ref.namespace}`, not your username: you may push only "
            f"under your own, `{ctx.username}`.",
            moved,
        )
    text = seen.output
    if (
        "anonymous token" in text
        or "no basic auth credentials" in text
        or "authentication required" in text
    ):
        return (
            f"You are not logged in to `{ref.registry}`, and nobody may push anonymously.",
            _login_fix(ctx) + ", then " + push,
        )
    if "oauth token" in text:
        return (
            f"The hub refused your login's token a push to `{ref.path}`: it is read-only, or "
            "was deactivated or expired after you logged in.",
            _new_token(ctx) + _login_fix(ctx) + ", then " + push,
        )
    return (
        f"The hub refused the push to `{ref.path}`: you are not logged in to `{ref.registry}` "
        "(or logged in as another account).",
        _login_fix(ctx) + ", then " + push,
    )
