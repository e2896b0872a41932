"""Every check, in the order of the lesson: Build -> Tag -> Push -> Pull -> Run.

A check is a function ``check(lab, **answers) -> Outcome`` that reads real state through the
lab (the engine, the registry's API and its request log, the lab's Docker configuration) and
never raises for a student's mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import UnknownCheck
from ..result import Outcome
from . import (
    account,
    digest,
    login,
    platforms,
    pull,
    pulllimit,
    push,
    rollback,
    run,
    tag,
    token,
    verify,
    versioning,
    visibility,
)


@dataclass(frozen=True)
class Check:
    name: str
    """What ``lab.check(name)`` takes."""
    title: str
    """The step, as a student would name it."""
    points: float
    function: Callable[..., Outcome]
    needs_answers: bool = False
    """True when the student states something (``verify``'s digest and size)."""
    hub: bool = False
    """A check of the hub's own features (access tokens, visibility), which the lessons on
    Docker Hub ask for; not part of :meth:`Lab.check_all`'s lifecycle."""


# The order is the lesson's; a later check assumes nothing of an earlier one.
CHECKS: tuple[Check, ...] = (
    Check("account", "Create your registry account", 1, account.check),
    Check("login", "Log in with an access token", 1, login.check),
    Check("tag", "Tag the image with your username", 1, tag.check),
    Check("push", "Push the image", 2, push.check),
    Check("verify", "Verify the image on the hub", 1, verify.check, needs_answers=True),
    Check("pull", "Pull the image back", 2, pull.check),
    Check("run", "Run the pulled image", 2, run.check),
    Check("pull-limit", "Reach a pull limit, then log in", 1, pulllimit.check, hub=True),
    Check("versioning", "Version with real tags", 2, versioning.check),
    Check("digest", "Pull a release by its digest", 1, digest.check),
    Check("platforms", "Publish one image for two platforms", 2, platforms.check),
    Check("rollback", "Roll back to the previous version", 2, rollback.check),
    Check("token", "Log in with a token you generated", 1, token.check, hub=True),
    Check("visibility", "Choose public or private", 1, visibility.check, hub=True),
)

NAMES = tuple(check.name for check in CHECKS)


def get(name: str) -> Check:
    for check in CHECKS:
        if check.name == name:
            return check
    raise UnknownCheck(
        f"There is no check named {name!r}.", "Use one of: " + ", ".join(NAMES) + "."
    )
