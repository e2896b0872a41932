import pytest

from tests.conftest import docker, login, pushed, set_private

pytestmark = pytest.mark.docker


def anonymous_pull(lab):
    docker("logout", lab.registry)
    return docker("pull", lab.image(), check=False)


def test_public_with_an_anonymous_pull_seen_passes(lab):
    pushed(lab)
    assert anonymous_pull(lab).returncode == 0
    result = lab.check("visibility", private=False)
    assert result.passed and "public" in result.message and "served" in result.message


def test_private_with_an_anonymous_pull_refused_passes(lab):
    pushed(lab)
    set_private(lab, True)
    assert anonymous_pull(lab).returncode != 0
    result = lab.check("visibility", private=True)
    assert result.passed and "refused" in result.message


def test_the_wrong_visibility_fails_with_where_to_change_it(lab):
    pushed(lab)
    result = lab.check("visibility", private=True)
    assert not result.passed and "is public, not private" in result.message
    assert f"/r/{lab.username}/my-flask-app" in result.hint and "Make private" in result.hint


def test_a_pull_from_before_the_change_does_not_count(lab):
    pushed(lab)
    assert anonymous_pull(lab).returncode == 0  # while public
    login(lab)
    set_private(lab, True)
    result = lab.check("visibility", private=True)
    assert not result.passed and "not tried an anonymous pull" in result.message


def test_a_logged_in_pull_is_not_an_anonymous_one(lab):
    pushed(lab)
    set_private(lab, True)
    docker("pull", lab.image())  # logged in: the owner pulls a private repository
    assert not lab.check("visibility", private=True).passed


def test_nothing_pushed_yet_fails(lab):
    result = lab.check("visibility")
    assert not result.passed and "first push creates it" in result.message
