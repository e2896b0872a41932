"""pull-limit: at the lab's pull-limited address, logged-out pulls refused past the limit, then a
pull logged in as the learner served; judged from the hub's own log of that address."""

import pytest
import requests

from grader.course.helpers import rate_limit, small_pull_limits
from tests.conftest import docker, pushed

pytestmark = pytest.mark.docker


def limited_name(lab) -> str:
    return f"{lab.limited_registry}/{lab.username}/my-flask-app:v1"


def past_the_limit(lab) -> list:
    """Logged out, one pull more than the anonymous limit (2 here), with the course's helper."""
    lab.set_pull_limits(anonymous=2, account=4)
    return [rate_limit(lab, pull=True) for _ in range(3)]


def test_nothing_pulled_fails_and_says_how_to_pull_without_spending_a_pull_to_read(lab):
    pushed(lab)
    print(small_pull_limits(lab))
    assert rate_limit(lab).limit == "3;w=21600"  # a HEAD: read, not counted
    result = lab.check("pull-limit")
    assert not result.passed and "not yet past the limit" in result.message
    assert "rate_limit(lab, pull=True)" in result.hint
    assert rate_limit(lab).remaining == "3;w=21600"


def test_pulls_under_the_limit_are_counted_but_do_not_pass(lab):
    pushed(lab)
    lab.set_pull_limits(anonymous=3, account=6)
    answers = [rate_limit(lab, pull=True) for _ in range(2)]
    assert [a.remaining for a in answers] == ["2;w=21600", "1;w=21600"]
    result = lab.check("pull-limit")
    assert not result.passed and "2 time(s) (1 left)" in result.message


def test_refused_logged_out_then_not_yet_logged_in_fails_with_the_login_to_do(lab):
    pushed(lab)
    answers = past_the_limit(lab)
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[-1].error.startswith("toomanyrequests: You have reached your")
    result = lab.check("pull-limit")
    assert not result.passed and "refused (toomanyrequests)" in result.message
    assert f"docker login {lab.limited_registry} -u {lab.username}" in result.hint


def logged_out_requests(lab) -> list[dict]:
    """The pull-limited address's log of manifest requests counted for this machine's address."""
    return [
        r for r in lab.hub_log() if r.get("msg") == "limited manifest" and r["source"][:3] == "ip:"
    ]


def test_refused_then_pulled_with_docker_logged_in_passes_and_a_held_image_is_only_checked(lab):
    pushed(lab)
    past_the_limit(lab)
    before = len(logged_out_requests(lab))
    refused = docker("pull", limited_name(lab), check=False)
    docker("login", lab.limited_registry, "-u", lab.username, "--password-stdin", input=lab.token)
    try:
        docker("pull", limited_name(lab))
        result = lab.check("pull-limit")
        assert result.passed, result.message
        assert rate_limit(lab, logged_in=True).source == lab.username
        assert rate_limit(lab, logged_in=True).limit == "4;w=21600"
    finally:
        docker("logout", lab.limited_registry, check=False)
        docker("rmi", limited_name(lab), check=False)
    # Logged out, past the limit: a pull that asks for the manifest (GET) is refused in Docker
    # Hub's words; one that only checks what the engine holds (a HEAD: the containerd image
    # store, or the classic one when it knows that name's digest) is no pull, and is served.
    # (docker's own requests: a HEAD without a token first, answered 401 with the challenge.)
    asked = [(r["method"], r["status"], r["counted"]) for r in logged_out_requests(lab)[before:]]
    if refused.returncode != 0:
        assert "toomanyrequests: You have reached your unauthenticated pull rate limit" in (
            refused.stderr
        )
        assert ("GET", 429, False) in asked, asked
    else:
        assert ("HEAD", 200, False) in asked and not any(counted for *_, counted in asked), asked


def test_a_logged_in_pull_before_the_refusal_or_by_another_account_does_not_count(lab):
    pushed(lab)
    lab.set_pull_limits(anonymous=2, account=4)
    assert rate_limit(lab, pull=True, logged_in=True).status == 200  # before: not after it
    past_the_limit(lab)
    # The grader's own account pulls (its token is not the learner's): not the learner's pull.
    grader = lab._registry.pull_api(*lab._registry.grader_account)
    assert grader.limit_answer(f"{lab.username}/my-flask-app", "v1", anonymous=False).status == 200
    result = lab.check("pull-limit")
    assert not result.passed and "Now log in" in result.message


def test_a_forged_token_naming_the_learner_is_refused_and_does_not_count(lab):
    """The pull-limited address reads the account from the token without checking it (the
    registry does); a token the hub never signed gets the registry's 401, which is no pull."""
    pushed(lab)
    past_the_limit(lab)
    forged = "e30." + "eyJzdWIiOiJqb2huMTIzIn0" + ".c2lnbmF0dXJl"  # {"sub": "john123"}
    answer = requests.get(
        f"http://{lab.limited_registry}/v2/{lab.username}/my-flask-app/manifests/v1",
        headers={"Authorization": f"Bearer {forged}"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert not lab.check("pull-limit").passed


def test_a_name_pulled_from_the_pull_limited_address_goes_with_the_lab(engine):
    """A pull there names the image a second time on the engine: a throwaway lab removes that
    name with its own (a later lab's pull would otherwise find the image still there)."""
    from grader import Lab

    with Lab.start(username="limits1") as lab:
        pushed(lab)
        docker("login", lab.limited_registry, "-u", lab.username, "--password-stdin",
               input=lab.token)  # fmt: skip
        docker("pull", limited_name(lab))
        name = limited_name(lab)
    assert engine.image(name) is None
