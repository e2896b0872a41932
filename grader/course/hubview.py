"""What Docker Hub's repository page shows (name, tags, compressed size, last pushed, digest,
visibility), read through Docker Hub's API from the lab's hub. The Hub view widget displays it; so does a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone

from ..checks.evidence import human_size
from ..hub.registry import INDEX_TYPES
from ..infra.logs import rfc3339_ns
from ..lab import APP_REPOSITORY


@dataclass(frozen=True)
class HubTag:
    """One tag of a repository, as the hub lists it."""

    name: str
    digest: str
    """The manifest digest: what ``docker push`` printed, and what ``docker pull`` checks."""
    size: int
    """Compressed size in bytes: the sum of the layers pushed."""
    pushed: datetime | None
    """When this tag was last pushed (the hub's ``tag_last_pushed``), or None if unknown."""
    platform: str = ""
    """OS/ARCH of the image (``linux/amd64``), as the hub's Tags tab shows it."""
    kind: str = "image"
    """``image`` (one manifest) or ``index`` (an image index: BuildKit on the containerd image
    store adds an attestation manifest beside the image)."""

    @property
    def size_text(self) -> str:
        return human_size(self.size)

    def pushed_text(self, now: datetime | None = None) -> str:
        if self.pushed is None:
            return "unknown"
        seconds = ((now or datetime.now(timezone.utc)) - self.pushed).total_seconds()
        for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= length:
                count = int(seconds // length)
                return f"{count} {unit}{'s' if count > 1 else ''} ago"
        return "less than a minute ago"


@dataclass(frozen=True)
class HubRepository:
    """A repository page: ``USERNAME/REPOSITORY`` in the lab's registry."""

    registry: str
    name: str
    """``USERNAME/REPOSITORY``, as the hub titles the page."""
    tags: tuple[HubTag, ...]
    """Most recently pushed first."""
    private: bool
    """Whether the repository is private (only its owner pulls it); a new one is public."""
    url: str = ""
    """The repository's page on the hub (``/r/USERNAME/REPOSITORY``)."""

    def tag(self, name: str) -> HubTag | None:
        return next((t for t in self.tags if t.name == name), None)

    @property
    def last_pushed(self) -> HubTag | None:
        return self.tags[0] if self.tags else None

    def __str__(self) -> str:
        lines = [f"{self.registry}/{self.name} ({'private' if self.private else 'public'})"]
        if not self.tags:
            lines.append("  no tags yet: nothing has been pushed to this repository")
        for tag in self.tags:
            lines.append(
                f"  {tag.name}  {tag.platform or '?'}  {tag.size_text}  pushed {tag.pushed_text()}"
                f"  {tag.digest}" + ("  (index)" if tag.kind == "index" else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        visibility = "Private" if self.private else "Public"
        head = (
            f'<div class="hub-repository" data-repository="{html.escape(self.name)}">'
            f'<div style="font-size:1.2em"><b>{html.escape(self.name)}</b> '
            f'<span style="border:1px solid #888;border-radius:8px;padding:0 6px;'
            f'font-size:0.8em">{visibility}</span></div>'
            f'<div style="color:#666">{html.escape(self.registry)}/{html.escape(self.name)}'
        )
        if self.url:
            head += (
                f' &middot; <a href="{html.escape(self.url)}" target="_blank">open on the hub</a>'
            )

        if self.last_pushed:
            head += f" &middot; last pushed {html.escape(self.last_pushed.pushed_text())}"
        head += "</div>"
        if not self.tags:
            return head + "<p>No tags yet: nothing has been pushed to this repository.</p></div>"
        cell = '<td style="white-space:nowrap;text-align:left">'
        rows = "".join(
            f'<tr class="hub-tag" data-tag="{html.escape(t.name)}">'
            f"{cell}<b>{html.escape(t.name)}</b></td>"
            f"{cell}{html.escape(t.platform or '?')}</td>"
            f"{cell}{html.escape(t.size_text)}</td>"
            f"{cell}{html.escape(t.pushed_text())}</td>"
            f'{cell}<code title="{html.escape(t.digest)}">{html.escape(t.digest)}</code></td></tr>'
            for t in self.tags
        )
        header = "".join(
            f'<th style="white-space:nowrap;text-align:left">{name}</th>'
            for name in ("Tag", "OS/ARCH", "Compressed size", "Last pushed", "Digest")
        )
        return f"{head}<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></div>"


def repository(lab, name: str = APP_REPOSITORY) -> HubRepository:
    """The hub page of ``USERNAME/name``, read now through Docker Hub's API (the classroom
    hub's, or Docker Hub's own: the same paths and shapes)."""
    path = f"{lab.username}/{name}"
    access = lab.hub_access()
    found = lab.hub_api.repository(lab.username, name, access)
    tags = []
    for tag in lab.hub_api.tags(lab.username, name, access) if found else []:
        image = (tag.get("images") or [{}])[0]
        parts = (image.get("os"), image.get("architecture"), image.get("variant"))
        tags.append(
            HubTag(
                tag["name"],
                tag.get("digest") or image.get("digest", ""),
                int(tag.get("full_size") or 0),
                _time(tag.get("tag_last_pushed") or ""),
                platform="/".join(p for p in parts if p),
                kind="index" if tag.get("media_type") in INDEX_TYPES else "image",
            )
        )
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    tags.sort(key=lambda t: (t.pushed or oldest, t.name), reverse=True)
    private = bool(found and found.get("is_private"))
    return HubRepository(lab.registry, path, tuple(tags), private, lab.hub_page(f"/r/{path}"))


def _time(text: str) -> datetime | None:
    """Distribution's log time (``2026-11-26T18:31:35.080561992Z``) as a datetime."""
    ns = rfc3339_ns(text)
    return datetime.fromtimestamp(ns // 1000 / 1e6, timezone.utc) if ns else None
