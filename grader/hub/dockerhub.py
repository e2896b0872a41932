"""A hub the course does not run: the real Docker Hub, for self-study with your own account.

The classroom hub (:class:`grader.hub.registry.ClassroomRegistry`) is the course's: the grader
has an account that reads everything and the hub's and the registry's logs. On Docker Hub the
learner's own username and personal access token are the only credential, and no log can be
read: the checks rest on what the registry and Docker Hub's API answer to that credential and on
the learner's engine's own events. :class:`RemoteHub` offers the lab what both have in common;
the same class points at a classroom hub's address for tests (Docker Hub is out of reach there).
"""

from __future__ import annotations

import requests

from ..errors import InvalidInput, RegistryUnavailable
from .client import DOCKER_HUB, Challenge, HubAPI, HubRefused
from .registry import RegistryAPI

DOCKER_HUB_REGISTRY = "docker.io"
"""What goes in front of image names pushed to Docker Hub (``docker.io/USER/REPO:TAG``)."""
DOCKER_HUB_REGISTRY_URL = "https://registry-1.docker.io"
DOCKER_HOME = "https://app.docker.com"
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def registry_url(registry: str) -> str:
    """Where the registry that ``registry`` names answers HTTP: Docker Hub's at
    registry-1.docker.io; a loopback one over plain HTTP (as the engine talks to it); any other
    over HTTPS."""
    if registry in (DOCKER_HUB_REGISTRY, "index.docker.io", "registry-1.docker.io"):
        return DOCKER_HUB_REGISTRY_URL
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    if host in _LOOPBACK:
        return "http://127.0.0.1" + registry[len(host) :]
    return f"https://{registry}"


def page_url(hub_url: str, path: str) -> str:
    """The URL of one of a hub's pages, named by the classroom hub's paths. Docker Hub keeps its
    account settings on Docker Home (``app.docker.com/settings/…``); its other pages are at
    ``hub.docker.com`` under the same paths (``/r/USER/REPO``, ``/r/USER/REPO/tags``)."""
    if hub_url.rstrip("/") == DOCKER_HUB and path.startswith("/settings"):
        return DOCKER_HOME + path
    return hub_url.rstrip("/") + path


class RemoteHub:
    """Docker Hub (or a hub with its API and token flow at ``hub_url``), asked with the learner's
    own ``username`` and access ``token``."""

    classroom = False
    """The course does not run this hub: no grader account, no logs, no accounts list."""

    def __init__(
        self,
        username: str,
        token: str,
        *,
        registry: str = DOCKER_HUB_REGISTRY,
        hub_url: str = DOCKER_HUB,
        session: requests.Session | None = None,
    ) -> None:
        self.username = username
        self.token = token
        self.push_host = registry
        """What goes in front of image names: ``docker.io`` (``localhost:PORT`` in tests)."""
        self.hub_url = hub_url.rstrip("/")
        self._session = session or requests.Session()
        base = registry_url(registry)
        challenge = _challenge(base, self._session)
        self.hub_api = HubAPI(self.hub_url, challenge.realm, challenge.service, self._session)
        """Docker Hub's API and the token service the registry's challenge names."""
        self.api = RegistryAPI(base, (username, token), self.hub_api, session=self._session)
        """The registry, asked with the learner's own credential."""

    def page(self, path: str) -> str:
        return page_url(self.hub_url, path)

    def grader_access(self) -> str:
        """An API access token signed in with the learner's own access token (renewed before
        Docker Hub's ten minutes run out)."""
        return self.hub_api.access(self.username, self.token)

    def repository(self, namespace: str, name: str) -> dict | None:
        """A repository as Docker Hub's API shows it to the learner (their private ones too)."""
        try:
            return self.hub_api.repository(namespace, name, access=self.grader_access())
        except HubRefused as refusal:
            if refusal.status == 404:
                return None
            raise


def _challenge(base: str, session: requests.Session) -> Challenge:
    """The Bearer challenge the registry at ``base`` answers ``GET /v2/`` with: where its token
    service is, as the docker client finds it."""
    try:
        response = session.get(base + "/v2/", timeout=10)
    except requests.exceptions.RequestException as error:
        raise RegistryUnavailable(
            f"The registry at {base} did not answer ({type(error).__name__}).",
            "Check your network connection (Docker Hub needs the internet), then try again.",
        ) from None
    challenge = Challenge.parse(response.headers.get("WWW-Authenticate", ""))
    if response.status_code != 401 or challenge is None:
        raise InvalidInput(
            f"The registry at {base} does not use Docker Hub's token sign-in (it answered "
            f"HTTP {response.status_code} without a Bearer challenge).",
            "Point the lab at Docker Hub (the default) or at a classroom hub's registry.",
        )
    return challenge
