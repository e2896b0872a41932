"""Plain HTTP to addresses on this machine: finding which one answers, fetching a page."""

from __future__ import annotations

import socket
import time

import requests


def free_port() -> int:
    """A TCP port nothing listens on now, on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_answering(urls: list[str], deadline: float = 10.0) -> str | None:
    """Return the first of ``urls`` that answers any HTTP status within ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        for url in urls:
            try:
                requests.get(url, timeout=0.5)
                return url
            except requests.exceptions.RequestException:
                continue
        if time.monotonic() > end:
            return None
        time.sleep(0.01)


def fetch(urls: list[str], timeout: float = 3.0) -> tuple[str, int, str] | None:
    """GET the first of ``urls`` that answers: ``(url, status, body)``, or None if none does."""
    for url in urls:
        try:
            response = requests.get(url, timeout=timeout)
        except requests.exceptions.RequestException:
            continue
        return url, response.status_code, response.text
    return None
