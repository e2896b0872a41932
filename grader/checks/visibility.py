"""visibility: the repository is public or private as asked, and you saw what that means: an
anonymous pull (logged out) that worked (public) or was refused (private), since the change."""

from __future__ import annotations

from ..infra.logs import rfc3339_ns
from ..result import Outcome, failed, passed, shell
from .evidence import target
from .login import login_in_notebook


def check(lab, repository: str = "my-flask-app", private: bool = False) -> Outcome:
    want = target(lab, repository, "v1")
    word = "private" if private else "public"
    found = lab.hub_repository(want.repository)
    if found is None:
        return failed(
            f"The hub has no repository {want.path}: a first push creates it.",
            "Push first: " + shell(f"docker push {want.ref}"),
        )
    page = lab.hub_page(f"/r/{want.path}")
    if bool(found.get("is_private")) != private:
        return failed(
            f"{want.path} is {'private' if found.get('is_private') else 'public'}, not {word}.",
            f"Open {page}, and under Settings choose Make {word}.",
        )
    if not lab.classroom:
        return _on_docker_hub(lab, want, private)
    since = rfc3339_ns(found.get("last_modified") or found.get("date_registered") or "")
    tries = [
        r
        for r in lab.token_requests()
        if r.by_docker
        and r.credential == "anonymous"
        and "pull" in r.wants(want.path)
        and r.time_ns > since
    ]
    if not tries:
        return failed(
            f"{want.path} is {word}, but you have not tried an anonymous pull since it became so.",
            f"Log out, pull, and see what happens: {shell(f'docker logout {want.registry}')}, "
            f"{shell(f'docker pull {want.ref}')}; then log in again: {login_in_notebook(lab)}",
        )
    last = tries[-1]
    refused = "pull" not in last.got(want.path)
    if refused != private:
        return failed(
            f"An anonymous pull of {want.path} was {'refused' if refused else 'served'}, "
            f"which a {word} repository would not do.",
            "Pull again while logged out: " + shell(f"docker pull {want.ref}"),
        )
    seen = "refused" if refused else "served without a login"
    return passed(
        f"{want.path} is {word}, and you saw an anonymous pull {seen}.",
        private=private,
        anonymous_pulls=len(tries),
    )


def _on_docker_hub(lab, want, private: bool) -> Outcome:
    """Docker Hub keeps the pulls it saw to itself: the grader tries the anonymous pull (the
    token service's answer, then the registry's) and says so."""
    word = "private" if private else "public"
    refused = lab.registry_api.requires_login(want.path)
    if refused != private:
        return failed(
            f"Docker Hub lists {want.path} as {word}, but an anonymous pull is "
            f"{'refused' if refused else 'served'}: the change may take a moment to reach its "
            "registry.",
            "Check again in a minute.",
        )
    try_it = (
        f"{shell(f'docker logout {want.registry}')}, {shell(f'docker pull {want.ref}')}; then "
        f"log in again: {login_in_notebook(lab)}"
    )
    return passed(
        f"{want.path} is {word}: an anonymous pull is {'refused' if refused else 'served'} "
        "(the grader tried one; Docker Hub does not show the course yours). See it yourself: "
        + try_it,
        private=private,
    )
