import pytest

from tests.conftest import docker

pytestmark = pytest.mark.docker


def test_tagging_with_registry_and_username_passes(lab, engine):
    docker("tag", lab.source(), lab.image())
    result = lab.check("tag")
    assert result.passed, result
    assert result.evidence["image_id"] == engine.image(lab.source()).id


def test_a_missing_tag_fails_with_the_tag_command(lab):
    result = lab.check("tag")
    assert not result.passed
    assert result.hint == f"Tag it: `!docker tag {lab.source()} {lab.image()}`"


def test_no_registry_host_means_docker_hub(lab):
    docker("tag", lab.source(), "john123/my-flask-app:v1")
    try:
        result = lab.check("tag")
        assert not result.passed
        assert "Docker Hub" in result.message and "john123/my-flask-app:v1" in result.message
        assert lab.image() in result.hint
    finally:
        docker("rmi", "john123/my-flask-app:v1")


def test_a_namespace_other_than_the_username_is_recognised(lab):
    docker("tag", lab.source(), f"{lab.registry}/john/my-flask-app:v1")
    result = lab.check("tag")
    assert not result.passed
    assert "namespace 'john'" in result.message and "'john123'" in result.message


def test_latest_instead_of_the_version_is_recognised(lab):
    docker("tag", lab.source(), lab.image("latest"))
    result = lab.check("tag")
    assert not result.passed
    assert "'latest'" in result.message


def test_a_non_local_registry_host_is_the_https_trap(lab):
    port = lab.registry.rsplit(":", 1)[1]
    docker("tag", lab.source(), f"classroom.invalid:{port}/john123/my-flask-app:v1")
    try:
        result = lab.check("tag")
        assert not result.passed
        assert "HTTP response to HTTPS client" in result.message
        assert lab.registry in result.hint
    finally:
        docker("rmi", f"classroom.invalid:{port}/john123/my-flask-app:v1")


def test_a_tag_pointing_at_another_image_fails(lab, engine):
    docker("tag", lab.images.registry, lab.image())
    result = lab.check("tag")
    assert not result.passed
    assert "different image" in result.message
    assert result.evidence["tagged"] == engine.image(lab.images.registry).id
