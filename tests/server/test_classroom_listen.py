"""``grader classroom start --listen``: a student on another machine (here: another network
namespace, joined to this one by a veth pair, as a classroom's LAN is) reaches the classroom over
HTTPS with the certificate the course made, signs in, starts their server and runs code through
the kernel's websocket (wss); plain HTTP to that address gets no page."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import cli
from grader.infra import places
from grader.infra.net import free_port
from grader.infra.wait import wait_until
from grader.isolation import sandbox
from grader.isolation.seats import Seat
from grader.server import control, listen
from grader.server.client import Person
from grader.server.hubapi import HubAPI
from tests.server.conftest import Said, own_classroom

# Its seats run on engines of their own (the host engine only supplies images), in a state root
# of the run's own: it runs once, beside the classroom modules (Makefile: the other stream).
pytestmark = [
    pytest.mark.docker,
    pytest.mark.one_engine,
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no seats here: {sandbox.support()[1]}"),
]

STUDENT, PASSWORD = "lsnalice", "alice over tls"
SPIN = """
import resource, subprocess, sys, time
busy = "import time\\nend = time.time() + 2\\nwhile time.time() < end: pass"
started = time.monotonic()
for spinning in [subprocess.Popen([sys.executable, "-c", busy]) for _ in range(2)]:
    spinning.wait()
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(round((used.ru_utime + used.ru_stime) / (time.monotonic() - started), 2))
"""


class Network:
    """A network namespace joined to this one by a veth pair: this side ``HOST``, the other
    ``PEER`` (a /30 of 10.251.0.0/16 of its own)."""

    def __init__(self) -> None:
        tag = f"{random.randrange(16**6):06x}"
        self.name, self.outer, self.inner = f"glsn-{tag}", f"glh{tag}", f"gln{tag}"
        block = random.randrange(1, 16383) * 4
        self.host = f"10.251.{block // 256}.{block % 256 + 1}"
        self.peer = f"10.251.{block // 256}.{block % 256 + 2}"

    def __enter__(self) -> Network:
        for command in (
            f"ip netns add {self.name}",
            f"ip link add {self.outer} type veth peer name {self.inner}",
            f"ip link set {self.inner} netns {self.name}",
            f"ip addr add {self.host}/30 dev {self.outer}",
            f"ip link set {self.outer} up",
            f"ip -n {self.name} addr add {self.peer}/30 dev {self.inner}",
            f"ip -n {self.name} link set {self.inner} up",
            f"ip -n {self.name} link set lo up",
        ):
            subprocess.run(command.split(), check=True, capture_output=True)
        return self

    def __exit__(self, *_) -> None:
        subprocess.run(["ip", "link", "del", self.outer], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def python(self, code: str) -> dict:
        """Run ``code`` (which prints one JSON line last) in the other namespace."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.name, sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


def _engines(seat: Seat) -> set[int]:
    return {p for p in seat.processes() if _cmdline(p).startswith(b"dockerd\0")}


def _servers(seat: Seat) -> set[int]:
    return {p for p in seat.processes() if b"jupyterhub-singleuser" in _cmdline(p)}


