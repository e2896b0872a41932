"""The sentences of the lessons that are true on one kind of engine and false on the other.

On the classic image store (Debian's 20.10, Engine up to 28) and on the containerd image store
(Docker Desktop 4.34+, Engine 29), "image ID" means different things, ``docker images`` shows
different sizes, RepoDigests is filled at different times, and push and pull print different
lines. A lesson shows the text for the engine the learner has: ``lessons.engine_text(lab, KEY)``.

Each text lists the output lines it promises (``shows``): the tests run the real command on each
engine and find every one of them in its output, so no sentence here is false on either.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..infra.engine import BUILDKIT, CLASSIC, CONTAINERD, EngineInfo


@dataclass(frozen=True)
class EngineText:
    """A paragraph of a lesson, for one kind of engine."""

    key: str
    markdown: str
    shows: tuple[str, ...] = ()
    """Text the command the paragraph is about prints on this engine."""

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


_CLASSIC_NOTE = "*(Your engine uses the classic image store.)*"
_CONTAINERD_NOTE = "*(Your engine uses the containerd image store.)*"

# {key: {image store: (markdown, shows)}}; "index", where given, is the containerd store with
# BuildKit, whose builds are pushed as an image index with an attestation.
TEXTS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "image-id": {
        CLASSIC: (
            "Both names show the **same IMAGE ID**: the ID is the digest of the image's "
            "configuration, and a tag is only a second name for it. " + _CLASSIC_NOTE,
            (),
        ),
        CONTAINERD: (
            "Both names show the **same IMAGE ID**. On your engine the ID is the digest of the "
            "image's manifest (or index): the very digest `docker push` prints and the hub "
            "shows. " + _CONTAINERD_NOTE,
            (),
        ),
    },
    "push-lines": {
        CLASSIC: (
            "Watch the layers go: each one `Preparing`, then `Pushed`, then the line "
            "`v1: digest: sha256:… size: …`.",
            ("Preparing", "Pushed", "digest: sha256:"),
        ),
        CONTAINERD: (
            "Watch the layers go: each one `Waiting`, then `Pushed`, then the line "
            "`v1: digest: sha256:… size: …`. " + _CONTAINERD_NOTE,
            ("Waiting", "Pushed", "digest: sha256:"),
        ),
    },
    "repush": {
        CLASSIC: (
            "Push the same tag a second time. Every layer is already in the registry, so each "
            "one says **`Layer already exists`** and nothing is uploaded: only the manifest is "
            "sent again, and the digest is the same.",
            ("Layer already exists", "digest: sha256:"),
        ),
        CONTAINERD: (
            "Push the same tag a second time. Every layer is already in the registry, so each "
            "one says **`Layer already exists`** and nothing is uploaded: your engine first asks "
            "the registry which layers, and whether the manifest, it has already. The digest is "
            "the same. " + _CONTAINERD_NOTE,
            ("Layer already exists", "digest: sha256:"),
        ),
    },
    "build-index": {
        CLASSIC: (
            "`v1.1.0` went to the registry as one image manifest, like `v1`: on the classic image "
            "store an image is pushed as one manifest, whichever builder made it.",
            (),
        ),
        CONTAINERD: (
            "`v1.1.0` went to the registry as one image manifest, like `v1`: your `docker build` "
            "uses the legacy builder, which adds nothing to the image. " + _CONTAINERD_NOTE,
            (),
        ),
        "index": (
            "Your `docker build` used BuildKit on the containerd image store, so `v1.1.0` went to "
            "the registry as an **image index**: a list holding your image's manifest for your "
            "platform and an *attestation* manifest (a record of how the image was built). The "
            "digest `docker push` printed names the index; the hub lists your platform's image "
            "under it. (One catch: a pull fetches only your platform's image, so your engine "
            "cannot `docker push` a pulled index under a new tag; the push check says what to do "
            "instead.) " + _CONTAINERD_NOTE,
            (),
        ),
    },
    "sizes": {
        CLASSIC: (
            "`docker images` shows the size of the image **uncompressed**, as it sits on your "
            "disk. The hub shows the **compressed** size: the sum of the layers as they were "
            "uploaded, which is what a pull downloads. They differ.",
            (),
        ),
        CONTAINERD: (
            "`docker images` shows what the image takes on your disk: on your engine, the "
            "**unpacked** layers *plus* the **compressed** layers it keeps beside them (the "
            "containerd image store keeps both), so the figure is large. The hub shows the "
            "**compressed** size only: the sum of the layers as they were uploaded, which is "
            "what a pull downloads. They differ. " + _CONTAINERD_NOTE,
            (),
        ),
    },
    "repodigests": {
        CLASSIC: (
            "The digest on the hub is the one `docker push` printed. Your engine learned it "
            "from the push and remembers it as the image's *RepoDigests* (it is empty for an "
            "image that was never pushed or pulled):",
            (),
        ),
        CONTAINERD: (
            "The digest on the hub is the one `docker push` printed. Your engine knew it before "
            "the push: on the containerd image store the image ID *is* that digest, and "
            "*RepoDigests* lists it for every name the image has, from the moment you tagged "
            "it. " + _CONTAINERD_NOTE,
            (),
        ),
    },
    "pull-lines": {
        CLASSIC: (
            "Watch the output: each layer your engine does not have is downloaded (`Pulling fs "
            "layer`, `Download complete`, `Pull complete`); a layer it still has from another "
            "image (the Python base, for example) says `Already exists`. Then `Digest: "
            "sha256:…`, the digest you pushed, and `Status: Downloaded newer image`.",
            ("Pulling fs layer", "Pull complete", "Digest: sha256:", "Downloaded newer image"),
        ),
        CONTAINERD: (
            "Watch the output: each layer is listed (`Pulling fs layer`), then downloaded "
            "(`Download complete`) or, when your engine still keeps its compressed content, "
            "`Already exists`. The containerd image store keeps a removed image's layers as "
            "long as the build cache uses them (after a BuildKit build, until `docker builder "
            "prune`), so a pull may download almost nothing: the course tells a real pull from "
            "the engine's own record that the image was removed first. Then `Digest: "
            "sha256:…`, the digest you pushed, and `Status: Downloaded newer image`. "
            + _CONTAINERD_NOTE,
            ("Pulling fs layer", "Digest: sha256:", "Downloaded newer image"),
        ),
    },
    "logged-out-pull": {
        CLASSIC: (
            "The engine says `pull access denied for …, repository does not exist or may "
            "require 'docker login': denied: requested access to the resource is denied`, "
            "Docker Hub's own words: the hub gave your anonymous client a token without pull "
            "access, and the registry refused it.",
            ("pull access denied", "denied: requested access to the resource is denied"),
        ),
        CONTAINERD: (
            "The engine says `pull access denied for …, repository does not exist or may "
            "require 'docker login'`: the hub gave your anonymous client a token without pull "
            "access, and the registry refused it. On the classic image store, docker adds "
            "`denied: requested access to the resource is denied`. " + _CONTAINERD_NOTE,
            ("pull access denied", "may require 'docker login'"),
        ),
    },
    "multi-platform": {
        CLASSIC: (
            "On your engine, one command cannot build both: `docker buildx build --platform "
            "linux/amd64,linux/arm64 …` stops with `ERROR: Multi-platform build is not supported "
            "for the docker driver. Switch to a different driver, or turn on the containerd "
            "image store, and try again.` The classic image store keeps one image per name, "
            "and one platform per image. So build each platform under a tag of its own, "
            "pushing it (`--push`), then join them in the registry under one name: `docker "
            "buildx imagetools create -t NAME IMAGE IMAGE` writes the index there. "
            + _CLASSIC_NOTE,
            (),
        ),
        CONTAINERD: (
            "Your engine can build both at once: `docker buildx build --platform "
            "linux/amd64,linux/arm64 -t NAME --push FOLDER` builds each platform and pushes one "
            "index that names both. (On the classic image store, the engine of Docker Engine up "
            "to 28, it cannot: there, each platform is pushed under a tag of its own and "
            "`docker buildx imagetools create -t NAME IMAGE IMAGE` joins them. That way works "
            "here too.) " + _CONTAINERD_NOTE,
            (),
        ),
    },
    "missing-tag": {
        CLASSIC: (
            "The engine says `manifest for …:latest not found: manifest unknown`.",
            ("latest not found", "manifest unknown"),
        ),
        CONTAINERD: (
            'The engine says `failed to resolve reference "…:latest": not found`. '
            + _CONTAINERD_NOTE,
            ("failed to resolve reference", "latest", "not found"),
        ),
    },
}


def kind(info: EngineInfo) -> str:
    """Which text applies: the image store, or ``index`` (containerd store with BuildKit)."""
    if info.image_store == CONTAINERD and info.builder == BUILDKIT:
        return "index"
    return info.image_store


def text(info: EngineInfo, key: str) -> EngineText:
    """The paragraph ``key`` for an engine like ``info``."""
    if key not in TEXTS:
        raise InvalidInput(f"No lesson text is called {key!r}.", "Use one of: " + ", ".join(TEXTS))
    variants = TEXTS[key]
    which = kind(info)
    if which not in variants:
        which = info.image_store
    markdown, shows = variants[which]
    return EngineText(key, markdown, shows)
