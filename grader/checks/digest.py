"""digest: the learner pulled a release by its digest (``NAME@sha256:…``), the one name that never
moves, and it is the digest the registry holds for that release now. The engine's own ``pull``
event names the reference it was given, digest and all (a log line can be forged, an engine
event cannot); on both image stores it reads ``REGISTRY/USERNAME/REPOSITORY@sha256:…``."""

from __future__ import annotations

from ..names import parse_reference, same_image_name
from ..result import Outcome, failed, passed, shell
from .evidence import target


def check(lab, repository: str = "my-flask-app", tag: str = "v1.0.0") -> Outcome:
    want = target(lab, repository, tag)
    manifest = lab.registry_api.manifest(want.path, want.tag)
    if manifest is None:
        return failed(
            f"The registry has no {want.path}:{want.tag}, so it has no digest to pull by.",
            "Push the release first: " + shell(f"docker push {want.ref}"),
        )
    pinned = f"{want.registry}/{want.path}@{manifest.digest}"
    by_digest, by_tag = [], []
    for event in lab.engine.events(since_ns=0):
        if event.action != "pull":
            continue
        try:
            ref = parse_reference(event.actor)
        except ValueError:
            continue
        if ref.registry != want.registry or ref.path != want.path:
            continue
        (by_digest if "@sha256:" in event.actor else by_tag).append(event.actor)
    if any(same_image_name(actor, pinned) for actor in by_digest):
        return passed(
            f"You pulled {want.path} by the digest of {want.tag}, {manifest.digest[:19]}…: "
            "whatever the tag points at later, that name gets these exact bytes.",
            digest=manifest.digest,
        )
    command = shell(f"docker pull {pinned}")
    if by_digest:
        other = by_digest[-1].rsplit("@", 1)[1]
        return failed(
            f"You pulled {want.path} by the digest {other[:19]}…, but {want.tag}'s digest in "
            f"the registry is {manifest.digest[:19]}… (another image, or {want.tag} moved since).",
            f"Pull the digest {want.tag} has now (the push printed it; `docker images --digests` "
            f"shows it): {command}",
        )
    if by_tag:
        return failed(
            f"Your engine pulled {want.path} by tag ({by_tag[-1].rsplit('/', 1)[1]}), which can "
            "move: not by its digest.",
            f"Pull it by its digest instead: {command}",
        )
    return failed(
        f"Your engine's events show no pull of {want.path} by digest.",
        f"Find {want.tag}'s digest (`docker images --digests`, or the line `{want.tag}: digest: "
        f"sha256:…` its push printed) and pull by it: {command}",
    )