def _labs(seat: Seat) -> set[str]:
    """What runs in the seat's engine: the lab's parts, by their containers' names."""
    done = subprocess.run(
        ["docker", "-H", seat.docker_host, "ps", "--format", "{{.Names}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {part for name in done.stdout.split() for part in ("registry", "hub") if part in name}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_student_on_another_network_reaches_the_classroom_over_https_only(tmp_path):
    teacher, late = ("lsnteach", "teach pw"), ("lsnlate1", "late pw")
    roster = f"{STUDENT},{PASSWORD}\n{late[0]},{late[1]}\n{teacher[0]},{teacher[1]},instructor\n"
    with (
        Network() as lan,
        own_classroom(tmp_path, roster, (STUDENT, late[0], teacher[0])) as roster_path,
    ):
        port = free_port()
        out = Said()
        args = [
            "classroom",
            "start",
            "--roster",
            str(roster_path),
            "--listen",
            f"{lan.host}:{port}",
            "--cpus",
            "0.5",
            "--memory",
            "1.5G",
            "--max-students",
            "2",
            "--warm",
            "1",
        ]
        assert cli.main(args, out=out, err=out) == cli.ExitStatus.OK, out.text
        url = f"https://{lan.host}:{port}"
        cert = places.CLASSROOM.path() / "tls" / "classroom.crt"
        authority = places.CLASSROOM.path() / "tls" / listen.AUTHORITY
        assert f"Students sign in at {url}" in out.text
        assert f"SHA-256 {listen.fingerprint(cert)}" in out.text  # what students compare
        # her seat is started ahead (--warm 1, she is first on the roster): engine and images,
        # her lab, her server, before she signs in
        seat = Seat(STUDENT)
        assert wait_until(lambda: _servers(seat), 300, interval=0.5), "no seat started ahead"
        engine, server = _engines(seat), _servers(seat)
        assert engine and _labs(seat) == {"registry", "hub"}
        seen = lan.python(f"""
            import json, requests
            from grader.server.client import Person
            url, cert = {url!r}, {str(authority)!r}  # the classroom's authority, trusted
            seen = {{}}
            try:  # a browser that was not told of the certificate warns: nothing is sent
                requests.get(url + "/hub/login", timeout=10)
                seen["untrusted"] = "answered"
            except requests.exceptions.SSLError:
                seen["untrusted"] = "certificate refused"
            try:
                plain = requests.get("http://{lan.host}:{port}/hub/login", timeout=10)
                seen["plain"] = plain.status_code
            except requests.exceptions.ConnectionError:
                seen["plain"] = "no answer"
            student = Person(url, {STUDENT!r}, {PASSWORD!r}, verify=cert)
            seen["signed_in"] = student.signed_in.status_code
            student.wait_for_server()
            seen["ran"] = student.run("print(6 * 7)").strip()
            seen["cores_used"] = float(student.run({SPIN!r}).strip().splitlines()[-1])
            print(json.dumps(seen))
        """)
        cores_used = seen.pop("cores_used")
        assert (_engines(seat), _servers(seat)) == (engine, server)  # her seat, as started ahead
        assert seen == {
            "untrusted": "certificate refused",
            "plain": "no answer",
            "signed_in": 302,
            "ran": "42",
        }
        # the seat's limits, as given: its cgroups say so, and two busy processes share half a core
        limits = {}
        for path in Seat(STUDENT).cgroup_paths():
            for name in ("memory.max", "memory.limit_in_bytes", "cpu.max", "cpu.cfs_quota_us"):
                if (path / name).exists():
                    limits[name.split(".")[0]] = (path / name).read_text().split()[0]
        assert limits == {"memory": str(1536 << 20), "cpu": "50000"}
        assert cores_used <= 0.7, cores_used
        # two servers at once (--max-students 2): the pool fills the second with the next
        # student's seat; the instructor comes first and gets it, and the student who comes
        # after is told the class is full, and when to retry
        ahead = Seat(late[0])
        hub = HubAPI.of_classroom()
        ready = wait_until(lambda: hub.servers().get(late[0]) == "ready", 300, interval=0.5)
        assert ready and _servers(ahead), "no refill of the pool"
        trusted = str(authority)
        instructor = Person(url, *teacher, verify=trusted)
        assert instructor.signed_in.status_code == 302
        instructor.wait_for_server()
        assert not _servers(ahead)  # stopped to make room for who came
        refused = Person(url, *late, verify=trusted)
        assert refused.signed_in.status_code == 302
        page = refused.session.get(f"{url}/hub/spawn/{late[0]}", verify=trusted)
        assert page.status_code == 429
        assert "Active user limit exceeded. Try again in a few minutes." in page.text
        control.stop(log=lambda _: None)
