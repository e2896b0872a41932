"""What is remembered about a learner on disk: their persistent lab's folder, the username they
chose on their hub's sign-up page, and the folder throwaway labs are made in."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InvalidInput
from ..infra import places
from ..infra.engine import Engine
from ..infra.owners import LEARNER, ROLE
from ..names import validate_username

SIGN_UP = "_signing-up"
"""The key of a learner's persistent lab before they signed up on its hub (never a username:
Docker Hub's have no ``_`` or ``-``)."""


def _read_json(path: Path, default):
    """The JSON in ``path`` if it is readable and of ``default``'s type, else ``default``."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return default
    return found if isinstance(found, type(default)) else default


def learner_dir(username: str) -> Path:
    """Where a learner's persistent lab keeps its token, Docker configuration and progress."""
    return places.LEARNERS.path() / username


def _remembered_file() -> Path:
    """The file holding the username a learner chose when they signed up on their hub."""
    return places.CACHE.path() / "learner.json"


def remembered_username() -> str | None:
    """The username this learner chose on their hub's sign-up page, if they did."""
    found = _read_json(_remembered_file(), {}).get("username")
    try:
        return validate_username(found) if found else None
    except InvalidInput:
        return None


def _remember(username: str) -> None:
    places.CACHE.make()
    path = _remembered_file()
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"username": username}))
    partial.rename(path)


def _learner_registries(engine: Engine, key: str) -> list:
    """The registry containers of the persistent lab kept under ``key`` (a username, or
    :data:`SIGN_UP`): labelled with it, or named by its folder's state (a lab that was started
    before its learner signed up keeps the label it was made with)."""
    found = {c.id: c for c in engine.containers(all=True, labels={LEARNER: key, ROLE: "registry"})}
    container = _read_json(learner_dir(key) / "state.json", {}).get("container")
    if container and container not in found:
        for candidate in engine.containers(all=True, labels={ROLE: "registry"}):
            if candidate.id == container and LEARNER in candidate.labels:
                found[candidate.id] = candidate
    return list(found.values())


def _labs_dir() -> str:
    return str(places.LABS.make())
