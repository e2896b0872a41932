import pytest

from tests.conftest import docker, login, pushed, set_lab_token_active, tag_and_push
from tests.hub.test_hub import DENIED

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_a_real_push_passes_and_matches_the_local_image(lab, engine):
    pushed(lab)
    result = lab.check("push")
    assert result.passed, result
    assert result.points == 2
    manifest = lab.registry_api.manifest("john123/my-flask-app", "v1")
    assert result.evidence["digest"] == manifest.digest
    local = engine.image(lab.source()).id
    assert result.evidence["image_id"] == local
    if engine.info.containerd_store:  # the image ID is the digest of what was pushed
        assert local == manifest.digest
    else:  # the image ID is the config's digest
        assert local == manifest.config_digest


def test_nothing_pushed_yet(lab):
    login(lab)
    docker("tag", lab.source(), lab.image())
    result = lab.check("push")
    assert not result.passed
    assert result.hint == f"Push it: `!docker push {lab.image()}`"


def test_a_push_without_login_is_denied(lab):
    docker("tag", lab.source(), lab.image())
    attempt = docker("push", lab.image(), check=False)
    assert attempt.returncode != 0
    result = lab.check("push")
    assert not result.passed
    assert "no credential was sent" in result.message and "docker login" in result.hint


def test_a_push_with_a_wrong_credential_is_denied(lab):
    # A credential in the lab's config that the hub no longer accepts (its token deactivated).
    login(lab)
    set_lab_token_active(lab, False)
    docker("tag", lab.source(), lab.image())
    assert docker("push", lab.image(), check=False).returncode != 0
    result = lab.check("push")
    assert not result.passed
    assert "refused your push as 'john123': access token is inactive" in result.message


def test_pushing_under_another_namespace_is_recognised(lab):
    login(lab)
    other = f"{lab.registry}/john/my-flask-app:v1"
    docker("tag", lab.source(), other)
    refused = docker("push", other, check=False)  # only john may push there, as on Docker Hub
    assert refused.returncode != 0 and any(t in refused.stderr + refused.stdout for t in DENIED)
    result = lab.check("push")
    assert not result.passed
    assert "john/my-flask-app" in result.message and "'john123'" in result.message


def test_pushing_only_latest_is_recognised(lab):
    login(lab)
    tag_and_push(lab, "latest")
    result = lab.check("push")
    assert not result.passed
    assert "you pushed 'latest'" in result.message


def test_pushing_toward_docker_hub_is_recognised(lab):
    login(lab)
    docker("tag", lab.source(), "john123/my-flask-app:v1")
    try:
        attempt = docker("push", "john123/my-flask-app:v1", check=False, timeout=120)
        assert attempt.returncode != 0  # no Docker Hub here; in a classroom, the wrong registry
        result = lab.check("push")
        assert not result.passed
        assert "Nothing reached the classroom registry" in result.message
        assert "Docker Hub" in result.message
    finally:
        docker("rmi", "john123/my-flask-app:v1")


def test_pushing_another_image_under_the_name_fails(lab, engine):
    login(lab)
    tag_and_push(lab, source=lab.images.registry)
    result = lab.check("push")
    assert not result.passed
    assert "not your app's image" in result.message
    assert result.evidence["registry_image"] == engine.image(lab.images.registry).id
    assert result.evidence["local_image"] == engine.image(lab.source()).id
