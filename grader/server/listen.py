"""Where the classroom listens, and its TLS: ``grader classroom start --listen ADDR:PORT``.

A classroom on a loopback address (the default, ``127.0.0.1:8000``) is reached only from this
machine, e.g. through an instructor's own reverse proxy, and may speak plain HTTP. Anywhere else
it is served over HTTPS only: with the instructor's certificate (``--tls-cert``/``--tls-key``),
or else with one the course makes itself and keeps in the classroom's state folder, signed by
an authority of the classroom's own (made once, kept across starts and new certificates).
Students' browsers that were not given that authority warn once; the instructor reads out the
certificate's fingerprint, or installs the authority's file on the school's machines. JupyterHub
hands the pair to its proxy (configurable-http-proxy), which does TLS.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..errors import InvalidInput
from ..infra import places

DEFAULT_LISTEN = "127.0.0.1:8000"
CERT_DAYS = 365
"""How long a certificate the course makes is valid; it is made again when fewer than
:data:`RENEW_DAYS` are left, or when it does not name the address the classroom listens on."""
RENEW_DAYS = 14


@dataclass(frozen=True)
class Listen:
    """An address and port to listen on; ``tls`` is the certificate and key files, or None for
    plain HTTP (only ever on a loopback address)."""

    host: str
    port: int
    tls: tuple[Path, Path] | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def bind_url(self) -> str:
        """JupyterHub's ``bind_url``."""
        return f"{self.scheme}://{_bracketed(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        """The URL people sign in at: the address itself, or for every address of the machine
        (0.0.0.0, ::) its first outside one."""
        host = self.host
        if _unspecified(host):
            host = next(iter(outside_addresses()), "127.0.0.1")
        return f"{self.scheme}://{_bracketed(host)}:{self.port}"

    @property
    def local_url(self) -> str:
        """A URL of it from this machine (to see that it answers)."""
        host = (
            ("::1" if ":" in self.host else "127.0.0.1") if _unspecified(self.host) else self.host
        )
        return f"{self.scheme}://{_bracketed(host)}:{self.port}"

    @property
    def loopback(self) -> bool:
        return _loopback(self.host)


def parse(text: str) -> tuple[str, int]:
    """``ADDR:PORT`` (``[v6]:PORT`` for IPv6, or a bare ``PORT`` for 127.0.0.1) as (address,
    port); raises :class:`InvalidInput` for anything else."""
    text = str(text).strip()
    host, _, port_text = text.rpartition(":")
    if ":" not in text and port_text.isdigit():
        host = "127.0.0.1"
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    usage = "Give ADDR:PORT, e.g. 0.0.0.0:8443 (every address), 10.0.0.5:443, [::]:8443."
    if not host or not port_text.isdigit():
        raise InvalidInput(f"--listen {text!r} is not ADDR:PORT.", usage)
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise InvalidInput(f"--listen {text!r}: {port} is not a TCP port (1 to 65535).", usage)
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            host = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        except OSError:
            raise InvalidInput(
                f"--listen {text!r}: {host} is neither an IP address nor a name this machine "
                "can resolve.",
                usage,
            ) from None
    return host, port


def form(host: str, port: int) -> str:
    """``ADDR:PORT`` as :func:`parse` reads it back."""
    return f"{_bracketed(host)}:{port}"


def check_free(host: str, port: int) -> None:
    """Raise :class:`InvalidInput` unless this machine can listen on ``host:port`` now
    (connections of a server gone a moment ago do not count)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise InvalidInput(
                    f"{host} is not an address of this machine, so the classroom cannot "
                    "listen on it.",
                    "Give one of its own: " + ", ".join(["0.0.0.0", *outside_addresses()]),
                ) from None
            if error.errno == errno.EACCES:
                raise InvalidInput(
                    f"Only root may listen on port {port} (below 1024).",
                    "Start the classroom as root, or on a port from 1024 up, e.g. 8443.",
                ) from None
            raise InvalidInput(
                f"Port {port} is already taken on {host}.",
                "Free it, or start the classroom on another one: --listen ADDR:PORT.",
            ) from None


def check_tls(cert: str | None, key: str | None) -> None:
    """Raise :class:`InvalidInput` unless the instructor gave both files of a pair that loads
    (the key is the certificate's), or neither."""
    if bool(cert) != bool(key):
        raise InvalidInput(
            "A certificate needs its key, and a key its certificate.",
            "Give both --tls-cert FILE and --tls-key FILE, or neither (the course makes one).",
        )
    if cert and key:
        _check_pair(Path(cert).resolve(), Path(key).resolve())


