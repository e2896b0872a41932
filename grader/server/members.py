"""The roster of a running class changes without a restart: ``grader classroom add`` and
``forget``.

``add --roster FILE`` reads the instructor's roster (the same format as ``start``'s) and takes
its new lines (a user made for each, at once) and its changed lines (a new password, role or id
takes effect at the next sign-in); people on the running roster that the file leaves out stay
(``forget`` is how someone goes). ``forget USER`` stops that person's server through the hub's
API, saves their home first if asked (``--keep-work DIR``), takes them off the roster and out
of the hub, and removes their Unix user, home, engine disk and seat state. Nobody else's server
notices either: the hub reads the roster at each sign-in (:class:`.spawner.RosterAuthenticator`).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InvalidInput, SandboxUnavailable
from ..infra import places
from ..isolation import sandbox
from ..isolation.seats import Seat, course_user
from . import control
from . import roster as _roster
from .hubapi import HubAPI


@dataclass
class Added:
    """What ``add`` did: usernames added, updated (password, role or id), already the same."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)


def add(roster_path: str | Path, log=print) -> Added:
    """Take the roster file's new and changed lines into the running roster (see the module);
    raises :class:`InvalidInput`, with nothing changed, for a bad file or a line that clashes
    with the running roster."""
    records = control.roster_records()
    if not control.running():
        raise InvalidInput(
            "No classroom runs on this machine to add people to.",
            "Start it with the whole roster: grader classroom start --roster FILE",
        )
    entries = _roster.read_entries(roster_path)
    current = {r["username"]: r for r in records}
    ids = {r["username"]: r.get("id") or "" for r in records}
    ids.update({e.username: e.id for e in entries})  # the roster as it would be
    owners: dict[str, str] = {}
    problems = []
    for username, school_id in ids.items():
        if school_id and owners.setdefault(school_id, username) != username:
            problems.append(
                f"id {school_id!r} would be both {owners[school_id]!r}'s and {username!r}'s"
            )
    for entry in entries:
        if entry.username not in current:
            try:
                course_user(entry.username)
            except InvalidInput as clash:
                problems.append(clash.message)
    if problems:
        raise InvalidInput(
            f"{roster_path} clashes with the running class; nothing was done:\n  "
            + "\n  ".join(problems),
            "Give each person a username and id of their own.",
        )
    done = Added()
    people = []
    for entry in entries:
        record = current.get(entry.username)
        if record is None:
            done.added.append(entry.username)
        elif _same(record, entry):
            done.same.append(entry.username)
            continue
        else:
            done.updated.append(entry.username)
        hashed = _roster.hash_password(entry.password)
        people.append(asdict(_roster.Person(entry.username, hashed, entry.role, entry.id)))
    if done.added:
        ok, why = sandbox.support()
        if not ok:
            raise SandboxUnavailable(
                f"The classroom cannot give students engines here: {why}.", why
            )
        for username in done.added:
            Seat(username).ensure_user()
    changed = {p["username"]: p for p in people}
    kept = [changed.pop(r["username"], r) for r in records]
    control.write_roster(kept + list(changed.values()))
    for verb, names in (("added", done.added), ("updated", done.updated), ("unchanged", done.same)):
        if names:
            log(f"classroom: {verb}: {', '.join(names)}")
    return done


def _same(record: dict, entry: _roster.Entry) -> bool:
    return (
        record.get("role", "student") == entry.role
        and (record.get("id") or "") == entry.id
        and _roster.verify_password(entry.password, record["password_hash"])
    )


def forget(username: str, keep_work: str | Path | None = None, log=print) -> Path | None:
    """Take ``username`` out of the class (see the module); returns where their work was kept.
    Raises :class:`InvalidInput`, with nothing changed, for someone not on the roster or a
    ``keep_work`` that already holds a folder of that name."""
    records = control.roster_records()
    if username not in {r["username"] for r in records}:
        names = ", ".join(sorted(r["username"] for r in records))
        raise InvalidInput(
            f"{username!r} is not on the classroom's roster; nothing was done.",
            f"The roster: {names}.",
        )
    kept = None
    if keep_work is not None:
        kept = Path(keep_work).resolve() / username
        if kept.exists():
            raise InvalidInput(
                f"{kept} exists already; nothing was done.",
                "Give --keep-work a folder that holds no folder of that name.",
            )
    seat = Seat(username)
    hub = HubAPI.of_classroom() if control.running() else None
    if hub is not None:
        hub.stop_server(username)
    seat.stop()
    if kept is not None and course_user(username) is not None:
        _keep(seat, kept)
        log(f"classroom: {username}'s work kept in {kept}")
    control.write_roster([r for r in records if r["username"] != username])
    if hub is not None:
        hub.remove(username)
    if course_user(username) is not None:
        home = seat.home
        done = subprocess.run(["userdel", "--remove", username], capture_output=True, text=True)
        if done.returncode not in (0, 12):  # 12: the user went, not all of the home
            raise SandboxUnavailable(
                f"{username} is off the roster, but their user stays: {done.stderr.strip()}",
                f"Remove it by hand: userdel --remove {username}",
            )
        shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(places.SEATS.path() / username, ignore_errors=True)
    log(f"classroom: {username} forgotten: off the roster, their user, home and engine disk gone")
    return kept


def _keep(seat: Seat, kept: Path) -> None:
    """A copy of the student's home in ``kept`` (root's, links copied as links), without the
    engine's data (its layers: their pushes are on their own hub)."""
    engine_data = seat.data_root

    def skip(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if Path(folder, n) == engine_data]

    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(seat.home, kept, symlinks=True, ignore=skip)
    subprocess.run(["chown", "-R", "--no-dereference", "root:root", str(kept)], check=True)
    kept.chmod(0o700)
