"""The student's kernel handed to another container: grading where the pod is the sandbox.

On Kubernetes the grading Job's pod holds no root, so no sandbox can be made inside it
(``grader/isolation/sandbox.py``). Its grader container has the course folder (gradebook,
solutions, every submission); a second container, the **kernel host**, has none of it: only the
engine's socket and a folder the two share. nbgrader's Execute, in the grader container, starts
the kernel through this module, so the student's code runs where the course is out of reach::

    kernel host container:   python -m grader.grading.handoff serve /handoff
    grader container:        GRADER_KERNEL_HANDOFF=/handoff grader grade LAB --student NAME

The protocol is files in ``FOLDER/requests`` (both sides the same user; only the grading run
writes requests and only the kernel host starts anything):

- the grader's side (:func:`relay`, the "kernel" jupyter_client launches) takes an exclusive
  ``flock`` on ``ID.lock`` for as long as it lives, then writes ``ID.json``: the kernel's argv,
  environment and working folder;
- the kernel host (:func:`serve`) starts it, in a session of its own, and writes ``ID.started``;
- a signal the relay gets (jupyter_client's interrupt, a shutdown's SIGTERM) becomes
  ``ID.signal``, which the host sends to the kernel's process group;
- when the kernel ends, the host writes ``ID.exit`` (its return code) and the relay exits with it;
- when the relay dies (SIGKILL too: its lock is released), the host kills the kernel.

The kernel's channels are IPC sockets in the shared folder (``VerifiedExecute`` sets the
transport), so neither side needs the network. Verdicts are still computed by the grading run
from the engine's and the registry's state; nothing the kernel host writes counts for a score:
a kernel that forges ``ID.exit`` only ends its own run early.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REQUESTS = "requests"
ANSWER_SECONDS = 60
"""How long the relay waits for a kernel host to start the kernel."""
NO_HOST = 3
"""The relay's exit status when no kernel host answered."""
_TICK = 0.05


