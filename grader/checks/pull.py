"""pull: after the push, the student's engine fetched the tag (the registry's own log shows the
Docker client's authenticated manifest and blob requests), and the local image's RepoDigests
holds the pushed digest."""

from __future__ import annotations

from ..result import Outcome, failed, passed
from .evidence import denied, last_push, target


def check(lab, repository: str = "my-flask-app", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    pull = f"docker pull {want.ref}"
    fresh = f"docker rmi {want.ref} {want.source} && {pull}"
    manifest = lab.hub.manifest(want.path, want.tag)
    if manifest is None:
        return failed(
            f"The registry has no {want.path}:{want.tag}, so there is nothing to pull.",
            f"Push it first: docker push {want.ref}",
        )
    requests = lab.requests()
    pushed = last_push(requests, want)
    after = pushed.index if pushed else -1
    refs = {want.tag, manifest.digest}
    fetched, checked, blobs = [], [], []
    for request in requests[after + 1 :]:
        target_ = request.target()
        if not request.by_docker or request.status != 200 or not target_ or target_[0] != want.path:
            continue
        if target_[1] == "manifests" and target_[2] in refs:
            (fetched if request.method == "GET" else checked).append(request)
        elif target_[1] == "blobs" and request.method == "GET":
            blobs.append(request)
    if not fetched and not checked:
        refused = denied(requests, want.path, after=after)
        if refused:
            return failed(
                "The registry refused your pull: not logged in, or the wrong credential.",
                f"Log in with your access token, then: {pull}",
            )
        return failed(
            f"The registry's log shows no pull of {want.path}:{want.tag} since you pushed it.",
            f"Remove your local copy and pull it back: {fresh}",
        )
    if not blobs:
        return failed(
            "Your pull only asked the registry for the manifest: the image came from your "
            "local cache "
            f"(another tag, e.g. {want.source}, still holds the image), so nothing was "
            "downloaded.",
            f"Remove every local name of the image, then pull: {fresh}",
            manifest_requests=len(fetched) + len(checked),
        )
    local = lab.engine.image(want.ref)
    if local is None:
        return failed(
            f"The registry served your pull, but {want.ref} is not in your engine now.",
            f"Pull it again: {pull}",
        )
    pinned = f"{want.registry}/{want.path}@{manifest.digest}"
    if pinned not in local.repo_digests:
        return failed(
            f"Your local {want.ref} is not the pushed {manifest.digest[:19]}… (it has "
            f"{', '.join(local.repo_digests) or 'no registry digest'}).",
            f"Pull it again: {pull}",
        )
    return passed(
        f"You pulled {want.path}:{want.tag} back: the registry served its manifest and "
        f"{len(blobs)} blob(s) to your engine, and your local copy is {manifest.digest[:19]}….",
        digest=manifest.digest,
        blobs=len(blobs),
    )
