"""A seat's limits as an instructor sets them (``grader classroom start --memory 3G --cpus 1.5
…``), checked against what this machine can give before anything starts."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import psutil

from ..errors import InvalidInput
from ..isolation.rootless import Limits
from ..isolation.seats import DEFAULT_LIMITS

MINIMUM = Limits(memory_mb=512, processes=128, disk_mb=2048, cpus=0.1)
"""Below these a seat cannot run JupyterLab, a kernel and a rootless engine with the course's
images (about 1 GB of them)."""

SEAT_MEMORY_MB = 528
"""One seat's memory, as its cgroup is charged (page cache included, as the seat's limit counts
it), with the student signed in, their engine running the lesson's registry and hub, after the
lesson's push: measured 2026-12-06 on the 2-core, 24 GiB machine (``make bench``'s classroom
figure reports it: "memory per student", cgroup; its processes' RSS was 379 MB on 2026-11-27)."""
SEAT_DISK_MB = 541
"""One seat's engine disk file as it takes space after the first sign-in (the course's images
loaded) and the lesson's push (``du`` of the sparse file; 276 MB used inside its ext4),
measured 2026-12-06: what the disk files take at first."""
HOST_MEMORY_MB = 1536
"""Memory kept for what is not a seat: JupyterHub, its proxy, the class page, the host engine."""


def seats_held(chosen: Limits = DEFAULT_LIMITS) -> int:
    """How many signed-in students this machine's memory holds at once (at least one)."""
    available = (psutil.virtual_memory().total >> 20) - HOST_MEMORY_MB
    return max(1, available // min(SEAT_MEMORY_MB, chosen.memory_mb))


_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*([mg])?i?b?\s*$")


def size_mb(text: str, option: str) -> int:
    """``2G``, ``1.5g``, ``512M``, ``4096`` (megabytes) as megabytes; raises for anything else."""
    found = _SIZE.match(str(text))
    if not found:
        raise InvalidInput(
            f"{option} {text!r} is not a size.", f"Give megabytes or gigabytes: {option} 2G, 512M."
        )
    number, unit = float(found.group(1)), (found.group(2) or "m").lower()
    return round(number * (1024 if unit == "g" else 1))


def limits(
    memory: str | None = None,
    processes: int | None = None,
    disk: str | None = None,
    cpus: float | None = None,
) -> Limits:
    """A seat's limits from ``start``'s options (the defaults for those not given)."""
    chosen = DEFAULT_LIMITS
    if memory is not None:
        chosen = replace(chosen, memory_mb=size_mb(memory, "--memory"))
    if disk is not None:
        chosen = replace(chosen, disk_mb=size_mb(disk, "--disk"))
    if processes is not None:
        chosen = replace(chosen, processes=processes)
    if cpus is not None:
        chosen = replace(chosen, cpus=cpus)
    return chosen


def check(chosen: Limits, state: Path) -> None:
    """Raise :class:`InvalidInput`, naming every limit this machine cannot give one seat (or
    that no seat could work under), with what it has; ``state``: where the seats' disks go."""
    memory = psutil.virtual_memory().total >> 20
    cores = os.cpu_count() or 1
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    free = free_mb(state)
    have = (
        ("--memory", chosen.memory_mb, MINIMUM.memory_mb, memory, "MB", "this machine has"),
        (
            "--processes",
            chosen.processes,
            MINIMUM.processes,
            pid_max,
            "",
            "the kernel's pid_max is",
        ),
        ("--disk", chosen.disk_mb, MINIMUM.disk_mb, free, "MB", f"free below {state} are"),
        ("--cpus", chosen.cpus, MINIMUM.cpus, cores, "", "this machine has"),
    )
    problems = []
    for option, value, low, high, unit, where in have:
        shown = f"{option} {_number(value)}{' ' + unit if unit else ''}"
        if value < low:
            problems.append(f"{shown} is below what a seat needs: at least {_number(low)}")
        elif value > high:
            most = f"{_number(high)}{' ' + unit if unit else ''}"
            problems.append(f"{shown} is more than one seat can get: {where} {most}")
    if problems:
        raise InvalidInput(
            "The seats' limits do not fit this machine; nothing was started:\n  "
            + "\n  ".join(problems),
            "Give limits within those (defaults: --memory 2G --processes 512 --disk 8G --cpus 1).",
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def free_mb(state: Path) -> int:
    """Megabytes free on the file system that holds (or will hold) ``state``."""
    for folder in [state, *state.parents]:
        if folder.exists():
            return shutil.disk_usage(folder).free >> 20
    return 0
