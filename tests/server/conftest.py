"""A classroom of a test's own: its state, exchange and seats in the test's folder, its users
removed after."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from grader.infra import places
from grader.server import control


@contextlib.contextmanager
def own_classroom(root: Path, roster: str, usernames):
    """The roster's file (in ``root``), with the classroom's folders under ``root``; at the end
    the classroom is stopped and the roster's users and homes removed."""
    patch = pytest.MonkeyPatch()
    patch.setenv(places.STATE_ROOT_ENV, str(root / "state"))
    path = root / "roster.csv"
    path.write_text(roster)
    try:
        yield path
    finally:
        control.stop(log=lambda _: None)
        patch.undo()
        for username in usernames:
            subprocess.run(["userdel", "--remove", username], capture_output=True)
