"""Fixtures for the hub's in-process tests: a started hub, its own folders each time."""

from __future__ import annotations

import hashlib
import threading

import pytest

from tests.hub.inprocess import (
    ADMIN,
    ADMIN_SECRET,
    EVENTS_SECRET,
    LAYERS,
    REGISTRY_BINARY,
    RealRegistry,
    Running,
    free_port,
    hub,
    sha256_digest,
)  # fmt: skip


@pytest.fixture
def start(tmp_path):
    """Starts a hub (each call its own folders): ``start(HUB_VARIABLE="value", ...)``."""
    started: list = []

    def start(**env: str) -> Running:
        folder = tmp_path / f"hub{len(started)}"
        environ = {
            "HUB_DATA": str(folder / "data"),
            "HUB_CERTS": str(folder / "certs"),
            "HUB_PORT": "0",
            "HUB_ADMIN": ADMIN,
            "HUB_ADMIN_SHA256": hashlib.sha256(ADMIN_SECRET.encode()).hexdigest(),
            "HUB_EVENTS_SECRET": EVENTS_SECRET,
            "HUB_REGISTRY": f"http://127.0.0.1:{free_port()}",  # none there: nothing pushed
            "HUB_SIGN_IN_LIMIT": "1000",
            **env,
        }
        settings = hub.settings.Settings.from_environ(environ)
        server = hub.hubd.build(settings, host="127.0.0.1")
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        started.append(server)
        return Running(server, settings)

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def running(start) -> Running:
    return start()


@pytest.fixture
def alice(running) -> tuple[str, str]:
    running.account("alice1234", "alices-password")
    return "alice1234", "alices-password"


@pytest.fixture
def with_registry(start, tmp_path):
    """A hub and the real registry it reads, holding ``alice1234/app:v1`` (pushed by alice
    with a token from the hub); the push's digest is ``running.digest``."""
    if REGISTRY_BINARY is None:
        pytest.skip("no docker-registry (Distribution) here: apt-get install docker-registry")
    port = free_port()  # the hub is told where the registry will be before either starts
    running = start(
        HUB_REGISTRY=f"http://127.0.0.1:{port}",
        HUB_DATA=str(tmp_path / "reg" / "data"),
        HUB_CERTS=str(tmp_path / "reg" / "certs"),
    )
    registry = RealRegistry(tmp_path / "registry", port, running)  # it reads the hub's hub.pem
    try:
        registry.wait()
        running.account("alice1234", "alices-password")
        token = running.registry_token(
            "repository:alice1234/app:pull,push", auth=("alice1234", "alices-password")
        )
        assert token.status_code == 200, token.text
        running.digest = registry.push(token.json()["token"], "alice1234/app", "v1")
        running.layer = sha256_digest(LAYERS[0])  # one of its layers' digests
        running.registry = registry
        yield running
    finally:
        registry.stop()
