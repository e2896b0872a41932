"""Who started what: owner labels on every container a lab starts, and the removal of what a
dead lab left behind (there is no reaper container without Docker Hub)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from . import places
from .engine import LABEL, Engine

LAB = f"{LABEL}.lab"
ROLE = f"{LABEL}.role"
OWNER_HOST = f"{LABEL}.owner-host"
OWNER_PID = f"{LABEL}.owner-pid"
OWNER_START = f"{LABEL}.owner-start"
STATE_DIR = f"{LABEL}.state-dir"
LEARNER = f"{LABEL}.learner"
"""On a learner's persistent lab (lessons): never reaped, removed only by Lab.reset."""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot; tells a live process from a new one
    that got the same PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def owner_labels() -> dict[str, str]:
    pid = os.getpid()
    return {
        OWNER_HOST: socket.gethostname(),
        OWNER_PID: str(pid),
        OWNER_START: _start_time(pid) or "",
    }


def owner_alive(labels: dict) -> bool:
    """Is the process that started this lab still running? Labs of other hosts count as alive:
    their owners cannot be seen from here."""
    if LEARNER in labels or labels.get(OWNER_HOST) != socket.gethostname():
        return True
    try:
        pid = int(labels.get(OWNER_PID, ""))
    except ValueError:
        return True
    start = _start_time(pid)
    return start is not None and start == labels.get(OWNER_START, start)


def remove_lab(engine: Engine, lab_id: str, state_dir: str | None = None) -> list[str]:
    """Remove everything lab ``lab_id`` made: the student's containers and images under the
    lab registry's own names (tags and digests), the lab's labelled containers, networks and volumes, its state
    folder. Names go first, while the registry still holds its port."""
    removed = []
    for registry in _registry_hosts(engine, lab_id):
        prefix = registry + "/"
        for container in engine.containers(all=True):
            if container.image_ref.startswith(prefix) and engine.remove_container(container.id):
                removed.append(f"container {container.name} ({container.image_ref})")
        for image in engine.images():
            # Tags, and names by digest (a pull of NAME@sha256:… leaves one, which alone keeps
            # the image in the engine: a later lab's pull would then download nothing).
            for name in (*image.tags, *image.repo_digests):
                if name.startswith(prefix) and engine.remove_image(name):
                    removed.append(f"image {name}")
    removed += engine.remove_labelled({LAB: lab_id})
    if state_dir and Path(state_dir).resolve().is_relative_to(places.cache_root().resolve()):
        shutil.rmtree(state_dir, ignore_errors=True)  # only ever the course's own folders
    return removed


REGISTRY_ADDRESSES = (5000, 5050)
"""The ports inside a lab's hub container that reach its registry: the registry's own, and the
pull-limited address (``grader.hub.containers.PULL_PORT``), whose pulls leave names too."""


def _registry_hosts(engine: Engine, lab_id: str) -> list[str]:
    hosts = []
    for container in engine.containers(all=True, labels={LAB: lab_id}):  # the hub publishes it
        for inside in REGISTRY_ADDRESSES:
            for port in container.ports.get(inside, []):
                hosts += [f"localhost:{port}", f"127.0.0.1:{port}"]
    return hosts


def reap_dead_labs(engine: Engine) -> list[str]:
    """Remove what labs whose process died (a killed kernel) left on the engine."""
    removed = []
    seen = set()
    for container in engine.containers(all=True, labels={LAB: None}):
        labels = container.labels
        if labels[LAB] in seen or owner_alive(labels):
            continue
        seen.add(labels[LAB])
        removed += remove_lab(engine, labels[LAB], labels.get(STATE_DIR))
    return removed
