"""token: you logged in with an access token you generated on the hub yourself, one that may
push (Read & Write, or Read, Write, Delete), and the hub saw docker use it."""

from __future__ import annotations

from ..infra.dockerconfig import CredentialProblem
from ..infra.hubapi import PERMISSION_LABELS, WRITE_SCOPES
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
