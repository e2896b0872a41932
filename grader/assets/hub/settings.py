"""What the hub's container sets for it (``HUB_*`` variables), read once, in ``hubd.main()``.

Nothing in this folder reads the environment at import: ``Settings.from_environ`` builds the
one :class:`Settings` the server is made with, and every part of the hub is handed it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    service: str = "classroom-registry"
    """``HUB_SERVICE``: the registry's service name, the registry tokens' audience."""
    issuer: str = "classroom-hub"
    """``HUB_ISSUER``: the tokens' issuer (and the signing certificate's name)."""
    admin: str = ""
    """``HUB_ADMIN``: the grader's account name ('' for none: no admin calls)."""
    admin_sha256: str = field(default="", repr=False)
    """``HUB_ADMIN_SHA256``: the SHA-256 (hex) of the grader's secret."""
    events_secret: str = field(default="", repr=False)
    """``HUB_EVENTS_SECRET``: the registry's notifications' bearer secret ('' refuses them)."""
    registry: str = "http://127.0.0.1:5000"
    """``HUB_REGISTRY``: where the hub reads the registry (tags, manifests)."""
    registry_host: str = "localhost:5000"
    """``HUB_REGISTRY_HOST``: the registry as learners name it (``docker push HOST/...``)."""
    data: Path = Path("/var/lib/hub")
    """``HUB_DATA``: the database and the signing key."""
    certs: Path = Path("/certs")
    """``HUB_CERTS``: where the signing certificate is written (``hub.pem``) for the registry."""
    port: int = 8080
    """``HUB_PORT``: the port the hub listens on."""
    sign_in_limit: int = 10
    """``HUB_SIGN_IN_LIMIT``: failed sign-ins per account (and per client) in a minute before
    the hub answers 429."""
    pull_port: int = 0
    """``HUB_PULL_PORT``: the port of the registry's pull-limited address (``pulls``); 0: none."""
    pull_limit_anonymous: int = 3
    """``HUB_PULL_LIMIT_ANONYMOUS``: pulls per window from one address, logged out."""
    pull_limit_account: int = 6
    """``HUB_PULL_LIMIT_ACCOUNT``: pulls per window by one account."""
    pull_window: int = 21600
    """``HUB_PULL_WINDOW``: the window, in seconds: Docker Hub's 6 hours."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings ``environ`` gives (a variable it does not set keeps its default)."""
        default = cls()
        return cls(
            service=environ.get("HUB_SERVICE", default.service),
            issuer=environ.get("HUB_ISSUER", default.issuer),
            admin=environ.get("HUB_ADMIN", default.admin),
            admin_sha256=environ.get("HUB_ADMIN_SHA256", default.admin_sha256),
            events_secret=environ.get("HUB_EVENTS_SECRET", default.events_secret),
            registry=environ.get("HUB_REGISTRY", default.registry),
            registry_host=environ.get("HUB_REGISTRY_HOST", default.registry_host),
            data=Path(environ.get("HUB_DATA", str(default.data))),
            certs=Path(environ.get("HUB_CERTS", str(default.certs))),
            port=_whole(environ, "HUB_PORT", default.port),
            sign_in_limit=_whole(environ, "HUB_SIGN_IN_LIMIT", default.sign_in_limit),
            pull_port=_whole(environ, "HUB_PULL_PORT", default.pull_port),
            pull_limit_anonymous=_whole(
                environ, "HUB_PULL_LIMIT_ANONYMOUS", default.pull_limit_anonymous
            ),
            pull_limit_account=_whole(
                environ, "HUB_PULL_LIMIT_ACCOUNT", default.pull_limit_account
            ),
            pull_window=_whole(environ, "HUB_PULL_WINDOW", default.pull_window),
        )


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} is a whole number, not {text!r}") from None
