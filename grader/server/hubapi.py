"""The running classroom hub's API, as root's own tools reach it (``grader classroom forget``,
the pool of seats started ahead): with the token ``start`` wrote in ``control.json`` (the
``grader-control`` service: admin of users and servers, :mod:`.hubconfig`)."""

from __future__ import annotations

import json

import requests

from ..infra import places
from ..infra.wait import wait_until


class HubAPI:
    def __init__(self, api: str, token: str) -> None:
        self.api = api
        self.headers = {"Authorization": f"token {token}"}

    @classmethod
    def of_classroom(cls) -> HubAPI:
        """The API of the classroom ``start`` last started (``control.json``)."""
        found = json.loads((places.CLASSROOM.path() / "control.json").read_text())
        return cls(found["api"], found["token"])

    def servers(self) -> dict[str, str]:
        """Everyone whose server runs or is starting: ``{username: "ready" | "pending"}``."""
        found = requests.get(f"{self.api}/users", headers=self.headers, timeout=30)
        found.raise_for_status()
        return {
            user["name"]: "ready" if server.get("ready") else "pending"
            for user in found.json()
            for name, server in (user.get("servers") or {}).items()
            if name == ""
        }

    def start_server(self, username: str, timeout: float) -> bool:
        """Ask for ``username``'s server and wait until it is ready; False if the hub refused
        (at its most servers at once) or it did not get ready in ``timeout`` seconds."""
        url = f"{self.api}/users/{username}"
        asked = requests.post(f"{url}/server", headers=self.headers, timeout=30)
        if asked.status_code == 404:  # the hub makes its users at their first sign-in
            requests.post(url, headers=self.headers, timeout=30).raise_for_status()
            asked = requests.post(f"{url}/server", headers=self.headers, timeout=30)
        if asked.status_code not in (201, 202, 400):  # 400: it runs already
            return False
        return wait_until(lambda: self.servers().get(username) == "ready", timeout, interval=1)

    def stop_server(self, username: str, timeout: float = 60) -> None:
        """Stop ``username``'s server (the spawner stops their whole seat) and wait for it."""
        url = f"{self.api}/users/{username}"
        requests.delete(f"{url}/server", headers=self.headers, timeout=30)

        def stopped() -> bool:
            found = requests.get(url, headers=self.headers, timeout=30)
            return found.status_code == 404 or not found.json().get("servers")

        wait_until(stopped, timeout, interval=0.5)

    def remove(self, username: str) -> None:
        requests.delete(f"{self.api}/users/{username}", headers=self.headers, timeout=30)
