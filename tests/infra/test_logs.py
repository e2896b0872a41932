"""The log model: RFC 3339 times, the registry's request lines and the hub's token records.

``requests_log`` reads a container's log through the engine; it is covered by the Docker tests
(its parsing is not reachable without an engine), so it is not tested here."""

from datetime import datetime, timezone

import pytest

from grader.infra.logs import RegistryRequest, TokenRequest, rfc3339_ns

SECOND = 10**9
BASE = int(datetime(2026, 11, 27, 3, 32, 19, tzinfo=timezone.utc).timestamp()) * SECOND


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-27T03:32:19.161961112Z", BASE + 161961112),
        ("2026-11-27T03:32:19Z", BASE),
        ("2026-11-27T03:32:19.5Z", BASE + 500_000_000),  # a short fraction is tenths, not 5 ns
        ("2026-11-27T03:32:19.080561Z", BASE + 80_561_000),  # the hub's microseconds
        ("2026-11-27T03:32:19.000000001Z", BASE + 1),
        ("2026-11-27T03:32:19.1234567891234Z", BASE + 123456789),  # past ns: cut, not rounded
        ("2026-11-27T03:32:19", BASE),  # no Z: read as UTC, not as local time
        ("1970-01-01T00:00:00.000000001Z", 1),
    ],
)
def test_rfc3339_times_are_read_to_the_nanosecond(text, expected):
    assert rfc3339_ns(text) == expected


@pytest.mark.parametrize("text", ["", "garbage", "Z", "yesterday at noon", "2026-13-40T99:00:00Z"])
def test_an_unreadable_time_is_zero(text):
    assert rfc3339_ns(text) == 0


def test_nanosecond_times_keep_their_order_where_floats_would_not():
    # Two requests a nanosecond apart: a float of seconds since the epoch cannot tell them apart.
    first = rfc3339_ns("2026-11-27T03:32:19.161961112Z")
    second = rfc3339_ns("2026-11-27T03:32:19.161961113Z")
    assert second - first == 1


def test_a_time_with_an_offset_is_the_same_instant():
    assert rfc3339_ns("2026-11-27T04:32:19.5+01:00") == BASE + 500_000_000


def request(uri: str, useragent: str = "docker/27.3.1 go/go1.22.7", **fields) -> RegistryRequest:
    values = dict(
        index=0,
        time="2026-11-27T03:32:19.161961112Z",
        method="GET",
        uri=uri,
        status=200,
        user="john123",
        useragent=useragent,
        message="response completed",
    )
    values.update(fields)
    return RegistryRequest(**values)


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("/v2/john123/my-flask-app/manifests/v1", ("john123/my-flask-app", "manifests", "v1")),
        (
            "/v2/john123/my-flask-app/blobs/sha256:" + "a" * 64,
            ("john123/my-flask-app", "blobs", "sha256:" + "a" * 64),
        ),
        ("/v2/john123/my-flask-app/tags/list?n=100", ("john123/my-flask-app", "tags", "list")),
        # The query never becomes part of the reference.
        ("/v2/john123/app/manifests/v1.1.0?ns=localhost", ("john123/app", "manifests", "v1.1.0")),
        # A repository may itself be called "manifests": the last marker is the API's.
        ("/v2/john123/manifests/manifests/v2", ("john123/manifests", "manifests", "v2")),
        ("/v2/a/b/c/blobs/uploads/", ("a/b/c", "blobs", "uploads/")),
    ],
)
def test_a_v2_request_names_its_repository_kind_and_reference(uri, expected):
    assert request(uri).target() == expected


@pytest.mark.parametrize(
    "uri", ["/v2/", "/v2/_catalog?n=1000", "/metrics", "/john123/app/manifests/v1"]
)
def test_a_request_outside_the_image_api_has_no_target(uri):
    assert request(uri).target() is None


@pytest.mark.parametrize(
    "useragent, by_docker",
    [
        ("docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux arch/amd64", True),
        ("containerd/1.7.22", False),  # the registry's log: only dockerd counts here
        ("python-requests/2.32.3", False),
        ("curl/8.5.0", False),
        ("", False),
        ("my docker/27 client", False),
    ],
)
def test_a_registry_request_is_the_engines_only_by_its_docker_user_agent(useragent, by_docker):
    assert request("/v2/", useragent=useragent).by_docker is by_docker


def test_a_registry_request_time_is_in_nanoseconds():
    assert request("/v2/").time_ns == BASE + 161961112
    assert request("/v2/", time="not a time").time_ns == 0


# --- the hub's token log ------------------------------------------------------------------------

ISSUED = {
    "time": "2026-11-27T03:32:19.080561Z",
    "msg": "token issued",
    "account": "john123",
    "credential": "pat:3f1c2d4e-0000-4000-8000-000000000000",
    "scope": ["repository:john123/my-flask-app:pull,push"],
    "access": [{"type": "repository", "name": "john123/my-flask-app", "actions": ["pull", "push"]}],
    "status": 200,
    "useragent": "docker/27.3.1 go/go1.22.7",
}


