"""Recognisers of the engine and what is on this machine: an engine that does not answer or
may not be used, a port taken, names of containers and images, a build folder without its
Dockerfile."""

from __future__ import annotations

import re

from ..result import shell
from .model import Seen, _line_of


def _daemon_unreachable(seen: Seen) -> tuple[str, str]:
    socket = seen.group(1) or "its socket"
    return (
        f"docker could not reach the Docker engine at `{socket}`: the engine is not running "
        "(or `DOCKER_HOST` points at an address where none answers).",
        "Start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux), then check it "
        "answers: " + shell("docker info"),
    )


def _daemon_permission(seen: Seen) -> tuple[str, str]:
    return (
        f"Your user may not use the Docker engine's socket `{seen.group(1)}`: on Linux it "
        "belongs to root and the `docker` group.",
        "Add your user to that group (`sudo usermod -aG docker $USER`), sign out and in again, "
        "then check: " + shell("docker info"),
    )


def _disk_full(seen: Seen) -> tuple[str, str]:
    return (
        "The disk where the Docker engine keeps images, containers, volumes and builds is full "
        "(`no space left on device`): in a classroom, that is your seat's own engine disk; on "
        "your machine, Docker Desktop's virtual disk or the file system of `/var/lib/docker`.",
        "See what takes the room: "
        + shell("docker system df")
        + "; remove what you no longer need: "
        + shell("docker container prune")
        + ", "
        + shell("docker image prune")
        + " (untagged images), "
        + shell("docker builder prune")
        + " (the build cache), `!docker rmi NAME:TAG` for tags you are done with; then run the "
        "command again.",
    )


def _port_taken(seen: Seen) -> tuple[str, str]:
    port = seen.group(2)
    cmd = seen.command
    run = cmd.find("run", "create")
    mapping = next(
        (m for m in (run.values("-p", "--publish") if run else []) if _host_port(m) == port),
        None,
    )
    listed = "`!docker ps` lists the containers publishing ports"
    cause = (
        f"Port {port} on this machine is taken"
        + (f" (the left side of `-p {mapping}`)" if mapping else "")
        + ": another container publishes it or another program listens on it (on a Mac, the "
        f"AirPlay Receiver holds 5000); {listed}."
    )
    if mapping is None or not port.isdigit():
        return (
            cause,
            "Publish on another host port, e.g. `-p 5001:5000`, or stop what holds it: "
            + shell("docker ps"),
        )
    other = str(int(port) + 1 if int(port) < 65535 else 5001)
    new = (
        mapping[: mapping.rfind(port + ":")]
        + other
        + mapping[mapping.rfind(port + ":") + len(port) :]
    )
    rerun = cmd.replaced(mapping, new) or shell(f"docker run -p {new} IMAGE")
    name = run.value("--name") if run else None
    first = (
        f"remove the container the failed run left ({shell(f'docker rm {name}')}), then "
        if name
        else ""
    )
    return (
        cause,
        f"Publish on another host port: {first}{rerun}, and open port {other}; or find what "
        f"holds {port} with {shell('docker ps')} and stop it.",
    )


def _host_port(mapping: str) -> str | None:
    parts = mapping.rsplit("/", 1)[0].split(":")
    return parts[-2] if len(parts) >= 2 else None


def _name_in_use(seen: Seen) -> tuple[str, str]:
    name, container = seen.group(1), seen.group(2)[:12]
    again = shell(seen.command.text) if seen.command.text else "the command again"
    return (
        f"A container named `{name}` already exists (`{container}`, running or stopped), and "
        "container names are unique.",
        f"Remove the old one, then run again: {shell(f'docker rm -f {name}')}, then {again}; or "
        "choose another `--name`.",
    )


def _no_such_container(seen: Seen) -> tuple[str, str]:
    return (
        f"There is no container `{seen.group(1)}`: it was removed (`--rm` removes it when it "
        "stops), or the name is misspelled.",
        "List the containers there are, stopped ones too: " + shell("docker ps -a"),
    )


def _no_such_image(seen: Seen) -> tuple[str, str]:
    name, action = seen.group(1), seen.command.action
    if action == "tag":
        cause = (
            f"`{name}`, the first name `docker tag` takes, is not an image on this machine: "
            "build it or pull it first."
        )
    elif action == "rmi":
        cause = f"There is no image `{name}` on this machine to remove (misspelled, or gone)."
    else:
        cause = f"There is no image `{name}` on this machine."
    return (cause, "List the images there are, with their tags: " + shell("docker images"))


def _image_in_use(seen: Seen) -> tuple[str, str]:
    line = _line_of(seen)
    state = next((s for s in ("running", "stopped") if f"{s} container" in line), "")
    found = re.search(r"container ([0-9a-f]{6,64})", line)
    container = found.group(1) if found else "CONTAINER"
    image = seen.command.image("rmi") or "the image"
    forced = " (`-f` cannot force it while the container runs)" if state == "running" else ""
    return (
        f"A {state + ' ' if state else ''}container (`{container}`) was made from `{image}`, "
        f"and an image cannot be removed while a container uses it{forced}.",
        f"Remove the container first: {shell(f'docker rm -f {container}')}, then "
        + shell(f"docker rmi {image}"),
    )


def _image_many_names(seen: Seen) -> tuple[str, str]:
    image = seen.group(1)
    return (
        f"`{image}` is an image ID, and that image has several names (tags): removing it by ID "
        "would remove every name, so docker asks you to say so.",
        f"Remove one name at a time with `docker rmi NAME:TAG` ({shell('docker images')} lists "
        f"them), or every name at once: {shell(f'docker rmi -f {image}')}",
    )


def _dockerfile_missing(seen: Seen) -> tuple[str, str]:
    build = seen.command.find("build")
    folder = build.positionals[-1] if build and build.positionals else "."
    tag = (build.value("-t", "--tag") if build else None) or "NAME:TAG"
    example = shell(f"docker build -t {tag} my-flask-app")
    copy = " (`lab.copy_app()` makes that folder)" if seen.context.registry else ""
    if "path" in seen.match.group(0).lower() and "not found" in seen.match.group(0).lower():
        cause = f"The folder `{folder}`, the last word of `docker build`, does not exist here."
    else:
        cause = (
            f"The folder `{folder}`, the last word of `docker build`, has no file called "
            "`Dockerfile`: the last word must be the folder that holds it."
        )
    return (cause, f"Build the folder that holds the Dockerfile, e.g. {example}{copy}")
