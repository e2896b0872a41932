"""What the course states about Docker and Docker Hub, each fact in one wording with its sources.

Where several places state a fact (a lesson, a lab, a check's message, the quiz), code takes the
wording from here and notebooks carry it verbatim; ``tests/test_facts.py`` holds them to that,
and keeps statements known to be false out of every lesson, lab, hint and message. Each lesson
ends with its sources (:data:`LESSON_FACTS`), with the date they were read.

Read on 2026-12-03 from Docker's documentation (docs.docker.com, through the ``docker/docs``
sources), the docker CLI's and the engine's own code (docker/cli and moby at v29.7.2) where the
documentation gives no text, and, marked so, users' reports where neither does.
"""

from __future__ import annotations

from dataclasses import dataclass

READ = "2026-12-03"


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    quote: str
    """The words the fact rests on (empty when the fact is the code's own text)."""

    def markdown(self) -> str:
        said = f': "{self.quote}"' if self.quote else ""
        return f"[{self.title}]({self.url}){said}"


@dataclass(frozen=True)
class Fact:
    key: str
    text: str
    """The course's one wording of the fact (Markdown)."""
    sources: tuple[Source, ...]


def _fact(key: str, text: str, *sources: Source) -> Fact:
    return Fact(key, text, sources)


_TAG_DOC = Source(
    "docker image tag",
    "https://docs.docker.com/reference/cli/docker/image/tag/",
    "If no tag is provided, Docker defaults to `latest`.",
)
_QUICKSTART = Source(
    "Docker Hub quickstart",
    "https://docs.docker.com/docker-hub/quickstart/",
    "The command pushes the image to Docker Hub and automatically creates the repository if it "
    "doesn't exist.",
)
_PULLS = Source(
    "Docker Hub pull usage and limits",
    "https://docs.docker.com/docker-hub/usage/pulls/",
    "Unauthenticated and Docker Personal users are subject to a 6-hour pull rate limit on "
    "Docker Hub.",
)
_PULL_HEADERS = Source(
    "Docker Hub pull usage and limits: view pull rate and limit",
    "https://docs.docker.com/docker-hub/usage/pulls/#view-pull-rate-and-limit",
    "These headers are returned on both GET and HEAD requests. Using GET emulates a real pull and "
    "counts towards the limit. Using HEAD won't.",
)
_PULL_429 = Source(
    "Docker Hub pull usage and limits: over the limit",
    "https://docs.docker.com/docker-hub/usage/pulls/#view-pull-rate-and-limit",
    "When you issue a pull and you are over the limit, Docker Hub returns a `429` response code "
    "with the following body when the manifest is requested",
)
_USAGE = Source(
    "Docker Hub usage and limits",
    "https://docs.docker.com/docker-hub/usage/",
    "Personal (authenticated) | 200 | Unlimited | Up to 1",
)
_PATS = Source(
    "Personal access tokens",
    "https://docs.docker.com/security/access-tokens/personal-access-tokens/",
    "You can't edit the expiration date on an existing personal access token. You must create a "
    "new PAT if you need to set a new expiration date.",
)
_PAT_EXPIRY_API = Source(
    "Docker Hub API: createAccessTokenRequest",
    "https://docs.docker.com/reference/api/hub/latest/schemas/createAccessTokenRequest/",
    "Optional expiration date for the token. If omitted, the token will remain valid indefinitely.",
)
_PAT_PERMISSIONS = Source(
    "Access token reference: permissions",
    "https://docs.docker.com/security/access-tokens/reference/#access-permissions",
    "Repo Read & Write: Everything in Repo Read-only, plus push images to any repository your "
    "account manages.",
)
_LOGIN = Source(
    "docker login",
    "https://docs.docker.com/reference/cli/docker/login/",
    "To run the `docker login` command non-interactively, you can set the `--password-stdin` "
    "flag to provide a password through `STDIN`.",
)
_LOGIN_CODE = Source(
    "docker/cli: the login command (cli/command/registry/login.go)",
    "https://github.com/docker/cli/blob/master/cli/command/registry/login.go",
    "cannot perform an interactive login from a non-TTY device",
)
_ACCOUNT = Source(
    "Create a Docker account",
    "https://docs.docker.com/accounts/individual/create-account/",
    "Must be between 4 and 30 characters long; Can only contain numbers and lowercase letters.",
)
_DIGEST_PULL = Source(
    "docker image pull: pull an image by digest",
    "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier",
    "When pulling an image by digest, you specify exactly which version of an image to pull.",
)
_BEST_PRACTICES = Source(
    "Building best practices: pin base image versions",
    "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",
    "Image tags are mutable, meaning a publisher can update a tag to point to a new image.",
)
_K8S = Source(
    "Kubernetes: configuration best practices, container images",
    "https://kubernetes.io/docs/concepts/configuration/overview/#container-images",
    "You should avoid using the :latest tag when deploying containers in production as it is "
    "harder to track which version of the image is running and more difficult to roll back "
    "properly.",
)
_MULTI_PLATFORM = Source(
    "Multi-platform builds",
    "https://docs.docker.com/build/building/multi-platform/",
    "When you pull the image, the registry returns the manifest list, and Docker automatically "
    "selects the correct variant based on the host's architecture.",
)
_IMAGETOOLS = Source(
    "docker buildx imagetools inspect",
    "https://docs.docker.com/reference/cli/docker/buildx/imagetools/inspect/",
    "Show details of image in the registry",
)
_VISIBILITY = Source(
    "Docker Hub: change a repository's visibility",
    "https://docs.docker.com/docker-hub/repos/manage/access/#change-repository-visibility",
    "Under Visibility settings, select one of the following: Make public … Make private",
)
_PULL_DENIED = Source(
    "moby: the engine's pull error (daemon/internal/distribution/errors.go)",
    "https://github.com/moby/moby/blob/master/daemon/internal/distribution/errors.go",
    "pull access denied for %s, repository does not exist or may require 'docker login'",
)
_IMMUTABLE = Source(
    "Docker Hub: immutable tags (Beta)",
    "https://docs.docker.com/docker-hub/repos/manage/hub-images/immutable-tags/",
    "Immutable tags are image tags that, once pushed to Docker Hub, cannot be overwritten or "
    "deleted.",
)
_PORTS = Source(
    "Port publishing",
    "https://docs.docker.com/engine/network/port-publishing/",
    "`-p 8080:80` | Map port `8080` on the Docker host to TCP port `80` in the container.",
)

