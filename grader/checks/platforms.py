"""platforms: the registry holds a multi-platform image: the tag names an image index whose
images are for linux/amd64 and linux/arm64 (attestation manifests left out), as
``docker buildx build --platform linux/amd64,linux/arm64 --push`` or ``docker buildx imagetools
create`` leave it. Read from the registry itself, as ``docker pull`` reads it."""

from __future__ import annotations

from ..platformapp import PLATFORMS
from ..result import Outcome, failed, passed, shell
from .evidence import target


def check(lab, repository: str = "hello", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    manifest = lab.registry_api.manifest(want.path, want.tag)
    if manifest is None:
        return failed(
            f"The registry has no {want.path}:{want.tag}.",
            "Build it for both platforms and push it (the task's hint shows how on your engine).",
        )
    if not manifest.is_index:
        return failed(
            f"{want.path}:{want.tag} is a single image ({manifest.platform or 'one platform'}), "
            "not an index of one image per platform.",
            "Push one image per platform, then join them under one tag: "
            + shell(
                f"docker buildx imagetools create -t {want.ref} "
                f"{want.registry}/{want.path}:amd64 {want.registry}/{want.path}:arm64"
            ),
        )
    missing = [p for p in PLATFORMS if p not in manifest.platforms]
    if missing:
        return failed(
            f"{want.path}:{want.tag} is an index of {', '.join(manifest.platforms) or 'nothing'}: "
            f"no image for {', '.join(missing)}.",
            f"Build and push the missing platform, then create the index again ({shell('docker buildx imagetools inspect ' + want.ref)} shows what it holds).",
        )
    return passed(
        f"{want.path}:{want.tag} is one name for {len(manifest.platforms)} images: "
        f"{', '.join(manifest.platforms)}. A pull picks the one for the machine it runs on.",
        platforms=list(manifest.platforms),
        digest=manifest.digest,
    )
