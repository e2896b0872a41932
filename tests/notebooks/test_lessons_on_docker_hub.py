"""The very same lessons, 00..11 in order, by a self-study learner whose lab is on Docker Hub
(``Lab.use_hub``) instead of the classroom hub: every check passes from what the registry, the
API and the engine say to the learner's own token, without the hub's logs or a grader account.

Docker Hub is out of reach here, so a classroom hub's address stands in for it. What the learner
does on Docker Hub's web pages (generate a token, change a repository's visibility) the harness
does through the hub's API with the account's password, as the page would."""

from __future__ import annotations

import copy
import json

import pytest

from grader import Lab
from tests.notebooks.executed import LESSONS, TYPED, execute
from tests.notebooks.test_lesson_notebooks import CHECKS

LEARNER = "hubself1"
LOGIN = "!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}"


ON_HUB = {**CHECKS, "06-pull-and-run": CHECKS["06-pull-and-run"] - {"pull-limit"}}
"""The checks each lesson shows on Docker Hub: reaching a pull limit needs a classroom's
registry, whose limits the course sets (the lesson shows what to read instead)."""


def typed_on_hub(password: str, generated: str) -> dict:
    """The typing learner's cells, with the web pages' steps done by the harness."""
    typed = copy.deepcopy(TYPED)
    del typed["06-pull-and-run"]["turn-pull-limit"]  # a classroom's step: nothing to type
    typed["02-login"]["turn-login"] = f"lab.save_token({generated!r})\n{LOGIN}"
    for task, private in (("turn-private", True), ("turn-public", False)):
        typed["10-public-private"][task] = (
            f"access = lab.hub_api.sign_in(lab.username, {password!r})\n"
            f'lab.hub_api.set_private(lab.username, "my-flask-app", {private}, access)\n'
            "!docker pull {lab.image()}"
        )
    return typed


@pytest.fixture(scope="module")
def course_on_hub():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_USERNAME", LEARNER)
        Lab.reset(LEARNER)
        with Lab.start(username=LEARNER) as stand_in:
            access = stand_in.hub_api.sign_in(LEARNER, stand_in.password)

            def token(label: str) -> str:
                return stand_in.hub_api.create_access_token(access, label, "repo:write")["token"]

            first = token("first, for the course")
            lab = Lab.use_hub(LEARNER, first, hub_url=stand_in.hub_url, registry=stand_in.registry)
            lab.stop()
            typed = typed_on_hub(stand_in.password, token("my notebook"))
            try:
                executed = {name: execute(name, typed=typed.get(name, {})) for name in LESSONS}
                again = Lab.start(LEARNER, persistent=True)
                end = {"classroom": again.classroom, "progress": dict(again.progress)}
                again.stop()
                yield executed, end
            finally:
                Lab.reset(LEARNER)
                for built in ("my-flask-app:v1.1.0", "my-flask-app:v2.0.0"):
                    _remove_image(built)


def _remove_image(ref: str) -> None:
    from grader.infra.engine import Engine

    Engine.connect().remove_image(ref)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_on_docker_hub_runs_and_every_check_in_it_passes(course_on_hub, name):
    executed, end = course_on_hub
    lesson = executed[name]
    assert lesson.errors == [] and not lesson.shows("Traceback")
    verdicts = lesson.verdicts()
    assert set(verdicts) == ON_HUB[name]
    failed = {check: passed for check, passed in verdicts.items() if not all(passed)}
    assert failed == {}, f"{name}: {json.dumps(failed)}"
    assert end["classroom"] is False  # the lessons found the lab on the hub, not a classroom's


@pytest.mark.docker
@pytest.mark.slow
def test_on_docker_hub_the_pull_limit_step_reads_the_real_limit_instead(course_on_hub):
    """Docker Hub's limits are not the course's to make small: lesson 06 says so and reads the
    limit's headers with a HEAD (the stand-in, a classroom registry's own address, sends none)."""
    executed, _ = course_on_hub
    lesson = executed["06-pull-and-run"]
    assert lesson.shows("whose limits are real")
    assert lesson.shows("This step needs a classroom's registry")
    assert lesson.shows("HEAD http://") and lesson.shows("no ratelimit header")
