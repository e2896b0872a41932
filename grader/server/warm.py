"""Seats started ahead (``grader classroom start --warm N``): a pool of N students' seats whose
engine runs with the course's images loaded before they sign in, so that signing in only starts
their JupyterLab. Started by ``grader classroom start`` as a process of its own, stopped by
``stop``.

Every ``INTERVAL`` seconds it counts the idle warm seats (an engine that answers, no server of
the student's yet) and starts the next roster people's seats (in the roster's order, one at a
time: an engine start and the image load use the cores a sign-in needs) until N are idle again:
it is warmed at start and refilled as students sign in. It reads the running roster each time
(``add`` and ``forget`` count). A seat is started the way the spawner starts it
(:meth:`Seat.ready`, under the seat's lock), so a student who signs in while their seat is
being warmed waits for that start, never a second one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..isolation.rootless import Limits
from ..isolation.seats import Seat, course_user

INTERVAL = 10.0
WARM_TIMEOUT = 300.0
"""How long a seat started ahead may take to answer (nobody waits for it; a loaded machine
starts an engine in seconds to minutes)."""


def idle(seat: Seat) -> bool:
    """The seat's engine runs and the student's server does not."""
    return seat.engine_running() and not any(
        b"jupyterhub-singleuser" in _cmdline(pid) for pid in seat.processes()
    )


def fill(roster: Path, count: int, images: str, limits: Limits, log=print) -> list[str]:
    """Start seats until ``count`` are idle (or everyone on the roster has one); the ones
    started."""
    records = json.loads(roster.read_text())
    people = [r["username"] for r in records if course_user(r["username"]) is not None]
    seats = [Seat(name, limits) for name in people]
    waiting = sum(1 for seat in seats if idle(seat))
    started = []
    for seat in seats:
        if waiting >= count:
            break
        if seat.engine_running():
            continue
        try:
            seat.ready(images, timeout=WARM_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - one seat that cannot start stops no other
            log(f"warm: {seat.username}'s seat could not be started ahead: {error}")
            continue
        started.append(seat.username)
        waiting += 1
        log(f"warm: {seat.username}'s seat is ready ahead ({waiting} idle of {count})")
    return started


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.server.warm", description=__doc__)
    parser.add_argument("--roster", required=True, help="the running roster (roster.json)")
    parser.add_argument("--count", type=int, required=True, help="idle warm seats to keep")
    parser.add_argument("--images", required=True, help="the course's images (docker save)")
    parser.add_argument("--limits", required=True, help="a seat's limits, as JSON")
    options = parser.parse_args(argv)
    limits = Limits(**json.loads(options.limits))
    while True:
        fill(Path(options.roster), options.count, options.images, limits,
             log=lambda line: print(line, flush=True))  # fmt: skip
        time.sleep(INTERVAL)


if __name__ == "__main__":
    sys.exit(main())
