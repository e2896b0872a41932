"""The grading sandbox on this machine: a user of its own, a rootless engine of its own, limits,
a jail for the kernel, and nothing left after it, even when its grading is killed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.doctor import diagnose
from grader.infra import images
from grader.infra.dockerconfig import DockerConfig
from grader.infra.engine import Engine
from grader.isolation import sandbox

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no sandbox: {sandbox.support()[1]}"),
]


@pytest.fixture(scope="module")
def loaded(engine):
    return images.saved(engine, images.ensure(engine, log=lambda _: None))


@pytest.fixture
def box(loaded):
    made = sandbox.Sandbox.create(images=loaded)
    yield made
    made.destroy()


def jailed(box: sandbox.Sandbox, script: str, hide=(), show=()) -> subprocess.CompletedProcess:
    argv = ["sh", "-c", script]
    return subprocess.run(
        box.jail(argv, {}, list(hide), [sys.prefix, sys.base_prefix, *show]),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_sandbox_has_an_engine_of_its_own_with_the_course_images(box, engine):
    inside = box.engine()
    assert inside.info.version and "rootless" in json.dumps(inside.client.info())
    names = {tag for image in inside.images() for tag in image.tags}
    assert images.APP_IMAGE in names
    marker = f"sandbox-only:{box.name.removeprefix(sandbox.USER_PREFIX)}"
    inside.tag(images.APP_IMAGE, marker)
    assert engine.image(marker) is None  # the host engine does not see it


def test_the_jail_runs_as_the_sandbox_user_and_sees_nothing_of_the_host(box, tmp_path):
    secret = tmp_path / "course" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("grades")
    done = jailed(
        box,
        f"id -u; ls -A /root /tmp; cat {secret} || echo HIDDEN; ps -e | wc -l; "
        "docker -H unix:///var/run/docker.sock info >/dev/null 2>&1 || echo NO-HOST-ENGINE; "
        "touch /usr/planted 2>/dev/null || echo READ-ONLY; "
        "echo ok > $HOME/mine && echo HOME-WRITABLE; docker info --format '{{.SecurityOptions}}'",
        hide=[str(tmp_path)],
    )
    lines = done.stdout.split()
    assert done.returncode == 0, done.stderr
    assert lines[0] == str(box.uid)
    assert "grades" not in done.stdout and "HIDDEN" in lines
    assert "NO-HOST-ENGINE" in lines and "READ-ONLY" in lines and "HOME-WRITABLE" in lines
    assert "rootless" in done.stdout  # the docker CLI inside reaches the sandbox's own engine
    assert int(lines[lines.index("HIDDEN") + 1]) < 10  # its own process list only


def test_a_container_in_the_sandbox_cannot_read_the_hosts_root_files(box):
    done = jailed(
        box,
        f"docker run --rm -v /:/host {box.engine().image(images.APP_IMAGE).id} "
        "sh -c 'cat /host/etc/shadow; ls /host/root' 2>&1; true",
    )
    assert "Permission denied" in done.stdout
    assert "root:" not in done.stdout


def test_limits_are_applied_to_the_engine_and_the_jail(box):
    paths = box.cgroup_paths()
    assert paths, "no cgroup controller found"
    pids = set()
    for path in paths:
        pids |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
    assert any(
        "dockerd" in Path(f"/proc/{p}/cmdline").read_text()
        for p in pids
        if Path(f"/proc/{p}").exists()
    )
    limits = " ".join(
        (path / name).read_text()
        for path in paths
        for name in ("memory.limit_in_bytes", "memory.max", "pids.max")
        if (path / name).exists()
    )
    assert str(box.limits.processes) in limits and str(box.limits.memory_mb * 1024 * 1024) in limits


def test_destroy_leaves_no_user_process_mount_or_file(loaded):
    made = sandbox.Sandbox.create(images=loaded)
    jailed(made, "nohup sleep 86398 >/dev/null 2>&1 &")
    made.destroy()
    assert not made.root.exists()
    assert made.name not in Path("/etc/passwd").read_text()
    assert str(made.root) not in Path("/proc/mounts").read_text()
    assert subprocess.run(["pgrep", "-f", "sleep 86398"], capture_output=True).returncode == 1


def test_doctor_removes_what_a_killed_grading_left(loaded):
    script = textwrap.dedent(
        """
        import sys, time
        from grader.isolation import sandbox
        made = sandbox.Sandbox.create(images=None)
        print(made.name, flush=True)
        time.sleep(600)
        """
    )
    grading = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    name = grading.stdout.readline().strip()
    assert name.startswith(sandbox.USER_PREFIX)
    assert name not in sandbox.leftovers()  # its grading still runs
    grading.send_signal(signal.SIGKILL)
    grading.wait()
    assert name in sandbox.leftovers()
    cleaned = diagnose().cleaned  # what `grader doctor` runs
    assert any(name in item and "user" in item for item in cleaned), cleaned
    assert name not in sandbox.leftovers()
    assert name not in Path("/etc/passwd").read_text()


def test_another_state_roots_sandbox_user_is_not_a_leftover_unless_its_root_is_gone(tmp_path):
    """Two gradings at once with state roots of their own (CI's two streams): one's doctor
    never removes the other's sandbox user; a user whose state root is gone is anyone's."""
    other = tmp_path / "other" / "sandboxes"
    (other / "a1").mkdir(parents=True)
    alive, orphan = f"{sandbox.USER_PREFIX}t{os.getpid()}a", f"{sandbox.USER_PREFIX}t{os.getpid()}o"
    homes = {alive: other / "a1" / "home", orphan: tmp_path / "gone" / "sandboxes" / "o1" / "home"}
    try:
        for user, home in homes.items():
            sandbox._useradd(user, home)
        assert alive not in sandbox.leftovers()
        assert orphan in sandbox.leftovers()
    finally:
        for user in homes:
            subprocess.run(["userdel", user], capture_output=True)


def test_a_credential_helper_named_in_a_configuration_is_never_run_when_grading(tmp_path):
    ran = tmp_path / "helper-ran"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-planted"
    helper.write_text(f'#!/bin/sh\ntouch {ran}\necho \'{{"Username": "u", "Secret": "s"}}\'\n')
    helper.chmod(0o755)
    config = DockerConfig.create(tmp_path / "docker")
    config.path.write_text(json.dumps({"credsStore": "planted"}))
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_dir}:{path}"
    try:
        assert config.credential("localhost:5000", helpers=False) is None
        assert not ran.exists()
        found = config.credential("localhost:5000")  # a learner's own machine: the helper runs
        assert found.username == "u" and ran.exists()
    finally:
        os.environ["PATH"] = path


def test_the_sandbox_engine_is_reached_through_a_socket_the_student_cannot_replace(box):
    done = jailed(
        box,
        f"rm -f {box.root}/sock/grader.sock 2>&1; "
        f"touch {box.root}/sock/other 2>&1; ls {box.root}/sock",
    )
    assert "grader.sock" in done.stdout and "other" not in done.stdout.split()
    assert box.alive()
    assert Engine.at(box.grader_host).version()


def _host_addresses() -> list[str]:
    """This machine's own addresses besides loopback (its network's, its engines' bridges)."""
    found = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    return [line.split()[3].split("/")[0] for line in found.splitlines() if " lo " not in line]


PROBE = """
import socket, sys
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        print("REACHED", target)
    except OSError as error:
        print("BLOCKED", target, error)
"""


def test_nothing_in_the_sandbox_reaches_any_network_but_its_own(box):
    """A graded notebook (and any container it starts) sends nothing away, e.g. the hidden tests
    it could read: the sandbox's namespace keeps its loopback and its engine's bridge and has no
    way out (slirp4netns's link is cut once the engine is up), as PrairieLearn's external
    graders run with no network. Its own published ports still answer inside."""
    addresses = _host_addresses()
    assert addresses, "this machine has no address besides loopback to try"
    listeners = []
    for address in addresses:
        listener = socket.socket()
        listener.bind((address, 0))
        listener.listen(8)
        listeners.append(listener)
    targets = " ".join(
        f"{a}:{s.getsockname()[1]}" for a, s in zip(addresses, listeners, strict=True)
    )
    work = box.root / "work"
    (work / "probe.py").write_text(PROBE)
    image = box.engine().image(images.APP_IMAGE).id
    try:
        jail = jailed(box, f"python3 {work}/probe.py {targets}; ip route")
        container = jailed(
            box, f"docker run --rm -v {work}:/probe:ro {image} python3 /probe/probe.py {targets}"
        )
    finally:
        for listener in listeners:
            listener.close()
    for done in (jail, container):
        assert "REACHED" not in done.stdout, done.stdout + done.stderr
        assert done.stdout.count("BLOCKED") == len(addresses), done.stdout + done.stderr
    assert "default" not in jail.stdout  # no route out at all
    served = jailed(
        box,
        f"docker run -d -p 127.0.0.1:8000:8000 {image} python3 -m http.server 8000 >/dev/null; "
        'for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import urllib.request; '
        "print(urllib.request.urlopen('http://127.0.0.1:8000/').status)\" 2>/dev/null && break; "
        "sleep 1; done",
    )
    assert served.stdout.strip().endswith("200"), served.stdout + served.stderr
