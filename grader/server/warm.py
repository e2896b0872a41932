"""Seats started ahead (``grader classroom start --warm N``): a pool of N seats ready before their
students sign in: the engine running with the course's images, the student's lab started in it
(``Lab.start``, as their first lesson would), and their JupyterLab running. Signing in then
only opens a page on a server that runs. Started by ``grader classroom start`` as a process of
its own, stopped by ``stop``.

Every ``INTERVAL`` seconds it counts the seats ready ahead (a server that runs for someone who
has not signed in yet: :func:`grader.server.roster.arrived`) and starts the next roster
people's (students first, then instructors, in the roster's order; one at a time: an engine's
start, the image load and a JupyterLab use the cores a sign-in needs) until N are ready again:
it is warmed at start and refilled as students sign in. It never holds more than the servers
the class may run at once (``--max-students``) less those of the people who came, and whoever
comes when every server is taken gets one that was started ahead of someone not there
(:class:`grader.server.spawner.RosterAuthenticator`). It reads the running roster each time
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
from .hubapi import HubAPI
from .roster import arrived
from .spawner import VISIBLE, seat_env

INTERVAL = 10.0
WARM_TIMEOUT = 300.0
"""How long a seat started ahead may take to answer, its lab to start, its server to get ready
(nobody waits for it; a loaded machine starts an engine in seconds to minutes)."""
LAB_AHEAD = "from grader import Lab\nLab.start({username!r}, persistent=True)\n"
"""What the student's first lesson does first: their lab, found again by every later start."""


def fill(
    roster: Path, count: int, images: str, limits: Limits, hub: HubAPI, most: int, log=print
) -> list[str]:
    """Start seats until ``count`` are ready ahead (or everyone not here has one, or the class's
    ``most`` servers at once are reached); the ones started."""
    records = json.loads(roster.read_text())
    people = [r["username"] for r in sorted(records, key=lambda r: r.get("role") == "instructor")]
    people = [name for name in people if course_user(name) is not None]
    here = arrived(roster.parent)
    servers = hub.servers()
    room = most - sum(1 for name in servers if name in here)
    ahead = [name for name in people if name in servers and name not in here]
    started = []
    for name in people:
        if len(ahead) >= min(count, room):
            break
        if name in servers or name in here:
            continue
        seat = Seat(name, limits)
        try:
            start_ahead(seat, images, hub)
        except Exception as error:  # noqa: BLE001 - one seat that cannot start stops no other
            log(f"warm: {name}'s seat could not be started ahead: {error}")
            continue
        started.append(name)
        ahead.append(name)
        log(f"warm: {name}'s seat is ready ahead ({len(ahead)} of {count})")
    return started


def start_ahead(seat: Seat, images: str, hub: HubAPI) -> None:
    """The seat's engine with the images, the student's lab in it, then their server (started
    through the hub, as their sign-in would start it)."""
    seat.ready(images, timeout=WARM_TIMEOUT)
    code = LAB_AHEAD.format(username=seat.username)
    done = seat.run([sys.executable, "-c", code], seat_env(seat), VISIBLE, WARM_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"the lab did not start: {done.stderr.strip()[-800:]}")
    if not hub.start_server(seat.username, WARM_TIMEOUT):
        raise RuntimeError("the hub did not start the server (at its most servers at once?)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.server.warm", description=__doc__)
    parser.add_argument("--roster", required=True, help="the running roster (roster.json)")
    parser.add_argument("--count", type=int, required=True, help="seats to keep ready ahead")
    parser.add_argument("--most", type=int, required=True, help="servers the class may run")
    parser.add_argument("--images", required=True, help="the course's images (docker save)")
    parser.add_argument("--limits", required=True, help="a seat's limits, as JSON")
    options = parser.parse_args(argv)
    limits = Limits(**json.loads(options.limits))
    hub = HubAPI.of_classroom()
    while True:
        try:
            fill(Path(options.roster), options.count, options.images, limits, hub, options.most,
                 log=lambda line: print(line, flush=True))  # fmt: skip
        except Exception as error:  # noqa: BLE001 - the hub busy or restarting: next round
            print(f"warm: {error}", flush=True)
        time.sleep(INTERVAL)


if __name__ == "__main__":
    sys.exit(main())
