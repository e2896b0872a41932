import pytest

from tests.conftest import docker, login, tag_and_push

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def build_v110(lab):
    """The app after a one-line change, built as v1.1.0 (as the lesson does)."""
    from grader.infra.images import asset

    docker("build", "-q", "-t", lab.source("v1.1.0"), "--build-arg", "APP_VERSION=v1.1.0",
           "--build-arg", f"BASE_IMAGE={lab.images.base}", str(asset("my-flask-app")))  # fmt: skip


@pytest.fixture
def released(lab):
    login(lab)
    tag_and_push(lab, "v1")
    tag_and_push(lab, "v1.0.0")
    build_v110(lab)
    yield lab
    docker("rmi", lab.source("v1.1.0"), check=False)


def test_two_releases_with_v1_equal_to_v1_0_0_pass(released):
    tag_and_push(released, "v1.1.0", source=released.source("v1.1.0"))
    result = released.check("versioning")
    assert result.passed, result
    assert result.evidence["tags"] == ["v1", "v1.0.0", "v1.1.0"]


def test_latest_fails(released):
    tag_and_push(released, "v1.1.0", source=released.source("v1.1.0"))
    tag_and_push(released, "latest", source=released.source("v1.1.0"))
    result = released.check("versioning")
    assert not result.passed and "'latest' tag" in result.message


def test_one_release_is_not_versioning(released):
    result = released.check("versioning")
    assert not result.passed and "1 semantic-version tag" in result.message


def test_two_version_tags_on_the_same_image_are_not_two_releases(released):
    tag_and_push(released, "v1.1.0", source=released.source())
    result = released.check("versioning")
    assert not result.passed and "same image" in result.message


def test_v1_must_equal_v1_0_0(lab):
    login(lab)
    build_v110(lab)
    try:
        tag_and_push(lab, "v1", source=lab.source("v1.1.0"))
        tag_and_push(lab, "v1.0.0")
        tag_and_push(lab, "v1.1.0", source=lab.source("v1.1.0"))
        result = lab.check("versioning")
        assert not result.passed and "v1 and v1.0.0 must name the same image" in result.message
    finally:
        docker("rmi", lab.source("v1.1.0"), check=False)


def test_nothing_pushed(lab):
    assert not lab.check("versioning").passed
