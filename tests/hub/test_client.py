"""grader.hub.client, without a hub: the parts that read what a hub or registry sent."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from grader.hub.client import Challenge, _claims

ACCESS = [{"type": "repository", "name": "ann/my-flask-app", "actions": ["pull", "push"]}]


def test_a_tokens_claims_are_read_as_the_token_service_signed_them():
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode({"access": ACCESS, "exp": 1, "sub": "ann"}, key, algorithm="ES256")
    claims = _claims(token)
    # Read, not verified (the registry verifies), and an expired token still says what it granted.
    assert claims["access"] == ACCESS and claims["sub"] == "ann"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.%%%.x"])
def test_anything_else_has_no_claims(token):
    assert _claims(token) == {}


def test_a_bearer_challenge_is_parsed_as_the_registry_sends_it():
    header = (
        'Bearer realm="http://localhost:5001/token",service="classroom-registry",'
        'scope="repository:ann/my-flask-app:pull,push"'
    )
    challenge = Challenge.parse(header)
    assert challenge == Challenge(
        "http://localhost:5001/token", "classroom-registry", "repository:ann/my-flask-app:pull,push"
    )


@pytest.mark.parametrize("header", ["", 'Basic realm="Registry Realm"', "Bearer"])
def test_no_bearer_challenge_no_parse(header):
    assert Challenge.parse(header) is None
