"""token: you logged in with an access token you generated on the hub yourself, one that may
push (Read & Write, or Read, Write, Delete), and the hub saw docker use it. On Docker Hub, which
shows the course neither the token's identity nor its uses: the token you logged in with works
and its permission allows a push."""

from __future__ import annotations

from ..hub.client import PERMISSION_LABELS, WRITE_SCOPES
from ..infra.dockerconfig import CredentialProblem
from ..result import Outcome, failed, passed
from .login import login_in_notebook


def check(lab) -> Outcome:
    page = lab.hub_page("/settings/personal-access-tokens")
    generate = (
        f"Generate a token with Read & Write permission on {page}, keep it in your lab "
        "(`lab.save_token()` asks for it), then log in with it: " + login_in_notebook(lab)
    )
    credential = lab.config.credential(lab.registry, helpers=not lab.grading)
    if isinstance(credential, CredentialProblem):
        return failed(f"Your Docker configuration cannot be read: {credential.reason}.", generate)
    if credential is None or credential.username != lab.username:
        return failed(f"You are not logged in to {lab.registry} as {lab.username!r}.", generate)
    if not credential.secret.startswith("dckr_pat_"):
        return failed("You logged in with your password, not an access token.", generate)
    if not lab.classroom:
        return _on_docker_hub(lab, credential.secret, generate)
    token = lab.identify_token(credential.secret)
    if token is None:
        return failed(
            "The hub does not know the token you logged in with: it was deleted, or it is not "
            f"one of {lab.username}'s.",
            generate,
        )
    label = f"{token['token_label']!r}"
    if token.get("generated_by") == "course":
        return failed(
            f"You logged in with the token the course made for this lab ({label}), not one "
            "you generated.",
            generate,
        )
    if token.get("status") != "active":
        return failed(
            f"Your token {label} is {token.get('status')}: the hub refuses it.",
            f"Reactivate it on {page}, or generate a new one. " + generate,
        )
    scope = (token.get("scopes") or [""])[0]
    if scope not in WRITE_SCOPES:
        return failed(
            f"Your token {label} is {PERMISSION_LABELS.get(scope, scope)}: it can pull but not "
            "push (access token has insufficient scopes).",
            generate,
            scope=scope,
        )
    used = [
        r
        for r in lab.token_requests()
        if r.by_docker and not r.refused and r.credential == f"pat:{token['uuid']}"
    ]
    if not used:
        return failed(
            f"The hub has not seen docker use your token {label} yet.",
            "Log in with it: " + login_in_notebook(lab),
        )
    return passed(
        f"You logged in with an access token you generated ({label}, "
        f"{PERMISSION_LABELS[scope]}); the hub saw docker use it {len(used)} time(s).",
        uuid=token["uuid"],
        scope=scope,
    )


def _on_docker_hub(lab, secret: str, generate: str) -> Outcome:
    """On Docker Hub the course made no token (every one is yours) and cannot read which of
    yours this is or when docker used it: the token service itself is asked, with your token,
    for what ``docker push`` asks."""
    if not lab.hub_api.authenticates(lab.username, secret):
        return failed(
            f"{lab.hub_url} refuses the token you logged in with: deactivated, expired or deleted.",
            generate,
        )
    if not lab.may_push(secret):
        return failed(
            "Your token may pull but not push: its permission is Read-only or Public Repo "
            "Read-only (access token has insufficient scopes).",
            generate,
        )
    return passed(
        f"You logged in to {lab.registry} with an access token that may push to "
        f"{lab.username}/my-flask-app ({lab.hub_url}'s token service grants it push).",
        may_push=True,
    )
