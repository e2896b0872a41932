"""The classroom's registry and its hub, as containers the course starts with testcontainers: a
real CNCF Distribution registry that requires login, and the hub (``grader/assets/hub``) whose
token service, API and pages stand in for Docker Hub's."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from ..errors import PortInUse, RegistryUnavailable
from ..infra import net
from ..infra.owners import ROLE
from ..infra.wait import answering, wait_until
from .client import HubAPI, HubRefused
from .registry import RegistryAPI

# Without Docker Hub the reaper image (testcontainers/ryuk) cannot be had; the course removes
# what it starts itself (labels on everything, removal on stop and at the next start).
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

from testcontainers.core.config import testcontainers_config  # noqa: E402
from testcontainers.core.container import DockerContainer  # noqa: E402

testcontainers_config.ryuk_disabled = True

HUB_PORT = 8080
"""The hub's port inside its container (the registry's is 5000, in the same network)."""
PULL_PORT = 5050
"""The registry's pull-limited address inside the hub's container (Docker Hub's pull limits,
small: ``grader/assets/hub/pulls.py``); published like the others, on loopback."""
MARK_SECONDS = 5.0
"""How long a read of the hub's log waits for its marker line (it shows within milliseconds)."""
SERVICE = "classroom-registry"
ISSUER = "classroom-hub"


def registry_config(hub_host_port: int, events_secret: str) -> bytes:
    """The registry's configuration: Distribution with token auth, trusting the hub's certificate
    (from the hub's ``/certs`` volume), and sending its push and pull events to the hub. JSON is
    YAML, so no YAML writer is needed."""
    config = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "json", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": "/var/lib/registry"},
            "delete": {"enabled": True},
            "cache": {"blobdescriptor": "inmemory"},
        },
        "http": {
            "addr": ":5000",
            "secret": secrets.token_hex(16),
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        },
        "auth": {
            "token": {
                # The engine (dockerd, not the CLI) fetches tokens: its own localhost.
                "realm": f"http://localhost:{hub_host_port}/token",
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": "/certs/hub.pem",
            }
        },
        "notifications": {
            "endpoints": [
                {
                    "name": "hub",
                    "url": f"http://127.0.0.1:{HUB_PORT}/_registry/events",
                    "headers": {"Authorization": [f"Bearer {events_secret}"]},
                    "timeout": "2s",
                    "threshold": 5,
                    "backoff": "1s",
                    "ignoredmediatypes": ["application/octet-stream"],
                }
            ]
        },
    }
    return json.dumps(config, indent=1).encode()


class ClassroomHub(DockerContainer):
    """The classroom's Docker Hub: token service, API and pages (``grader/assets/hub``), in a
    container whose network the registry joins. It publishes both ports, on the loopback
    interface only: the registry's (``push_port``) and its own (``host_port``)."""

    def __init__(
        self,
        image: str,
        labels: dict,
        registry_port: int | None,
        hub_port: int,
        admin: tuple[str, str],
        events_secret: str,
        docker_client_kw: dict | None = None,
    ) -> None:
        super().__init__(image, docker_client_kw=docker_client_kw)
        self.with_envs(
            HUB_ADMIN=admin[0],
            HUB_ADMIN_SHA256=hashlib.sha256(admin[1].encode()).hexdigest(),
            HUB_EVENTS_SECRET=events_secret,
            HUB_SERVICE=SERVICE,
            HUB_ISSUER=ISSUER,
            HUB_PORT=str(HUB_PORT),
            HUB_PULL_PORT=str(PULL_PORT),
        )
        if registry_port:
            self.with_env("HUB_REGISTRY_HOST", f"localhost:{registry_port}")
        registry = ("127.0.0.1", registry_port) if registry_port else ("127.0.0.1",)
        self.ports[f"{ClassroomRegistry.PORT}/tcp"] = registry
        # Below the ports an engine hands out for `-p 5000` (net.REGISTRY_PORTS): a learner's
        # app published on 0.0.0.0 never gets the hub's port number.
        self.ports[f"{HUB_PORT}/tcp"] = ("127.0.0.1", hub_port)
        self.ports[f"{PULL_PORT}/tcp"] = ("127.0.0.1",)
        self.with_kwargs(labels=labels)
        self.push_port = 0
        self.host_port = 0
        self.pull_port = 0

    def read_ports(self) -> None:
        """The host ports the engine gave: one inspection for both."""
        container = self.get_wrapped_container()
        container.reload()
        ports = container.attrs["NetworkSettings"]["Ports"]
        self.push_port = int(ports[f"{ClassroomRegistry.PORT}/tcp"][0]["HostPort"])
        self.host_port = int(ports[f"{HUB_PORT}/tcp"][0]["HostPort"])
        pulls = ports.get(f"{PULL_PORT}/tcp") or []  # none on a lab started before it existed
        self.pull_port = int(pulls[0]["HostPort"]) if pulls else 0

    def attach(self, container_id: str) -> ClassroomHub:
        self._container = self.get_docker_client().client.containers.get(container_id)
        if self._container.status != "running":
            self._container.start()
        self.read_ports()
        return self


