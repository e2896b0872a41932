"""Recognisers of what a registry has and how it is reached: a tag, ``latest`` or a digest it
does not have, and a registry that speaks plain HTTP, has a certificate docker does not trust, or
does not answer."""

from __future__ import annotations

import re
from dataclasses import replace

from ..names import Reference
from ..result import shell
from .command import Command, split_name
from .fixes import _login_fix, _own_name, _tags_page
from .model import Seen, _line_of

_MISSING = (
    r"manifest for (\S+?) not found: manifest unknown",
    r'failed to resolve reference "([^"\n]+)": [^\s"]+: not found',
)


def _asked(seen: Seen) -> Reference | None:
    """The name the engine looked for (with the tag it used), from its text or the command."""
    return split_name(seen.group(1)) or split_name(seen.command.image("pull", "run", "create"))


def _no_latest(seen: Seen) -> tuple[str, str] | None:
    ref, written = _asked(seen), split_name(seen.command.image("pull", "run", "create"))
    if ref is None or ref.tag != "latest" or ref.digest or (written and written.tag is not None):
        return None
    name = str(replace(ref, tag=None))
    return (
        f"`{name}` names no tag, so docker asked for `{name}:latest`, and the repository has no "
        "tag `latest`: docker does not pick the newest tag, `latest` is a tag like any other, "
        "there only if someone pushed it.",
        f"Name the tag you want{_tags_page(seen.context, ref)}: "
        + shell(f"docker {seen.command.action or 'pull'} {name}:TAG"),
    )


def _digest_missing(seen: Seen) -> tuple[str, str] | None:
    ref = _asked(seen)
    if ref is None or not ref.digest:
        return None
    return (
        f"The registry has nothing with the digest `{ref.digest}` in `{ref.path}`: a digest names "
        "one exact image, and this one is mistyped or from another repository.",
        "Copy the digest from the last line `docker push` printed (or the hub's tags page), or "
        f"pull by tag{_tags_page(seen.context, ref)}: "
        + shell(f"docker pull {replace(ref, tag=None, digest=None)}:TAG"),
    )


def _tag_missing(seen: Seen) -> tuple[str, str] | None:
    ref = _asked(seen)
    if ref is None or ref.digest:
        return None
    tag, name = ref.tag or "latest", str(replace(ref, tag=None))
    ctx = seen.context
    others = (
        f" (it is under `{ref.namespace}`, not your `{ctx.username}`)"
        if ctx.username and ref.namespace and ref.namespace != ctx.username
        else ""
    )
    return (
        f"The registry has no tag `{tag}` in `{ref.path}`{others}: that tag was never pushed, or "
        "the repository's name is misspelled.",
        f"Pull a tag it has{_tags_page(ctx, ref)}: {shell(f'docker pull {name}:TAG')}; or, if "
        f"the image is yours and not pushed yet, push it first: {shell(f'docker push {ref}')}",
    )


def _manifest_unknown(seen: Seen) -> tuple[str, str]:
    image = seen.command.image() or "the image"
    return (
        f"The registry has no manifest for `{image}`: that tag or digest is not in it.",
        "Check the name, the tag and the digest against what was pushed: " + shell("docker images"),
    )


def _host_of(seen: Seen) -> str | None:
    line = _line_of(seen)
    found = re.search(r'https?://([^/"\s]+)', line) or re.search(r"lookup ([\w.-]+)", line)
    return found.group(1) if found else None


def _renamed(cmd: Command, image: str, new: str) -> str | None:
    """The learner's command with ``image`` named ``new``; for a push, the tag that gives the
    local image that name first."""
    if cmd.action == "push":
        return shell(f"docker tag {image} {new}") + ", then " + shell(f"docker push {new}")
    return cmd.replaced(image, new)


def _registry_failed(seen: Seen) -> tuple[str, str] | None:
    """A registry that answered 500 (its own failure) to a push, after docker's retries."""
    if not seen.command.find("push"):
        return None
    return (
        "The registry failed while storing your push (HTTP 500 is the registry's own error, "
        "after docker retried each layer): with the course's registry the usual cause is a "
        "full disk, since it keeps the layers you push on your engine's disk (in a classroom, "
        "your seat's own).",
        "See what takes the room: "
        + shell("docker system df")
        + "; remove what you no longer need (`!docker image prune`, `!docker builder prune`, "
        "`!docker rmi NAME:TAG` for tags you are done with), then push again. The registry's "
        "own log says what failed: `!docker logs REGISTRY_CONTAINER` (`!docker ps` names it).",
    )


