"""A learner's persistent lab: lessons days apart find the same registry, account, token, login
and pushed images, across kernels, until the learner resets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from grader import Lab
from grader.infra.owners import LEARNER
from tests.conftest import docker, pushed

pytestmark = [pytest.mark.docker, pytest.mark.slow]

NEXT_LESSON = textwrap.dedent(
    """
    import json
    from grader import Lab
    lab = Lab.start(username="learner1", persistent=True)
    print(json.dumps({
        "registry": lab.registry, "token": lab.token, "tags": lab.registry_api.tags("learner1/my-flask-app"),
        "login": lab.check("login").passed, "push": lab.check("push").passed,
        "progress": lab.progress,
    }))
    lab.stop()
    """
)


@pytest.fixture
def learner():
    Lab.reset("learner1")
    yield
    Lab.reset("learner1")


def next_lesson() -> dict:
    """Another kernel, another day: a new process starts the lab again."""
    done = subprocess.run(
        [sys.executable, "-c", NEXT_LESSON], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_later_lesson_finds_the_same_lab(learner, engine):
    lab = Lab.start(username="learner1", persistent=True)
    pushed(lab)
    assert lab.check("push").passed
    registry, token = lab.registry, lab.token
    lab.stop()
    assert "DOCKER_CONFIG" not in os.environ
    assert engine.containers(labels={LEARNER: "learner1"})  # still running for the next lesson

    later = next_lesson()
    assert later["registry"] == registry and later["token"] == token
    assert later["tags"] == ["v1"]
    assert later["login"] and later["push"]
    assert later["progress"]["push"] is True


def test_a_registry_the_engine_stopped_comes_back_at_the_same_address(learner, engine):
    lab = Lab.start(username="learner1", persistent=True)
    pushed(lab)
    registry = lab.registry
    lab.stop()
    docker("stop", engine.containers(labels={LEARNER: "learner1"})[0].id)
    later = next_lesson()
    assert later["registry"] == registry and later["tags"] == ["v1"] and later["push"]


def test_reset_starts_the_learner_from_scratch(learner, engine):
    lab = Lab.start(username="learner1", persistent=True)
    pushed(lab)
    lab.stop()
    removed = Lab.reset("learner1")
    assert any(item.startswith("container classroom-registry-learner1") for item in removed)
    assert any(item == f"image {lab.image()}" for item in removed)
    assert not engine.containers(all=True, labels={LEARNER: "learner1"})
    later = next_lesson()
    assert later["token"] != lab.token and later["tags"] == [] and not later["login"]


def test_a_learners_lab_survives_the_cleanup_of_dead_labs(learner, engine):
    lab = Lab.start(username="learner1", persistent=True)
    lab.stop()
    from grader.infra.owners import reap_dead_labs

    reap_dead_labs(engine)
    assert engine.containers(labels={LEARNER: "learner1"})


def test_throwaway_and_persistent_labs_are_apart(learner):
    with Lab.start(username="learner1") as throwaway:
        lesson = Lab.start(username="learner1", persistent=True)
        assert lesson.registry != throwaway.registry
        lesson.stop()
