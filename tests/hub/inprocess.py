"""The classroom hub's server (``grader/assets/hub``) loaded in this process, no Docker, and a
client for one started hub: shared by the hub's in-process tests and its contract tests.

The hub's modules import each other as top-level modules (``import store``), as in its image:
they are loaded with the hub's folder on ``sys.path`` and taken off it again (``_load``), so
names such as ``settings`` or ``api`` never shadow anything else in the test session."""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HUB_DIR = Path(__file__).resolve().parents[2] / "grader" / "assets" / "hub"
HUB_MODULES = (
    "settings", "store", "keys", "pages", "shapes", "pulls", "web", "auth", "registry", "api", "admin", "views",
    "hubd",
)  # fmt: skip
ADMIN, ADMIN_SECRET = "grader", "the-graders-secret"
EVENTS_SECRET = "the-registrys-secret"
INCORRECT = "incorrect username or password"
DENIED = "requested access to the resource is denied"
INSUFFICIENT = "access token has insufficient scopes"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _load() -> SimpleNamespace:
    """The hub's modules, imported as its image does (``/hub`` first on ``sys.path``)."""
    saved_path = list(sys.path)
    saved = {n: sys.modules.pop(n) for n in HUB_MODULES if n in sys.modules}
    sys.path.insert(0, str(HUB_DIR))
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in assets
    try:
        importlib.import_module("hubd")
        return SimpleNamespace(**{n: sys.modules[n] for n in HUB_MODULES})
    finally:
        sys.dont_write_bytecode = writes
        sys.path[:] = saved_path
        for name in HUB_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


hub = _load()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified_claims(token: str, cert_pem: bytes) -> dict:
    """A registry token's claims, once its ES256 signature checks out against the hub's
    certificate (the registry's ``rootcertbundle``) and its ``x5c`` names that certificate."""
    head, payload, signature = token.split(".")
    cert = x509.load_pem_x509_certificate(cert_pem)
    raw = _unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    cert.public_key().verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    header = json.loads(_unb64(head))
    assert header["alg"] == "ES256"
    assert header["x5c"] == [
        base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    ]
    return json.loads(_unb64(payload))


class Running:
    """One started hub: its settings, folders, and a client for it."""

    def __init__(self, server, settings) -> None:
        self.server, self.settings = server, settings
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy from the environment

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.http.post(self.url(path), timeout=10, **kw)

    def request(self, method: str, path: str, **kw) -> requests.Response:
        return self.http.request(method, self.url(path), timeout=10, **kw)

    @property
    def cert(self) -> bytes:
        return (self.settings.certs / "hub.pem").read_bytes()

    def account(self, username: str, password: str, scope: str = "") -> dict:
        body = {"username": username, "password": password}
        if scope:
            body.update(token_label="course token", scopes=[scope])
        made = self.post("/_admin/accounts", json=body, auth=(ADMIN, ADMIN_SECRET))
        assert made.status_code == 201, made.text
        return made.json()

    def sign_in(self, identifier: str, secret: str) -> str:
        answer = self.post("/v2/auth/token", json={"identifier": identifier, "secret": secret})
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def bearer(self, identifier: str, secret: str) -> dict:
        return {"Authorization": "Bearer " + self.sign_in(identifier, secret)}

    def registry_token(self, *scopes: str, auth=None, **query) -> requests.Response:
        params = {"service": self.settings.service, **query}
        if scopes:
            params["scope"] = list(scopes)
        return self.get("/token", params=params, auth=auth)

    def new_token(self, username: str, password: str, scope: str, **fields) -> dict:
        made = self.post(
            "/v2/access-tokens",
            json={"token_label": f"{scope} token", "scopes": [scope], **fields},
            headers=self.bearer(username, password),
        )
        assert made.status_code == 201, made.text
        return made.json()


# --- the real registry the tags API reads ------------------------------------------------------


