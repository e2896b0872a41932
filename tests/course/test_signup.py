"""A learner's own account, made on their hub's sign-up page as on Docker Hub: the page's rules,
the lab that takes that account as its learner's, the username remembered for every later
lesson, and starting over. Real registry and hub containers, the page driven over HTTP as a
browser drives it."""

from __future__ import annotations

import html
import re

import pytest
import requests

from grader import Lab
from grader.course.lessons import catch_up
from grader.infra import places
from grader.lab import SIGN_UP, learner_dir, remembered_username
from tests.conftest import docker

pytestmark = pytest.mark.docker


def sign_up(lab, username: str, email: str = "learner@example.com", password: str = "a good pw 1"):
    """What a browser sends from the hub's sign-up page."""
    session = requests.Session()
    page = session.get(lab.hub_url + "/signup", timeout=10)
    assert page.status_code == 200 and 'action="/signup"' in page.text
    answer = session.post(
        lab.hub_url + "/signup",
        data={"username": username, "email": email, "password": password},
        timeout=10,
    )
    return session, answer


@pytest.fixture
def new_learner():
    """A learner who has not signed up: no username given, none remembered, no COURSE_USERNAME."""
    Lab.reset()
    lab = Lab.start(None, persistent=True)
    yield lab
    lab.stop()
    Lab.reset()


def test_a_new_learners_lab_has_a_hub_and_no_account_until_they_sign_up(new_learner):
    lab = new_learner
    assert lab.username == "" and lab.student_accounts() == []
    result = lab.check("account")
    assert not result.passed and "nobody has signed up" in result.message
    assert f"{lab.hub_page('/signup')}" in result.hint
    log = []
    assert not catch_up(lab, "tag", log=log.append)[-1].passed  # nobody signs up for them
    assert any("Nobody can sign up for you" in line for line in log)


def test_the_sign_up_page_holds_docker_hubs_rules_and_keeps_nothing_it_refused(new_learner):
    lab = new_learner
    for username, email, password, status, text in [
        ("John123", "a@b.io", "a good pw 1", 400, "lowercase letters and digits"),
        ("jo", "a@b.io", "a good pw 1", 400, "4 to 30 characters"),
        ("john_123", "a@b.io", "a good pw 1", 400, "lowercase letters and digits"),
        ("john123", "not-an-email", "a good pw 1", 400, "valid email"),
        ("john123", "a@b.io", "short", 400, "at least 9 characters"),
    ]:
        _, answer = sign_up(lab, username, email, password)
        assert answer.status_code == status and text in answer.text, (username, answer.text)
    assert lab.student_accounts() == [] and not lab.signed_up()
    # Escaped, never markup: what was typed comes back in the form as text.
    _, answer = sign_up(lab, "<b>x</b>", "a@b.io", "a good pw 1")
    assert "<b>x</b>" not in answer.text and "&lt;b&gt;x&lt;/b&gt;" in answer.text


def test_signing_up_makes_the_labs_account_and_the_name_is_remembered(new_learner):
    lab = new_learner
    session, answer = sign_up(lab, "ada4242")
    assert answer.status_code == 200 and answer.url.endswith("/repositories/ada4242")
    assert 'data-user="ada4242"' in answer.text  # signed in at once, as on Docker Hub
    result = lab.check("account")
    assert result.passed and "You signed up as 'ada4242'" in result.message, result
    assert lab.username == "ada4242" and remembered_username() == "ada4242"
    assert (learner_dir("ada4242") / "state.json").exists()
    assert not learner_dir(SIGN_UP).exists()
    assert lab.password == ""  # the learner's own secret: the course never saw it
    # The page is the learner's: a second sign-up on the same hub is sent to sign in.
    _, again = sign_up(lab, "eve12345")
    assert again.status_code == 409
    assert "already has its learner's account, ada4242" in html.unescape(again.text)
    assert lab.student_accounts() == ["ada4242"]
    # Any later lesson, in another kernel, finds the same lab under the remembered name.
    lab.stop()
    later = Lab.start(remembered_username(), persistent=True)
    assert later.username == "ada4242" and later.registry == lab.registry
    assert later.check("account").passed
    # The account is real: its password signs in to the hub's API, and a token made there logs
    # docker in to the registry.
    access = later.hub_api.sign_in("ada4242", "a good pw 1")
    made = later.hub_api.create_access_token(access, "my notebook", "repo:write")
    later.save_token(made["token"])
    docker(
        "login", later.registry, "-u", "ada4242", "--password-stdin",
        input=later.token_file.read_text(),
    )  # fmt: skip
    assert later.check("login").passed
    later.stop()


def test_a_sign_up_in_another_kernel_is_found_by_the_next_start(new_learner):
    sign_up(new_learner, "grace2024")
    new_learner.stop()  # this kernel never looked
    again = Lab.start(None, persistent=True)
    assert again.username == "grace2024" and remembered_username() == "grace2024"
    assert again.registry == new_learner.registry
    again.stop()


def test_starting_over_forgets_the_name_and_the_lab(new_learner):
    sign_up(new_learner, "linus1991")
    assert new_learner.check("account").passed
    registry = new_learner.registry
    new_learner.stop()
    removed = Lab.reset()
    assert any(re.search(r"container .*registry", line) for line in removed), removed
    assert remembered_username() is None and not learner_dir("linus1991").exists()
    fresh = Lab.start(None, persistent=True)
    assert fresh.username == "" and fresh.student_accounts() == []
    assert fresh.registry != registry or not fresh.signed_up()
    fresh.stop()


def test_a_remembered_name_that_is_not_a_username_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (places.CACHE.make() / "learner.json").write_text('{"username": "../../etc"}')
    assert remembered_username() is None
    (places.CACHE.make() / "learner.json").write_text("not json")
    assert remembered_username() is None
