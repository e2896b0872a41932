"""``grader classroom backup DIR`` and ``restore DIR``: the class's roster, certificate,
nbgrader exchange and every person's home (their notebooks, and the instructor's course folder
with its gradebook), saved while the class runs and put back while it is stopped.

A backup is a folder of its own (only root reads it): ``manifest.json`` (what it holds, when it
was made), ``classroom.tar.gz`` (the roster and the classroom's certificate), ``exchange.tar.gz``
and ``homes/USERNAME.tar.gz``. A home is saved without its engine's data (the images and the
pushes in a student's own registry live on their seat's disk file, which is not copied). Files
that change while the backup runs are saved as they were when read.

Restore moves what it replaces aside (below the state root's ``before-restore-TIME`` folder),
never deleting it; a member of a backup that would land outside its folder (an absolute path, a
link out) is skipped and counted.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from ..errors import InvalidInput, SandboxUnavailable
from ..infra import places
from ..isolation import sandbox
from ..isolation.seats import Seat, course_user
from . import control

FORMAT = 1


def backup(folder: str | Path, log=print) -> Path:
    """Save the class into ``folder`` (new, or empty); returns it."""
    records = control.roster_records()
    target = Path(folder).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(
            f"{target} is not an empty folder; nothing was done.",
            "Give a new folder (or an empty one) for each backup.",
        )
    (target / "homes").mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    state = places.CLASSROOM.path()
    with tarfile.open(target / "classroom.tar.gz", "w:gz") as tar:
        for name in ("roster.json", "tls"):
            if (state / name).exists():
                _add_tree(tar, state / name, name)
    with tarfile.open(target / "exchange.tar.gz", "w:gz") as tar:
        if places.EXCHANGE.path().is_dir():
            _add_tree(tar, places.EXCHANGE.path(), "exchange")
    homes = []
    for record in records:
        username = record["username"]
        if course_user(username) is None:
            continue  # on the roster, never signed in: no home yet
        seat = Seat(username)
        with tarfile.open(target / "homes" / f"{username}.tar.gz", "w:gz") as tar:
            _add_tree(tar, seat.home, "home", skip=seat.data_root)
        homes.append(username)
    manifest = {
        "format": FORMAT,
        "made": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "people": [{"username": r["username"], "role": r.get("role", "student")} for r in records],
        "homes": homes,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1))
    log(f"classroom: backed up the roster, the exchange and {len(homes)} home(s) to {target}")
    return target


def restore(folder: str | Path, log=print) -> Path:
    """Put the backup in ``folder`` back (the classroom stopped); returns where what it
    replaced was moved."""
    source = Path(folder).resolve()
    manifest = _manifest(source)
    if control.running():
        raise InvalidInput(
            "The classroom is running; restoring would change folders its servers use. "
            "Nothing was done.",
            "Stop it first (grader classroom stop), restore, then start it again.",
        )
    if manifest["homes"]:
        ok, why = sandbox.support()
        if not ok:
            raise SandboxUnavailable(f"Students' users cannot be made here: {why}.", why)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = places.state_root() / f"before-restore-{stamp}"
    aside.mkdir(mode=0o700, parents=True)
    skipped = 0
    state = places.CLASSROOM.make()
    for name in ("roster.json", "tls"):
        _move_aside(state / name, aside / "classroom" / name)
    skipped += _extract(source / "classroom.tar.gz", state)
    exchange = places.EXCHANGE.path()
    _move_aside(exchange, aside / "exchange")
    skipped += _extract(source / "exchange.tar.gz", exchange.parent)
    places.EXCHANGE.make()
    for username in manifest["homes"]:
        seat = Seat(username)
        seat.ensure_user()
        home = seat.home
        _move_aside(home, aside / "homes" / username)
        home.mkdir(mode=0o700)
        skipped += _extract(source / "homes" / f"{username}.tar.gz", home, strip="home")
        subprocess.run(
            ["chown", "-R", "--no-dereference", f"{seat.uid}:{seat.gid}", str(home)], check=True
        )
        home.chmod(0o700)
    log(
        f"classroom: restored {source} (made {manifest['made']}): the roster, the exchange and "
        f"{len(manifest['homes'])} home(s); what they replaced is in {aside}"
        + (
            f"; {skipped} member(s) that pointed outside their folder were skipped"
            if skipped
            else ""
        )
    )
    return aside


def _manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError):
        raise InvalidInput(
            f"{source} holds no classroom backup (no readable manifest.json); nothing was done.",
            "Give a folder that `grader classroom backup` made.",
        ) from None
    if manifest.get("format") != FORMAT:
        raise InvalidInput(
            f"{source} is a backup of format {manifest.get('format')!r}, not {FORMAT}.",
            "Restore it with the version of the course that made it.",
        )
    missing = [
        name
        for name in ["classroom.tar.gz", "exchange.tar.gz"]
        + [f"homes/{u}.tar.gz" for u in manifest.get("homes", [])]
        if not (source / name).is_file()
    ]
    if missing:
        raise InvalidInput(
            f"{source} lacks {', '.join(missing)}; nothing was done.",
            "Give a whole backup folder, as `grader classroom backup` made it.",
        )
    return manifest


def _add_tree(tar: tarfile.TarFile, root: Path, arcname: str, skip: Path | None = None) -> None:
    """``root`` and everything below it, links as links (never followed), sockets left out;
    what vanishes while it is read is left out too (the class is running)."""

    def add(path: str, name: str) -> None:
        try:
            info = tar.gettarinfo(path, name)
        except (FileNotFoundError, NotADirectoryError):
            return
        if info is None:  # a socket
            return
        if info.isreg():
            try:
                with open(path, "rb") as content:
                    tar.addfile(info, content)
            except (FileNotFoundError, OSError):
                return
        else:
            tar.addfile(info)

    add(str(root), arcname)
    if not root.is_dir() or root.is_symlink():
        return
    for folder, folders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        kept = []
        for name in sorted(folders):
            path = Path(folder, name)
            if skip is not None and path == skip:
                continue
            add(str(path), os.path.normpath(os.path.join(arcname, relative, name)))
            if not path.is_symlink():
                kept.append(name)
        folders[:] = kept
        for name in sorted(files):
            add(os.path.join(folder, name), os.path.normpath(os.path.join(arcname, relative, name)))


def _extract(archive: Path, into: Path, strip: str = "") -> int:
    """Extract ``archive`` into ``into`` (``strip``: a leading folder to drop); the number of
    members skipped because they would land outside it."""
    skipped = 0

    def keep(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        nonlocal skipped
        if strip:
            if member.name == strip:
                return None
            if not member.name.startswith(strip + "/"):
                skipped += 1
                return None
            member = member.replace(name=member.name[len(strip) + 1 :], deep=False)
        try:
            tarfile.data_filter(member, path)  # only to refuse what lands outside ``into``
        except tarfile.FilterError:
            skipped += 1
            return None
        return member  # with its mode: the exchange's inbound lets every student write

    with tarfile.open(archive) as tar:
        tar.extractall(into, filter=keep)
    return skipped


def _move_aside(path: Path, to: Path) -> None:
    if path.exists() or path.is_symlink():
        to.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(to))
