"""pull-limit: at the lab's pull-limited address (Docker Hub's limits, made small), your pulls
logged out reached the limit and were refused (``toomanyrequests``), and logged in, a pull of the
same image was served: it counts for your account, whose limit is higher.

The evidence is the hub's own log of that address: every manifest request, whose count it went
to and how it was answered."""

from __future__ import annotations

from ..result import Outcome, failed, passed, shell
from .evidence import target

OLD_LAB = (
    "Your lab was started before the course gave labs a pull-limited address.",
    "Lab.reset() and lesson 01 again start a lab that has one (what you pushed goes with the old "
    "lab).",
)
"""Why a classroom lab has no pull-limited address, and the fix."""


def check(lab, repository: str = "my-flask-app") -> Outcome:
    want = target(lab, repository, "v1")
    limited = lab.limited_registry
    if not limited and lab.classroom:
        return failed(*OLD_LAB)
    if not limited:
        return failed(
            "This lab is on Docker Hub, whose own limits (100 pulls per 6 hours logged out, 200 "
            "logged in) are not the course's to make you reach.",
            "Read your limit without spending a pull: print(rate_limit(lab)). The exercise "
            "itself needs a classroom lab (Lab.start).",
        )
    seen = [
        r
        for r in lab.hub_log()
        if r.get("msg") == "limited manifest" and r.get("repository") == want.path
    ]
    refused = next(
        (i for i, r in enumerate(seen) if r.get("status") == 429 and _anonymous(r)), None
    )
    pulled = f"{limited}/{want.path}:v1"
    if refused is None:
        counted = [r for r in seen if r.get("counted") and _anonymous(r)]
        done = (
            f"pulled {want.path} from {limited} {len(counted)} time(s) "
            f"({counted[-1].get('remaining')} left)"
            if counted
            else f"have not pulled {want.path} from {limited} yet"
        )
        return failed(
            f"Logged out, you {done}: not yet past the limit.",
            "Pull it logged out until the registry refuses: print(rate_limit(lab, pull=True)), "
            "again and again (each is a pull docker would make; rate_limit(lab) reads the "
            "headers without counting).",
            pulls=len(counted),
        )
    mine = f"account:{lab.username}"
    served = [r for r in seen[refused + 1 :] if r.get("source") == mine and r.get("status") == 200]
    if not served:
        return failed(
            f"Logged out, your pulls of {want.path} reached the limit and were refused "
            "(toomanyrequests), as Docker Hub refuses them. Now log in there and pull again.",
            f"{shell(f'docker login {limited} -u {lab.username} --password-stdin < {lab.token_file}')}, "
            f"then {shell(f'docker pull {pulled}')}.",
            refused=True,
        )
    return passed(
        f"Logged out, you reached {limited}'s limit and were refused (toomanyrequests); logged "
        f"in as {lab.username}, your pull was served: it counted for your account, whose limit "
        "is higher.",
        refused=True,
        served_logged_in=len(served),
    )


def _anonymous(record: dict) -> bool:
    return str(record.get("source", "")).startswith("ip:")
