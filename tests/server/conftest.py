"""A classroom of a test's own: its state, exchange, seats and sandboxes in a folder of its own,
its users removed after."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.infra import places
from grader.server import control


@contextlib.contextmanager
def own_classroom(root: Path, roster: str, usernames):
    """The roster's file (in ``root``), with the course's state (the classroom's folders, and
    the sandboxes its grading makes) in a folder of the test's own, missing at first as on a
    fresh server: short and open to other users, as ``/var/lib`` is (sandbox engines run as
    users of their own, with sockets below it). At the end the classroom is stopped, the
    roster's users and homes removed, and the state folder with them."""
    state = Path(tempfile.mkdtemp(prefix="cls-", dir="/var/tmp"))
    state.chmod(0o755)
    patch = pytest.MonkeyPatch()
    patch.setenv(places.STATE_ROOT_ENV, str(state / "state"))
    path = root / "roster.csv"
    path.write_text(roster)
    try:
        yield path
    finally:
        control.stop(log=lambda _: None)
        patch.undo()
        for username in usernames:
            subprocess.run(["userdel", "--remove", username], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)
