"""The kernel handed to another container (grader/grading/handoff.py): the relay and the kernel
host as real processes sharing a folder, as the grading Job's two containers do. Here the
"kernel" is a small Python program, so each part of the protocol is seen on its own; the
grading through it is tests/grading/test_handoff_grading.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grading import handoff

HOST = [sys.executable, "-m", "grader.grading.handoff", "serve"]


@pytest.fixture
def shared(tmp_path):
    """The shared folder, with a kernel host serving it for the test's length."""
    folder = tmp_path / "handoff"
    host = subprocess.Popen([*HOST, str(folder)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (folder / handoff.REQUESTS).is_dir():  # the host is up
            assert time.monotonic() < deadline and host.poll() is None, host.stderr.read()
            time.sleep(0.05)
        yield folder
    finally:
        host.kill()
        host.wait()


def relay(folder: Path, code: str, *, env=None, wait: float = 20, cwd: Path | None = None):
    """The relay for a 'kernel' running ``code``, started as jupyter_client starts a kernel."""
    argv = [sys.executable, "-m", "grader.grading.handoff", "relay", str(folder)]
    argv += [f"--cwd={cwd or folder.parent}", f"--wait={wait}"]
    argv += [f"--env={k}={v}" for k, v in (env or {}).items()]
    return subprocess.Popen(
        [*argv, "--", sys.executable, "-c", code],
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def wait_for(path: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    time.sleep(0.1)  # written whole by then
    return path.read_text()


def gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_the_kernels_exit_status_and_only_the_handed_environment_come_back(shared, tmp_path):
    out = tmp_path / "env.txt"
    code = f"import os, sys; open({str(out)!r}, 'w').write(repr(sorted(os.environ))); sys.exit(7)"
    done = relay(shared, code, env={"GRADER_LAB": "/x/attach.json", "PATH": "/usr/bin"})
    assert done.wait(timeout=30) == 7, done.stderr.read()
    # The grader container's own environment (this test's, say a secret in it) stays there;
    # Python itself may add LC_CTYPE (PEP 538).
    assert set(eval(out.read_text())) - {"LC_CTYPE"} == {"GRADER_LAB", "PATH"}
    assert list((shared / handoff.REQUESTS).iterdir()) == []  # nothing left behind


def test_an_interrupt_to_the_relay_reaches_the_kernel(shared, tmp_path):
    ready = tmp_path / "ready"
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *a: sys.exit(42))\n"
        f"open({str(ready)!r}, 'w').close()\n"
        "time.sleep(60)\n"
    )
    running = relay(shared, code)
    wait_for(ready)
    os.killpg(running.pid, signal.SIGINT)  # as jupyter_client interrupts a kernel
    assert running.wait(timeout=30) == 42


def test_a_relay_killed_outright_takes_its_kernel_and_the_kernels_children_with_it(
    shared, tmp_path
):
    pids = tmp_path / "pids"
    code = (
        "import os, subprocess, time\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(600)\n"
    )
    running = relay(shared, code)
    kernel, child = map(int, wait_for(pids).split())
    os.killpg(running.pid, signal.SIGKILL)  # jupyter_client's last resort: nothing can relay it
    running.wait(timeout=10)
    assert gone(kernel) and gone(child)


def test_without_a_kernel_host_the_relay_says_what_to_run(tmp_path):
    folder = tmp_path / "handoff"
    (folder / handoff.REQUESTS).mkdir(parents=True)
    running = relay(folder, "print('never')", wait=1)
    assert running.wait(timeout=30) == handoff.NO_HOST
    said = running.stderr.read()
    assert f"python -m grader.grading.handoff serve {folder}" in said
    assert list((folder / handoff.REQUESTS).iterdir()) == []  # the request is withdrawn


def test_a_kernel_the_host_cannot_start_is_a_failed_kernel_not_a_hang(shared, tmp_path):
    # A working folder that does not exist in the kernel host's container.
    running = relay(shared, "pass", cwd=tmp_path / "nowhere")
    assert running.wait(timeout=30) == 1


@pytest.mark.parametrize("swap", [False, True], ids=["links", "links-and-a-swapped-folder"])
def test_links_the_kernel_plants_in_the_shared_folder_redirect_nothing(shared, tmp_path, swap):
    """The kernel shares the folder with the grader's side, which alone has the course folder:
    a link planted under a name the relay writes (and the requests folder swapped for a link
    to the course folder) must not make the relay write through it."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("GRADES")
    ready = tmp_path / "ready"
    requests = shared / handoff.REQUESTS
    code = (
        "import os, time\n"
        f"req, course, swap = {str(requests)!r}, {str(course)!r}, {swap}\n"
        "ident = next(f for f in os.listdir(req) if f.endswith('.lock'))[:-5]\n"
        "for name in (f'.{ident}.signal.partial', f'{ident}.signal'):\n"
        "    os.symlink(os.path.join(course, 'gradebook.db'), os.path.join(req, name))\n"
        "if swap:\n"
        "    os.rename(req, req + '.old')\n"
        "    os.symlink(course, req)\n"
        f"open({str(ready)!r}, 'w').close()\n"
        "time.sleep(60)\n"
    )
    running = relay(shared, code)
    wait_for(ready)
    os.killpg(running.pid, signal.SIGINT)  # the relay writes ID.signal: the kernel ends
    running.wait(timeout=30)
    assert (course / "gradebook.db").read_text() == "GRADES"
