"""The hub's signing key and the registry tokens it signs (ES256 JWTs, Distribution's format).

The key is made inside the hub's container on its first start and never leaves it; the registry
gets only the self-signed certificate (its ``rootcertbundle``) and finds the key of each token in
the token's ``x5c`` header, a chain it verifies against that bundle."""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

TOKEN_SECONDS = 300
"""How long a registry token lives (Docker Hub's are 300 s too)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, issuer: str):
        self.key = key
        self.issuer = issuer
        self._x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]

    @classmethod
    def load_or_make(cls, private_dir: Path, cert_path: Path, issuer: str) -> Signer:
        """The key from ``private_dir`` (made on first start), its certificate written to
        ``cert_path`` for the registry."""
        private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_path = private_dir / "signing-key.pem"
        own_cert = private_dir / "signing-cert.pem"
        if key_path.exists() and own_cert.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            cert = x509.load_pem_x509_certificate(own_cert.read_bytes())
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256())
            )
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
            own_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        cert_path.parent.mkdir(parents=True, exist_ok=True)
        partial = cert_path.with_suffix(".partial")
        partial.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        partial.rename(cert_path)  # the registry never reads half a certificate
        return cls(key, cert, issuer)

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": "ES256", "x5c": self._x5c}
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        der = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def registry_token(self, subject: str, service: str, access: list[dict]) -> dict:
        """A token for the registry, in the shape of a Docker token server's answer."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": service,
            "exp": now + TOKEN_SECONDS,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(12),
            "access": access,
        }
        token = self.sign(claims)
        issued = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        return {
            "token": token,
            "access_token": token,
            "expires_in": TOKEN_SECONDS,
            "issued_at": issued.isoformat().replace("+00:00", "Z"),
        }
