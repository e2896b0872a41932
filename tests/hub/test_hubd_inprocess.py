"""The classroom hub's server (``grader/assets/hub``) in this process, no Docker: each test starts
the real server (``hubd.build``) on a free port with its own data and certificate folders, and
talks to it over HTTP as the registry, the docker CLI, the grader and a browser do. The tags
API's tests read the real registry (Distribution: Debian's ``docker-registry``, in a subprocess)
with token auth from that hub, an image pushed into it over its HTTP API with the hub's token.
The hub, its client and the fixtures (``start``, ``running``, ``alice``) are in
``tests/hub/inprocess.py`` and ``tests/hub/conftest.py``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
import requests

from tests.hub.cases import bad_inputs, said
from tests.hub.inprocess import (
    ADMIN,
    ADMIN_SECRET,
    DENIED,
    HUB_DIR,
    IMAGE_CONFIG,
    INCORRECT,
    INSUFFICIENT,
    OCI_MANIFEST,
    REGISTRY_AUTH,
    free_port,
    hub,
    pushed,
    sha256_digest,
    verified_claims,
)  # fmt: skip

# --- settings ------------------------------------------------------------------------------------


def test_settings_default_to_the_containers_values():
    settings = hub.settings.Settings.from_environ({})
    assert settings == hub.settings.Settings()
    assert (settings.service, settings.issuer) == ("classroom-registry", "classroom-hub")
    assert (settings.admin, settings.admin_sha256, settings.events_secret) == ("", "", "")
    assert (settings.registry, settings.registry_host) == (
        "http://127.0.0.1:5000",
        "localhost:5000",
    )
    assert (settings.data, settings.certs) == (Path("/var/lib/hub"), Path("/certs"))
    assert (settings.port, settings.sign_in_limit) == (8080, 10)


def test_settings_read_every_hub_variable():
    environ = {
        "HUB_SERVICE": "svc", "HUB_ISSUER": "iss", "HUB_ADMIN": "boss", "HUB_ADMIN_SHA256": "ab",
        "HUB_EVENTS_SECRET": "ev", "HUB_REGISTRY": "http://reg:1", "HUB_REGISTRY_HOST": "h:2",
        "HUB_DATA": "/d", "HUB_CERTS": "/c", "HUB_PORT": "9090", "HUB_SIGN_IN_LIMIT": "3",
        "PATH": "/bin",  # anything else is ignored
    }  # fmt: skip
    assert hub.settings.Settings.from_environ(environ) == hub.settings.Settings(
        service="svc", issuer="iss", admin="boss", admin_sha256="ab", events_secret="ev",
        registry="http://reg:1", registry_host="h:2", data=Path("/d"), certs=Path("/c"),
        port=9090, sign_in_limit=3,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["HUB_PORT", "HUB_SIGN_IN_LIMIT"])
def test_a_number_that_is_not_one_is_a_clear_error(name):
    with pytest.raises(ValueError, match=f"^{name} is a whole number, not 'eighty'$"):
        hub.settings.Settings.from_environ({name: "eighty"})


def test_settings_are_frozen_and_keep_their_secrets_out_of_repr():
    settings = hub.settings.Settings(admin_sha256="hash-of-it", events_secret="s3cret")
    with pytest.raises(FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]
    assert "s3cret" not in repr(settings) and "hash-of-it" not in repr(settings)


def test_importing_the_hub_reads_no_environment():
    """Even a HUB_PORT that is no number: only ``main()`` reads the environment."""
    done = subprocess.run(
        [sys.executable, "-c", "import hubd, settings; print(hubd.Settings is settings.Settings)"],
        cwd=HUB_DIR, env={"HUB_PORT": "not-a-port", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "True", done.stderr


def test_every_module_of_the_hub_stays_small():
    sizes = {p.name: len(p.read_text().splitlines()) for p in HUB_DIR.glob("*.py")}
    assert {"hubd.py", "settings.py", "web.py", "auth.py", "api.py", "admin.py"} <= set(sizes)
    assert max(sizes.values()) <= 600, sizes


# --- the entry point -----------------------------------------------------------------------------


def test_hubd_py_as_a_script_serves_until_interrupted(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1",
        "HUB_PORT": str(port), "HUB_DATA": str(tmp_path / "data"),
        "HUB_CERTS": str(tmp_path / "certs"), "HUB_ISSUER": "script-hub",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-u", str(HUB_DIR / "hubd.py")], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["msg"] == "hub ready" and ready["port"] == port, ready
        assert (ready["service"], ready["issuer"]) == ("classroom-registry", "script-hub")
        session = requests.Session()
        session.trust_env = False
        assert session.get(f"http://127.0.0.1:{port}/_ping", timeout=10).json() == {"ok": True}
        assert (tmp_path / "certs" / "hub.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE")
        assert (tmp_path / "data" / "hub.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr


def test_hubd_py_with_a_bad_port_says_which_variable(tmp_path):
    done = subprocess.run(
        [sys.executable, "-u", str(HUB_DIR / "hubd.py")],
        env={"HUB_PORT": "eighty", "HUB_DATA": str(tmp_path), "HUB_CERTS": str(tmp_path),
             "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0 and "HUB_PORT is a whole number, not 'eighty'" in done.stderr


def test_the_signing_key_is_made_once_and_kept(start, tmp_path):
    first = start(HUB_DATA=str(tmp_path / "kept"), HUB_CERTS=str(tmp_path / "certs1"))
    key = first.settings.data / "private" / "signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    again = start(HUB_DATA=str(tmp_path / "kept"), HUB_CERTS=str(tmp_path / "certs2"))
    assert again.cert == first.cert  # the same key and certificate after a restart


# --- plumbing ------------------------------------------------------------------------------------


def test_ping_and_the_answers_headers(running):
    ping = running.get("/_ping")
    assert ping.status_code == 200 and ping.json() == {"ok": True}
    assert ping.headers["Content-Type"] == "application/json"
    assert ping.headers["Cache-Control"] == "no-store"
    assert ping.headers["X-Content-Type-Options"] == "nosniff"
    assert ping.headers["Server"].startswith("classroom-hub")
    head = running.request("HEAD", "/_ping")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == ping.headers["Content-Length"]


def test_unknown_paths_and_methods(running):
    missing = running.get("/v2/nothing-here")
    assert missing.status_code == 404 and missing.json()["message"] == "not found"
    page = running.get("/nothing-here")  # not an API path: an HTML page
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    wrong = running.request("DELETE", "/_ping")
    assert wrong.status_code == 405 and wrong.json()["message"] == "DELETE is not allowed here"


def test_bodies_too_large_or_not_json_are_refused(running):
    big = running.post("/v2/auth/token", data=b"x" * 70000)
    assert big.status_code == 413 and big.json()["message"] == "request body too large"
    bad = running.post("/v2/auth/token", data=b"{not json")
    assert bad.status_code == 400 and said(bad) == "the request body is not JSON"
    listed = running.post("/v2/auth/token", json=["a list"])
    assert listed.status_code == 400 and "JSON object" in said(listed)


# --- the grader's calls --------------------------------------------------------------------------


def test_the_grader_makes_accounts_and_course_tokens(running):
    made = running.account("alice1234", "alices-password", scope="repo:write")
    token = made["token"]
    assert made["username"] == "alice1234" and token["token"].startswith("dckr_pat_")
    assert len(token["token"]) == len("dckr_pat_") + 27
    assert token["scopes"] == ["repo:write"] and token["generated_by"] == "course"
    listed = running.get("/_admin/accounts", auth=(ADMIN, ADMIN_SECRET)).json()
    assert listed == {"accounts": ["alice1234"], "signed_up": []}  # never the grader's own
    more = running.post(
        "/_admin/accounts/alice1234/access-tokens",
        json={"token_label": "graded lab", "scopes": ["repo:read"]},
        auth=(ADMIN, ADMIN_SECRET),
    )
    assert more.status_code == 201 and more.json()["token_label"] == "graded lab"
    nobody = running.post(
        "/_admin/accounts/nobody123/access-tokens",
        json={"token_label": "x", "scopes": ["repo:read"]}, auth=(ADMIN, ADMIN_SECRET),
    )  # fmt: skip
    assert nobody.status_code == 404 and "no account 'nobody123'" in nobody.json()["message"]


def test_the_grader_identifies_a_token_without_using_it(running):
    secret = running.account("alice1234", "alices-password", scope="repo:read")["token"]["token"]
    check = {"username": "alice1234", "secret": secret}
    found = running.post("/_admin/identify", json=check, auth=(ADMIN, ADMIN_SECRET))
    assert found.status_code == 200 and found.json()["last_used"] is None
    assert found.json()["token"] == ""  # never the secret
    running.registry_token(auth=("alice1234", secret))  # a docker login uses it
    again = running.post("/_admin/identify", json=check, auth=(ADMIN, ADMIN_SECRET)).json()
    assert again["uuid"] == found.json()["uuid"] and again["last_used"]
    unknown = running.post(
        "/_admin/identify", json={**check, "secret": "dckr_pat_nope"}, auth=(ADMIN, ADMIN_SECRET)
    )
    assert unknown.status_code == 404


def test_admin_calls_need_the_graders_secret(running, alice):
    body = {"username": "mallory99", "password": "mallorys-password"}
    anonymous = running.post("/_admin/accounts", json=body)
    assert anonymous.status_code == 403 and anonymous.json()["message"] == "the grader's own call"
    learner = running.post("/_admin/accounts", json=body, auth=alice)
    assert learner.status_code == 403
    wrong = running.post("/_admin/accounts", json=body, auth=(ADMIN, "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["message"] == INCORRECT
    assert running.get("/_admin/accounts", auth=(ADMIN, ADMIN_SECRET)).json()["accounts"] == [
        "alice1234"
    ]


def test_without_hub_admin_there_is_no_grader(start):
    bare = start(HUB_ADMIN="", HUB_ADMIN_SHA256="")
    refused = bare.get("/_admin/accounts", auth=(ADMIN, ADMIN_SECRET))
    assert refused.status_code == 401 and refused.json()["message"] == INCORRECT


def test_account_rules(running):
    short = running.post(
        "/_admin/accounts", json={"username": "al", "password": "alices-password"},
        auth=(ADMIN, ADMIN_SECRET),
    )  # fmt: skip
    assert short.status_code == 400 and short.json()["errinfo"] == {"field": "username"}
    weak = running.post(
        "/_admin/accounts", json={"username": "alice1234", "password": "short"},
        auth=(ADMIN, ADMIN_SECRET),
    )  # fmt: skip
    assert weak.status_code == 400 and "at least 9 characters" in weak.json()["message"]


# --- Docker Hub's API: sign-in and access tokens -------------------------------------------------


def test_api_sign_in_with_a_password_and_a_wrong_one(running, alice, capsys):
    signed = running.post("/v2/auth/token", json={"identifier": alice[0], "secret": alice[1]})
    assert signed.status_code == 200 and len(signed.json()["access_token"]) > 30
    wrong = running.post("/v2/auth/token", json={"identifier": alice[0], "secret": "nope-nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"message": INCORRECT, "detail": INCORRECT}  # Docker Hub's Error
    nobody = running.post("/v2/auth/token", json={"identifier": "nobody123", "secret": "x" * 9})
    assert nobody.status_code == 401 and nobody.json()["message"] == INCORRECT
    missing = running.post("/v2/auth/token", json={"identifier": alice[0]})
    assert missing.status_code == 401 and "required" in said(missing)  # the only refusal described
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    signed_in = {"msg": "signed in", "account": alice[0], "via": "api", "credential": "password"}
    assert signed_in.items() <= logged[0].items()
    assert logged[1]["msg"] == "sign-in refused" and logged[1]["error"] == INCORRECT


def test_sign_in_failures_are_rate_limited(start):
    limited = start(HUB_SIGN_IN_LIMIT="3")
    limited.account("alice1234", "alices-password")
    for _ in range(3):
        wrong = limited.post("/v2/auth/token", json={"identifier": "alice1234", "secret": "x" * 9})
        assert wrong.status_code == 401
    right = limited.post(
        "/v2/auth/token", json={"identifier": "alice1234", "secret": "alices-password"}
    )
    assert right.status_code == 429, right.text  # even the right password, for a minute
    assert right.json()["message"].startswith("too many failed sign-in attempts: try again in ")
    assert 0 < int(right.headers["Retry-After"]) <= 61 and "errinfo" not in right.json()
    token = limited.registry_token(auth=("alice1234", "alices-password"))
    assert token.status_code == 429  # the token service shares the limit
    page = limited.post("/login", data={"username": "alice1234", "password": "alices-password"})
    assert page.status_code == 429 and "Too many failed sign-in attempts" in page.text


def test_access_tokens_are_made_listed_switched_and_deleted(running, alice):
    made = running.new_token(*alice, "repo:write", expires_at="2999-01-01T00:00:00Z")
    assert made["token"].startswith("dckr_pat_") and made["scopes"] == ["repo:write"]
    assert made["is_active"] is True and made["expires_at"] == "2999-01-01T00:00:00Z"
    assert made["generated_by"] == "manual" and made["token_label"] == "repo:write token"
    owner = running.bearer(*alice)
    listing = running.get("/v2/access-tokens", headers=owner).json()
    assert listing["count"] == 1 and listing["active_count"] == 1
    assert listing["results"][0]["uuid"] == made["uuid"] and listing["results"][0]["token"] == ""
    assert made["token"] not in json.dumps(listing)  # shown once, when made
    # The token signs in too (the API and the token service), until it is switched off.
    assert running.sign_in(alice[0], made["token"])
    off = running.request(
        "PATCH", f"/v2/access-tokens/{made['uuid']}", json={"is_active": False}, headers=owner
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    refused = running.registry_token(auth=(alice[0], made["token"]))
    assert refused.status_code == 401 and refused.json()["message"] == "access token is inactive"
    gone = running.request("DELETE", f"/v2/access-tokens/{made['uuid']}", headers=owner)
    assert gone.status_code == 204
    refused = running.registry_token(auth=(alice[0], made["token"]))
    assert refused.status_code == 401 and refused.json()["message"] == INCORRECT
    again = running.request("DELETE", f"/v2/access-tokens/{made['uuid']}", headers=owner)
    assert again.status_code == 404


def test_an_expired_token_is_refused(running, alice):
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    made = running.new_token(*alice, "repo:read", expires_at=soon)
    assert running.registry_token(auth=(alice[0], made["token"])).status_code == 200
    time.sleep(2.5)
    refused = running.registry_token(auth=(alice[0], made["token"]))
    assert refused.status_code == 401 and refused.json()["message"] == "access token has expired"


def test_tokens_cannot_manage_tokens_and_the_api_needs_a_session(running, alice):
    pat = running.new_token(*alice, "repo:admin")["token"]
    with_token = running.bearer(alice[0], pat)
    refused = running.post(
        "/v2/access-tokens", json={"token_label": "x", "scopes": ["repo:read"]}, headers=with_token
    )
    assert (
        refused.status_code == 401 and "access tokens cannot manage access tokens" in refused.text
    )
    anonymous = running.get("/v2/access-tokens")
    assert anonymous.status_code == 401 and "sign in with POST /v2/auth/token" in anonymous.text
    forged = running.get("/v2/access-tokens", headers={"Authorization": "Bearer made-up"})
    assert forged.status_code == 401


def test_bad_input_gets_a_clear_error_and_changes_nothing(running, alice):
    owner = running.bearer(*alice)
    first = running.new_token(*alice, "repo:read")
    cases = bad_inputs("alice1234", first["uuid"])
    for method, path, kw, status, text in cases:
        answer = running.request(method, path, headers=owner, **kw)
        assert answer.status_code == status, (path, kw, answer.text)
        assert text in said(answer), (path, answer.text)
    tokens = running.get("/v2/access-tokens", headers=owner).json()["results"]
    assert [(t["uuid"], t["is_active"]) for t in tokens] == [(first["uuid"], True)]
    assert running.get("/v2/namespaces/alice1234/repositories", headers=owner).json()["count"] == 0


# --- Docker Hub's API: repositories --------------------------------------------------------------


def test_repositories_public_private_and_the_free_plans_limit(running, alice):
    owner = running.bearer(*alice)
    base = "/v2/namespaces/alice1234/repositories"
    public = running.post(base, json={"name": "open-one", "namespace": "alice1234"}, headers=owner)
    assert public.status_code == 201 and public.json()["is_private"] is False
    private = running.post(
        base,
        json={"name": "secret-one", "namespace": "alice1234", "is_private": True},
        headers=owner,
    )
    assert private.status_code == 201 and private.json()["namespace"] == "alice1234"
    second = running.post(
        base,
        json={"name": "secret-two", "namespace": "alice1234", "is_private": True},
        headers=owner,
    )
    assert second.status_code == 403 and "allows 1 private repository" in second.text
    again = running.post(base, json={"name": "open-one", "namespace": "alice1234"}, headers=owner)
    assert again.status_code == 400 and "already exists" in said(again)  # no 409 in the description
    # Anyone sees the public one; only its owner the private one.
    assert running.get(base + "/secret-one").status_code == 404
    assert running.get(base + "/secret-one", headers=owner).json()["is_private"] is True
    assert [r["name"] for r in running.get(base).json()["results"]] == ["open-one"]
    mine = running.get(base, headers=owner).json()["results"]
    assert [r["name"] for r in mine] == ["open-one", "secret-one"]
    # Changing visibility needs the owner and Read, Write, Delete (a password has it all).
    swap = running.request("PATCH", base + "/secret-one", json={"is_private": False}, headers=owner)
    assert swap.status_code == 200 and swap.json()["is_private"] is False
    writer = running.bearer(alice[0], running.new_token(*alice, "repo:write")["token"])
    refused = running.request(
        "PATCH", base + "/open-one", json={"is_private": True}, headers=writer
    )
    assert refused.status_code == 403 and INSUFFICIENT in refused.json()["message"]


# --- the registry's token service ----------------------------------------------------------------


def test_anonymous_token_without_scope_is_signed_by_the_hubs_key(start):
    running = start(HUB_SERVICE="my-registry", HUB_ISSUER="my-hub")
    answer = running.registry_token()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token"] == body["access_token"] and body["expires_in"] == 300
    assert body["scope"] == "" and body["issued_at"].endswith("Z")
    claims = verified_claims(body["token"], running.cert)
    assert (claims["iss"], claims["aud"], claims["sub"]) == ("my-hub", "my-registry", "")
    assert claims["access"] == [] and claims["exp"] - claims["iat"] == 300
    other = running.get("/token", params={"service": "classroom-registry"})
    assert other.status_code == 400 and "unknown service 'classroom-registry'" in other.text


def test_an_owner_gets_pull_and_push_on_their_own_repository(running, alice, capsys):
    answer = running.registry_token("repository:alice1234/app:pull,push", auth=alice)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "repository:alice1234/app:pull,push"
    claims = verified_claims(answer.json()["token"], running.cert)
    assert claims["sub"] == "alice1234"
    assert claims["access"] == [
        {"type": "repository", "name": "alice1234/app", "actions": ["pull", "push"]}
    ]
    issued = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert issued["msg"] == "token issued" and issued["account"] == "alice1234"
    assert issued["credential"] == "password"
    assert issued["repositories"] == {"alice1234/app": "missing"}


def test_a_push_into_another_namespace_is_refused(running, alice, capsys):
    running.account("bobby5678", "bobbys-password")
    bob = ("bobby5678", "bobbys-password")
    refused = running.registry_token("repository:alice1234/app:pull,push", auth=bob)
    assert refused.status_code == 401 and refused.json() == {"message": DENIED, "details": DENIED}
    anonymous = running.registry_token("repository:alice1234/app:push")
    assert anonymous.status_code == 401 and anonymous.json()["message"] == DENIED
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    refusals = [e for e in logged if e["msg"] == "token refused"]
    assert [(e["account"], e["credential"], e["status"]) for e in refusals] == [
        ("bobby5678", "password", 401), ("", "anonymous", 401),
    ]  # fmt: skip


def test_public_and_private_repositories_pulls(running, alice):
    owner = running.bearer(*alice)
    base = "/v2/namespaces/alice1234/repositories"
    running.post(base, json={"name": "open", "namespace": "alice1234"}, headers=owner)
    running.post(
        base, json={"name": "shut", "namespace": "alice1234", "is_private": True}, headers=owner
    )
    running.account("bobby5678", "bobbys-password")

    def actions(name: str, auth=None) -> list[str]:
        answer = running.registry_token(f"repository:alice1234/{name}:pull", auth=auth)
        assert answer.status_code == 200, answer.text
        (granted,) = verified_claims(answer.json()["token"], running.cert)["access"]
        return granted["actions"]

    assert actions("open") == ["pull"]  # anyone pulls a public one
    assert actions("shut") == []  # not a private one (a token without the action)
    assert actions("shut", ("bobby5678", "bobbys-password")) == []
    assert actions("shut", alice) == ["pull"]
    assert actions("shut", (ADMIN, ADMIN_SECRET)) == ["pull"]  # the grader reads every one


@pytest.mark.parametrize(
    "scope, allowed",
    [
        ("repo:public_read", set()),
        ("repo:read", {"pull"}),
        ("repo:write", {"pull", "push"}),
        ("repo:admin", {"pull", "push", "delete"}),
    ],
)
def test_each_token_permission_grants_what_docker_hubs_does(running, alice, scope, allowed):
    running.post(
        "/v2/namespaces/alice1234/repositories",
        json={"name": "app", "namespace": "alice1234", "is_private": True},
        headers=running.bearer(*alice),
    )
    secret = running.new_token(*alice, scope)["token"]
    for action in ("pull", "push", "delete"):
        answer = running.registry_token(
            f"repository:alice1234/app:{action}", auth=(alice[0], secret)
        )
        if action in allowed:
            assert answer.status_code == 200, (action, answer.text)
            (granted,) = verified_claims(answer.json()["token"], running.cert)["access"]
            assert granted["actions"] == [action]
        elif action == "pull":  # a pull it may not do: a token without it
            access = verified_claims(answer.json()["token"], running.cert)["access"]
            assert access[0]["actions"] == []
        else:
            assert answer.status_code == 401, (action, answer.text)
            assert answer.json()["message"] == INSUFFICIENT


def test_the_catalog_is_the_graders_alone(running, alice):
    graders = running.registry_token("registry:catalog:*", auth=(ADMIN, ADMIN_SECRET))
    access = verified_claims(graders.json()["token"], running.cert)["access"]
    assert access == [{"type": "registry", "name": "catalog", "actions": ["*"]}]
    learners = running.registry_token("registry:catalog:*", auth=alice)
    assert verified_claims(learners.json()["token"], running.cert)["access"] == []


def test_containerds_oauth_form_gets_a_token_too(running, alice):
    form = {
        "grant_type": "password", "username": alice[0], "password": alice[1],
        "service": "classroom-registry", "scope": "repository:alice1234/app:pull,push",
    }  # fmt: skip
    answer = running.post("/token", data=form)
    assert answer.status_code == 200, answer.text
    claims = verified_claims(answer.json()["access_token"], running.cert)
    assert claims["access"][0]["actions"] == ["pull", "push"]
    other = running.post("/token", data={**form, "grant_type": "client_credentials"})
    assert other.status_code == 400 and "unsupported grant_type" in other.text
    wrong = running.post("/token", data={**form, "password": "not-hers-at-all"})
    assert wrong.status_code == 401 and wrong.json()["message"] == INCORRECT


def test_bad_basic_credentials(running):
    answer = running.get("/token", headers={"Authorization": "Basic !!!not-base64"})
    assert answer.status_code == 400 and "not valid Basic credentials" in answer.text
    other = running.get("/token", headers={"Authorization": "Digest x"})
    assert other.status_code == 401 and "use Basic authentication" in other.text


# --- the registry: notifications and tags --------------------------------------------------------


def test_registry_events_need_the_registrys_secret(running):
    event = pushed("alice1234/app", "v1")
    refused = running.post("/_registry/events", json=event)
    assert refused.status_code == 401 and refused.json()["message"] == "not the registry"
    wrong = running.post("/_registry/events", json=event, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    taken = running.post("/_registry/events", json=event, headers=REGISTRY_AUTH)
    assert taken.status_code == 200 and taken.json() == {}
    found = running.get("/v2/namespaces/alice1234/repositories/app").json()
    assert found["is_private"] is False and found["last_updated"]  # a first push: public
    blob = pushed("alice1234/layers", "v1", media="application/octet-stream")  # not an image
    running.post("/_registry/events", json=blob, headers=REGISTRY_AUTH)
    assert running.get("/v2/namespaces/alice1234/repositories/layers").status_code == 404


def test_the_tags_api_reads_the_registry_with_a_token_the_hub_signed(with_registry):
    running = with_registry
    push = pushed("alice1234/app", "v1", digest=running.digest, timestamp="2025-01-02T03:04:05Z")
    assert running.post("/_registry/events", json=push, headers=REGISTRY_AUTH).ok
    answer = running.get("/v2/namespaces/alice1234/repositories/app/tags")
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    assert listing["count"] == 1 and listing["next"] is None and listing["previous"] is None
    (tag,) = listing["results"]
    assert tag["name"] == "v1" and tag["digest"] == running.digest
    assert tag["full_size"] == 1234 and tag["media_type"] == OCI_MANIFEST
    assert tag["last_updater_username"] == "alice1234"
    assert tag["tag_last_pushed"] == "2025-01-02T03:04:05Z"
    (image,) = tag["images"]
    assert (image["os"], image["architecture"], image["variant"]) == ("linux", "arm64", "v8")
    one = running.get("/v2/namespaces/alice1234/repositories/app/tags/v1")
    assert one.status_code == 200 and one.json()["digest"] == tag["digest"]
    assert running.get("/v2/namespaces/alice1234/repositories/app/tags/v2").status_code == 404
    hub_reads = {
        (subject, method, path)
        for subject, client, method, path in running.registry.authorized()
        if client == "Python-urllib"  # the hub's reads (urllib), not the fixture's push
    }
    assert hub_reads == {
        ("hub", "GET", "/v2/alice1234/app/tags/list"),
        ("hub", "GET", "/v2/alice1234/app/manifests/v1"),
        ("hub", "GET", f"/v2/alice1234/app/blobs/{sha256_digest(IMAGE_CONFIG)}"),
    }  # the hub's own pull tokens, as the registry saw them


def test_a_repository_the_registry_has_before_its_push_event_is_public(with_registry):
    running = with_registry  # no event yet: the hub asks the registry and records it
    found = running.get("/v2/namespaces/alice1234/repositories/app")
    assert found.status_code == 200 and found.json()["is_private"] is False
    assert running.get("/v2/namespaces/alice1234/repositories/other").status_code == 404


# --- the pages -----------------------------------------------------------------------------------


def test_the_pages_sign_in_make_a_token_once_and_guard_their_forms(running, alice):
    tokens = "/settings/personal-access-tokens"
    away = running.get(tokens, allow_redirects=False)
    assert away.status_code == 303 and away.headers["Location"] == "/login?next=" + tokens
    wrong = running.post("/login", data={"username": alice[0], "password": "not-it-at-all"})
    assert wrong.status_code == 401 and "Incorrect username or password" in wrong.text
    landed = running.post(
        "/login", data={"username": alice[0], "password": alice[1], "next": tokens},
        allow_redirects=False,
    )  # fmt: skip
    assert landed.status_code == 303 and landed.headers["Location"] == tokens
    assert "HttpOnly" in landed.headers["Set-Cookie"]
    form = running.get(tokens + "/new").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    forged = running.post(tokens, data={"description": "x", "permission": "repo:write"})
    assert forged.status_code == 403 and "expired" in forged.text
    made = running.post(
        tokens, data={"csrf": csrf, "description": "my laptop", "permission": "repo:write",
                      "expiration": "30"},
    )  # fmt: skip
    assert made.status_code == 201 and "only be displayed once" in made.text
    secret = re.search(r"data-token>(dckr_pat_[^<]+)<", made.text).group(1)
    listing = running.get(tokens).text
    assert "my laptop" in listing and secret not in listing
    assert running.sign_in(alice[0], secret)  # the token the page made signs in


def test_sign_up_makes_the_hubs_one_learner(running):
    first = running.post(
        "/signup",
        data={"username": "carol1234", "email": "carol@example.org", "password": "carols-password"},
        allow_redirects=False,
    )
    assert first.status_code == 303 and first.headers["Location"] == "/repositories/carol1234"
    signed_up = running.get("/_admin/accounts", auth=(ADMIN, ADMIN_SECRET)).json()["signed_up"]
    assert [a["username"] for a in signed_up] == ["carol1234"]
    assert running.sign_in("carol1234", "carols-password")
    second = running.post(
        "/signup",
        data={"username": "dave12345", "email": "dave@example.org", "password": "daves-password"},
    )
    assert second.status_code == 409 and "already has its learner" in second.text


def test_pages_through_jupyter_server_proxy_keep_its_prefix(running):
    prefix = "/user/jo/proxy/absolute/8080"
    page = running.get(prefix + "/login")
    assert page.status_code == 200 and f'action="{prefix}/login"' in page.text
    assert not re.search(r'(href|action)="/(?!user/jo/proxy/absolute/)', page.text)
    away = running.get(prefix + "/settings/personal-access-tokens", allow_redirects=False)
    assert away.headers["Location"].startswith(prefix + "/login?next=")
