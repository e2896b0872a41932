"""Names: Docker Hub usernames and image references, validated before anything is touched."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidReference, InvalidUsername

USERNAME_RULE = "4 to 30 characters, lowercase letters and digits only"
_USERNAME = re.compile(r"[a-z0-9]{4,30}")

# The grammar of github.com/distribution/reference, the one the docker CLI uses.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_SEMVER = re.compile(r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
DOCKER_HUB = "docker.io"


def validate_username(username: object) -> str:
    """Return ``username`` if Docker Hub would accept it, else raise :class:`InvalidUsername`."""
    if not isinstance(username, str) or not username:
        raise InvalidUsername(
            "The username is empty.",
            f'Choose a Docker Hub username: {USERNAME_RULE}, e.g. "john123".',
        )
    if _USERNAME.fullmatch(username):
        return username
    problems = []
    if len(username) < 4:
        problems.append(f"it has {len(username)} characters, fewer than 4")
    if len(username) > 30:
        problems.append(f"it has {len(username)} characters, more than 30")
    if any(c.isupper() for c in username):
        problems.append("it has uppercase letters")
    others = sorted({c for c in username if not (c.isascii() and c.isalnum())})
    if others:
        problems.append(
            "it has characters other than letters and digits: " + " ".join(map(repr, others))
        )
    suggestion = re.sub(r"[^a-z0-9]", "", username.lower())[:30]
    fix = f"Docker Hub usernames are {USERNAME_RULE}."
    if _USERNAME.fullmatch(suggestion):
        fix += f' For example "{suggestion}".'
    message = f"{username!r} is not a valid Docker Hub username: " + "; ".join(problems) + "."
    raise InvalidUsername(message, fix)


@dataclass(frozen=True)
class Reference:
    """An image reference, split the way the docker CLI splits it."""

    domain: str | None
    """Registry host (with port), or None when the name has none and would go to Docker Hub."""
    path: str
    """Repository path, e.g. ``john123/my-flask-app``."""
    tag: str | None
    digest: str | None

    @property
    def namespace(self) -> str | None:
        head, _, rest = self.path.rpartition("/")
        return head or None

    @property
    def repository(self) -> str:
        return self.path.rpartition("/")[2]

    @property
    def registry(self) -> str:
        return self.domain or DOCKER_HUB

    @property
    def host(self) -> str:
        """The registry's host name without the port."""
        domain = self.registry
        if domain.startswith("["):
            return domain[: domain.index("]") + 1]
        return domain.rsplit(":", 1)[0]

    @property
    def port(self) -> int | None:
        domain = self.registry
        tail = domain.rsplit("]", 1)[-1]
        return int(tail.rsplit(":", 1)[1]) if ":" in tail else None

    @property
    def full(self) -> str:
        """The name as the engine resolves it: ``john123/app:v1`` is ``docker.io/john123/app:v1``,
        ``nginx`` is ``docker.io/library/nginx:latest`` (the docker CLI shows the short form)."""
        path = self.path if self.domain or "/" in self.path else f"library/{self.path}"
        text = f"{self.registry}/{path}"
        if self.tag or not self.digest:
            text += f":{self.tag or 'latest'}"
        return text + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        text = f"{self.domain}/{self.path}" if self.domain else self.path
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(text: object) -> Reference:
    """Split an image reference, or raise :class:`InvalidReference` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidReference("The image reference is empty.", _REFERENCE_FIX)
    match = _REFERENCE.fullmatch(text)
    if not match:
        raise InvalidReference(
            f"{text!r} is not a valid image reference: {_explain(text)}", _REFERENCE_FIX
        )
    domain, path = match["domain"], match["path"]
    # docker's rule: the first part is a registry only if it has a '.' or ':' or is 'localhost'.
    if domain and not (
        "." in domain or ":" in domain or domain == "localhost" or domain.startswith("[")
    ):
        domain, path = None, f"{domain}/{path}"
        if not re.fullmatch(rf"{_COMPONENT}(?:/{_COMPONENT})*", path):
            raise InvalidReference(
                f"{text!r} is not a valid image reference: {_explain(text)}", _REFERENCE_FIX
            )
    return Reference(domain, path, match["tag"], match["digest"])


def same_image_name(a: str, b: str) -> bool:
    """Whether two references name the same image: ``john123/app:v1`` and
    ``docker.io/john123/app:v1`` do (engines report Docker Hub's names in either form)."""
    if a == b:
        return True
    try:
        return parse_reference(a).full == parse_reference(b).full
    except InvalidReference:
        return False


_REFERENCE_FIX = "Write it as [REGISTRY/]NAMESPACE/REPOSITORY[:TAG], e.g. localhost:5000/john123/my-flask-app:v1."


def _explain(text: str) -> str:
    name = text.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if any(c.isupper() for c in name.split("/", 1)[-1].split(":", 1)[0]):
        return "repository names must be lowercase."
    if " " in text:
        return "it contains a space."
    if last.count(":") > 1:
        return "it has more than one ':' in its last part."
    if name.endswith(":"):
        return "the tag after ':' is empty."
    if "//" in name or name.startswith("/") or name.endswith("/"):
        return "it has an empty path component."
    return "it has characters Docker does not allow in image names."


def is_semver_tag(tag: str) -> bool:
    """``v1.0.0`` or ``1.0.0``: a version, not a moving label like ``latest`` or ``v1``."""
    return bool(_SEMVER.fullmatch(tag))


def semver_key(tag: str) -> tuple[int, int, int]:
    major, minor, patch = _SEMVER.fullmatch(tag).groups()  # type: ignore[union-attr]
    return int(major), int(minor), int(patch)
