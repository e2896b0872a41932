"""Plain HTTP to addresses on this machine: finding which one answers, fetching a page."""

from __future__ import annotations

import secrets
import socket

import requests

from ..settings import settings
from .wait import wait_until


def free_port() -> int:
    """A TCP port nothing listens on now, on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REGISTRY_PORTS = range(20000, 32768)
"""Where a classroom registry listens: below the ports an engine hands out for ``-p 5000``
(32768 and up), so a learner's published app never gets the registry's port number on another
address (an engine counts ports per address: 0.0.0.0:32768 beside 127.0.0.1:32768)."""


def registry_port(check: bool = True) -> int:
    """A port in :data:`REGISTRY_PORTS`, free on this machine's loopback interface (``check``)."""
    for _ in range(200):
        port = secrets.choice(REGISTRY_PORTS)
        if not check:
            return port
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


def first_answering(urls: list[str], deadline: float = 10.0) -> str | None:
    """Return the first of ``urls`` that answers any HTTP status within ``deadline`` seconds."""

    def answering() -> str | None:
        for url in urls:
            try:
                requests.get(url, timeout=0.5)
                return url
            except requests.exceptions.RequestException:
                continue
        return None

    return wait_until(answering, deadline, interval=0.01)


def fetch(urls: list[str], timeout: float = 3.0) -> tuple[str, int, str] | None:
    """GET the first of ``urls`` that answers: ``(url, status, body)``, or None if none does."""
    for url in urls:
        try:
            response = requests.get(url, timeout=timeout)
        except requests.exceptions.RequestException:
            continue
        return url, response.status_code, response.text
    return None


APP_PORT = 5000
"""The port the course's app listens on in its container, and the host port the lesson's
``docker run -p 5000:5000`` publishes it on."""


def app_port() -> int:
    """The host port the run step publishes the app on: 5000 (the lesson's ``-p 5000:5000``,
    or ``COURSE_APP_PORT``) when it is free on this machine, else a free port (on macOS,
    AirPlay Receiver often holds 5000)."""
    preferred = settings().app_port
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", preferred))
            return preferred
        except OSError:
            pass
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def app_port_note(port: int) -> str:
    """What to tell a learner whose app goes on another host port than 5000 ("" for 5000)."""
    if port == APP_PORT:
        return ""
    preferred = settings().app_port
    if port == preferred:
        return (
            f"This course is set (COURSE_APP_PORT={port}) to publish the app on port {port}: "
            f"-p {port}:{APP_PORT} (host port {port}, container port {APP_PORT})."
        )
    return (
        f"Port {preferred} is taken on this machine (on macOS, the AirPlay Receiver listens "
        f"there; or an app you started earlier), so this step publishes the app on port {port} "
        f"instead: -p {port}:{APP_PORT} (host port {port}, container port {APP_PORT})."
    )
