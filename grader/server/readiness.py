"""``grader doctor --classroom N``: can this machine hold N students at once? Memory (a seat's
as measured), disk for N seat files, loop devices, user namespaces, cgroup controllers and the
proxy, each a finding; where it falls short, how many it holds and what to change."""

from __future__ import annotations

from pathlib import Path

import psutil

from ..doctor import Finding
from ..errors import InvalidInput
from ..infra import places
from ..isolation import sandbox
from ..isolation.rootless import Limits
from ..isolation.seats import DEFAULT_LIMITS
from . import capacity, control

NAMESPACES_PER_SEAT = 2
"""User namespaces a seat's rootless engine makes (rootlesskit's, and its containers')."""


def findings(students: int, chosen: Limits = DEFAULT_LIMITS) -> list[Finding]:
    if students < 1:
        raise InvalidInput(
            f"--classroom {students} is not a number of students.", "Give 1 or more."
        )
    return [
        _memory(students, chosen),
        _disk(students, chosen, places.SEATS.path()),
        _loop_devices(students),
        _namespaces(students),
        _controllers(),
        _proxy(),
    ]


def _memory(students: int, chosen: Limits) -> Finding:
    available = (psutil.virtual_memory().total >> 20) - capacity.HOST_MEMORY_MB
    per_seat = min(capacity.SEAT_MEMORY_MB, chosen.memory_mb)
    holds = max(0, available // per_seat)
    short = students * per_seat - available
    return Finding(
        "classroom memory",
        holds >= students,
        f"{students} students need about {students * per_seat} MB ({per_seat} MB a signed-in "
        f"student, as measured); {available} MB are there beside the hub: it holds {holds}",
        ""
        if holds >= students
        else f"Give the machine {short} MB more memory, or take at most {holds} students on it.",
    )


def _disk(students: int, chosen: Limits, state: Path) -> Finding:
    free = capacity.free_mb(state)
    at_first, full = students * capacity.SEAT_DISK_MB, students * chosen.disk_mb
    fix = ""
    if full > free:
        fix = (
            f"Free {full - free} MB below {state}, or give each seat less: "
            f"--disk {max(capacity.MINIMUM.disk_mb, free // students)}M."
        )
    return Finding(
        "classroom disk",
        full <= free,
        f"{students} seat disks take about {at_first} MB at first ({capacity.SEAT_DISK_MB} MB each) and "
        f"up to {full} MB full (--disk {chosen.disk_mb} MB each, sparse files); {free} MB are "
        f"free below {state}" + ("" if full <= free else ": full disks would not all fit"),
        fix,
        blocking=at_first > free,
    )


def _loop_devices(students: int) -> Finding:
    made = len(list(Path("/dev").glob("loop[0-9]*")))
    on_demand = Path("/dev/loop-control").exists()
    ok = on_demand or made >= students
    detail = (
        "made on demand (/dev/loop-control): one per seat disk"
        if on_demand
        else f"{made} for {students} seat disks"
    )
    return Finding(
        "loop devices",
        ok,
        detail,
        "" if ok else "Load the loop module with enough devices: `modprobe loop max_loop=64`.",
    )


def _namespaces(students: int) -> Finding:
    try:
        allowed = int(Path("/proc/sys/user/max_user_namespaces").read_text())
    except (OSError, ValueError):
        allowed = 0
    ok, why = sandbox.support()
    needed = students * NAMESPACES_PER_SEAT
    if not ok:
        return Finding("user namespaces", False, f"no rootless engine can start here: {why}", why)
    return Finding(
        "user namespaces",
        allowed >= needed,
        f"{allowed} allowed; {students} seats need about {needed}",
        "" if allowed >= needed else f"`sysctl -w user.max_user_namespaces={needed * 2}`",
    )


def _controllers() -> Finding:
    base = Path("/sys/fs/cgroup")
    if (base / "cgroup.controllers").exists():
        have = set((base / "cgroup.controllers").read_text().split())
    else:
        have = {name for name in ("memory", "pids", "cpu") if (base / name).is_dir()}
    missing = [name for name in ("memory", "pids", "cpu") if name not in have]
    return Finding(
        "cgroup controllers",
        not missing,
        "memory, pids and cpu: a seat's memory, processes and CPU are held"
        if not missing
        else f"{', '.join(missing)} missing: those limits cannot hold",
        ""
        if not missing
        else "Enable them (on a container host: give the container its own cgroup with them).",
        blocking=bool({"memory", "pids"} & set(missing)),
    )


def _proxy() -> Finding:
    try:
        return Finding("classroom proxy", True, control.proxy_command())
    except InvalidInput as error:
        return Finding("classroom proxy", False, error.message, error.fix)
