import pytest

from tests.conftest import docker, pull_fresh, pushed, set_private

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_a_real_pull_after_the_push_passes(lab, engine):
    pushed(lab)
    pull_fresh(lab)
    result = lab.check("pull")
    assert result.passed, result
    if engine.info.containerd_store:  # the content store may still hold every blob
        assert result.evidence["blobs"] >= 1 or result.evidence["removed_before_pull"]
    else:
        assert result.evidence["blobs"] >= 1
    assert (
        result.evidence["digest"] == lab.registry_api.manifest("john123/my-flask-app", "v1").digest
    )


def test_pushed_but_never_pulled(lab):
    pushed(lab)
    result = lab.check("pull")
    assert not result.passed
    assert "no pull" in result.message and "docker rmi" in result.hint


def test_a_pull_served_from_the_local_cache_does_not_count(lab):
    pushed(lab)
    docker("rmi", lab.image())  # lab.source() still holds the image and its layers
    docker("pull", lab.image())
    result = lab.check("pull")
    assert not result.passed
    assert "local cache" in result.message
    assert f"docker rmi {lab.image()} {lab.source()}" in result.hint


def test_a_pull_before_the_push_does_not_count(lab):
    # Pulled once, then pushed again: the pull must come after the latest push.
    pushed(lab)
    pull_fresh(lab)
    docker("push", lab.image())
    result = lab.check("pull")
    assert not result.passed and "since you pushed" in result.message


def test_a_denied_pull_is_recognised(lab):
    pushed(lab)
    set_private(lab, True)
    docker("logout", lab.registry)
    docker("rmi", lab.image(), lab.source())
    assert docker("pull", lab.image(), check=False).returncode != 0
    result = lab.check("pull")
    assert not result.passed and "refused your pull" in result.message


def test_a_public_repository_pulls_without_login(lab):
    pushed(lab)
    docker("logout", lab.registry)
    docker("rmi", lab.image(), lab.source())
    docker("pull", lab.image())
    assert lab.check("pull").passed


def test_nothing_to_pull_before_a_push(lab):
    result = lab.check("pull")
    assert not result.passed and "nothing to pull" in result.message