class ClassroomRegistry(DockerContainer):
    """A Distribution registry (``registry:2`` or its offline build) with token auth, and the
    classroom hub that issues its tokens (:class:`ClassroomHub`, started first: the registry
    runs in its network and trusts the certificate it made).

    Accounts and tokens live in the hub; the grader has an account of its own there
    (``grader_account``) that may read every repository and nothing else."""

    PORT = 5000
    classroom = True
    """The course runs this hub: its grader account, logs and accounts can be read (not so on
    Docker Hub: :class:`grader.hub.dockerhub.RemoteHub`)."""

    def __init__(
        self,
        image: str,
        labels: dict,
        host_port: int | None = None,
        grader_account: tuple[str, str] | None = None,
        hub_image: str = "",
        docker_client_kw: dict | None = None,
        session: requests.Session | None = None,
        hub_port: int | None = None,
    ) -> None:
        super().__init__(image, docker_client_kw=docker_client_kw)
        self._session = session
        """Set for a registry in a grading sandbox: HTTP made inside its network namespace."""
        self.host_port_request = host_port
        self.host_port = 0
        """The port on the engine's host, known once started."""
        self.grader_account = grader_account or (
            "grader" + secrets.token_hex(6),
            secrets.token_urlsafe(24),
        )
        self._events_secret = secrets.token_urlsafe(24)
        self.hub = ClassroomHub(
            hub_image,
            {**labels, ROLE: "hub"} if ROLE in labels else dict(labels),
            host_port,
            hub_port or net.registry_port(check=session is None),
            self.grader_account,
            self._events_secret,
            docker_client_kw,
        )
        self.with_kwargs(labels=labels)
        self._api: RegistryAPI | None = None
        self._hub_api: HubAPI | None = None
        self.prepared: object = None
        """What ``start(while_starting=…)`` returned."""

    def start(self, while_starting: Callable[[ClassroomRegistry], object] | None = None):
        """Start the hub, and the registry in its network while the hub boots;
        ``while_starting(self)`` (e.g. opening an account: it needs only the hub) runs as soon as
        the hub answers, while the registry starts; its result is :attr:`prepared`."""
        try:
            self.hub.start()
        except Exception as error:  # the SDK's APIError carries the engine's reason
            text = str(error)
            if "port is already allocated" in text or "address already in use" in text:
                raise PortInUse(
                    f"Port {self.host_port_request} is already taken on this machine.",
                    "Start the lab without port= to get a free port, or free that port.",
                ) from None
            raise
        self.hub.read_ports()
        self.host_port = self.hub.push_port
        hub_id = self.hub.get_container_id()
        self.with_kwargs(
            labels=self._kwargs["labels"], network_mode=f"container:{hub_id}", volumes_from=[hub_id]
        )
        config = registry_config(self.hub.host_port, self._events_secret)
        self.with_copy_into_container(config, "/etc/docker/registry/config.yml")
        # The registry starts while the hub boots: by the time it reads the hub's certificate
        # (~0.2 s later) the hub has written it; if not, the engine starts it again.
        self.with_kwargs(
            **self._kwargs, restart_policy={"Name": "on-failure", "MaximumRetryCount": 20}
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            started = pool.submit(self._create_and_start)
            host = self._grader_host()
            self._hub_api = self._hub_client(host)
            self._wait(f"{self._hub_api.base_url}/_ping", "hub")  # in a sandbox: not yet asked
            self.prepared = while_starting(self) if while_starting else None
            started.result()
        self._api = self._connect(host)
        return self

    def _create(self) -> None:
        """The registry's container, created as testcontainers' start() does it."""
        client = self.get_docker_client()
        self._configure()
        self._container = client.create(
            self.image, command=self._command, environment=self.env, ports=self.ports,
            name=self._name, **self._kwargs,
        )  # fmt: skip
        for spec in self._transferable_specs:
            self._transfer_into_container(*spec)

    def _create_and_start(self) -> None:
        self._create()
        self.get_docker_client().start(self._container)

    def attach(self, container_id: str) -> ClassroomRegistry:
        """Take over a registry container started earlier (a learner's lab that outlives its
        kernel), starting it and its hub again if the engine stopped them."""
        self._container = self.get_docker_client().client.containers.get(container_id)
        mode = self._container.attrs.get("HostConfig", {}).get("NetworkMode", "")
        self.hub.attach(mode.removeprefix("container:"))
        if self._container.status != "running":
            self._container.start()
        self.host_port = self.hub.push_port
        host = self._grader_host()
        self._hub_api = self._hub_client(host)
        self._api = self._connect(host)
        return self

    @property
    def push_host(self) -> str:
        """``localhost:PORT``: the address the engine pushes to (its own loopback, where plain
        HTTP is allowed)."""
        return f"localhost:{self.host_port}"

    @property
    def hub_url(self) -> str:
        """``http://localhost:PORT``: the hub's pages and API, as the learner's browser (on the
        engine's machine) reaches them."""
        return f"http://localhost:{self.hub.host_port}"

    def _grader_host(self) -> tuple[str, int, int]:
        """``(host, registry port, hub port)`` where the grader's own HTTP calls reach both
        (differs from the push address when the grader runs in a container with the host's
        engine socket)."""
        if self._session is not None:
            return "127.0.0.1", self.hub.push_port, self.hub.host_port
        loopback = ("127.0.0.1", self.hub.push_port, self.hub.host_port)
        # The engine's loopback first (the usual case, asked before anything else): a bridge
        # address answers sooner while docker-proxy starts, but its port numbers are the
        # containers' own (5000), which an app's page shares.
        if net.first_answering([f"http://127.0.0.1:{self.hub.host_port}/_ping"], 5):
            return loopback
        candidates = [loopback]
        with contextlib.suppress(Exception):
            host = self.hub.get_container_host_ip()
            if host not in ("127.0.0.1", "localhost"):
                candidates.append((host, self.hub.push_port, self.hub.host_port))
        with contextlib.suppress(Exception):
            bridge = self.hub.get_docker_client().bridge_ip(self.hub.get_container_id())
            candidates.append((bridge, self.PORT, HUB_PORT))
        address = net.first_answering(
            [f"http://{host}:{hub}/_ping" for host, _, hub in candidates], deadline=30
        )
        if address is None:
            logs = self.hub.get_wrapped_container().logs(tail=10).decode("utf-8", "replace")
            raise RegistryUnavailable(
                f"The classroom hub started but did not answer on "
                f"{', '.join(f'{h}:{p}' for h, _, p in candidates)}.",
                "Run `grader doctor`. The hub's last log lines:\n" + logs,
            )
        return next(c for c in candidates if f"//{c[0]}:{c[2]}/" in address)

    def _hub_client(self, host: tuple[str, int, int]) -> HubAPI:
        base = f"http://{host[0]}:{host[2]}"
        return HubAPI(base, f"{base}/token", SERVICE, session=self._session)

    def _wait(self, url: str, what: str) -> None:
        session = self._session or requests.Session()
        ask = answering(
            lambda: session.get(url, timeout=0.5), (requests.exceptions.RequestException,)
        )
        if not wait_until(ask, 30, interval=0.01):
            raise RegistryUnavailable(
                f"The classroom {what} did not answer at {url}.",
                "Start the lab again; `grader doctor` shows what is left.",
            )

    def _connect(self, host: tuple[str, int, int]) -> RegistryAPI:
        base = f"http://{host[0]}:{host[1]}"
        self._wait(base + "/v2/", "registry")
        return RegistryAPI(base, self.grader_account, self.hub_api, session=self._session)

    @property
    def api(self) -> RegistryAPI:
        assert self._api is not None, "start() first"
        return self._api

    @property
    def hub_api(self) -> HubAPI:
        assert self._hub_api is not None, "start() first"
        return self._hub_api

    # --- accounts: the grader's own calls to the hub ---------------------------------------------

    def _admin(self, method: str, path: str, **kw) -> dict:
        response = self.hub_api._call(method, path, auth=self.grader_account, **kw)
        return self.hub_api._json(response)

    def set_account(self, username: str, password: str, token_label: str = "") -> str:
        """Create an account, or give it a new password; with ``token_label``, also a Read &
        Write token the course makes for it (one call), whose secret is returned."""
        body = {"username": username, "password": password}
        if token_label:
            body.update(token_label=token_label, scopes=["repo:write"])
        answer = self._admin("POST", "/_admin/accounts", json=body)
        return answer.get("token", {}).get("token", "")

    def course_token(self, username: str, label: str, scope: str = "repo:write") -> str:
        """A personal access token the course makes for ``username`` (``generated_by``:
        ``course``), e.g. for a graded lab; returns its secret."""
        body = self._admin(
            "POST",
            f"/_admin/accounts/{username}/access-tokens",
            json={"token_label": label, "scopes": [scope]},
        )
        return body["token"]

    @property
    def pull_host(self) -> str:
        """``localhost:PORT``: the registry's pull-limited address ("" on a lab started before
        it existed)."""
        return f"localhost:{self.hub.pull_port}" if self.hub.pull_port else ""

    def pull_api(self, username: str, secret: str) -> RegistryAPI | None:
        """:attr:`pull_host`'s API, asked as ``username`` with ``secret`` (or logged out), read
        for the engine's platform; None on a lab without it."""
        if not self.pull_host:
            return None
        return RegistryAPI(
            f"http://{self.pull_host}", (username, secret), self.hub_api,
            platform=self.api.platform, session=self._session,
        )  # fmt: skip

    def set_pull_limits(self, anonymous: int, account: int, window: int) -> dict:
        """Pulls allowed per ``window`` seconds at :attr:`pull_host`, logged out (per address)
        and per account; the counts start again."""
        return self._admin(
            "POST", "/_admin/pull-limits",
            json={"anonymous": anonymous, "account": account, "window": window},
        )  # fmt: skip

    def grader_access(self) -> str:
        """The grader's access token for the hub's API (renewed before it runs out)."""
        return self.hub_api.access(*self.grader_account)

    def identify_token(self, username: str, secret: str) -> dict | None:
        """The token ``secret`` is among ``username``'s (Docker Hub's API shape), or None."""
        try:
            return self._admin(
                "POST", "/_admin/identify", json={"username": username, "secret": secret}
            )
        except HubRefused as refusal:
            if refusal.status == 404:
                return None
            raise

    def repository(self, namespace: str, name: str) -> dict | None:
        """A repository as Docker Hub's API shows it, read as the grader (private ones too)."""
        try:
            return self._admin("GET", f"/v2/namespaces/{namespace}/repositories/{name}")
        except HubRefused as refusal:
            if refusal.status == 404:
                return None
            raise

    def student_accounts(self) -> list[str]:
        """The accounts in the hub (the grader's own is not one)."""
        return self._admin("GET", "/_admin/accounts")["accounts"]

    def has_account(self, username: str) -> bool:
        return username in self.student_accounts()

    def signed_up_accounts(self) -> list[dict]:
        """The accounts made on the hub's sign-up page, oldest first: ``username``,
        ``created_at``."""
        return self._admin("GET", "/_admin/accounts").get("signed_up", [])

    def hub_log(self) -> list[dict]:
        """The hub's own log: one JSON object per token request, sign-in and change, every line
        the hub wrote before this call included. The engine copies a container's output a
        moment after it is written, so a check run the instant a command ends would miss its
        last lines: the hub logs a marker on request, and the log is read once it shows."""
        mark = self._mark()
        container = self.hub.get_wrapped_container()
        deadline = time.monotonic() + MARK_SECONDS
        while True:
            text = container.logs().decode("utf-8", "replace")
            if not mark or f'"mark": "{mark}"' in text or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        found = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("msg") != "mark":
                    found.append(record)
        return found

    def _mark(self) -> str:
        """Have the hub log a marker line; "" when it cannot (not answering, or a hub from
        before the call existed): the log is then read as it is."""
        mark = secrets.token_hex(8)
        try:
            self._admin("POST", "/_admin/mark", json={"mark": mark})
        except (RegistryUnavailable, HubRefused):
            return ""
        return mark
