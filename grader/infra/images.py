"""The images the course needs, whether or not Docker Hub can be reached.

For each image: use it if the engine has it, else pull it, else build an equivalent offline
(the registry from Debian's ``docker-registry`` package, which is the CNCF Distribution registry;
the Python base with debootstrap). Every decision is reported with its reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ImageUnavailable
from ..settings import settings
from . import places
from .engine import LABEL, Engine

Log = Callable[[str], None]

APP_REPOSITORY = "my-flask-app"
APP_IMAGE = f"{APP_REPOSITORY}:v1"
OFFLINE_REGISTRY_IMAGE = "publishing-course/registry:2.8-debian"
OFFLINE_BASE_IMAGE = "publishing-course/python:3-bookworm"
DEBIAN_SUITE = "bookworm"
APP_HASH_LABEL = f"{LABEL}.app-hash"
HUB_IMAGE = "publishing-course/hub:1"
"""The classroom hub (``assets/hub``), always built here on the Python base: it has no
official image to pull."""


@dataclass(frozen=True)
class CourseImages:
    """The names of the images a lab uses, as resolved on this engine."""

    registry: str
    base: str
    app: str = APP_IMAGE
    hub: str = HUB_IMAGE


@dataclass(frozen=True)
class ImageStatus:
    """What ``grader doctor`` reports for one image."""

    role: str
    name: str
    present: str | None
    """The name under which the engine has it (the official one or the offline build), or None."""
    plan: str
    """What the image step would do: nothing, pull, or build offline, and why."""
    fix: str = ""


def asset(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath("assets", *parts)


def app_hash(folder_name: str = "my-flask-app") -> str:
    """A hash of the sources an image is built from (a changed source means a rebuild)."""
    digest = hashlib.sha256()
    folder = asset(folder_name)
    for name in sorted(os.listdir(folder)):
        if (folder / name).is_file():
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return digest.hexdigest()[:16]


def hub_reachable() -> tuple[bool, str]:
    """Can this machine resolve Docker Hub's registry name? (Pulls fail at once when not.)"""
    try:
        socket.getaddrinfo("registry-1.docker.io", 443)
        return True, "registry-1.docker.io resolves"
    except OSError as error:
        return False, f"registry-1.docker.io does not resolve ({error.strerror or error})"


def offline_tools() -> dict[str, str | None]:
    """What each offline build needs that is missing (None when all is there)."""
    registry = (
        None
        if Path(settings().registry_binary).exists()
        else (
            f"{settings().registry_binary} is missing: `apt-get install docker-registry` (Debian/Ubuntu)"
        )
    )
    base = None
    if not shutil.which("debootstrap"):
        base = "debootstrap is missing: `apt-get install debootstrap` (Debian/Ubuntu)"
    elif os.geteuid() != 0:
        base = "debootstrap needs root: run the image step as root once (`sudo grader images`)"
    return {"registry": registry, "base": base}