class _Folder:
    """The requests folder, opened once. Every name is taken in *that* folder and never through
    a link: the kernel shares the folder, so it could swap it for a link or plant one under a
    name the grader's side writes (to reach the course folder, which only that side has)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)

    def write(self, name: str, data: str) -> None:
        """Write whole or not at all: the other side never reads half a file."""
        partial = f".{name}.{secrets.token_hex(4)}.partial"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(partial, flags, 0o600, dir_fd=self.fd), "w") as handle:
            handle.write(data)
        os.replace(partial, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def exists(self, name: str) -> bool:
        try:
            os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            return True
        except FileNotFoundError:
            return False

    def read(self, name: str) -> str:
        """At most a line of a regular file ('' for anything else)."""
        try:
            return self.read_all(name, 64)
        except (OSError, UnicodeDecodeError):
            return ""

    def read_all(self, name: str, limit: int = 1 << 20) -> str:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=self.fd)
        with os.fdopen(fd, "rb") as handle:
            return handle.read(limit).decode()

    def unlink(self, *names: str) -> None:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=self.fd)

    def lock(self, name: str, create: bool) -> int:
        flags = (os.O_CREAT | os.O_EXCL | os.O_WRONLY) if create else os.O_RDONLY
        return os.open(name, flags | os.O_NOFOLLOW, 0o600, dir_fd=self.fd)


def relay(
    folder: Path, argv: list[str], env: dict[str, str], cwd: str, wait: float = ANSWER_SECONDS
) -> int:
    """The grader container's side of one kernel: hand ``argv`` to the kernel host in
    ``folder`` and stand in for the kernel until it ends (its return code); :data:`NO_HOST` if
    no kernel host starts it within ``wait`` seconds."""
    requests = _Folder(folder / REQUESTS)
    ident = secrets.token_hex(6)
    lock = requests.lock(f"{ident}.lock", create=True)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held until this process ends, however it ends
    caught: list[int] = []
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda number, _frame: caught.append(number))
    requests.write(f"{ident}.json", json.dumps({"argv": argv, "env": env, "cwd": cwd}))
    deadline = time.monotonic() + wait
    while not requests.exists(f"{ident}.exit"):
        while caught:
            requests.write(f"{ident}.signal", str(caught.pop(0)))
        if not requests.exists(f"{ident}.started") and time.monotonic() > deadline:
            requests.unlink(f"{ident}.json", f"{ident}.lock")  # withdrawn
            print(
                f"No kernel host started the kernel within {wait:g} s: nothing runs "
                f"`python -m grader.grading.handoff serve {folder}` beside this grading "
                "(the grading Job's kernel container, k8s/grading-job.yaml).",
                file=sys.stderr,
            )
            return NO_HOST
        time.sleep(_TICK)
    try:
        code = int(requests.read(f"{ident}.exit").strip() or 1)
    except ValueError:
        code = 1
    requests.unlink(*(f"{ident}.{name}" for name in ("json", "started", "exit", "signal", "lock")))
    return code


@dataclass
class _Kernel:
    ident: str
    process: subprocess.Popen
    lock: int


def serve(folder: Path, *, once: bool = False) -> None:
    """The kernel host: start each kernel the grading run hands over in ``folder``, relay its
    signals and its end; with ``once``, return after the first kernel ends (tests)."""
    (folder / REQUESTS).mkdir(parents=True, exist_ok=True)
    requests = _Folder(folder / REQUESTS)
    running: dict[str, _Kernel] = {}
    served = 0
    while not (once and served and not running):
        for request in sorted(requests.path.glob("*.json")):
            ident = request.stem
            if ident not in running and not requests.exists(f"{ident}.started"):
                running[ident] = _start(requests, ident)
                served += 1
        for kernel in list(running.values()):
            if _tend(requests, kernel):
                del running[kernel.ident]
        time.sleep(_TICK)


def _start(requests: _Folder, ident: str) -> _Kernel:
    try:
        lock = requests.lock(f"{ident}.lock", create=False)
    except OSError:  # withdrawn, or not a relay's: seen as a relay gone
        lock = os.open(os.devnull, os.O_RDONLY)
    try:
        spec = json.loads(requests.read_all(f"{ident}.json"))
        process = subprocess.Popen(
            [str(a) for a in spec["argv"]],
            env={str(k): str(v) for k, v in spec["env"].items()},
            cwd=spec["cwd"],
            start_new_session=True,  # the kernel and its children: one group to signal
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(f"handoff: request {ident} not started: {error}", file=sys.stderr)
        process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    requests.write(f"{ident}.started", str(process.pid))
    return _Kernel(ident, process, lock)


def _tend(requests: _Folder, kernel: _Kernel) -> bool:
    """Relay what happened to one kernel; True once it is over (and cleaned up)."""
    said = requests.read(f"{kernel.ident}.signal")
    if said:
        requests.unlink(f"{kernel.ident}.signal")
        with contextlib.suppress(OSError, ValueError):
            number = int(said)
            if number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                os.killpg(kernel.process.pid, number)
    try:  # the relay holds this lock while it lives: free means it is gone
        fcntl.flock(kernel.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        relay_gone = True
    except OSError:
        relay_gone = False
    if relay_gone and kernel.process.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(kernel.process.pid, signal.SIGKILL)
    code = kernel.process.poll()
    if code is None and relay_gone:
        code = kernel.process.wait()
    if code is None:
        return False
    with contextlib.suppress(OSError):  # the kernel's children (a `sleep` it left) end with it
        os.killpg(kernel.process.pid, signal.SIGKILL)
    requests.write(f"{kernel.ident}.exit", str(code))
    os.close(kernel.lock)
    if relay_gone:
        names = ("json", "started", "lock", "exit", "signal")
        requests.unlink(*(f"{kernel.ident}.{name}" for name in names))
    return True


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    kernel_argv = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m grader.grading.handoff")
    commands = parser.add_subparsers(dest="command", required=True)
    host = commands.add_parser("serve", help="run the kernels a grading hands over")
    host.add_argument("folder", type=Path)
    host.add_argument("--once", action="store_true", help="return after the first kernel ends")
    hand = commands.add_parser(
        "relay", help="(the grading run's) hand one kernel over: relay FOLDER [options] -- ARGV"
    )
    hand.add_argument("folder", type=Path)
    hand.add_argument("--cwd", required=True)
    hand.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    hand.add_argument("--wait", type=float, default=ANSWER_SECONDS, help="seconds for a host")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.folder, once=args.once)
        return
    if not kernel_argv:
        parser.error("relay: give the kernel's command after --")
    env = dict(item.split("=", 1) for item in args.env)
    sys.exit(relay(args.folder, kernel_argv, env, args.cwd, args.wait))


if __name__ == "__main__":
    main()
