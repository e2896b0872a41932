"""A person at the classroom server, as a browser would be: signed in with the roster's password,
then running code in a real kernel of their own server (Jupyter's REST and websocket APIs). The
tests and the benchmarks use it; an instructor can use it to try a classroom from a script."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


class Person:
    """``verify``: as requests has it (a CA bundle's path, e.g. a classroom's own authority,
    or False to accept any certificate)."""

    def __init__(self, base: str, username: str, password: str, verify: bool | str = True) -> None:
        self.base = base
        self.username = username
        self.verify = verify
        self.session = requests.Session()
        # Given with each request: requests lets REQUESTS_CA_BUNDLE win over a session's own.
        self.session.get(f"{base}/hub/login", verify=verify)
        self.signed_in = self.session.post(
            f"{base}/hub/login?next=",
            data={"username": username, "password": password, "_xsrf": self._xsrf()},
            allow_redirects=False,
            verify=verify,
        )
        self._token = ""

    def _xsrf(self) -> str:
        return next(
            (c.value for c in self.session.cookies if c.name == "_xsrf" and c.path == "/hub/"), ""
        )

    @property
    def token(self) -> str:
        """An API token of this person's, made through their signed-in session."""
        if not self._token:
            made = self.session.post(
                f"{self.base}/hub/api/users/{self.username}/tokens",
                json={"note": "test", "expires_in": 3600},
                headers={"X-XSRFToken": self._xsrf()},
                verify=self.verify,
            )
            made.raise_for_status()
            self._token = made.json()["token"]
        return self._token

    def get(self, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.get(self.base + path, headers=headers, timeout=30, verify=self.verify, **kw)

    def wait_for_server(self, timeout: float = 240) -> float:
        """Start this person's server (if it is not) and wait until it answers; the seconds.
        A start asked while a stop is still under way is asked again."""
        started = time.monotonic()
        asked = 0.0
        while time.monotonic() - started < timeout:
            if self.get(f"/user/{self.username}/api/status").status_code == 200:
                return time.monotonic() - started
            if time.monotonic() - asked > 2:
                asked = time.monotonic()
                self.session.post(
                    f"{self.base}/hub/api/users/{self.username}/server",
                    headers={"Authorization": f"token {self.token}"},
                    verify=self.verify,
                )
            time.sleep(0.25)
        raise AssertionError(f"{self.username}'s server did not answer in {timeout} s")

    def stop_server(self) -> None:
        """Stop this person's server, as the hub's home page's Stop button does."""
        self.session.delete(
            f"{self.base}/hub/api/users/{self.username}/server",
            headers={"Authorization": f"token {self.token}"},
            verify=self.verify,
        )

    def run(self, code: str, timeout: float = 180) -> str:
        """Run ``code`` in a new kernel of this person's server; everything it printed."""
        server = f"{self.base}/user/{self.username}"
        return run_code(server, self.token, code, timeout, verify=self.verify)


def run_code(
    server: str, token: str, code: str, timeout: float = 180, verify: bool | str = True
) -> str:
    """Run ``code`` in a new kernel of the Jupyter server at ``server`` (its base URL) and
    return everything it printed; the kernel is shut down after."""
    return asyncio.run(_run(server, token, code, timeout, verify))


async def _run(server: str, token: str, code: str, timeout: float, verify: bool | str) -> str:
    headers = {"Authorization": f"token {token}"}
    api = f"{server}/api/kernels"
    kernel = requests.post(
        api, headers=headers, json={"name": "python3"}, timeout=60, verify=verify
    )
    kernel.raise_for_status()
    kernel_id = kernel.json()["id"]
    channels = f"ws{server[4:]}/api/kernels/{kernel_id}/channels"  # http(s) -> ws(s)
    socket = await websocket_connect(
        HTTPRequest(
            channels,
            headers=headers,
            validate_cert=bool(verify),
            ca_certs=verify if isinstance(verify, str) else None,
        )  # fmt: skip
    )
    msg_id = uuid.uuid4().hex
    socket.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "", "session": msg_id,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False},
    }))  # fmt: skip
    printed = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = json.loads(await socket.read_message())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                printed.append(f"{content['ename']}: {content['evalue']}\n")
            elif kind == "status" and content["execution_state"] == "idle":
                break
    finally:
        socket.close()
        requests.delete(f"{api}/{kernel_id}", headers=headers, timeout=30, verify=verify)
    return "".join(printed)
