"""The hub's state: accounts, personal access tokens, repositories and tags, in SQLite.

Secrets are stored hashed: passwords with PBKDF2, access tokens (random, 27 characters) with
SHA-256. A token is shown once, when it is made."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
import sqlite3
import string
import threading
import uuid
from dataclasses import dataclass

PERMISSIONS = {
    "repo:public_read": "Repo Public Read-only",
    "repo:read": "Repo Read-only",
    "repo:write": "Repo Read & Write",
    "repo:admin": "Repo Read, Write, Delete",
}
"""Docker Hub's access-token permissions: API scope -> the label its settings page shows."""
PULL_OWN = {"repo:read", "repo:write", "repo:admin"}
PUSH = {"repo:write", "repo:admin"}
DELETE = {"repo:admin"}
PRIVATE_LIMIT = 1
"""Private repositories a free personal account may have (Docker Hub's Personal plan)."""
USERNAME = re.compile(r"^[a-z0-9]{4,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
_PBKDF2_ROUNDS = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY, salt TEXT NOT NULL, password TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '', signed_up INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens (
    uuid TEXT PRIMARY KEY, username TEXT NOT NULL, label TEXT NOT NULL, scope TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, expires_at TEXT,
    is_active INTEGER NOT NULL DEFAULT 1, last_used TEXT, generated_by TEXT NOT NULL,
    creator_ua TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS repositories (
    namespace TEXT NOT NULL, name TEXT NOT NULL, is_private INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '', date_registered TEXT NOT NULL,
    last_updated TEXT, last_modified TEXT NOT NULL, pull_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (namespace, name));
CREATE TABLE IF NOT EXISTS tags (
    namespace TEXT NOT NULL, name TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
    last_pushed TEXT NOT NULL, pusher TEXT NOT NULL, last_pulled TEXT,
    PRIMARY KEY (namespace, name, tag));
"""


def now() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"
    )


def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    try:
        found = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=datetime.timezone.utc)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _pbkdf2(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), _PBKDF2_ROUNDS).hex()


class Refused(Exception):
    """A request the hub turns down: ``status`` and Docker Hub's text for it."""

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Token:
    uuid: str
    username: str
    label: str
    scope: str
    created_at: str
    expires_at: str | None
    is_active: bool
    last_used: str | None
    generated_by: str
    creator_ua: str

    @property
    def expired(self) -> bool:
        expires = parse_time(self.expires_at)
        return expires is not None and expires <= datetime.datetime.now(datetime.timezone.utc)

    @property
    def status(self) -> str:
        if self.expired:
            return "expired"
        return "active" if self.is_active else "inactive"

    def api(self) -> dict:
        """As Docker Hub's API shows a token (never the secret itself)."""
        return {
            "uuid": self.uuid,
            "client_id": "HUB",
            "creator_ip": "",
            "creator_ua": self.creator_ua,
            "created_at": self.created_at,
            "last_used": self.last_used,
            "generated_by": self.generated_by,
            "is_active": self.is_active,
            "token": "",
            "token_label": self.label,
            "scopes": [self.scope],
            **({"expires_at": self.expires_at} if self.expires_at else {}),  # none: never expires
        }


@dataclass(frozen=True)
class Repository:
    namespace: str
    name: str
    is_private: bool
    description: str
    date_registered: str
    last_updated: str | None
    last_modified: str
    pull_count: int

    def api(self) -> dict:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "repository_type": "image",
            "status": 1,
            "status_description": "active",
            "description": self.description,
            "is_private": self.is_private,
            "star_count": 0,
            "pull_count": self.pull_count,
            "last_updated": self.last_updated,
            "last_modified": self.last_modified,
            "date_registered": self.date_registered,
            "affiliation": "owner",
            "media_types": [],
            "content_types": ["image"],
        }


class Store:
    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(accounts)")}
        for column in ("email TEXT NOT NULL DEFAULT ''", "signed_up INTEGER NOT NULL DEFAULT 0"):
            if column.split()[0] not in columns:  # a hub's database from before sign-up pages
                self._db.execute(f"ALTER TABLE accounts ADD COLUMN {column}")
        self._lock = threading.Lock()

    def _run(self, sql: str, *args) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- accounts -------------------------------------------------------------------------------

    def set_account(self, username: str, password: str, admin: bool = False) -> None:
        if not USERNAME.match(username) and not admin:
            raise Refused(400, "a username has 4 to 30 lowercase letters and digits", "username")
        if len(password) < 9:
            raise Refused(400, "a password has at least 9 characters", "password")
        salt = secrets.token_hex(8)
        self._run(
            "INSERT INTO accounts (username, salt, password, admin, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
            " salt = excluded.salt, password = excluded.password",
            username, salt, _pbkdf2(password, salt), int(admin), now(),
        )  # fmt: skip

    def sign_up(self, username: str, email: str, password: str) -> None:
        """A new account made by its owner on the sign-up page (never replaces one)."""
        if not USERNAME.match(username):
            raise Refused(
                400,
                "a username has 4 to 30 characters, lowercase letters and digits only",
                "username",
            )
        if not EMAIL.match(email) or len(email) > 254:
            raise Refused(400, "enter a valid email address", "email")
        if len(password) < 9:
            raise Refused(400, "a password has at least 9 characters", "password")
        if self.has_account(username):
            raise Refused(409, f"the username {username} is taken: choose another", "username")
        salt = secrets.token_hex(8)
        self._run(
            "INSERT INTO accounts (username, salt, password, admin, created_at, email, signed_up)"
            " VALUES (?, ?, ?, 0, ?, ?, 1)",
            username, salt, _pbkdf2(password, salt), now(), email,
        )  # fmt: skip

    def accounts(self) -> list[str]:
        return [
            row["username"] for row in self._run("SELECT username FROM accounts WHERE admin = 0")
        ]

    def signed_up(self) -> list[dict]:
        """The accounts made on the sign-up page, oldest first (never their secrets)."""
        rows = self._run(
            "SELECT username, created_at FROM accounts WHERE signed_up = 1 ORDER BY created_at"
        )
        return [{"username": r["username"], "created_at": r["created_at"]} for r in rows]

    def is_admin(self, username: str) -> bool:
        rows = self._run("SELECT admin FROM accounts WHERE username = ?", username)
        return bool(rows and rows[0]["admin"])

    def check_password(self, username: str, password: str) -> bool:
        rows = self._run("SELECT salt, password FROM accounts WHERE username = ?", username)
        if not rows:
            _pbkdf2(password, "no-such-account")  # the same time either way
            return False
        return hmac.compare_digest(_pbkdf2(password, rows[0]["salt"]), rows[0]["password"])

    def account_id(self, username: str) -> int:
        """The account's number (Docker Hub's API names users by one in ``creator``); 0 when
        there is no such account."""
        rows = self._run("SELECT rowid FROM accounts WHERE username = ?", username)
        return rows[0][0] if rows else 0

    def repository_id(self, namespace: str, name: str) -> int:
        rows = self._run(
            "SELECT rowid FROM repositories WHERE namespace = ? AND name = ?", namespace, name
        )
        return rows[0][0] if rows else 0

    def has_account(self, username: str) -> bool:
        return bool(self._run("SELECT 1 FROM accounts WHERE username = ?", username))

    # --- personal access tokens ------------------------------------------------------------------

    def create_token(
        self,
        username: str,
        label: str,
        scope: str,
        expires_at: str | None,
        generated_by: str = "manual",
        user_agent: str = "",
    ) -> tuple[Token, str]:
        """A new token and its secret (the only time the secret is known)."""
        label = (label or "").strip()
        if not label:
            raise Refused(400, "an access token needs a description", "token_label")
        if len(label) > 100:
            raise Refused(400, "a description has at most 100 characters", "token_label")
        if scope not in PERMISSIONS:
            raise Refused(
                400, f"unknown scope {scope!r}: one of {', '.join(PERMISSIONS)}", "scopes"
            )
        if expires_at is not None:
            expires = parse_time(expires_at)
            if expires is None:
                raise Refused(400, "expires_at is not a date and time (RFC 3339)", "expires_at")
            if expires <= datetime.datetime.now(datetime.timezone.utc):
                raise Refused(400, "expires_at is in the past", "expires_at")
            expires_at = expires.astimezone(datetime.timezone.utc).isoformat()[:-6] + "Z"
        secret = "dckr_pat_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(27))
        token_id = str(uuid.uuid4())
        self._run(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)",
            token_id, username, label, scope, _sha256(secret), now(), expires_at,
            generated_by, user_agent[:200],
        )  # fmt: skip
        return self.token(username, token_id), secret

    def _token(self, row: sqlite3.Row) -> Token:
        return Token(
            uuid=row["uuid"],
            username=row["username"],
            label=row["label"],
            scope=row["scope"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            is_active=bool(row["is_active"]),
            last_used=row["last_used"],
            generated_by=row["generated_by"],
            creator_ua=row["creator_ua"],
        )

    def tokens(self, username: str) -> list[Token]:
        rows = self._run(
            "SELECT * FROM tokens WHERE username = ? ORDER BY created_at DESC", username
        )
        return [self._token(row) for row in rows]

    def token(self, username: str, token_id: str) -> Token:
        rows = self._run("SELECT * FROM tokens WHERE username = ? AND uuid = ?", username, token_id)
        if not rows:
            raise Refused(404, "access token not found")
        return self._token(rows[0])

    def token_by_secret(self, username: str, secret: str) -> Token | None:
        rows = self._run(
            "SELECT * FROM tokens WHERE username = ? AND hash = ?", username, _sha256(secret)
        )
        return self._token(rows[0]) if rows else None

    def set_token_active(self, username: str, token_id: str, active: bool) -> Token:
        self.token(username, token_id)
        self._run("UPDATE tokens SET is_active = ? WHERE uuid = ?", int(active), token_id)
        return self.token(username, token_id)

    def set_token_label(self, username: str, token_id: str, label: str) -> Token:
        self.token(username, token_id)
        self._run("UPDATE tokens SET label = ? WHERE uuid = ?", label, token_id)
        return self.token(username, token_id)

    def delete_token(self, username: str, token_id: str) -> None:
        self.token(username, token_id)
        self._run("DELETE FROM tokens WHERE uuid = ?", token_id)

    def token_used(self, token_id: str) -> None:
        self._run("UPDATE tokens SET last_used = ? WHERE uuid = ?", now(), token_id)

    # --- repositories ---------------------------------------------------------------------------

    def _repository(self, row: sqlite3.Row) -> Repository:
        return Repository(
            namespace=row["namespace"],
            name=row["name"],
            is_private=bool(row["is_private"]),
            description=row["description"],
            date_registered=row["date_registered"],
            last_updated=row["last_updated"],
            last_modified=row["last_modified"],
            pull_count=row["pull_count"],
        )

    def repository(self, namespace: str, name: str) -> Repository | None:
        rows = self._run(
            "SELECT * FROM repositories WHERE namespace = ? AND name = ?", namespace, name
        )
        return self._repository(rows[0]) if rows else None

    def repositories(self, namespace: str) -> list[Repository]:
        rows = self._run("SELECT * FROM repositories WHERE namespace = ? ORDER BY name", namespace)
        return [self._repository(row) for row in rows]

    def create_repository(
        self, namespace: str, name: str, is_private: bool, description: str = ""
    ) -> Repository:
        if not isinstance(name, str) or not REPOSITORY.match(name) or len(name) > 255:
            raise Refused(
                400,
                "a repository name has lowercase letters, digits and . _ - between them",
                "name",
            )
        if not isinstance(is_private, bool):
            raise Refused(400, "is_private is true or false", "is_private")
        if self.repository(namespace, name):
            raise Refused(409, f"repository {namespace}/{name} already exists", "name")
        if is_private:
            self._private_allowed(namespace)
        stamp = now()
        self._run(
            "INSERT INTO repositories VALUES (?, ?, ?, ?, ?, NULL, ?, 0)",
            namespace, name, int(is_private), str(description)[:100], stamp, stamp,
        )  # fmt: skip
        return self.repository(namespace, name)  # type: ignore[return-value]

    def _private_allowed(self, namespace: str) -> None:
        private = [r for r in self.repositories(namespace) if r.is_private]
        if len(private) >= PRIVATE_LIMIT:
            raise Refused(
                403,
                f"your plan allows {PRIVATE_LIMIT} private repository and you have "
                f"{len(private)} ({', '.join(r.name for r in private)}): make it public first, "
                "or keep this one public",
                "is_private",
            )

    def set_private(self, namespace: str, name: str, is_private: bool) -> Repository:
        found = self.repository(namespace, name)
        if found is None:
            raise Refused(404, "repository not found")
        if not isinstance(is_private, bool):
            raise Refused(400, "is_private is true or false", "is_private")
        if is_private and not found.is_private:
            self._private_allowed(namespace)
        self._run(
            "UPDATE repositories SET is_private = ?, last_modified = ? WHERE namespace = ? AND name = ?",
            int(is_private), now(), namespace, name,
        )  # fmt: skip
        return self.repository(namespace, name)  # type: ignore[return-value]

    def pushed(self, namespace: str, name: str, tag: str, digest: str, pusher: str, when: str):
        if self.repository(namespace, name) is None:
            self.create_repository(namespace, name, False)
        self._run(
            "INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT(namespace, name, tag)"
            " DO UPDATE SET digest = excluded.digest, last_pushed = excluded.last_pushed,"
            " pusher = excluded.pusher",
            namespace, name, tag, digest, when, pusher,
        )  # fmt: skip
        self._run(
            "UPDATE repositories SET last_updated = ? WHERE namespace = ? AND name = ?",
            when, namespace, name,
        )  # fmt: skip

    def pulled(self, namespace: str, name: str, reference: str, when: str) -> None:
        self._run(
            "UPDATE repositories SET pull_count = pull_count + 1 WHERE namespace = ? AND name = ?",
            namespace, name,
        )  # fmt: skip
        self._run(
            "UPDATE tags SET last_pulled = ? WHERE namespace = ? AND name = ?"
            " AND (tag = ? OR digest = ?)",
            when, namespace, name, reference, reference,
        )  # fmt: skip

    def tag_records(self, namespace: str, name: str) -> dict[str, sqlite3.Row]:
        rows = self._run("SELECT * FROM tags WHERE namespace = ? AND name = ?", namespace, name)
        return {row["tag"]: row for row in rows}

    def forget_tag(self, namespace: str, name: str, tag: str) -> None:
        self._run(
            "DELETE FROM tags WHERE namespace = ? AND name = ? AND tag = ?", namespace, name, tag
        )

    def delete_repository(self, namespace: str, name: str) -> None:
        self._run("DELETE FROM tags WHERE namespace = ? AND name = ?", namespace, name)
        self._run("DELETE FROM repositories WHERE namespace = ? AND name = ?", namespace, name)
