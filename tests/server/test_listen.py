"""grader.server.listen: where the classroom listens, and the certificate it serves there."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import ssl
import stat
import threading

import pytest
from cryptography import x509

from grader import cli
from grader.errors import InvalidInput
from grader.infra.net import free_port
from grader.server import listen
from tests.server.conftest import Said


@pytest.mark.parametrize(
    "text, want",
    [
        ("0.0.0.0:8443", ("0.0.0.0", 8443)),
        ("10.0.0.5:443", ("10.0.0.5", 443)),
        ("[::]:8443", ("::", 8443)),
        ("[::1]:8000", ("::1", 8000)),
        ("8000", ("127.0.0.1", 8000)),
        (" 127.0.0.1:9000 ", ("127.0.0.1", 9000)),
        ("localhost:8000", ("127.0.0.1", 8000)),
    ],
)
def test_listen_addresses_are_read(text, want):
    assert listen.parse(text) == want


@pytest.mark.parametrize(
    "text, said",
    [
        ("0.0.0.0", "is not ADDR:PORT"),
        ("0.0.0.0:", "is not ADDR:PORT"),
        (":8000", "is not ADDR:PORT"),
        ("0.0.0.0:http", "is not ADDR:PORT"),
        ("0.0.0.0:0", "0 is not a TCP port"),
        ("0.0.0.0:70000", "70000 is not a TCP port"),
        ("no-such-host.invalid:8000", "neither an IP address nor a name"),
    ],
)
def test_what_is_not_an_address_and_port_is_refused_with_the_form_to_give(text, said):
    with pytest.raises(InvalidInput) as refused:
        listen.parse(text)
    assert said in refused.value.message and "ADDR:PORT" in refused.value.fix


def test_a_taken_port_and_an_address_of_another_machine_are_refused():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInput, match=f"Port {port} is already taken on 127.0.0.1"):
            listen.check_free("127.0.0.1", port)
    listen.check_free("127.0.0.1", port)  # free again once its listener is gone
    with pytest.raises(InvalidInput) as refused:
        listen.check_free("192.0.2.7", 8443)  # TEST-NET-1: no machine has it
    assert "192.0.2.7 is not an address of this machine" in refused.value.message
    assert "0.0.0.0" in refused.value.fix


def test_a_loopback_address_without_a_certificate_is_plain_http(tmp_path):
    where = listen.prepare("127.0.0.1", 8000, tmp_path / "tls", None, None, log=print)
    assert where.tls is None and where.bind_url == "http://127.0.0.1:8000"
    assert where.url == where.local_url == "http://127.0.0.1:8000"
    assert not (tmp_path / "tls").exists()


def test_every_other_address_gets_https_with_a_certificate_the_course_makes(tmp_path):
    said = []
    where = listen.prepare("0.0.0.0", 8443, tmp_path / "tls", None, None, log=said.append)
    assert where.scheme == "https" and where.bind_url == "https://0.0.0.0:8443"
    assert where.local_url == "https://127.0.0.1:8443"
    cert, key = where.tls
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    # the fingerprint said is the one a browser shows (SHA-256 of the DER certificate)
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    shown = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    assert listen.fingerprint(cert) == shown and shown in said[0]
    named = x509.load_pem_x509_certificate(cert.read_bytes()).extensions
    sans = named.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", *listen.outside_addresses()} <= ips
    assert socket.gethostname() in sans.get_values_for_type(x509.DNSName)
    # a TLS server serves the pair; a client that trusts the classroom's authority verifies
    # it for 127.0.0.1, one that does not refuses it
    authority = tmp_path / "tls" / listen.AUTHORITY
    assert _handshake(cert, key, ssl.create_default_context(cafile=str(authority))) == "verified"
    refused = _handshake(cert, key, ssl.create_default_context())
    assert "CERTIFICATE_VERIFY_FAILED" in refused


def _handshake(cert, key, client: ssl.SSLContext) -> str:
    """A TLS handshake with a server on 127.0.0.1 that serves ``cert``: "verified", or why not."""
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        done = threading.Thread(target=_serve_once, args=(server, listening), daemon=True)
        done.start()
        try:
            with socket.create_connection(listening.getsockname(), timeout=10) as raw:
                with client.wrap_socket(raw, server_hostname="127.0.0.1"):
                    return "verified"
        except ssl.SSLError as error:
            return str(error)
        finally:
            done.join(10)


def _serve_once(server: ssl.SSLContext, listening: socket.socket) -> None:
    connection, _ = listening.accept()
    with contextlib.suppress(ssl.SSLError, OSError), server.wrap_socket(connection, True):
        pass


def test_the_courses_certificate_is_kept_across_starts_and_made_again_for_a_new_address(tmp_path):
    folder = tmp_path / "tls"
    first = listen.own_certificate(folder, ["10.1.2.3", "localhost"])
    print_before = listen.fingerprint(first[0])
    again = listen.own_certificate(folder, ["10.1.2.3"])  # named already: the same one
    assert listen.fingerprint(again[0]) == print_before
    authority = (folder / listen.AUTHORITY).read_bytes()
    moved = listen.own_certificate(folder, ["10.9.9.9", "localhost"])
    assert listen.fingerprint(moved[0]) != print_before
    assert (folder / listen.AUTHORITY).read_bytes() == authority  # trusted once, kept
    assert not list(folder.glob("*.partial"))


def test_a_certificate_without_its_key_or_with_another_key_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="needs its key"):
        listen.check_tls(str(tmp_path / "a.crt"), None)
    with pytest.raises(InvalidInput, match="needs its key"):
        listen.check_tls(None, str(tmp_path / "a.key"))
    one = listen.own_certificate(tmp_path / "one", ["10.1.2.3"])
    other = listen.own_certificate(tmp_path / "other", ["10.1.2.3"])
    listen.check_tls(str(one[0]), str(one[1]))  # a pair
    with pytest.raises(InvalidInput) as refused:
        listen.check_tls(str(one[0]), str(other[1]))
    assert "are not a certificate and its key" in refused.value.message
    assert "--tls-cert" in refused.value.fix
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(InvalidInput, match="are not a certificate and its key"):
        listen.check_tls(str(garbage), str(one[1]))
    with pytest.raises(InvalidInput, match="is not a file"):
        listen.check_tls(str(tmp_path / "missing.crt"), str(one[1]))


def test_the_instructors_pair_is_served_as_given(tmp_path):
    mine = listen.own_certificate(tmp_path / "mine", ["classroom.example.edu"])
    said = []
    where = listen.prepare("0.0.0.0", 443, tmp_path / "tls", *map(str, mine), log=said.append)
    assert where.tls == mine and not (tmp_path / "tls").exists()
    assert listen.fingerprint(mine[0]) in said[0]
    loopback = listen.prepare("127.0.0.1", 8443, tmp_path / "tls", *map(str, mine), print)
    assert loopback.scheme == "https"  # a certificate given is served even on loopback


def test_ipv6_urls_are_bracketed():
    where = listen.Listen("::", 8443, None)
    assert where.bind_url == "http://[::]:8443" and where.local_url == "http://[::1]:8443"


def _start(tmp_path, monkeypatch, *options: str) -> tuple[int, str]:
    """``grader classroom start`` with ``options``, on a state root of the test's own: its exit
    status and what it said on stderr; nothing may have been made in the state root."""
    monkeypatch.setenv("COURSE_STATE_ROOT", str(tmp_path / "state"))
    roster = tmp_path / "roster.csv"
    roster.write_text("lsnalice,pw alice\n")
    err = Said()
    status = cli.main(["classroom", "start", "--roster", str(roster), *options], Said(), err)
    assert not (tmp_path / "state").exists()
    return status, err.text


def test_bad_listen_options_are_refused_before_anything_is_made(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status, said = _start(
            tmp_path, monkeypatch, "--listen", f"127.0.0.1:{taken.getsockname()[1]}"
        )
    assert status == cli.ExitStatus.NOT_READY and "is already taken on 127.0.0.1" in said
    assert "fix: Free it, or start the classroom on another one" in said
    status, said = _start(tmp_path, monkeypatch, "--listen", "192.0.2.7:8443")
    assert status == cli.ExitStatus.NOT_READY and "not an address of this machine" in said
    status, said = _start(tmp_path, monkeypatch, "--listen", "0.0.0.0:99999")
    assert status == cli.ExitStatus.NOT_READY and "99999 is not a TCP port" in said
    mine = listen.own_certificate(tmp_path / "mine", ["10.1.2.3"])
    free = f"127.0.0.1:{free_port()}"
    status, said = _start(tmp_path, monkeypatch, "--listen", free, "--tls-cert", str(mine[0]))
    assert status == cli.ExitStatus.NOT_READY and "needs its key" in said
    status, said = _start(
        tmp_path,
        monkeypatch,
        "--listen",
        free,
        "--tls-cert",
        str(mine[0]),
        "--tls-key",
        str(mine[0]),
    )
    assert status == cli.ExitStatus.NOT_READY and "are not a certificate and its key" in said
    status, _ = _start(tmp_path, monkeypatch, "--listen", free, "--port", "8000")
    assert status == cli.ExitStatus.USAGE  # one or the other
