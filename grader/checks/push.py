"""push: the registry has the tag, and it is the local image (the config digest is the local
image ID on the classic image store; the index's or manifest's digest is on the containerd one)."""

from __future__ import annotations

from ..result import Outcome, failed, passed, shell
from .evidence import denied, image_id_of, misnamings, target
from .login import login_in_notebook


def check(lab, repository: str = "my-flask-app", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    command = shell(f"docker push {want.ref}")
    manifest = lab.registry_api.manifest(want.path, want.tag)
    # What should have been pushed: the app image itself, else (removed since) the tagged copy.
    name = want.source if lab.engine.image(want.source) else want.ref
    local = lab.engine.image(name)
    if manifest is not None:
        if local is None or manifest.identifies(local.id):
            return passed(
                f"The registry has {want.path}:{want.tag} (digest {manifest.digest[:19]}…), "
                "and it is your image.",
                digest=manifest.digest,
                config_digest=manifest.config_digest,
                image_id=local.id if local else "",
            )
        theirs = image_id_of(lab, manifest)
        return failed(
            f"The registry's {want.path}:{want.tag} is image {theirs[7:19]}, but "
            f"your {name} is {local.id[7:19]}: what you pushed is not your app's image.",
            "Tag the right image and push again: "
            + shell(f"docker tag {want.source} {want.ref}")
            + f", then {command}",
            registry_image=theirs,
            local_image=local.id,
        )
    return _why_not_pushed(lab, want, command)


def _why_not_pushed(lab, want, command: str) -> Outcome:
    refused = denied(lab.token_requests(), want.path)
    if refused:
        last = refused[-1]
        if last.account and last.account != want.username:
            return failed(
                f"You are logged in as {last.account!r}, who may not push to "
                f"{want.path} (denied: requested access to the resource is denied).",
                f"Log in as {want.username} ({login_in_notebook(lab)}), then: {command}",
            )
        if last.refused and last.account:
            return failed(
                f"The hub refused your push as {last.account!r}: {last.error}.",
                f"Log in again with an active Read & Write access token "
                f"({login_in_notebook(lab)}), then: {command}",
                error=last.error,
            )
        return failed(
            "The registry refused your push: no credential was sent (denied: requested "
            "access to the resource is denied).",
            f"Log in first ({login_in_notebook(lab)}), then: {command}",
        )
    tags = lab.registry_api.tags(want.path)
    partial = _pulled_part_of_an_index(lab, want, tags)
    if partial:
        return partial
    if tags and "latest" in tags and want.tag not in tags:
        return failed(
            f"The registry has {want.path}:latest but not :{want.tag}: you pushed 'latest'.",
            "Tag and push the version: "
            + shell(f"docker tag {want.source} {want.ref}")
            + f", then {command}",
        )
    others = [
        repo
        for repo in lab.registry_api.catalog()
        if repo.rsplit("/", 1)[-1] == want.repository and repo != want.path
    ]
    if others:
        return failed(
            f"The registry has {', '.join(others)}, not {want.path}: the namespace must be your "
            f"username {want.username!r}.",
            "Tag under your username and push: "
            + shell(f"docker tag {want.source} {want.ref}")
            + f", then {command}",
        )
    mistakes = misnamings(lab, want)
    if mistakes:
        return failed(
            "Nothing reached the classroom registry. " + mistakes[0].problem,
            mistakes[0].hint + f", then {command}",
        )
    if tags:
        return failed(
            f"The registry has {want.path} with tags {', '.join(tags)}, but not {want.tag!r}.",
            f"Push the {want.tag} tag: {command}",
        )
    if lab.engine.image(want.ref) is None:
        return failed(
            f"Nothing was pushed, and {want.ref} is not tagged locally.",
            "Tag it first: " + shell(f"docker tag {want.source} {want.ref}") + f", then {command}",
        )
    return failed(f"The registry has no {want.path}:{want.tag} yet.", f"Push it: {command}")


def _pulled_part_of_an_index(lab, want, tags: list[str]) -> Outcome | None:
    """On the containerd image store, a pulled image index (a BuildKit build: the image plus an
    attestation) holds only this platform's image; ``docker push`` of a new name for it fails
    with "missing content … not all of them are available locally" (docker/cli#4959)."""
    local = lab.engine.image(want.ref)
    if local is None or not lab.engine.info.containerd_store:
        return None
    for tag in tags:
        other = lab.registry_api.manifest(want.path, tag)
        if other is None or other.digest != local.id or not (other.is_index and other.attestations):
            continue
        source = f"{want.registry}/{want.path}:{tag}"
        return failed(
            f"{want.ref} is the image index {source}, and your engine holds only part of it: "
            f"a pull fetches your platform's image ({other.platform}), not the index's "
            "attestation, and `docker push` of an index needs every part, so it stopped with "
            "'missing content: … not found'. The registry has all of it already.",
            "Give it the new tag in the registry itself: "
            + shell(f"docker buildx imagetools create -t {want.ref} {source}")
            + " (Docker 28 and later can instead push your platform's image alone, under a "
            "digest of its own: "
            + shell(f"docker push --platform {other.platform} {want.ref}")
            + ")",
            index=other.digest,
            source=source,
        )
    return None