def _registry_http(seen: Seen) -> tuple[str, str]:
    ctx, cmd = seen.context, seen.command
    login = cmd.find("login")
    image = cmd.image() or (login.positionals[0] if login and login.positionals else None)
    ref = split_name(image)
    host = (ref.domain if ref and ref.domain else None) or _host_of(seen) or "the registry"
    cause = (
        f"The registry at `{host}` speaks plain HTTP, and docker uses HTTPS with every registry "
        "except those on `localhost` or 127.0.0.0/8, unless the engine lists it under "
        "`insecure-registries`."
    )
    port = host.rsplit(":", 1)[-1] if ":" in host else None
    local = ctx.registry if ctx.registry and port and ctx.registry.endswith(f":{port}") else None
    local = local or (f"localhost:{port}" if port else None)
    fixed = None
    if local and host != local:
        if ref and ref.domain and cmd.image():
            fixed = _renamed(cmd, image, str(replace(ref, domain=local)))
        else:
            fixed = cmd.replaced(host, local)
    if fixed:
        return (cause, f"If the registry runs on this machine, name it by `{local}`: {fixed}")
    return (
        cause,
        f'Add `"insecure-registries": ["{host}"]` to the engine\'s `daemon.json` and restart '
        "the engine, or give the registry a TLS certificate.",
    )


def _registry_tls(seen: Seen) -> tuple[str, str]:
    host = _host_of(seen) or "the registry"
    return (
        f"docker does not trust the HTTPS certificate of `{host}` (made for another name, or "
        "signed by an authority this machine does not know).",
        f"Give the engine the registry's CA certificate in `/etc/docker/certs.d/{host}/ca.crt`; "
        "a registry on this machine can be named by `localhost:PORT` instead, which needs none.",
    )


def _why_unreachable(line: str) -> str:
    low = line.lower()
    if "connection refused" in low:
        return "nothing listens there"
    if "no such host" in low:
        return "no computer has that name"
    if "reset by peer" in low:
        return "the connection was cut"
    if "no route" in low or "unreachable" in low:
        return "the network has no way there"
    return "no answer in time"


def _registry_unreachable(seen: Seen) -> tuple[str, str]:
    ctx, cmd = seen.context, seen.command
    why = _why_unreachable(_line_of(seen))
    action = cmd.action
    image = cmd.image("push", "pull", "run", "create")
    login = cmd.find("login")
    if image is None and login is not None:
        server = login.positionals[0] if login.positionals else "docker.io"
        return (
            f"Nothing answers at `{server}`, the registry `docker login` names ({why}).",
            _login_fix(ctx, login),
        )
    ref = split_name(image)
    if ref is None:
        host = _host_of(seen) or "the registry"
        return (
            f"docker could not reach `{host}` ({why}).",
            "Check the registry's address: " + shell("docker ps"),
        )
    if ref.domain is None and ctx.registry and ctx.registry != "docker.io":
        own = _own_name(ctx, ref)
        fix = (
            shell(f"docker tag {image} {own}") + ", then " + shell(f"docker push {own}")
            if action == "push"
            else shell(f"docker {action or 'pull'} {own}")
        )
        return (
            f"`{image}` has no registry host in front, so docker sent it to Docker Hub "
            f"(`docker.io`), which cannot be reached from here ({why}). Your registry is "
            f"`{ctx.registry}`: it goes at the front of the name.",
            fix,
        )
    if ref.domain is None:
        return (
            f"`{image}` names Docker Hub (`docker.io`: the name has no registry host in front), "
            f"and Docker Hub cannot be reached from here ({why}).",
            "Check this machine's network and proxy; in a classroom without internet, put your "
            "registry in front of the name: "
            + shell(f"docker {action or 'pull'} {_own_name(ctx, ref)}"),
        )
    if ctx.registry and ref.domain == ctx.registry:
        return (
            f"Your classroom registry `{ref.domain}` is not answering ({why}): its container "
            "stopped, or the engine restarted.",
            "Start the lab again: `lab = Lab.start(username=...)` (what you pushed before is gone "
            "with the old registry).",
        )
    if ctx.registry:
        return (
            f"Nothing answers at `{ref.domain}`, the registry at the front of `{image}` ({why}); "
            f"your classroom registry is `{ctx.registry}`.",
            _renamed(cmd, image, str(replace(ref, domain=ctx.registry)))
            or shell(f"docker {action} {replace(ref, domain=ctx.registry)}"),
        )
    return (
        f"Nothing answers at `{ref.domain}`, the registry at the front of `{image}` ({why}).",
        "Check the registry's host and port (`docker ps` lists the ports a registry container "
        "publishes): " + shell("docker ps"),
    )
