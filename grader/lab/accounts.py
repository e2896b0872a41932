"""A lab's account on its hub: the password the course makes, the access token it makes, and the
personal access tokens a learner pastes."""

from __future__ import annotations

import secrets
import string

from ..errors import InvalidInput
from ..hub.containers import ClassroomRegistry

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


COURSE_TOKEN_LABEL = "made by the course for this lab"


def new_password() -> str:
    """A password for a lab's hub account (the learner signs in to the hub's pages with it)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(16))


def _open_account(registry: ClassroomRegistry, username: str, password: str) -> str:
    """Create ``username`` on the lab's hub and return a Read & Write access token the course
    made for it (so a graded lab can log in; lessons have the learner generate their own)."""
    return registry.set_account(username, password, token_label=COURSE_TOKEN_LABEL)


def _pasted_token(token: str | None, prompt: str, fix: str) -> str:
    """``token`` (asked for, unseen, when None), stripped; :class:`InvalidInput` when it is not
    a personal access token at all (a password, an empty paste)."""
    if token is None:
        import getpass

        token = getpass.getpass(prompt)
    token = token.strip() if isinstance(token, str) else ""
    if not token.startswith("dckr_pat_"):
        raise InvalidInput(
            "That is not a personal access token: Docker Hub's start with dckr_pat_.", fix
        )
    return token
