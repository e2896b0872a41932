"""Recognisers of an image built for another kind of processor than this machine's."""

from __future__ import annotations

import re

from ..result import shell
from .command import split_name
from .fixes import _own_name
from .model import Seen


def _runnable_name(seen: Seen) -> str:
    return seen.command.image("run", "create", "pull", "build") or "IMAGE"


def _rebuild(seen: Seen, image: str) -> str:
    ref, ctx = split_name(image), seen.context
    pushed = image if ref is None or ref.domain or not ctx.registry else _own_name(ctx, ref)
    host = _host_platform(seen.output)
    return (
        "Rebuild it for this machine, where it was built: "
        + shell(f"docker build --platform {host} -t {image} .")
        + ", or for both kinds of machine at once, pushed to the registry: "
        + shell(f"docker buildx build --platform linux/amd64,linux/arm64 -t {pushed} --push .")
    )


_PLATFORM_WARNING = re.compile(
    r"requested image's platform \(([^)\n]+)\) does not match the detected host platform "
    r"\(([^)\n]+)\)",
    re.IGNORECASE,
)


def _host_platform(text: str) -> str:
    found = _PLATFORM_WARNING.search(text)
    platform = found.group(2) if found else "linux/amd64"
    return "/".join(platform.split("/")[:2])


def _exec_format(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    warning = _PLATFORM_WARNING.search(seen.output)
    built = f" ({warning.group(1)})" if warning else ""
    return (
        f"`{image}` holds programs built for another kind of processor{built} than this "
        f"machine's ({_host_platform(seen.output)}), so they cannot run here: an image built on "
        "an Apple-silicon Mac is linux/arm64, most servers are linux/amd64.",
        _rebuild(seen, image),
    )


def _platform_mismatch(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    return (
        f"`{image}` was built for {seen.group(1)} and this machine is {seen.group(2)}: it runs "
        "here only under emulation (slowly), or not at all.",
        _rebuild(seen, image),
    )


def _no_matching_manifest(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    platform = seen.group(1) or "this machine's platform"
    ref = split_name(image)
    pushed = _own_name(seen.context, ref) if ref and not ref.domain else image
    return (
        f"`{image}` is a multi-platform image with no image for {platform} in it: whoever pushed "
        "it built it for other processors only (linux/arm64 on an Apple-silicon Mac, say).",
        "Where it was built, build and push it for both kinds of machine: "
        + shell(f"docker buildx build --platform linux/amd64,linux/arm64 -t {pushed} --push ."),
    )
