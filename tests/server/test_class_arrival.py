"""A class arriving at once: every student signs in within seconds (over HTTP, as browsers do),
reaches a ready lab on a seat started ahead (engine, lab and server), and pushes at the same
moment as the others; every push check passes; one student's engine is killed and comes back
by itself with her push; the classroom stopped and started again still has it; the stop leaves
nothing behind. ``COURSE_TEST_CLASS_SIZE`` students: 4 in CI, to keep it in its time; the issue's
30 with ``COURSE_TEST_CLASS_SIZE=30`` (12 minutes here, 702 s on 2026-12-06), and ``make bench``'s arrival
figure takes 30 through the same path."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.infra import places
from grader.infra.net import free_port
from grader.infra.wait import wait_until
from grader.isolation import sandbox
from grader.isolation.seats import Seat
from grader.server import control
from grader.server.client import Person
from grader.server.hubapi import HubAPI
from tests.server.conftest import own_classroom
from tests.server.test_classroom import LESSON_04

# Its seats run on engines of their own (the host engine only supplies images), in a state root
# of the run's own: it runs once, beside the classroom modules (Makefile: the other stream).
pytestmark = [
    pytest.mark.docker,
    pytest.mark.one_engine,
    pytest.mark.slow,
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no seats here: {sandbox.support()[1]}"),
]

SIZE = int(os.environ.get("COURSE_TEST_CLASS_SIZE", "4"))
CHECK = "from grader import Lab\nprint(Lab.start(USER, persistent=True).check('push').passed)\n"


def test_a_class_signing_in_at_once_reaches_ready_labs_and_pushes_together(tmp_path):
    names = [f"arrive{i:02d}" for i in range(1, SIZE + 1)]
    roster = "".join(f"{n},pw {n}\n" for n in names) + "arriveteach,teach pw,instructor\n"
    with own_classroom(tmp_path, roster, (*names, "arriveteach")) as roster_path:
        port = free_port()
        url = control.start(roster_path, port, log=lambda _: None, warm=SIZE)
        seats = [Seat(n) for n in names]
        hub, log = HubAPI.of_classroom(), places.CLASSROOM.path() / "warm.log"
        ready = lambda: [hub.servers().get(n) for n in names] == ["ready"] * SIZE  # noqa: E731
        # the pool starts each seat, lab and server, one after the other; a seat it could not
        # start is a failure at once
        wait_until(lambda: ready() or "could not" in log.read_text(), 300 * SIZE, interval=1)
        assert ready(), log.read_text()[-3000:]
        started_ahead = {n: _servers(n) for n in names}

        def arrive(name: str) -> tuple[float, dict]:
            signed_in = time.monotonic()
            person = Person(url, name, f"pw {name}")
            assert person.signed_in.status_code == 302, name
            person.wait_for_server(timeout=600)
            done = person.run(LESSON_04.replace("srvalice", name), timeout=600)
            return signed_in, json.loads(done.strip().splitlines()[-1])

        with ThreadPoolExecutor(max_workers=SIZE) as pool:
            arrived = list(pool.map(arrive, names))
        moments = [moment for moment, _ in arrived]
        assert max(moments) - min(moments) < 10  # all signed in within ten seconds
        for name, (_, done) in zip(names, arrived, strict=True):
            assert done["push"], (name, done["pushed"])  # each push, as the check sees it
            assert _servers(name) == started_ahead[name]  # on the server started ahead

        # The first student's engine dies, as the out-of-memory killer would end it: it comes
        # back by itself, and her next check finds her push.
        first = Person(url, names[0], f"pw {names[0]}")
        for pid in _engines(names[0]):
            os.kill(pid, signal.SIGKILL)
        back = wait_until(lambda: _pushed(first), 240, interval=2)
        assert back, f"{names[0]}'s seat did not come back with her push"
        # The classroom stopped and started again (as after a reboot): her push is still there.
        control.stop(log=lambda _: None)
        again = control.start(None, log=lambda _: None)
        assert again == url
        her = Person(url, names[0], f"pw {names[0]}")
        assert wait_until(lambda: _pushed(her), 240, interval=2), "her push went with the restart"

        stopped = control.stop(log=lambda _: None)
        assert any("started ahead" in line for line in stopped)
        for seat in seats:
            assert seat.processes() == set()
            assert not seat.netns_file.exists()
        with open("/proc/mounts") as mounts:
            assert str(places.SEATS.path()) not in mounts.read()
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        ours = str(places.CLASSROOM.path()).encode()
        assert not [  # the pool of seats started ahead is gone too
            pid for pid in map(int, _pids())
            if b"grader.server.warm" in _cmdline(pid) and ours in _cmdline(pid)
        ]  # fmt: skip


def _pushed(person: Person) -> bool:
    """Does the push check pass for this person, in a kernel of their server (started if it is
    not)? False while their seat is not back."""
    try:
        person.wait_for_server(timeout=60)
        said = person.run(CHECK.replace("USER", repr(person.username)), timeout=120)
    except Exception:  # noqa: BLE001 - a seat coming back refuses for a while
        return False
    return said.strip().splitlines()[-1] == "True"


def _engines(name: str) -> set[int]:
    return {p for p in Seat(name).processes() if _cmdline(p).startswith(b"dockerd\0")}


def _servers(name: str) -> set[int]:
    return {p for p in Seat(name).processes() if b"jupyterhub-singleuser" in _cmdline(p)}


def _pids() -> list[str]:
    return [entry for entry in os.listdir("/proc") if entry.isdigit()]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
