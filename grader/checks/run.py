"""run: a container of the pulled image runs with container port 5000 published, and an HTTP
GET to it returns the app's page."""

from __future__ import annotations

from ..infra.net import APP_PORT, app_port
from ..infra.wait import wait_until
from ..names import same_image_name
from ..result import Outcome, failed, passed, shell
from .evidence import target

PAGE_MARK = "my-flask-app"


def check(lab, repository: str = "my-flask-app", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    command = shell(f"docker run -d -p {app_port()}:{APP_PORT} {want.ref}")
    image = lab.engine.image(want.ref)
    if image is None:
        return failed(
            f"{want.ref} is not in your engine.",
            "Pull it first: " + shell(f"docker pull {want.ref}"),
        )
    containers = [c for c in lab.engine.containers(all=True) if c.image_id == image.id]
    ours = [c for c in containers if same_image_name(c.image_ref, want.ref)]
    if not ours:
        if any(c.running for c in containers):
            names = ", ".join(sorted({c.image_ref for c in containers if c.running}))
            return failed(
                f"A container of this image runs, but it was started as {names}, not as the "
                f"pulled {want.ref}.",
                f"Run what you pulled, by its registry name: {command}",
            )
        return failed(f"No container of {want.ref} has been started.", f"Run it: {command}")
    running = [c for c in ours if c.running]
    if not running:
        logs = lab.engine.container_logs(ours[-1].id).strip().splitlines()[-3:]
        return failed(
            f"Your container {ours[-1].name} is {ours[-1].status}, not running."
            + (" Its last output: " + " | ".join(logs) if logs else ""),
            f"Start it again, detached: {command}",
        )
    published = [c for c in running if c.ports.get(APP_PORT)]
    if not published:
        return failed(
            f"Your container {running[0].name} runs, but its port {APP_PORT} is not published, "
            "so nothing outside the container can reach the app.",
            f"Run it with -p HOST_PORT:{APP_PORT}: {command}",
        )
    container = published[0]
    # IPv4 and IPv6 may get different host ports (0.0.0.0:32810 beside [::]:32809 when the
    # first free port differs): any of them serving the page will do.
    ports = list(dict.fromkeys(container.ports[APP_PORT]))
    host_port, answer = ports[0], None

    def serving() -> int | None:
        nonlocal host_port, answer
        for host_port in ports:
            answer = lab.fetch_published(host_port)
            if answer and answer[1] == 200 and PAGE_MARK in answer[2]:
                return host_port
        return None

    # A container started a moment ago may still be starting.
    if wait_until(serving, 5, interval=0.2):
        return passed(
            f"Container {container.name} runs {want.ref} and serves the app's page on "
            f"port {host_port}.",
            container=container.name,
            host_port=host_port,
        )
    what = f"answered HTTP {answer[1]}" if answer else "did not answer"
    return failed(
        f"Container {container.name} publishes port {APP_PORT} on {host_port}, but a GET there "
        f"{what} instead of the app's page.",
        "Look at its output: " + shell(f"docker logs {container.name}"),
    )
