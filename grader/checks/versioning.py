"""versioning: at least two semantic-version tags with different digests, v1 and v1.0.0 on the
same digest, and no latest."""

from __future__ import annotations

from ..facts import fact
from ..names import is_semver_tag, semver_key
from ..result import Outcome, failed, passed, shell
from .evidence import target


def check(lab, repository: str = "my-flask-app") -> Outcome:
    want = target(lab, repository, "v1")
    tags = lab.registry_api.tags(want.path)
    if not tags:
        return failed(
            f"The registry has no {want.path} yet.",
            "Push your versions: " + shell(f"docker push {want.ref}"),
        )
    digests = {}
    for tag in tags:
        manifest = lab.registry_api.manifest(want.path, tag)
        if manifest is not None:
            digests[tag] = manifest.digest
    listing = ", ".join(f"{t} ({d[7:19]})" for t, d in sorted(digests.items()))
    if "latest" in digests:
        return failed(
            f"{want.path} has a 'latest' tag ({listing}): a push that named no tag made it. "
            + fact("latest-production"),
            "Publish version tags only. A registry keeps what was pushed: start a fresh lab "
            "and push v1, v1.0.0 and v1.1.0 without latest.",
            tags=sorted(digests),
        )
    versions = sorted((t for t in digests if is_semver_tag(t)), key=semver_key)
    if len(versions) < 2:
        return failed(
            f"{want.path} has {len(versions)} semantic-version tag(s) ({listing}); you need two "
            "releases, e.g. v1.0.0 and v1.1.0.",
            "Tag and push v1.0.0 ("
            + shell(f"docker tag {want.source} {want.registry}/{want.path}:v1.0.0")
            + ", then "
            + shell(f"docker push {want.registry}/{want.path}:v1.0.0")
            + "), then change the app, build it as v1.1.0 and push that too.",
            tags=sorted(digests),
        )
    if len({digests[t] for t in versions}) < 2:
        return failed(
            f"All your versions ({', '.join(versions)}) are the same image: a new version needs "
            "a change.",
            "Change the app, build it, tag the build v1.1.0 and push it.",
            tags=sorted(digests),
        )
    if "v1" not in digests or "v1.0.0" not in digests or digests["v1"] != digests["v1.0.0"]:
        return failed(
            f"v1 and v1.0.0 must name the same image ({listing}).",
            "Point v1.0.0 at v1's image again: "
            + shell(f"docker tag {want.source} {want.registry}/{want.path}:v1.0.0")
            + ", then "
            + shell(f"docker push {want.registry}/{want.path}:v1.0.0"),
            tags=sorted(digests),
        )
    return passed(
        f"{want.path} has versions {', '.join(versions)} on different digests, v1 = v1.0.0, "
        "and no latest.",
        tags=sorted(digests),
    )
