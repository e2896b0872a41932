"""Recognisers of a command typed wrong: the wrong number of arguments, an option or a command
docker does not have (with the one meant, when close), an option without its value."""

from __future__ import annotations

import difflib

from ..result import shell
from .command import split_name
from .fixes import _login_fix, _own_name
from .model import Seen

_KNOWN_FLAGS: dict[str, tuple[str, ...]] = {
    "login": ("--username", "--password", "--password-stdin"),
    "push": ("--all-tags", "--quiet", "--platform", "--disable-content-trust"),
    "pull": ("--all-tags", "--quiet", "--platform", "--disable-content-trust"),
    "run": ("--publish", "--detach", "--name", "--rm", "--interactive", "--tty", "--env",
            "--volume", "--platform", "--pull", "--entrypoint"),
    "build": ("--tag", "--file", "--platform", "--build-arg", "--no-cache", "--pull", "--push",
              "--load", "--progress", "--target", "--quiet"),
    "rmi": ("--force", "--no-prune"),
    "tag": (),
}  # fmt: skip
_COMMANDS = (
    "login", "logout", "tag", "push", "pull", "build", "run", "images", "ps", "rmi", "rm",
    "stop", "start", "logs", "inspect", "exec", "create", "image", "container", "buildx",
    "version", "info", "system", "manifest", "search", "save", "load", "kill", "restart",
)  # fmt: skip

_USAGE = {
    "tag": "docker tag SOURCE TARGET",
    "push": "docker push NAME:TAG",
    "pull": "docker pull NAME:TAG",
    "rmi": "docker rmi NAME:TAG",
    "build": "docker build -t NAME:TAG FOLDER",
}


def _wrong_arguments(seen: Seen) -> tuple[str, str]:
    action = seen.group(1).split()[-1] if seen.group(1) else seen.command.action
    action = {"buildx": "build"}.get(action, action)
    inv = seen.command.find(action) or seen.command.find()
    got = list(inv.positionals) if inv else []
    listed = ", ".join(f"`{w}`" for w in got) if got else "none"
    ctx = seen.context
    if action == "build" and inv and not inv.positionals:
        return (
            "`docker build` needs the folder to build as its last word (`.` for the current "
            "one): the command names none.",
            shell(seen.command.text + " .")
            if seen.command.text
            else shell("docker build -t NAME ."),
        )
    if action == "tag":
        source = got[0] if got else "my-flask-app:v1"
        target = _own_name(ctx, split_name(source)) if split_name(source) else "TARGET"
        split = " (a space inside a name splits it in two)" if len(got) > 2 else ""
        return (
            f"`docker tag` takes exactly two names, the image you have and its new name; it got "
            f"{len(got)}: {listed}{split}.",
            shell(f"docker tag {source} {target}"),
        )
    usage = _USAGE.get(action)
    return (
        f"`docker {action}` was given {listed} and wants "
        + (f"`{usage}`." if usage else "other arguments."),
        f"See what it takes: {shell(f'docker {action} --help')}",
    )


def _unknown_flag(seen: Seen) -> tuple[str, str]:
    flag = seen.group(1)
    if seen.group(2):  # unknown shorthand flag: 'x' in -xyz
        flag = seen.group(2)
    action = seen.command.action
    known = _KNOWN_FLAGS.get(action, ())
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    if close:
        return (
            f"`docker {action}` has no option `{flag}`: you meant `{close[0]}`.",
            seen.command.replaced(flag, close[0]) or f"Write `{close[0]}`.",
        )
    return (
        f"`docker {action or 'COMMAND'}` has no option `{flag}`.",
        f"See its options: {shell(f'docker {action} --help' if action else 'docker --help')}",
    )


def _flag_needs_argument(seen: Seen) -> tuple[str, str]:
    flag = seen.group(2) or seen.group(1)
    login = seen.command.find("login")
    return (
        f"`{flag}` needs a value after it, and the command ends (or goes on with another option) "
        "right after it.",
        _login_fix(seen.context, login)
        if login
        else f"Give it its value; {shell(f'docker {seen.command.action} --help')} shows them all.",
    )


def _unknown_command(seen: Seen) -> tuple[str, str]:
    word = seen.group(1)
    close = difflib.get_close_matches(word, _COMMANDS, n=1, cutoff=0.5)
    if close:
        return (
            f"docker has no command `{word}`: you meant `{close[0]}`.",
            seen.command.replaced(word, close[0]) or shell(f"docker {close[0]} --help"),
        )
    return (f"docker has no command `{word}`.", "See its commands: " + shell("docker --help"))
