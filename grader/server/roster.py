"""A class roster: who may sign in to the classroom server, read from the instructor's CSV.

``username,password[,role[,id]]``, one person a line; or a header line naming the columns
(``username``, ``password``, ``role``, ``id``, in any order) and lines in that order. ``role`` is
``student`` (the default) or ``instructor``; ``id`` is the school's own id of the student
(optional), which the grades carry so a school's gradebook can match them. Usernames follow the
course's rules (Docker Hub's: :data:`grader.names.USERNAME_RULE`), since each becomes a Unix user,
a JupyterHub user and the namespace of that person's images. Everything is checked, and every
problem reported with its line, before anything starts.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, InvalidUsername
from ..names import validate_username

ROLES = ("student", "instructor")
_ROUNDS = 100_000


@dataclass(frozen=True)
class Person:
    username: str
    password_hash: str
    """``pbkdf2-sha256$ROUNDS$SALT$HEX``: the roster's password is never kept."""
    role: str = "student"
    id: str = ""
    """The school's id of the person (the roster's ``id`` column), or empty."""

    @property
    def instructor(self) -> bool:
        return self.role == "instructor"

    def accepts(self, password: str) -> bool:
        return verify_password(password, self.password_hash)


def hash_password(password: str, rounds: int = _ROUNDS) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds).hex()
    return f"pbkdf2-sha256${rounds}${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, rounds, salt, digest = stored.split("$")
        found = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def read(path: str | Path) -> list[Person]:
    """The roster at ``path``, checked whole; raises :class:`InvalidInput` naming every bad line."""
    return parse(_text(path), str(path))


def _text(path: str | Path) -> str:
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(
            f"There is no roster at {path}.",
            "Write one: a CSV file with a line `username,password` per student.",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The roster {path} cannot be read: {error}.", _FORMAT) from None


_FORMAT = (
    "Each line: username,password (and optionally ,instructor, then ,ID: the school's id); or "
    "a first line naming the columns, e.g. username,password,role,id. Usernames are 4 to 30 "
    "lowercase letters and digits; ids are unique."
)
COLUMNS = ("username", "password", "role", "id")
"""The columns a roster may have, in the order of a line without a header."""


def parse(text: str, source: str = "the roster") -> list[Person]:
    """The people of a roster's text, their passwords hashed; raises naming every bad line."""
    return [
        Person(entry.username, hash_password(entry.password), entry.role, entry.id)
        for entry in entries(text, source)
    ]


@dataclass(frozen=True)
class Entry:
    """A roster's line as written (the password as given): what :func:`parse` hashes, and what
    ``grader classroom add`` compares with the running roster."""

    username: str
    password: str
    role: str = "student"
    id: str = ""


def read_entries(path: str | Path) -> list[Entry]:
    """The lines of the roster at ``path``, checked whole (as :func:`read`), passwords as given."""
    return entries(_text(path), str(path))


def entries(text: str, source: str = "the roster") -> list[Entry]:
    people: list[Entry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    ids: dict[str, int] = {}
    rows = list(csv.reader(io.StringIO(text)))
    columns: list[str] | None = None  # named by a header line, else by position
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        first = columns is None and not people and not problems
        if first and "username" in (cell.lower() for cell in cells):
            columns, wrong = _header(cells)
            if wrong:
                problems.append(f"line {number}: {wrong}")
                break
            continue
        # A header in the usual order (``username,password``…) leaves the lines positional.
        positional = columns is None or columns == list(COLUMNS[: len(columns)])
        named = list(COLUMNS[: len(cells)]) if positional else columns
        if len(cells) != len(named) or len(cells) < 2:
            wanted = "username,password[,role[,id]]" if positional else ",".join(columns)
            problems.append(f"line {number}: {len(cells)} fields, not {wanted}")
            continue
        fields = dict(zip(named, cells, strict=True))
        username = fields["username"]
        password = row[named.index("password")]  # a password keeps its spaces
        role = fields.get("role") or "student"
        school_id = fields.get("id", "")
        try:
            validate_username(username)
        except InvalidUsername as error:
            problems.append(f"line {number}: {error.message}")
            continue
        if username in seen:
            problems.append(f"line {number}: {username!r} is already on line {seen[username]}")
            continue
        seen[username] = number
        if not password.strip():
            problems.append(f"line {number}: {username!r} has an empty password")
            continue
        if role not in ROLES:
            problems.append(f"line {number}: role {role!r} is neither student nor instructor")
            continue
        if school_id and school_id in ids:
            problems.append(
                f"line {number}: id {school_id!r} of {username!r} is already line "
                f"{ids[school_id]}'s"
            )
            continue
        if school_id:
            ids[school_id] = number
        people.append(Entry(username, password, role, school_id))
    if problems:
        raise InvalidInput(
            f"{source} has {len(problems)} problem(s); nothing was done:\n  "
            + "\n  ".join(problems),
            _FORMAT,
        )
    if not people:
        raise InvalidInput(f"{source} names nobody.", _FORMAT)
    return people


def _header(cells: list[str]) -> tuple[list[str], str]:
    """The columns a header line names, and what is wrong with it (empty when nothing)."""
    names = [cell.lower() for cell in cells]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        return (
            names,
            f"header column(s) {', '.join(map(repr, unknown))} unknown (known: {', '.join(COLUMNS)})",
        )
    if len(set(names)) != len(names):
        return names, "the header names a column twice"
    if "password" not in names:
        return names, "the header names no password column"
    return names, ""


ARRIVED = "arrived"
"""The classroom's folder of who signed in since ``start`` (a file each, named after them)."""


def arrived(state: Path) -> set[str]:
    """Who signed in since the classroom started (the pool starts no seat ahead of them)."""
    try:
        return set(os.listdir(state / ARRIVED))
    except OSError:
        return set()
