"""Recognisers of image names docker refuses: capitals, and every other way a name is invalid,
with the valid name closest to the learner's."""

from __future__ import annotations

import re
from dataclasses import replace

from ..names import parse_reference
from .command import split_name
from .model import Seen, _line_of


def _valid(text: str) -> bool:
    try:
        parse_reference(text)
    except ValueError:
        return False
    return True


def _lowercase(text: str) -> str:
    """``text`` with its repository path in lowercase (a registry host and a tag may keep
    capitals)."""
    ref = split_name(text)
    return str(replace(ref, path=ref.path.lower())) if ref else text.lower()


def _repaired(text: str) -> str | None:
    """The valid name closest to ``text``, or None."""
    text = re.sub(r"^[a-z]+://", "", text.strip())
    ref = split_name(re.sub(r"\s+", "-", text))
    if ref is None:
        return None
    parts = [re.sub(r"[^a-z0-9._-]+", "-", p.lower()).strip("._-") for p in ref.path.split("/")]
    tag = re.sub(r"[^\w.-]", "", ref.tag or "").lstrip(".-")[:128] or None
    fixed = str(replace(ref, path="/".join(p for p in parts if p), tag=tag))
    return fixed if _valid(fixed) else None


def _why_invalid(text: str) -> str:
    name = text.split("@", 1)[0]
    if "://" in name:
        return "an image name has no `https://` or `http://`: the registry host alone goes first"
    if re.search(r"\s", text):
        return "it has a space in it"
    if name.endswith(":"):
        return "the tag after `:` is empty"
    if name.rsplit("/", 1)[-1].count(":") > 1:
        return "its last part has more than one `:`"
    if "//" in name or name.startswith("/") or name.endswith("/"):
        return "it has an empty part between slashes"
    ref = split_name(text)
    odd = sorted(set(re.sub(r"[a-z0-9._/-]", "", ref.path if ref else name)))
    if ref and ref.tag is not None:
        odd += sorted(set(re.sub(r"[\w.-]", "", ref.tag)) - set(odd))
    if odd:
        return "it has characters an image name cannot have: " + " ".join(f"`{c}`" for c in odd)
    return "a name part cannot start or end with `.`, `_` or `-`, and a tag cannot start with `.` or `-`"


def _quoted_name(line: str) -> str | None:
    found = re.search(
        r'"([^"\n]+)" is not a valid repository/tag|invalid (?:tag|argument|reference) "([^"\n]+)"',
        line,
    )
    return next((g for g in found.groups() if g), None) if found else None


def _name_uppercase(seen: Seen) -> tuple[str, str]:
    ctx = seen.context
    candidates = [_quoted_name(_line_of(seen)), *seen.command.images]
    offender = next(
        (n for n in candidates if n and (r := split_name(n)) and r.path != r.path.lower()), None
    )
    if offender is None:
        path = seen.group(1) or "the repository name"
        return (
            f"Image names must be lowercase, and `{path}` has capitals.",
            "Write the name in lowercase letters (a tag, after `:`, may keep capitals).",
        )
    ref, fixed = split_name(offender), _lowercase(offender)
    namespace = (ref.namespace or "").lower()
    yours = (
        f" (your username is `{ctx.username}`)"
        if ctx.username and namespace == ctx.username and ref.namespace != ctx.username
        else ""
    )
    where = f"`{ref.path}` in `{offender}`" if ref.path != offender else f"`{offender}`"
    return (
        f"Image names must be lowercase, and {where} has capitals{yours}. "
        "Only the tag, after `:`, may have them.",
        seen.command.replaced(offender, fixed) or f"Write it `{fixed}`.",
    )


def _name_invalid(seen: Seen) -> tuple[str, str]:
    candidates = [_quoted_name(_line_of(seen)), *seen.command.images]
    offender = next((n for n in candidates if n is not None and not _valid(n)), None)
    form = "`REGISTRY/USERNAME/REPOSITORY:TAG`, e.g. `localhost:5000/john123/my-flask-app:v1`"
    if offender is None:
        return (
            "docker read a word of the command as an image name, and it is not one (a flag's "
            "value missing, or an option after the image name).",
            f"Write the image name as {form}, after the options.",
        )
    fixed = _repaired(offender)
    if fixed is None:
        return (
            f"`{offender}` is not a valid image name: {_why_invalid(offender)}.",
            f"Write it as {form}.",
        )
    return (
        f"`{offender}` is not a valid image name: {_why_invalid(offender)}.",
        seen.command.replaced(offender, fixed) or f"Write it `{fixed}`.",
    )
