"""Recognisers of logging in and of access tokens: a login that would prompt, a token file
missing, a login refused, a token deactivated, expired or read-only, a credential helper that
cannot run."""

from __future__ import annotations

import re

from .fixes import _login_fix, _new_token
from .model import Explain, Seen, _line_of


def _login_no_tty(seen: Seen) -> tuple[str, str]:
    login = seen.command.find("login")
    fix = "Send your access token on standard input instead: " + _login_fix(seen.context, login)
    if login and login.has("--password-stdin"):
        given = (
            f"`{login.stdin}`, the file after `<`, is empty"
            if login.stdin
            else "nothing comes in (no `<` file, no pipe)"
        )
        return (
            f"`--password-stdin` reads the token from standard input, and {given}, so docker "
            "wanted to ask for it at a prompt, which a notebook cell cannot answer.",
            fix,
        )
    user = login.value("-u", "--username") if login else None
    asks = f"the password of `{user}`" if user else "a username and a password"
    return (
        f"`docker login` without `--password-stdin` asks for {asks} at a prompt, and a notebook "
        f"cell has no terminal to type {'it' if user else 'them'} in.",
        fix,
    )


def _login_conflict(seen: Seen) -> tuple[str, str]:
    return (
        "`-p`/`--password` puts the secret on the command line and `--password-stdin` reads it "
        "from standard input: docker takes one or the other, and the command line is the wrong "
        "place (it is kept in the notebook and the shell's history).",
        "Keep `--password-stdin` alone: " + _login_fix(seen.context, seen.command.find("login")),
    )


def _token_file_missing(seen: Seen) -> tuple[str, str] | None:
    login = seen.command.find("login")
    if login is None or not login.stdin:
        return None
    ctx = seen.context
    where = f" Your token is kept in `{ctx.token_file}`." if ctx.token_file else ""
    return (
        f"`{login.stdin}`, the file after `<`, does not exist, so the shell never started "
        f"`docker login`.{where}",
        "Send the file that holds your token: " + _login_fix(ctx, login),
    )


def _login_refused(seen: Seen) -> tuple[str, str]:
    ctx, login = seen.context, seen.command.find("login")
    user = login.value("-u", "--username") if login else None
    fix = "Log in with your username and your token file: " + _login_fix(ctx, login)
    yours = f" (`{ctx.username}`)" if ctx.username else ""
    if login is None:
        return (
            "The registry refused the login docker keeps for it: the token was deactivated, "
            "has expired or was deleted since.",
            "Log in again: " + _login_fix(ctx),
        )
    if user and "@" in user:
        return (
            f"`-u {user}` is an email address: `docker login` takes your username{yours}, not "
            "the email address of your account.",
            fix,
        )
    if user and ctx.username and user != ctx.username:
        case = " (usernames are all lowercase)" if user.lower() == ctx.username else ""
        return (f"`-u {user}` is not your username: yours is `{ctx.username}`{case}.", fix)
    who = f"`{user}`" if user else "that username"
    return (
        f"The hub did not accept the secret sent for {who}: it is not one of your active "
        "access tokens (mistyped, copied short, another account's, or deleted).",
        fix if ctx.token_file else _new_token(ctx) + _login_fix(ctx, login),
    )


def _token_unusable(state: str) -> Explain:
    def explain(seen: Seen) -> tuple[str, str]:
        return (
            f"The access token you logged in with {state}: the hub accepts it no more.",
            _new_token(seen.context) + _login_fix(seen.context, seen.command.find("login")),
        )

    return explain


def _credential_helper(seen: Seen) -> tuple[str, str]:
    line = _line_of(seen)
    named = re.search(r"docker-credential-([\w.-]+?)(?:\.exe)?\b", line)
    helper = named.group(1) if named else ("pass" if "pass " in line else "HELPER")
    if "executable file not found" in line or "current directory" in line:
        why = "it is not installed here, or not on the PATH"
    elif helper == "pass":
        why = "the `pass` password store it uses is not set up"
    else:
        why = "it failed"
    desktop = " (Docker Desktop's own helper, there only with Docker Desktop)" * (
        helper == "desktop"
    )
    return (
        f"docker keeps logins through the credential helper `docker-credential-{helper}`"
        f'{desktop}, named by `"credsStore": "{helper}"` in your Docker configuration, and '
        f"{why}.",
        f'Remove the `"credsStore": "{helper}"` entry from `config.json` in your Docker '
        "configuration folder (`$DOCKER_CONFIG`, else `~/.docker`): docker then keeps the "
        "login in that file. Then log in again: " + _login_fix(seen.context),
    )


def _read_only_token(seen: Seen) -> tuple[str, str]:
    return (
        "The access token you logged in with is read-only: it may pull, not push.",
        _new_token(seen.context) + _login_fix(seen.context),
    )
