"""rollback: v1.1.0 was deployed (a container started from its registry name), then rolled back:
no container of v1.1.0 runs any more, and a container of v1.0.0, started after it, serves the
app. The order comes from the engine's own container events."""

from __future__ import annotations

from ..infra.net import APP_PORT, app_port
from ..names import same_image_name
from ..result import Outcome, failed, passed, shell
from . import run
from .evidence import target


def check(
    lab, repository: str = "my-flask-app", new: str = "v1.1.0", old: str = "v1.0.0"
) -> Outcome:
    deployed, previous = target(lab, repository, new), target(lab, repository, old)
    starts = [e for e in lab.engine.events(0, type="container") if e.action == "start"]
    deploys = [e for e in starts if same_image_name(e.image, deployed.ref)]
    if not deploys:
        return failed(
            f"No container of {deployed.ref} was started on your engine: there is nothing to "
            "roll back from.",
            "Deploy it first: " + shell(f"docker run -d -p {app_port()}:{APP_PORT} {deployed.ref}"),
        )
    still = [
        c
        for c in lab.engine.containers()
        if same_image_name(c.image_ref, deployed.ref) and c.running
    ]
    if still:
        return failed(
            f"{deployed.ref} still runs (container {still[0].name}): a rollback replaces it.",
            "Remove it: " + shell(f"docker rm -f {still[0].name}"),
            running=[c.name for c in still],
        )
    serving = run.check(lab, repository, old)
    if not serving.passed:
        return failed(
            f"v1.1.0 is stopped, but the previous version does not serve: {serving.message}",
            serving.hint,
        )
    container = lab.engine.container(serving.evidence["container"])
    since = [e for e in starts if e.actor == container.id]
    if not since or since[-1].time_ns < deploys[-1].time_ns:
        return failed(
            f"Container {container.name} of {previous.ref} was started before v1.1.0 was "
            "deployed, so it is not a rollback.",
            "Remove it and run the previous version again: "
            + shell(f"docker rm -f {container.name}")
            + ", then "
            + shell(f"docker run -d -p {app_port()}:{APP_PORT} {previous.ref}"),
        )
    return passed(
        f"{deployed.ref} was deployed, then replaced by {previous.ref}, which now serves the app "
        f"(container {container.name}).",
        container=container.name,
    )