def test_an_issued_token_is_read_from_its_record():
    token = TokenRequest.from_log(ISSUED)
    assert token == TokenRequest(
        time="2026-11-27T03:32:19.080561Z",
        account="john123",
        credential="pat:3f1c2d4e-0000-4000-8000-000000000000",
        scope=("repository:john123/my-flask-app:pull,push",),
        access=(
            {"type": "repository", "name": "john123/my-flask-app", "actions": ["pull", "push"]},
        ),
        status=200,
        error="",
        useragent="docker/27.3.1 go/go1.22.7",
    )
    assert not token.refused
    assert token.time_ns == BASE + 80_561_000


def test_a_refused_token_is_read_with_its_status_and_reason():
    record = {
        "time": "2026-11-27T03:32:20Z",
        "msg": "token refused",
        "account": "john123",
        "credential": "password",
        "scope": ["repository:john123/my-flask-app:pull,push"],
        "status": 401,
        "error": "incorrect username or password",
        "useragent": "docker/27.3.1",
    }
    token = TokenRequest.from_log(record)
    assert token.refused
    assert token.status == 401
    assert token.error == "incorrect username or password"
    assert token.access == ()
    assert token.got("john123/my-flask-app") == set()
    assert token.wants("john123/my-flask-app") == {"pull", "push"}


@pytest.mark.parametrize(
    "msg", ["listening", "signup", "token", "Token issued", "token issued!", None, ""]
)
def test_only_token_records_are_token_requests(msg):
    assert TokenRequest.from_log({**ISSUED, "msg": msg}) is None
    assert TokenRequest.from_log({k: v for k, v in ISSUED.items() if k != "msg"}) is None


def test_a_sparse_token_record_gets_defaults():
    token = TokenRequest.from_log({"msg": "token issued", "scope": None, "status": None})
    assert token.scope == ()
    assert token.access == ()
    assert token.status == 200  # an issued token without a status was granted
    assert not token.refused
    assert token.account == "" and token.credential == "" and token.time_ns == 0


@pytest.mark.parametrize(
    "useragent, by_docker",
    [
        ("docker/27.3.1 go/go1.22.7", True),
        ("containerd/1.7.22", True),  # containerd's resolver asks for push and pull tokens
        ("containerd/v2.0.0", True),
        ("python-requests/2.32.3", False),
        ("Mozilla/5.0 (X11; Linux x86_64)", False),
        ("", False),
        ("not-docker/1.0", False),
    ],
)
def test_a_token_request_is_the_engines_by_docker_or_containerd_user_agent(useragent, by_docker):
    assert TokenRequest.from_log({**ISSUED, "useragent": useragent}).by_docker is by_docker


def test_wants_reads_every_scope_for_that_repository_only():
    token = TokenRequest.from_log(
        {
            **ISSUED,
            "scope": [
                "repository:john123/my-flask-app:pull",
                # Several scopes in one parameter, space-separated, as the docker client may send.
                "repository:john123/other:pull,push repository:john123/my-flask-app:push",
                "repository:john123/my-flask-app-old:delete",
                "registry:catalog:*",
            ],
        }
    )
    assert token.wants("john123/my-flask-app") == {"pull", "push"}
    assert token.wants("john123/other") == {"pull", "push"}
    assert token.wants("john123/my-flask-app-old") == {"delete"}
    assert token.wants("john123") == set()
    assert token.wants("catalog") == set()  # a registry scope is not a repository


def test_wants_takes_a_repository_name_with_a_registry_port():
    # The actions are after the last colon; the name may hold one (a registry host with a port).
    token = TokenRequest.from_log(
        {**ISSUED, "scope": ["repository:localhost:5000/john123/app:pull"]}
    )
    assert token.wants("localhost:5000/john123/app") == {"pull"}


def test_got_reads_the_granted_actions_for_that_repository_only():
    token = TokenRequest.from_log(
        {
            **ISSUED,
            "access": [
                {"type": "repository", "name": "john123/my-flask-app", "actions": ["pull"]},
                {"type": "repository", "name": "john123/other", "actions": ["pull", "push"]},
                {"type": "registry", "name": "catalog", "actions": ["*"]},
                {"type": "repository", "name": "john123/my-flask-app"},  # no actions granted
            ],
        }
    )
    assert token.got("john123/my-flask-app") == {"pull"}
    assert token.got("john123/other") == {"pull", "push"}
    assert token.got("catalog") == set()


def test_an_anonymous_push_is_granted_less_than_it_asked():
    # No credential: the hub issues a token, but without push. The difference is the evidence.
    token = TokenRequest.from_log(
        {
            **ISSUED,
            "account": "",
            "credential": "anonymous",
            "access": [{"type": "repository", "name": "john123/my-flask-app", "actions": ["pull"]}],
        }
    )
    path = "john123/my-flask-app"
    assert not token.refused
    assert token.wants(path) - token.got(path) == {"push"}