FACTS: dict[str, Fact] = {
    f.key: f
    for f in (
        _fact(
            "latest",
            "`latest` is only the default tag: a name written without a tag means `:latest`. It "
            "moves only when something is pushed under that name (often by a push that names no "
            "tag); a push of `v1.1.0` leaves it where it was.",
            _TAG_DOC,
            _QUICKSTART,
        ),
        _fact(
            "latest-production",
            "Avoid `latest` in production: whoever pulls it cannot tell which version they run, "
            "and there is nothing to roll back to by name.",
            _K8S,
            _BEST_PRACTICES,
        ),
        _fact(
            "tags-move",
            "A tag is a name that points at one image, and a push under that name moves it: any "
            "tag, `v1.0.0` included. Only a digest (`NAME@sha256:…`) names one content forever.",
            _BEST_PRACTICES,
            _DIGEST_PULL,
        ),
        _fact(
            "immutable-tags",
            "Docker Hub can make tags immutable, as an opt-in repository setting (in Beta).",
            _IMMUTABLE,
        ),
        _fact(
            "token-expiry",
            "A token can have an expiration date, chosen when it is generated; without one it "
            "never expires. The date cannot be changed afterwards: generate a new token instead.",
            _PATS,
            _PAT_EXPIRY_API,
        ),
        _fact(
            "token-permissions",
            "One permission per token: **Repo Public Read-only** (the default: pull public "
            "repositories), **Repo Read-only** (pull, public and private), **Repo Read & Write** "
            "(pull and push), **Repo Read, Write, Delete** (and delete).",
            _PAT_PERMISSIONS,
        ),
        _fact(
            "non-tty-login",
            "`docker login -u USERNAME` asks for the password on a terminal; where there is none "
            "(a notebook cell, a script, CI) it fails at once: `Cannot perform an interactive "
            "login from a non TTY device`. There, send the secret on standard input with "
            "`--password-stdin`.",
            _LOGIN,
            _LOGIN_CODE,
        ),
        _fact(
            "username-rules",
            "A Docker Hub username has 4 to 30 characters, lowercase letters and digits only, and "
            "cannot be changed later.",
            _ACCOUNT,
        ),
        _fact(
            "free-private",
            "A free personal account has any number of public repositories and **one** private "
            "one.",
            _USAGE,
        ),
        _fact(
            "push-creates",
            "A first push to a repository that does not exist creates it, with the account's "
            "default privacy (public unless changed).",
            _QUICKSTART,
        ),
        _fact(
            "private-pull",
            "Pulled anonymously, a private repository is refused in the same words as a missing "
            "one: `pull access denied for USERNAME/REPOSITORY, repository does not exist or may "
            "require 'docker login'`.",
            _PULL_DENIED,
            _VISIBILITY,
        ),
        _fact(
            "rate-limits",
            "Docker Hub limits pulls per 6 hours: **100** for anonymous pulls from one IPv4 "
            "address (or IPv6 /64), **200** for a free Personal account that is logged in, no "
            "limit on paid plans. A pull counts when it downloads a manifest (a check that "
            "finds the image up to date does not). Past the limit Docker Hub answers `429 Too "
            "Many Requests`, and docker prints `toomanyrequests: You have reached your pull rate "
            "limit`.",
            _PULLS,
            _USAGE,
            _PULL_429,
        ),
        _fact(
            "rate-limit-headers",
            "Each answer of Docker Hub's registry to a manifest request says where you stand, in "
            "its headers: `ratelimit-limit: 100;w=21600` (100 pulls per 21,600 seconds, 6 hours), "
            "`ratelimit-remaining: 20;w=21600` and `docker-ratelimit-source` (what the count is "
            "kept for). A `HEAD` request reads them without counting; a `GET` counts as a pull.",
            _PULL_HEADERS,
        ),
        _fact(
            "digest-pull",
            "`docker pull NAME@sha256:…` pulls exactly the content with that digest, whatever "
            "any tag points at now.",
            _DIGEST_PULL,
        ),
        _fact(
            "multi-platform",
            "A multi-platform image is an index of images, one per platform (`linux/amd64`, "
            "`linux/arm64`, …); a pull picks the one for the machine it runs on.",
            _MULTI_PLATFORM,
            _IMAGETOOLS,
        ),
        _fact(
            "port-taken",
            "`-p HOST:CONTAINER` publishes the container's port on that port of your machine; "
            "a second container cannot have the same host port (`port is already allocated`).",
            _PORTS,
        ),
    )
}

LESSON_FACTS: dict[str, tuple[str, ...]] = {
    "01-account": ("username-rules", "free-private"),
    "02-login": ("token-expiry", "token-permissions", "non-tty-login"),
    "04-push": ("push-creates",),
    "06-pull-and-run": ("rate-limits", "rate-limit-headers", "port-taken"),
    "07-versions": ("latest", "latest-production", "tags-move", "immutable-tags", "digest-pull"),
    "09-platforms": ("multi-platform",),
    "10-public-private": ("free-private", "private-pull"),
}
"""The facts each lesson states (verbatim) and lists as its sources."""


def fact(key: str) -> str:
    """A fact's one wording."""
    return FACTS[key].text


def sources(lesson: str) -> str:
    """The Markdown list of sources a lesson ends with."""
    seen: list[Source] = []
    for key in LESSON_FACTS.get(lesson, ()):
        seen += [s for s in FACTS[key].sources if s not in seen]
    items = "\n".join(f"- {s.markdown()}" for s in seen)
    return f"**Sources** (read {READ}):\n\n{items}" if items else ""
