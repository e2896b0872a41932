"""The classroom hub: Docker Hub's token service, API and web pages for one registry, offline.

Runs in its own container (``grader.hub.containers``), sharing its network with the registry:
- ``GET /token``: the registry's Bearer realm. Basic auth with a username and a password or a
  personal access token, or none (anonymous); answers a signed token granting what the account
  and the token's permission allow on each requested scope, as Docker Hub's does.
- ``/v2/...``: Docker Hub's API paths and shapes (sign-in, repositories, tags, access tokens).
- ``/login``, ``/r/USER/REPO``, ``/r/USER/REPO/tags``, ``/settings/personal-access-tokens``:
  the hub's pages.
- ``POST /_registry/events``: the registry's notifications (who pushed which tag, when).
- ``/_admin/...``: the grader's own calls (accounts), with the grader's secret.

Every token request and sign-in is logged as one JSON line on standard output: the evidence the
grader reads (like the registry's own request log).

This module is the entry point (``python3 -u /hub/hubd.py``) and puts the parts together:
``settings`` (the ``HUB_*`` variables, read once in :func:`main`), ``web`` (request plumbing),
``auth`` (sign-in and the token service), ``registry`` (reading the registry), ``api`` (Docker
Hub's API), ``admin`` (the grader's calls), ``views`` and ``pages`` (the web pages), ``store``
(SQLite), ``keys`` (the signing key) and ``pulls`` (the pull-limited address of the registry,
when ``HUB_PULL_PORT`` is set)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from http.server import ThreadingHTTPServer

from admin import AdminRoutes
from api import ApiRoutes
from auth import Auth, TokenRoutes, TokenService
from keys import Signer
from pulls import PullLimits, PullServer
from registry import Registry
from settings import Settings
from store import Store, now
from views import PageRoutes
from web import log


class Hub:
    """What every request shares: the settings, the store, sign-in, the token service, the
    registry's reader and the browsers' sessions."""

    def __init__(self, settings: Settings, store: Store, signer: Signer) -> None:
        self.settings = settings
        self.store = store
        self.signer = signer
        self.auth = Auth(store, settings)
        self.registry = Registry(store, signer, settings)
        self.tokens = TokenService(signer, settings.service, self.registry)
        self.web_sessions: dict[str, tuple[str, str]] = {}
        """``{cookie: (username, csrf token)}``: browsers signed in to the pages."""
        self.pulls = PullLimits(
            settings.pull_limit_anonymous, settings.pull_limit_account, settings.pull_window
        )
        """The pull-limited address's counts and limits (``pulls``)."""


class Handler(TokenRoutes, AdminRoutes, ApiRoutes, PageRoutes):
    """Every route of the hub (each part's are in its module)."""


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], hub: Hub) -> None:
        self.hub = hub
        super().__init__(address, Handler)


def build(settings: Settings, host: str = "0.0.0.0") -> Server:
    """The hub's server, listening (not yet serving): its data folder, signing key (the
    certificate written for the registry), database and the grader's account made."""
    settings.data.mkdir(parents=True, exist_ok=True)
    signer = Signer.load_or_make(
        settings.data / "private", settings.certs / "hub.pem", settings.issuer
    )
    store = Store(str(settings.data / "hub.db"))
    if settings.admin:
        store._run(  # the grader's account: a name and a hash, never a usable password
            "INSERT OR IGNORE INTO accounts (username, salt, password, admin, created_at)"
            " VALUES (?, '', '', 1, ?)",
            settings.admin,
            now(),
        )
    return Server((host, settings.port), Hub(settings, store, signer))


def build_pulls(server: Server, host: str = "0.0.0.0") -> PullServer:
    """The registry's pull-limited address (``HUB_PULL_PORT``), listening, counting in the
    hub's ``pulls``."""
    hub = server.hub
    return PullServer((host, hub.settings.pull_port), hub.settings.registry, hub.pulls)


def main(environ: Mapping[str, str] | None = None) -> None:
    settings = Settings.from_environ(os.environ if environ is None else environ)
    server = build(settings)
    if settings.pull_port:
        pulls = build_pulls(server)
        threading.Thread(target=pulls.serve_forever, daemon=True).start()
        log("pull limits", port=settings.pull_port, anonymous=settings.pull_limit_anonymous,
            account=settings.pull_limit_account, window=settings.pull_window)  # fmt: skip
    log("hub ready", port=settings.port, service=settings.service, issuer=settings.issuer)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
