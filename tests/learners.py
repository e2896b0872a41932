"""A learner's own persistent lab for tests of the lessons, under a username no other test uses,
reset before and after."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from grader import Lab
from grader.course import lessons


@contextlib.contextmanager
def learner_lab(username: str) -> Iterator[Lab]:
    Lab.reset(username)
    lab = Lab.start(username=username, persistent=True)
    try:
        yield lab
    finally:
        lab.stop()
        Lab.reset(username)


def pushed(lab: Lab) -> Lab:
    """Logged in, tagged and pushed (whatever of that is missing is done for real)."""
    results = lessons.catch_up(lab, "push", log=lambda _: None)
    assert all(r.passed for r in results), results
    return lab