def status(engine: Engine) -> list[ImageStatus]:
    """Which images are there, and what the image step would do for the rest. Changes nothing."""
    reachable, why = hub_reachable()
    tools = offline_tools()
    found = []
    for role, name, offline in (
        ("registry", settings().registry_image, OFFLINE_REGISTRY_IMAGE),
        ("base", settings().base_image, OFFLINE_BASE_IMAGE),
    ):
        present = next((n for n in (name, offline) if engine.image(n)), None)
        if present:
            found.append(ImageStatus(role, name, present, "present"))
        elif reachable:
            found.append(ImageStatus(role, name, None, f"pull {name} ({why})"))
        elif tools[role] is None:
            found.append(ImageStatus(role, name, None, f"build {offline} offline, since {why}"))
        else:
            found.append(
                ImageStatus(
                    role, name, None, f"cannot pull ({why}) nor build offline", tools[role] or ""
                )
            )
    app = engine.image(APP_IMAGE)
    if app and app.labels.get(APP_HASH_LABEL) in (None, app_hash()):
        found.append(ImageStatus("app", APP_IMAGE, APP_IMAGE, "present"))
    else:
        base_ok = found[1].present or not found[1].fix
        plan = "rebuild (the course's app changed)" if app else "build from the course's Dockerfile"
        found.append(
            ImageStatus(
                "app", APP_IMAGE, None, plan, "" if base_ok else "needs the base image first"
            )
        )
    hub = engine.image(HUB_IMAGE)
    if hub and hub.labels.get(APP_HASH_LABEL) == app_hash("hub"):
        found.append(ImageStatus("hub", HUB_IMAGE, HUB_IMAGE, "present"))
    else:
        plan = "rebuild (the hub changed)" if hub else "build on the base image"
        found.append(ImageStatus("hub", HUB_IMAGE, None, plan))
    return found


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """One image step at a time on this machine (two labs starting together build once)."""
    with open(places.CACHE.make() / "images.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(engine: Engine, log: Log = print) -> CourseImages:
    """Make sure every image the course needs is present; return their names."""
    with _lock():
        registry = _ensure_one(
            engine, settings().registry_image, OFFLINE_REGISTRY_IMAGE, build_registry, log
        )
        base = _ensure_one(engine, settings().base_image, OFFLINE_BASE_IMAGE, build_base, log)
        _ensure_app(engine, base, log)
        _ensure_hub(engine, base, log)
    return CourseImages(registry=registry, base=base)


def _ensure_one(
    engine: Engine, name: str, offline: str, build: Callable[[Engine, str, Log], None], log: Log
) -> str:
    for candidate in (name, offline):
        if engine.image(candidate):
            log(f"images: {candidate} is present")
            return candidate
    reachable, why = hub_reachable()
    if reachable:
        try:
            log(f"images: pulling {name}")
            engine.pull(name)
            log(f"images: pulled {name}")
            return name
        except ImageUnavailable as error:
            why = error.message
    log(f"images: building {offline} offline, since pulling {name} is not possible: {why}")
    build(engine, offline, log)
    log(f"images: built {offline}")
    return offline


def _ensure_app(engine: Engine, base: str, log: Log) -> None:
    wanted = app_hash()
    image = engine.image(APP_IMAGE)
    if image:
        have = image.labels.get(APP_HASH_LABEL)
        if have is None:
            log(f"images: {APP_IMAGE} is present (your own build; the course leaves it as it is)")
            return
        if have == wanted:
            log(f"images: {APP_IMAGE} is present")
            return
        log(f"images: rebuilding {APP_IMAGE}: the course's app changed")
    else:
        log(f"images: building {APP_IMAGE} from the course's Dockerfile on {base}")
    build_app(engine, base, APP_IMAGE, labels={APP_HASH_LABEL: wanted})
    log(f"images: built {APP_IMAGE}")


def _ensure_hub(engine: Engine, base: str, log: Log) -> None:
    wanted = app_hash("hub")
    image = engine.image(HUB_IMAGE)
    if image and image.labels.get(APP_HASH_LABEL) == wanted:
        log(f"images: {HUB_IMAGE} is present")
        return
    log(f"images: building {HUB_IMAGE} on {base}")
    with tempfile.TemporaryDirectory(prefix="hub-image-") as context:
        shutil.copytree(
            asset("hub"), Path(context) / "hub", ignore=shutil.ignore_patterns("__pycache__")
        )
        _debian_packages(Path(context) / "debs", HUB_PACKAGES)
        (Path(context) / "Dockerfile").write_text(
            "ARG BASE_IMAGE\n"
            "FROM ${BASE_IMAGE}\n"
            "COPY debs /tmp/debs\n"
            # cryptography signs the registry's tokens. The offline base (Debian) takes Debian's
            # packages, fetched here beforehand (a build container may have no network: a
            # rootless or iptables-less engine); the official base takes PyPI's.
            'RUN python3 -c "import cryptography" 2>/dev/null'
            " || (ls /tmp/debs/*.deb >/dev/null 2>&1 && dpkg -i /tmp/debs/*.deb)"
            " || pip install --no-cache-dir cryptography"
            " || (apt-get update && apt-get install -y --no-install-recommends python3-cryptography);"
            ' rm -rf /tmp/debs /var/lib/apt/lists/*; python3 -c "import cryptography"\n'
            "COPY hub /hub\n"
            # Compiled once here, not at every lab's start (the sources are read-only to it).
            "RUN python3 -m compileall -q /hub\n"
            "VOLUME /certs\n"
            "EXPOSE 8080\n"
            f'LABEL {APP_HASH_LABEL}="{wanted}"\n'
            'CMD ["python3", "-u", "/hub/hubd.py"]\n'
        )
        engine.build(context, HUB_IMAGE, {"BASE_IMAGE": base})
    log(f"images: built {HUB_IMAGE}")


HUB_PACKAGES = ("python3-cryptography", "python3-cffi-backend")
"""Debian's packages the hub needs beyond Python (cryptography and its C binding)."""


def _debian_packages(folder: Path, packages: tuple[str, ...]) -> None:
    """Download Debian's ``packages`` into ``folder`` when this machine is Debian with apt (the
    offline base is Debian bookworm too); leave it empty anywhere else."""
    folder.mkdir()
    if shutil.which("apt-get") and Path("/etc/debian_version").exists():
        subprocess.run(
            ["apt-get", "download", *packages], cwd=folder, capture_output=True, timeout=120
        )


def build_app(engine: Engine, base: str, ref: str, labels: dict) -> None:
    """Build the course's app from its Dockerfile on ``base`` as ``ref``, with ``labels``."""
    with tempfile.TemporaryDirectory(prefix="my-flask-app-") as context:
        shutil.copytree(asset("my-flask-app"), context, dirs_exist_ok=True)
        with open(Path(context) / "Dockerfile", "a") as dockerfile:
            for key, value in labels.items():
                dockerfile.write(f'LABEL {key}="{value}"\n')
        engine.build(context, ref, {"BASE_IMAGE": base})


def build_registry(engine: Engine, ref: str, log: Log) -> None:
    """``FROM scratch``: Debian's Distribution binary, the libraries it links and the official
    image's config. The binary links only libc, so this is a complete registry."""
    missing = offline_tools()["registry"]
    if missing:
        raise ImageUnavailable(f"Cannot build {ref} offline: {missing}.", missing)
    with tempfile.TemporaryDirectory(prefix="registry-image-") as context:
        root = Path(context)
        lines = ["FROM scratch"]
        shutil.copy2(settings().registry_binary, root / "registry")
        lines.append("COPY registry /bin/registry")
        for index, library in enumerate(_linked_libraries(settings().registry_binary)):
            shutil.copy2(os.path.realpath(library), root / f"lib{index}")
            lines.append(f"COPY lib{index} {library}")
        shutil.copy2(asset("registry", "config.yml"), root / "config.yml")
        lines += [
            "COPY config.yml /etc/docker/registry/config.yml",
            "VOLUME /var/lib/registry",
            "EXPOSE 5000",
            f'LABEL {LABEL}.built-offline="docker-registry from Debian"',
            'ENTRYPOINT ["/bin/registry"]',
            'CMD ["serve", "/etc/docker/registry/config.yml"]',
        ]
        (root / "Dockerfile").write_text("\n".join(lines) + "\n")
        engine.build(context, ref)


def _linked_libraries(binary: str) -> list[str]:
    output = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    if "not a dynamic executable" in output:
        return []
    paths = re.findall(r"(/\S+)\s+\(0x", output)
    if not paths:
        raise ImageUnavailable(f"Could not read the libraries {binary} links: {output.strip()}", "")
    return paths


def build_base(engine: Engine, ref: str, log: Log) -> None:
    """A Debian root file system with Python 3 and Flask, made by debootstrap from a Debian
    mirror (reachable in classrooms that have no Docker Hub) and imported as an image."""
    mirror = settings().debian_mirror
    key = hashlib.sha256(f"{DEBIAN_SUITE} {mirror} {BASE_PACKAGES}".encode()).hexdigest()[:16]
    kept = places.CACHE.make() / f"debootstrap-{DEBIAN_SUITE}-{key}.tar"
    if not kept.exists():  # (the image step's lock is held: see ensure)
        missing = offline_tools()["base"]
        if missing:
            raise ImageUnavailable(f"Cannot build {ref} offline: {missing}.", missing)
        _debootstrap(kept, mirror, log)
    else:
        log(f"images: the {DEBIAN_SUITE} root file system debootstrap made before ({kept})")
    with open(kept, "rb") as data:
        engine.import_image(
            data,
            ref,
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                f'LABEL {LABEL}.built-offline="debootstrap {DEBIAN_SUITE}"',
                'CMD ["python3"]',
            ],
        )


