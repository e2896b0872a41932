import base64
import json

import pytest

from tests.conftest import docker, login

pytestmark = pytest.mark.docker


def generated(lab, scope: str = "repo:write", label: str = "my notebook") -> dict:
    access = lab.hub_api.sign_in(lab.username, lab.password)
    return lab.hub_api.create_access_token(access, label, scope)


def test_a_login_with_a_read_and_write_token_you_generated_passes(lab):
    token = generated(lab)
    lab.save_token(token["token"])
    login(lab)
    result = lab.check("token")
    assert result.passed and "'my notebook'" in result.message and "Read & Write" in result.message
    assert result.evidence["uuid"] == token["uuid"]


def test_the_token_the_course_made_does_not_count(lab):
    login(lab)  # lab.token: made by the course for the lab
    result = lab.check("token")
    assert not result.passed and "the course made" in result.message
    assert "/settings/personal-access-tokens" in result.hint


def test_a_read_only_token_is_named_for_what_it_cannot_do(lab):
    lab.save_token(generated(lab, "repo:read", "pull only")["token"])
    login(lab)
    result = lab.check("token")
    assert (
        not result.passed
        and "Read-only" in result.message
        and "insufficient scopes" in result.message
    )


def test_a_deactivated_token_fails_and_says_so(lab):
    token = generated(lab)
    lab.save_token(token["token"])
    login(lab)
    access = lab.hub_api.sign_in(lab.username, lab.password)
    lab.hub_api.set_access_token_active(access, token["uuid"], False)
    result = lab.check("token")
    assert not result.passed and "inactive" in result.message


def test_a_token_docker_never_used_fails(lab):
    # The token is in the lab's Docker configuration, but written there by hand, not by a login.
    token = generated(lab)
    lab.save_token(token["token"])
    secret = base64.b64encode(f"{lab.username}:{token['token']}".encode()).decode()
    lab.config.path.write_text(json.dumps({"auths": {lab.registry: {"auth": secret}}}))
    result = lab.check("token")
    assert not result.passed and "has not seen docker use" in result.message


def test_a_password_login_fails(lab):
    login(lab, secret=lab.password)
    result = lab.check("token")
    assert not result.passed and "password" in result.message


def test_not_logged_in_fails(lab):
    docker("logout", lab.registry)
    assert not lab.check("token").passed
