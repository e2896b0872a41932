import pytest

from grader.errors import InvalidReference, InvalidUsername
from grader.names import is_semver_tag, parse_reference, same_image_name, validate_username


@pytest.mark.parametrize("name", ["john123", "abcd", "a" * 30, "0000"])
def test_valid_usernames_are_accepted(name):
    assert validate_username(name) == name


@pytest.mark.parametrize(
    "name, reason",
    [
        ("", "empty"),
        ("abc", "fewer than 4"),
        ("a" * 31, "more than 30"),
        ("John123", "uppercase"),
        ("john_123", "'_'"),
        ("john-123", "'-'"),
        ("jöhn123", "'ö'"),
        ("john 123", "' '"),
        (None, "empty"),
        (12345, "empty"),
    ],
)
def test_invalid_usernames_are_refused_with_the_reason(name, reason):
    with pytest.raises(InvalidUsername) as refused:
        validate_username(name)
    assert reason in refused.value.message
    assert "lowercase letters and digits" in refused.value.fix


def test_a_fixable_username_gets_a_suggestion():
    with pytest.raises(InvalidUsername) as refused:
        validate_username("John_123")
    assert '"john123"' in refused.value.fix


@pytest.mark.parametrize(
    "text, domain, path, tag",
    [
        ("my-flask-app:v1", None, "my-flask-app", "v1"),
        ("john123/my-flask-app:v1", None, "john123/my-flask-app", "v1"),
        ("localhost:5000/john123/my-flask-app:v1", "localhost:5000", "john123/my-flask-app", "v1"),
        ("localhost/john123/app", "localhost", "john123/app", None),
        ("docker.io/library/python:3.12-slim", "docker.io", "library/python", "3.12-slim"),
        ("127.0.0.1:5000/a/b/c:latest", "127.0.0.1:5000", "a/b/c", "latest"),
    ],
)
def test_references_split_as_the_docker_cli_splits_them(text, domain, path, tag):
    ref = parse_reference(text)
    assert (ref.domain, ref.path, ref.tag) == (domain, path, tag)
    assert str(ref) == text


def test_reference_parts():
    ref = parse_reference("localhost:5000/john123/my-flask-app:v1")
    assert (ref.host, ref.port, ref.namespace, ref.repository) == (
        "localhost",
        5000,
        "john123",
        "my-flask-app",
    )
    assert parse_reference("john123/my-flask-app").registry == "docker.io"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("My-Flask-App:v1", "lowercase"),
        ("john123/my flask app", "space"),
        ("my-flask-app:", "tag after ':' is empty"),
        ("john123//app", "empty path component"),
        ("app:v1:v2", "more than one ':'"),
        ("app:-bad", "characters"),
        (None, "empty"),
    ],
)
def test_malformed_references_are_refused_with_the_reason(text, reason):
    with pytest.raises(InvalidReference) as refused:
        parse_reference(text)
    assert reason in refused.value.message
    assert "REPOSITORY" in refused.value.fix


@pytest.mark.parametrize(
    "tag, semver",
    [
        ("v1.0.0", True),
        ("1.2.3", True),
        ("v1", False),
        ("latest", False),
        ("v1.0", False),
        ("v01.0.0", False),
    ],
)
def test_semantic_version_tags(tag, semver):
    assert is_semver_tag(tag) is semver


def test_docker_hub_names_compare_in_full_form():
    assert same_image_name("alice123/app:v1", "docker.io/alice123/app:v1")
    assert same_image_name("nginx", "docker.io/library/nginx:latest")
    assert not same_image_name("alice123/app:v1", "localhost:5000/alice123/app:v1")
    assert parse_reference("alice123/app@sha256:" + "a" * 64).full.startswith("docker.io/")