def prepare(host: str, port: int, folder: Path, cert: str | None, key: str | None, log) -> Listen:
    """Where and how the classroom listens: with the instructor's pair when given, else on a
    loopback address in plain HTTP, else with the course's own certificate in ``folder`` (made,
    or made again when needed). Says which, with the certificate's SHA-256 fingerprint."""
    check_tls(cert, key)
    if cert and key:
        pair = (Path(cert).resolve(), Path(key).resolve())
        log(f"classroom: TLS with {pair[0]} (SHA-256 fingerprint {fingerprint(pair[0])})")
        return Listen(host, port, pair)
    if _loopback(host):
        return Listen(host, port)
    pair = own_certificate(folder, names_for(host))
    log(
        f"classroom: TLS with a certificate this course made ({pair[0]}), signed by the "
        f"classroom's own authority ({folder / AUTHORITY}): browsers that do not trust that "
        "authority warn once, and students go on if the fingerprint their browser shows is "
        f"SHA-256 {fingerprint(pair[0])}; or install the authority's file in their browsers "
        "(or give your own certificate: --tls-cert/--tls-key)"
    )
    return Listen(host, port, pair)


def names_for(host: str) -> list[str]:
    """What a certificate for a classroom listening on ``host`` names: that address, or for
    every address (0.0.0.0, ::) each outside address and the machine's names; and the loopback
    ones, for the instructor on the machine itself."""
    names = [host] if not _unspecified(host) else [*outside_addresses(), *_machine_names()]
    return list(dict.fromkeys([*names, "localhost", "127.0.0.1", "::1"]))


AUTHORITY = "classroom-ca.crt"
"""The file (in the classroom's ``tls`` folder) of the authority that signs the course's own
certificate: what a client is given to trust (``Person(..., verify=...)``, curl's ``--cacert``,
a browser's or a school's trust store), kept across starts and new certificates."""


def own_certificate(folder: Path, names: list[str]) -> tuple[Path, Path]:
    """The course's own certificate and key in ``folder`` (only root reads the keys), signed by
    an authority of the classroom's own (:data:`AUTHORITY`, made once); the certificate is made
    when missing, when it does not name all of ``names`` or when it runs out soon."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert, key = folder / "classroom.crt", folder / "classroom.key"
    authority = _authority(folder)
    with contextlib.suppress(OSError, ValueError):
        found = x509.load_pem_x509_certificate(cert.read_bytes())
        signed = found.issuer == authority[0].subject
        if key.exists() and signed and _covers(found, names) and _days_left(found) > RENEW_DAYS:
            return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "publishing-course classroom")])
    made = (
        _builder(subject, authority[0].subject, private, CERT_DAYS)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(authority[1], hashes.SHA256())
    )
    _write_key(key, private)
    cert.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _authority(folder: Path):
    """The classroom's own authority: its certificate and key (made once, for ten years)."""
    cert, key = folder / AUTHORITY, folder / "classroom-ca.key"
    with contextlib.suppress(OSError, ValueError):
        found = x509.load_pem_x509_certificate(cert.read_bytes())
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
        if _days_left(found) > CERT_DAYS:
            return found, private
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "publishing-course classroom CA")])
    made = (
        _builder(name, name, private, 10 * CERT_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .sign(private, hashes.SHA256())
    )
    _write_key(key, private)
    cert.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    return made, private


def _builder(subject: x509.Name, issuer: x509.Name, private, days: int):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
    )


def _write_key(path: Path, private) -> None:
    """The key into ``path``, readable by root alone from its first byte."""
    places.write_private(
        path,
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint as browsers show it (``AB:CD:…``)."""
    found = x509.load_pem_x509_certificate(cert.read_bytes())
    digest = hashlib.sha256(found.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def outside_addresses() -> list[str]:
    """This machine's addresses other than loopback and link-local ones (IPv4 first)."""
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            with contextlib.suppress(ValueError):
                ip = ipaddress.ip_address(address.address.split("%")[0])
                if not (ip.is_loopback or ip.is_link_local):
                    found.append(ip)
    return [str(ip) for ip in sorted(set(found), key=lambda ip: (ip.version, ip))]


def _check_pair(cert: Path, key: Path) -> None:
    for path in (cert, key):
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file.", "Give the certificate's and key's files.")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as error:
        raise InvalidInput(
            f"{cert} and {key} are not a certificate and its key ({error.reason or error}).",
            "Give the PEM files your certificate authority issued: the certificate (with its "
            "chain) as --tls-cert and its unencrypted private key as --tls-key.",
        ) from None
    except OSError as error:
        raise InvalidInput(f"Cannot read {error.filename}: {error.strerror}.", "") from None


def _covers(found: x509.Certificate, names: list[str]) -> bool:
    try:
        named = found.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have = {str(n) for n in named.get_values_for_type(x509.DNSName)}
    have |= {str(ip) for ip in named.get_values_for_type(x509.IPAddress)}
    return set(names) <= have


def _days_left(found: x509.Certificate) -> float:
    left = found.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    return left.total_seconds() / 86400


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _machine_names() -> list[str]:
    return [n for n in dict.fromkeys([socket.gethostname(), socket.getfqdn()]) if n]


def _unspecified(host: str) -> bool:
    return ipaddress.ip_address(host).is_unspecified


def _loopback(host: str) -> bool:
    return ipaddress.ip_address(host).is_loopback


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