REGISTRY_BINARY = shutil.which("docker-registry")
LAYERS = (b"a" * 1000, b"b" * 234)  # the layers' sizes: the tag's full_size is 1234
IMAGE_CONFIG = json.dumps({
    "architecture": "arm64", "os": "linux", "variant": "v8",
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(b).hexdigest()
                                              for b in LAYERS]},
    "config": {},
}).encode()  # fmt: skip


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class RealRegistry:
    """Distribution (Debian's ``docker-registry``, as in the course's registry image) in a
    subprocess, with the token auth the course gives it (``containers.registry_config``): tokens
    from the hub's ``/token``, checked against the ``hub.pem`` the hub wrote. No notifications:
    the tests post the push events themselves (with a timestamp they know)."""

    def __init__(self, folder: Path, port: int, running: Running) -> None:
        folder.mkdir(parents=True)
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / "registry.log"
        config = {
            "version": 0.1,
            # The course's registry logs at info; debug here names each request's token subject.
            "log": {"level": "debug", "formatter": "json", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(folder / "storage")},
                "delete": {"enabled": True},
                "cache": {"blobdescriptor": "inmemory"},
            },
            "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
            "auth": {
                "token": {
                    "realm": running.url("/token"),
                    "service": running.settings.service,
                    "issuer": running.settings.issuer,
                    "rootcertbundle": str(running.settings.certs / "hub.pem"),
                }
            },
        }
        (folder / "config.yml").write_text(json.dumps(config, indent=1))  # JSON is YAML
        with self.log.open("wb") as log:  # no REGISTRY_* variable from here overrides it
            self.process = subprocess.Popen(
                [REGISTRY_BINARY, "serve", str(folder / "config.yml")],
                env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        self.http = requests.Session()
        self.http.trust_env = False
        self.realm = running.url("/token")

    def wait(self) -> None:
        """Until the registry answers ``/v2/``: 401, and the hub's ``/token`` as its realm."""
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = self.http.get(self.url + "/v2/", timeout=2)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the registry did not start:\n{self.log.read_text()}")
                time.sleep(0.05)
        assert answer.status_code == 401, answer.text  # token auth: no token, no answer
        challenge = answer.headers["WWW-Authenticate"]
        assert challenge.startswith(f'Bearer realm="{self.realm}"'), challenge

    def push(self, token: str, repository: str, tag: str) -> str:
        """``LAYERS`` and ``IMAGE_CONFIG`` as an OCI image ``repository:tag``, over the
        registry's HTTP API as a client pushes (monolithic uploads): its manifest's digest."""
        auth = {"Authorization": "Bearer " + token}
        for blob in (*LAYERS, IMAGE_CONFIG):
            started = self.http.post(f"{self.url}/v2/{repository}/blobs/uploads/", headers=auth)
            assert started.status_code == 202, started.text
            location = urljoin(self.url, started.headers["Location"])
            done = self.http.put(
                f"{location}{'&' if '?' in location else '?'}digest={sha256_digest(blob)}", data=blob,
                headers={**auth, "Content-Type": "application/octet-stream"},
            )  # fmt: skip
            assert done.status_code == 201, done.text
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha256_digest(IMAGE_CONFIG), "size": len(IMAGE_CONFIG)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": sha256_digest(blob), "size": len(blob)} for blob in LAYERS],
        }).encode()  # fmt: skip
        put = self.http.put(
            f"{self.url}/v2/{repository}/manifests/{tag}", data=manifest,
            headers={**auth, "Content-Type": OCI_MANIFEST},
        )  # fmt: skip
        assert put.status_code == 201, put.text
        assert put.headers["Docker-Content-Digest"] == sha256_digest(manifest)
        return put.headers["Docker-Content-Digest"]

    def authorized(self) -> set[tuple[str, str, str, str]]:
        """``(token subject, client, method, path)`` of the requests the registry let through,
        from its own log: at debug level its handlers' lines name the token's ``sub``
        (``auth.user.name``); the client is the user agent's product."""
        found = set()
        for line in self.log.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line still being written
            if "auth.user.name" in entry:
                client = entry["http.request.useragent"].partition("/")[0]
                method, path = entry["http.request.method"], entry["http.request.uri"]
                found.add((entry["auth.user.name"], client, method, path))
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


REGISTRY_AUTH = {"Authorization": "Bearer " + EVENTS_SECRET}


def pushed(
    repository: str,
    tag: str,
    media: str = OCI_MANIFEST,
    digest: str = "sha256:" + "d" * 64,
    **more,
) -> dict:
    """The registry's notification of a push (Distribution's envelope)."""
    target = {"repository": repository, "tag": tag, "mediaType": media, "digest": digest}
    event = {"action": "push", "target": target, "actor": {"name": repository.split("/")[0]}}
    return {"events": [{**event, **more}]}
