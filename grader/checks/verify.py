"""verify: the student states the pushed tag's digest and size as Docker Hub shows them; the
check compares them with the registry's own answer (for an image index: the index's digest and
the compressed size of this platform's image)."""

from __future__ import annotations

import re

from ..result import Outcome, failed, passed, shell
from .evidence import human_size, target

_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]i?[bB]|[bB])?\s*")
_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def check(
    lab, digest: str | None = None, size=None, repository: str = "my-flask-app", tag: str = "v1"
) -> Outcome:
    want = target(lab, repository, tag)
    manifest = lab.registry_api.manifest(want.path, want.tag)
    if manifest is None:
        return failed(
            f"The registry has no {want.path}:{want.tag} to verify.",
            "Push it first: " + shell(f"docker push {want.ref}"),
        )
    how = "lab.check('verify', digest='sha256:…', size='… MB')"
    if digest is None or size is None:
        return failed(
            "State the digest and the size you see for the pushed tag.",
            f"Read them in the Hub view (or the digest line `docker push` printed), then: {how}",
        )
    stated = str(digest).strip().lower().removeprefix("sha256:")
    actual = manifest.digest.removeprefix("sha256:")
    if not (len(stated) >= 12 and re.fullmatch(r"[0-9a-f]+", stated) and actual.startswith(stated)):
        return _wrong_digest(lab, manifest, digest, stated, want)
    stated_bytes = _bytes(size)
    if stated_bytes is None:
        return failed(
            f"{size!r} is not a size.", "Write it as the hub shows it, e.g. '68.2 MB', or in bytes."
        )
    if not _close(stated_bytes, manifest.size, size):
        local_sizes = []
        for ref in (want.ref, want.source):
            local = lab.engine.image(ref)
            if local is not None:
                local_sizes += [local.size, lab.engine.listed_size(ref) or 0]
        if any(_close(stated_bytes, local_size, size) for local_size in local_sizes if local_size):
            what = (
                "the size `docker images` shows (on the containerd image store: the unpacked "
                "image plus its compressed content, both on your disk)"
                if lab.engine.info.containerd_store
                else "the uncompressed size `docker images` shows"
            )
            return failed(
                f"{size} is {what}; the hub shows the compressed size of the layers that were "
                "pushed.",
                "Read the size in the Hub view.",
            )
        return failed(
            f"{size} is not the size of {want.path}:{want.tag}.",
            "Read the compressed size in the Hub view.",
        )
    return passed(
        f"Digest and size match the registry: {manifest.digest[:19]}…, {human_size(manifest.size)}.",
        digest=manifest.digest,
        size=manifest.size,
    )


def _wrong_digest(lab, manifest, digest, stated: str, want) -> Outcome:
    """Which other digest the student copied, if it is one of the usual ones."""

    def starts(full: str) -> bool:
        return len(stated) >= 12 and full.removeprefix("sha256:").startswith(stated)

    if manifest.is_index and starts(manifest.image_digest):
        return failed(
            f"That is the digest of the {manifest.platform} image inside the index, not the "
            "tag's digest: your build pushed an image index (the image plus an attestation), and "
            "the tag names the index.",
            "Copy the digest `docker push` printed on its last line (`… digest: sha256:…`), or "
            "the one the Hub view shows for the tag.",
        )
    if starts(manifest.config_digest):
        what = (
            "the image ID `docker images` shows (the digest of the image's config)"
            if not lab.engine.info.containerd_store
            else "the digest of the image's config"
        )
        return failed(
            f"That is {what}, not the digest of what you pushed.",
            f"The hub shows the manifest digest: the `{want.tag}: digest: sha256:…` line of docker push.",
        )
    return failed(
        f"The digest {digest!r} is not the digest of {want.path}:{want.tag}.",
        "Copy the whole digest (at least 12 hex characters) from the Hub view or the "
        "`digest: sha256:…` line docker push printed.",
    )


def _bytes(size) -> float | None:
    if isinstance(size, bool):
        return None
    if isinstance(size, int | float):
        return float(size)
    match = _SIZE.fullmatch(str(size))
    if not match:
        return None
    return float(match[1]) * _UNITS[(match[2] or "b").lower()]


def _close(stated: float, actual: int, as_written) -> bool:
    """Equal up to the rounding of what was written (``68.2 MB`` covers 68.15–68.25 MB), in
    either decimal or binary units, since hubs and tools differ."""
    if isinstance(as_written, int | float):
        return abs(stated - actual) <= max(1, actual * 0.001)
    match = _SIZE.fullmatch(str(as_written))
    number, unit = match[1], (match[2] or "b").lower()
    decimals = len(number.split(".")[1]) if "." in number else 0
    step = 0.5 * 10**-decimals
    prefix = unit[0]
    factors = (1,) if prefix == "b" else (_UNITS[prefix + "b"], _UNITS[prefix + "ib"])
    return any(abs(actual / factor - float(number)) <= step + 1e-9 for factor in factors)
