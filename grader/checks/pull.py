"""pull: after the push, the student's engine fetched the tag (the registry's own log shows the
Docker client's manifest requests, and the engine's own events show the pull: a log line can be
forged with any HTTP client, an engine event cannot) with no local copy left to serve it (it
downloaded layers, or the engine's own events show the image was removed before the pull), and
the local image is the pushed one.

On the containerd image store, an image removed with ``docker rmi`` can leave its blobs in the
engine's content store (always after a BuildKit build): the next pull then asks the registry
for the manifest only and downloads nothing, although the learner did everything right. The
engine's events (``delete`` of the image, then ``pull``) tell that apart from a pull that a
remaining local name served.

On Docker Hub (:meth:`grader.Lab.use_hub`) the registry's log is not the course's to read: the
engine's events alone must show the pull, after a removal of the image since the push.
"""

from __future__ import annotations

from ..names import same_image_name
from ..result import Outcome, failed, passed, shell
from .evidence import denied, last_push_ns, removed_then_pulled, target
from .login import login_in_notebook


def check(lab, repository: str = "my-flask-app", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    pull = shell(f"docker pull {want.ref}")
    fresh = shell(f"docker rmi {want.ref} {want.source}") + ", then " + pull
    manifest = lab.registry_api.manifest(want.path, want.tag)
    if manifest is None:
        return failed(
            f"The registry has no {want.path}:{want.tag}, so there is nothing to pull.",
            "Push it first: " + shell(f"docker push {want.ref}"),
        )
    requests = lab.requests()
    pushed_ns, events = last_push_ns(lab, requests, want)
    pinned = f"{want.registry}/{want.path}@{manifest.digest}"
    fetched, blobs = _served(requests, want, manifest, pushed_ns)
    if lab.classroom and not fetched:
        refused = denied(lab.token_requests(), want.path, after_ns=pushed_ns)
        if refused:
            return failed(
                "The registry refused your pull: not logged in, or the wrong credential.",
                f"Log in with your access token ({login_in_notebook(lab)}), then: {pull}",
            )
        return failed(
            f"The registry's log shows no pull of {want.path}:{want.tag} since you pushed it.",
            f"Remove your local copy and pull it back: {fresh}",
        )
    if not any(
        e.action == "pull"
        and (same_image_name(e.actor, want.ref) or same_image_name(e.actor, pinned))
        and e.time_ns > pushed_ns
        for e in events
    ):
        seen = (
            f"The registry's log shows requests for {want.path}:{want.tag}, but your engine's own "
            "events show"
            if lab.classroom
            else "Your engine's own events show"
        )
        return failed(
            f"{seen} no pull of {want.ref} since you pushed it: `docker pull` did not fetch it.",
            f"Remove your local copy and pull it back with the docker CLI: {fresh}",
        )
    local = lab.engine.image(want.ref)
    if local is None:
        return failed(
            f"The registry served your pull, but {want.ref} is not in your engine now.",
            f"Pull it again: {pull}",
        )
    removed = removed_then_pulled(events, local.id, want.ref, pushed_ns)
    if not lab.classroom and not removed:
        return failed(
            f"Your engine pulled {want.ref}, but its events show no removal of the image since "
            "you pushed it: the copy you pushed was still there, so the pull may have fetched "
            "nothing (Docker Hub's own log, which would tell, is not open to the course).",
            f"Remove every local name of the image, then pull: {fresh}",
        )
    if not blobs and not removed:
        # Other tags, and names by digest of other repositories (a pull by digest leaves one;
        # this repository's own go with its tag).
        mine = f"{want.registry}/{want.path}@"
        others = [n for n in local.tags if not same_image_name(n, want.ref)] + [
            n for n in local.repo_digests if not n.startswith(mine)
        ]
        held = ", ".join(others) or want.source
        names = " ".join(dict.fromkeys([want.ref, *others]))
        return failed(
            "Your pull only asked the registry for the manifest: the image came from your "
            f"local cache (other names still hold it: {held}), so nothing was downloaded.",
            "Remove every local name of the image, then pull: "
            + shell(f"docker rmi {names}")
            + ", then "
            + pull,
            manifest_requests=len(fetched),
            other_names=others,
        )
    recorded = any(same_image_name(d, pinned) for d in local.repo_digests)
    if not recorded and not manifest.identifies(local.id):
        return failed(
            f"Your local {want.ref} is not the pushed {manifest.digest[:19]}… (it has "
            f"{', '.join(local.repo_digests) or 'no registry digest'}).",
            f"Pull it again: {pull}",
        )
    how = (
        f"served its manifest and {len(blobs)} blob(s) to your engine"
        if blobs
        else "served it to your engine, which had removed the image since your push"
        if not lab.classroom
        else "served its manifest to your engine, which had removed the image before (its "
        "content store still held the layers, so none had to be downloaded)"
    )
    return passed(
        f"You pulled {want.path}:{want.tag} back: the registry {how}, and your local copy is "
        f"{manifest.digest[:19]}….",
        digest=manifest.digest,
        blobs=len(blobs),
        removed_before_pull=removed,
    )


def _served(requests, want, manifest, pushed_ns: int) -> tuple[list, list]:
    """The docker client's successful requests for ``want`` in the registry's log since the
    push: manifest requests for its tag or digest, and blob downloads."""
    refs = {want.tag, manifest.digest, manifest.image_digest}
    fetched, blobs = [], []
    for request in requests:
        target_ = request.target()
        if (
            not request.by_docker
            or request.status != 200
            or not target_
            or target_[0] != want.path
            or request.time_ns <= pushed_ns
        ):
            continue
        if target_[1] == "manifests" and target_[2] in refs:
            fetched.append(request)
        elif target_[1] == "blobs" and request.method == "GET":
            blobs.append(request)
    return fetched, blobs
