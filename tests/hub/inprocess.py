"""The classroom hub's server (``grader/assets/hub``) loaded in this process, no Docker, and a
client for one started hub: shared by the hub's in-process tests and its contract tests.

The hub's modules import each other as top-level modules (``import store``), as in its image:
they are loaded with the hub's folder on ``sys.path`` and taken off it again (``_load``), so
names such as ``settings`` or ``api`` never shadow anything else in the test session."""

from __future__ import annotations

import base64
import importlib
import json
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HUB_DIR = Path(__file__).resolve().parents[2] / "grader" / "assets" / "hub"
HUB_MODULES = (
    "settings", "store", "keys", "pages", "web", "auth", "registry", "api", "admin", "views",
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
