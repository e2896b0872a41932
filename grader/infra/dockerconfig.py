"""Docker client configurations: the lab's own ``DOCKER_CONFIG`` and the credentials in one."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Credential:
    username: str
    secret: str
    source: str
    """Where it was read: ``config.json`` or ``docker-credential-NAME``."""


@dataclass(frozen=True)
class CredentialProblem:
    """A configuration that names a credential the grader could not read."""

    reason: str


DOCKER_HUB_KEY = "https://index.docker.io/v1/"


def auth_key(registry: str) -> str:
    """The key the docker CLI stores a registry's credential under: Docker Hub's is its old
    index address (``docker login`` and ``docker login docker.io`` both write it there)."""
    if registry in ("docker.io", "index.docker.io", "registry-1.docker.io", DOCKER_HUB_KEY):
        return DOCKER_HUB_KEY
    return registry


def default_config_dir() -> Path:
    """The folder the docker CLI uses when ``DOCKER_CONFIG`` is not set."""
    return Path.home() / ".docker"


class DockerConfig:
    """One docker client configuration folder (what ``DOCKER_CONFIG`` points at)."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    @property
    def path(self) -> Path:
        return self.directory / "config.json"

    @classmethod
    def create(cls, directory: str | os.PathLike) -> DockerConfig:
        """A fresh, private configuration with no credentials and no credential store, so a
        ``docker login`` made for the lab stays in the lab."""
        config = cls(directory)
        config.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        config.path.write_text("{}\n")
        config.path.chmod(0o600)
        return config

    def read(self) -> dict:
        """config.json as a dict; ``{"__unreadable__": True}`` for anything that is not a JSON
        object (in grading the file is the student's: any shape may come)."""
        try:
            found = json.loads(self.path.read_text() or "{}")
        except FileNotFoundError:
            return {}
        except (ValueError, UnicodeDecodeError):
            return {"__unreadable__": True}
        return found if isinstance(found, dict) else {"__unreadable__": True}

    def credential(
        self, registry: str, helpers: bool = True
    ) -> Credential | CredentialProblem | None:
        """The credential stored for ``registry``: from the credential helper the configuration
        names for it, else from ``auths`` in config.json. None when there is none.

        ``helpers=False`` (grading) reads ``auths`` only: a helper named in a student's
        configuration is a program the student chose, found on a PATH they may control."""
        config = self.read()
        if config.get("__unreadable__"):
            return CredentialProblem(
                f"{self.path} is not valid JSON for a configuration (one object)"
            )
        registry = auth_key(registry)
        helper = _object(config, "credHelpers").get(registry) or config.get("credsStore")
        if helper and helpers and isinstance(helper, str):
            found = _from_helper(helper, registry)
            if found is not None:
                return found
        entry = _object(config, "auths").get(registry) or {}
        unreadable = CredentialProblem(f"the entry for {registry} in {self.path} is not readable")
        if not isinstance(entry, dict):
            return unreadable
        if entry.get("auth"):
            if not isinstance(entry["auth"], str):
                return unreadable
            try:
                username, _, secret = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return unreadable
            return Credential(username, secret, "config.json")
        return None

    def registries(self) -> list[str]:
        """Registries this configuration holds credentials for (as far as config.json says)."""
        config = self.read()
        return sorted(set(_object(config, "auths")) | set(_object(config, "credHelpers")))

    def logout(self, registry: str) -> bool:
        """Remove the credential for ``registry`` the way the docker CLI does (credential helpers
        included), leaving everything else in the configuration as it was."""
        if auth_key(registry) not in self.registries():
            return False
        done = subprocess.run(
            ["docker", "--config", str(self.directory), "logout", registry],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.returncode == 0

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _object(config: dict, key: str) -> dict:
    """``config[key]`` when it is a JSON object, else an empty one."""
    found = config.get(key)
    return found if isinstance(found, dict) else {}


def _from_helper(helper: str, registry: str) -> Credential | CredentialProblem | None:
    program = f"docker-credential-{helper}"
    if not shutil.which(program):
        return CredentialProblem(f"the configured credential helper {program} is not installed")
    try:
        done = subprocess.run(
            [program, "get"], input=registry, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return CredentialProblem(f"{program} did not answer ({error})")
    if done.returncode != 0:
        return None  # "credentials not found in native keychain"
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        return CredentialProblem(f"{program} gave an unreadable answer")
    return Credential(answer.get("Username", ""), answer.get("Secret", ""), program)
