"""A class roster: who may sign in to the classroom server, read from the instructor's CSV.

``username,password[,role]``, one person a line; a header line (``username,...``) is allowed;
``role`` is ``student`` (the default) or ``instructor``. Usernames follow the course's rules
(Docker Hub's: :data:`grader.names.USERNAME_RULE`), since each becomes a Unix user, a JupyterHub
user and the namespace of that person's images. Everything is checked, and every problem
reported with its line, before anything starts.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(
            f"There is no roster at {path}.",
            "Write one: a CSV file with a line `username,password` per student.",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The roster {path} cannot be read: {error}.", _FORMAT) from None
    return parse(text, str(path))


_FORMAT = (
    "Each line: username,password (and optionally ,instructor); usernames are 4 to 30 "
    "lowercase letters and digits."
)


def parse(text: str, source: str = "the roster") -> list[Person]:
    people: list[Person] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    rows = list(csv.reader(io.StringIO(text)))
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "username":
            continue  # a header
        if len(cells) not in (2, 3):
            problems.append(f"line {number}: {len(cells)} fields, not username,password[,role]")
            continue
        username, password = cells[0], row[1]  # a password keeps its spaces
        role = (cells[2] if len(cells) == 3 else "") or "student"
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
        people.append(Person(username, hash_password(password), role))
    if problems:
        raise InvalidInput(
            f"{source} has {len(problems)} problem(s); nothing was started:\n  "
            + "\n  ".join(problems),
            _FORMAT,
        )
    if not people:
        raise InvalidInput(f"{source} names nobody.", _FORMAT)
    return people