BASE_PACKAGES = "python3,python3-flask"


def _debootstrap(kept: Path, mirror: str, log: Log) -> None:
    """debootstrap's root file system as a tarball at ``kept`` (kept for the next engine: a
    second engine on the machine, or the same one after its data was removed, imports it
    instead of fetching Debian again)."""
    with tempfile.TemporaryDirectory(prefix="python-base-") as work:
        rootfs = Path(work) / "rootfs"
        log(f"images: debootstrap {DEBIAN_SUITE} from {mirror} (about a minute)")
        command = [
            "debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}",
            DEBIAN_SUITE, str(rootfs), mirror,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise ImageUnavailable(
                f"debootstrap failed (exit {done.returncode}):\n{tail}",
                "Check that the Debian mirror is reachable, or set COURSE_DEBIAN_MIRROR.",
            )
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        partial = kept.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        for old in kept.parent.glob(f"debootstrap-{DEBIAN_SUITE}-*.tar"):
            old.unlink()  # one made for another mirror or package list: only this one is kept
        partial.rename(kept)


def saved(engine: Engine, images: CourseImages) -> Path:
    """The course's images as one ``docker save`` tarball (made once per set of image IDs),
    for loading into a grading sandbox's engine."""
    refs = [images.registry, images.base, images.app, images.hub]
    ids = "".join(engine.image(ref).id for ref in refs)  # type: ignore[union-attr]
    path = (
        places.CACHE.make() / f"sandbox-images-{hashlib.sha256(ids.encode()).hexdigest()[:16]}.tar"
    )
    with _lock():
        if not path.exists():
            for old in path.parent.glob("sandbox-images-*.tar"):
                old.unlink()
            partial = path.with_suffix(".partial")
            engine.save(refs, partial)
            partial.rename(path)
    return path
