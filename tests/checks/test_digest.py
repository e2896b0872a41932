"""digest: a release pulled by its digest, read from the engine's own pull event; the check's
hint, run as shown, makes it pass."""

from __future__ import annotations

import pytest

from grader.infra import commands
from grader.result import runnable
from tests.conftest import docker, login, tag_and_push

pytestmark = pytest.mark.docker


def test_no_release_pushed_means_no_digest_to_pull_by(lab):
    result = lab.check("digest")
    assert not result.passed and "no digest to pull by" in result.message
    assert f"docker push {lab.image('v1.0.0')}" in result.hint


def test_a_pull_by_tag_is_not_a_pull_by_digest_and_the_hint_pulls_by_digest(lab):
    login(lab)
    tag_and_push(lab, "v1.0.0")
    docker("pull", lab.image("v1.0.0"))
    result = lab.check("digest")
    assert not result.passed and "by tag" in result.message
    digest = lab.registry_api.manifest(f"{lab.username}/my-flask-app", "v1.0.0").digest
    assert lab.pinned("v1.0.0") == f"{lab.registry}/{lab.username}/my-flask-app@{digest}"
    (command,) = runnable(result.hint)
    assert command == f"docker pull {lab.pinned('v1.0.0')}"
    assert commands.run(command).ok
    after = lab.check("digest")
    assert after.passed and digest[:19] in after.message


def test_a_digest_the_release_no_longer_has_is_told_apart(lab):
    login(lab)
    tag_and_push(lab, "v1.0.0")
    first = lab.pinned("v1.0.0")
    docker("pull", first)
    # v1.0.0 moves: another image pushed under that tag (the registry's own image, here).
    tag_and_push(lab, "v1.0.0", source=lab.images.registry)
    result = lab.check("digest")
    assert not result.passed and "moved since" in result.message
    assert lab.pinned("v1.0.0") != first
