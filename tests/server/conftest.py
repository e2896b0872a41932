"""A classroom of a test's own: its state, exchange, seats and sandboxes in a folder of its own,
its users removed after."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.infra import places
from grader.infra.net import free_port
from grader.isolation.seats import Seat
from grader.server import control


class Said:
    """What ``grader`` printed, for ``cli.main(args, out=Said(), err=Said())``: its ``text``."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


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


@contextlib.contextmanager
def running_classroom(root: Path, students: dict[str, str], teacher: tuple[str, str]):
    """A classroom of the test's own (:func:`own_classroom`) started for ``students``
    (username: password) and one instructor; yields its URL."""
    text = "".join(f"{u},{p}\n" for u, p in students.items()) + ",".join(teacher) + ",instructor\n"
    with own_classroom(root, text, (*students, teacher[0])) as roster:
        yield control.start(roster, free_port(), log=lambda _: None)


def notebook_in_home(username: str, name: str, cells: list[str]) -> str:
    """A notebook ``name`` in the student's home (theirs), with the code cells they would type;
    returns its name."""
    seat = Seat(username)
    path = Path(seat.home) / name
    code = [
        {"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
        for s in cells
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.write_text(json.dumps({"cells": code, "metadata": {"kernelspec": kernel},
                                "nbformat": 4, "nbformat_minor": 5}))  # fmt: skip
    os.chown(path, seat.uid, seat.gid)
    return path.name
