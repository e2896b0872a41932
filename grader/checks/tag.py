"""tag: the engine has REGISTRY/USERNAME/my-flask-app:v1, the same image as my-flask-app:v1."""

from __future__ import annotations

from ..infra.images import asset
from ..result import Outcome, failed, passed, shell
from .evidence import misnamings, target


def check(lab, repository: str = "my-flask-app", tag: str = "v1") -> Outcome:
    want = target(lab, repository, tag)
    command = shell(f"docker tag {want.source} {want.ref}")
    tagged = lab.engine.image(want.ref)
    source = lab.engine.image(want.source)
    if tagged is None:
        mistakes = misnamings(lab, want)
        if mistakes:
            first = mistakes[0]
            return failed(first.problem, first.hint, found=[m.ref for m in mistakes])
        if source is None:
            return failed(
                f"Neither {want.ref} nor {want.source} is in your Docker engine.",
                "Build the app first: "
                + shell(
                    f"docker build -t {want.source} --build-arg BASE_IMAGE={lab.images.base} {asset('my-flask-app')}"
                )
                + f", then {command}",
            )
        return failed(f"Your engine has no image named {want.ref}.", f"Tag it: {command}")
    if source is not None and tagged.id != source.id:
        return failed(
            f"{want.ref} points at image {tagged.id[7:19]}, but {want.source} is "
            f"{source.id[7:19]}: the tag names a different image.",
            f"Tag the right image again (the new tag replaces the old one): {command}",
            tagged=tagged.id,
            source=source.id,
        )
    return passed(
        f"{want.ref} is in your engine and is the same image as {want.source} ({tagged.id[7:19]}).",
        image_id=tagged.id,
    )
