"""login: the lab's Docker configuration holds the issued access token for the lab registry."""

from __future__ import annotations

from ..infra.dockerconfig import CredentialProblem, auth_key
from ..result import Outcome, failed, passed, shell
from .evidence import wrong_secret_attempts


def check(lab) -> Outcome:
    hint = "Log in with your access token on standard input: " + login_in_notebook(lab)
    credential = lab.config.credential(lab.registry, helpers=not lab.grading)
    if isinstance(credential, CredentialProblem):
        return failed(f"Your Docker configuration cannot be read: {credential.reason}.", hint)
    if credential is None:
        refused = wrong_secret_attempts(lab.token_requests(), lab.username)
        if refused:
            return failed(
                f"The hub refused {len(refused)} login attempt(s) as {lab.username!r}: "
                f"{refused[-1].error}.",
                hint,
                refused=len(refused),
            )
        elsewhere = _credential_elsewhere(lab)
        if elsewhere:
            return failed(
                f"You logged in, but into {elsewhere}, which this lab does not use.",
                "Log in from the notebook, where the lab's configuration is in effect: "
                + login_in_notebook(lab),
            )
        return failed(f"You are not logged in to {lab.registry}.", hint)
    if credential.username != lab.username:
        return failed(
            f"You are logged in to {lab.registry} as {credential.username!r}, not {lab.username!r}.",
            hint,
        )
    if not credential.secret.startswith("dckr_pat_"):
        return failed(
            "You logged in with your password. Use an access token instead: it can be limited, "
            "given an expiry and deactivated without changing your password.",
            hint,
        )
    if not lab.hub_api.authenticates(lab.username, credential.secret):
        return failed(
            "The access token stored for the registry no longer works: it was deactivated, "
            "has expired or was deleted.",
            hint,
        )
    return passed(
        f"Logged in to {lab.registry} as {lab.username!r} with your access token "
        f"(stored in {credential.source}).",
        source=credential.source,
    )


def _credential_elsewhere(lab) -> str | None:
    """A configuration other than the lab's that holds a credential for the lab registry."""
    for config in lab.other_docker_configs():
        if auth_key(lab.registry) in config.registries():
            return str(config.path)
    return None


def login_in_notebook(lab) -> str:
    """``docker login`` as a learner writes it in a notebook cell: the token goes on standard
    input from the lab's token file (``{lab.token_file}`` is filled in where it runs)."""
    return shell(
        f"docker login {lab.registry} -u {lab.username} --password-stdin < {{lab.token_file}}"
    )
