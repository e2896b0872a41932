"""The classroom hub against the real registry and hub containers and the real docker CLI:
each token permission allows and refuses what Docker Hub's does, tokens expire, deactivate,
reactivate and go; public and private repositories; another account; the private-repository
limit; Docker Hub's texts where the CLI shows them; bad input; sign-in rate limits; the pages."""

from __future__ import annotations

import hashlib
import io
import json
import platform
import re
import secrets
import subprocess
import tarfile
import time

import pytest
import requests

from grader.errors import InvalidInput
from grader.hub.client import Challenge, HubAPI, HubRefused
from tests.conftest import docker, pushed, tag_and_push
from tests.hub.cases import bad_inputs, said

pytestmark = pytest.mark.docker

INSUFFICIENT = "unauthorized: access token has insufficient scopes"
PRIVATE_PULL = "repository does not exist or may require 'docker login'"
"""Docker Hub's words, which both image stores show (the classic one adds ``denied: requested
access to the resource is denied``)."""
DENIED = (
    "unauthorized: requested access to the resource is denied",  # dockerd (classic image store)
    "failed to fetch oauth token",  # containerd (the containerd image store), logged in
    "failed to fetch anonymous token",  # containerd, logged out
)
"""A push into a repository that is not the pusher's, refused by the hub's token service (before
any upload), in each image store's words."""
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MANIFEST_ACCEPT = ", ".join((
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))  # fmt: skip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A one-layer image built here (no Docker Hub): pushes in a fraction of a second."""
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "hello.txt").write_text("hello from the classroom hub test\n")
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    subprocess.run(["docker", "build", "-q", "-t", "hub-test-tiny:1", str(folder)], check=True,
                   capture_output=True)  # fmt: skip
    yield "hub-test-tiny:1"
    subprocess.run(["docker", "rmi", "-f", "hub-test-tiny:1"], capture_output=True)


def login_with(lab, secret: str, username: str | None = None, check: bool = True):
    return docker(
        "login", lab.registry, "-u", username or lab.username, "--password-stdin",
        input=secret, check=check,
    )  # fmt: skip


def push(lab, tiny: str, tag: str, path: str | None = None, check: bool = True):
    ref = f"{lab.registry}/{path or lab.username + '/my-flask-app'}:{tag}"
    docker("tag", tiny, ref)
    return docker("push", ref, check=check, timeout=120)


def pull(lab, tag: str = "v1", path: str | None = None, registry: str | None = None):
    ref = f"{registry or lab.registry}/{path or lab.username + '/my-flask-app'}:{tag}"
    docker("rmi", ref, check=False)
    return docker("pull", ref, check=False)


def signed_in(lab) -> str:
    return lab.hub_api.sign_in(lab.username, lab.password)


def new_token(lab, scope: str, label: str = "test", **kw) -> dict:
    return lab.hub_api.create_access_token(signed_in(lab), label, scope, **kw)


def test_each_permission_allows_and_refuses_what_docker_hubs_does(lab, tiny):
    login_with(lab, lab.token)
    push(lab, tiny, "v1")
    lab.hub_api.set_private(lab.username, "my-flask-app", True, signed_in(lab))
    expected = {  # permission: (may push, may pull its own private repository)
        "repo:public_read": (False, False),
        "repo:read": (False, True),
        "repo:write": (True, True),
        "repo:admin": (True, True),
    }
    for scope, (may_push, may_pull_private) in expected.items():
        token = new_token(lab, scope, label=scope)
        assert token["token"].startswith("dckr_pat_") and token["scopes"] == [scope]
        login_with(lab, token["token"])  # every permission logs in
        pushed = push(lab, tiny, "v-" + scope.split(":")[1], check=False)
        assert (pushed.returncode == 0) == may_push, (scope, pushed.stderr)
        if not may_push:  # the hub refused the token with Docker Hub's text; dockerd shows it
            refusal = [r for r in lab.token_requests() if r.refused][-1]
            assert refusal.error == "access token has insufficient scopes"
            shown = pushed.stderr + pushed.stdout
            assert INSUFFICIENT in shown or "failed to fetch oauth token" in shown
        pulled = pull(lab)
        assert (pulled.returncode == 0) == may_pull_private, (scope, pulled.stderr)
        if not may_pull_private:
            assert PRIVATE_PULL in pulled.stderr
    # Deleting a tag (Distribution's "delete" action): only Read, Write, Delete may.
    for scope, allowed in (("repo:write", False), ("repo:admin", True)):
        secret = new_token(lab, scope)["token"]
        assert (
            lab.hub_api.can("delete", f"{lab.username}/my-flask-app", (lab.username, secret))
            is allowed
        )


def test_tokens_expire_deactivate_reactivate_and_go(lab):
    hub = lab.hub_api
    access = signed_in(lab)
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    expiring = hub.create_access_token(access, "expires soon", "repo:write", expires_at=soon)
    assert login_with(lab, expiring["token"]).returncode == 0
    time.sleep(3)
    refused = login_with(lab, expiring["token"], check=False)
    assert refused.returncode != 0 and "access token has expired" in refused.stderr

    token = hub.create_access_token(access, "switch", "repo:write")
    hub.set_access_token_active(access, token["uuid"], False)
    refused = login_with(lab, token["token"], check=False)
    assert refused.returncode != 0 and "access token is inactive" in refused.stderr
    assert (
        next(t for t in hub.access_tokens(access) if t["uuid"] == token["uuid"])["is_active"]
        is False
    )
    hub.set_access_token_active(access, token["uuid"], True)
    assert login_with(lab, token["token"]).returncode == 0

    hub.delete_access_token(access, token["uuid"])
    refused = login_with(lab, token["token"], check=False)
    assert refused.returncode != 0 and "incorrect username or password" in refused.stderr
    assert token["uuid"] not in [t["uuid"] for t in hub.access_tokens(access)]
    with pytest.raises(HubRefused) as gone:
        hub.delete_access_token(access, token["uuid"])
    assert gone.value.status == 404


def test_a_token_is_shown_once_and_stored_hashed(lab):
    token = new_token(lab, "repo:read")
    listed = lab.hub_api.access_tokens(signed_in(lab))
    assert token["token"] not in str(listed) and all(t["token"] == "" for t in listed)
    database = lab._registry.hub.exec(["python3", "-c", (
        "import sqlite3; print(sqlite3.connect('/var/lib/hub/hub.db').execute("
        "'select group_concat(hash) from tokens').fetchone()[0])")])  # fmt: skip
    assert token["token"] not in database.output.decode()
    assert token["token"][len("dckr_pat_") :] not in database.output.decode()


def test_public_and_private_pulls_anonymous_and_logged_in(lab, tiny):
    login_with(lab, lab.token)
    push(lab, tiny, "v1")
    repository = lab.hub_api.repository(lab.username, "my-flask-app")
    assert repository["is_private"] is False  # a first push creates it public
    docker("logout", lab.registry)
    assert pull(lab).returncode == 0  # public: anyone pulls

    lab.hub_api.set_private(lab.username, "my-flask-app", True, signed_in(lab))
    refused = pull(lab)
    assert refused.returncode != 0 and PRIVATE_PULL in refused.stderr
    assert lab.hub_api.repository(lab.username, "my-flask-app") is None  # not even listed
    login_with(lab, lab.token)
    assert pull(lab).returncode == 0  # its owner does

    lab.hub_api.set_private(lab.username, "my-flask-app", False, signed_in(lab))
    docker("logout", lab.registry)
    assert pull(lab).returncode == 0


def test_another_account_cannot_push_into_theirs_nor_pull_their_private_one(lab, tiny):
    login_with(lab, lab.token)
    push(lab, tiny, "v1")
    lab._registry.set_account("jane1234", "janes-password-1")
    janes = lab._registry.course_token("jane1234", "jane's token")
    login_with(lab, janes, username="jane1234")
    refused = push(lab, tiny, "v2", check=False)
    assert refused.returncode != 0 and any(
        text in refused.stderr + refused.stdout for text in DENIED
    ), refused
    refusal = [r for r in lab.token_requests() if r.refused][-1]
    assert (refusal.account, refusal.error) == (
        "jane1234",
        "requested access to the resource is denied",
    )
    assert pull(lab).returncode == 0  # public: jane may pull it
    push(lab, tiny, "v1", path="jane1234/her-app")  # and push into her own
    lab.hub_api.set_private(lab.username, "my-flask-app", True, signed_in(lab))
    assert PRIVATE_PULL in pull(lab).stderr


def test_a_push_without_a_login_is_refused_before_any_upload(lab, tiny):
    """Every layer is already in the repository, so the engine's next request would be the
    manifest's: refused at the token service instead, the push fails at once on both image
    stores (a refused manifest PUT over plain HTTP can hang containerd's pusher for good)."""
    login_with(lab, lab.token)
    push(lab, tiny, "v1")
    docker("logout", lab.registry)
    refused = push(lab, tiny, "v2", check=False)
    assert refused.returncode != 0 and any(
        text in refused.stderr + refused.stdout for text in DENIED
    ), refused
    refusal = [r for r in lab.token_requests() if r.refused][-1]
    assert (refusal.credential, refusal.error) == (
        "anonymous",
        "requested access to the resource is denied",
    )
    assert lab.check("push", tag="v2").message.startswith("The registry refused your push: no ")


def test_a_free_account_has_one_private_repository(lab):
    access = signed_in(lab)
    first = lab.hub_api.create_repository(lab.username, "secret-one", True, access)
    assert first["is_private"] is True and first["namespace"] == lab.username
    with pytest.raises(HubRefused) as refused:
        lab.hub_api.create_repository(lab.username, "secret-two", True, access)
    assert refused.value.status == 403 and "allows 1 private repository" in str(refused.value)
    public = lab.hub_api.create_repository(lab.username, "open-one", False, access)
    with pytest.raises(HubRefused):
        lab.hub_api.set_private(lab.username, "open-one", True, access)
    assert lab.hub_api.repository(lab.username, "open-one", access)["is_private"] is False
    lab.hub_api.set_private(lab.username, "secret-one", False, access)  # make room
    assert lab.hub_api.set_private(lab.username, public["name"], True, access)["is_private"]


def test_bad_input_gets_a_clear_error_and_changes_nothing(lab):
    hub, access = lab.hub_api, signed_in(lab)
    before = hub.access_tokens(access)
    base = hub.base_url
    bearer = {"Authorization": f"Bearer {access}"}
    cases = bad_inputs(lab.username, before[0]["uuid"])
    for method, path, kw, status, text in cases:
        response = requests.request(method, base + path, headers=bearer, timeout=5, **kw)
        assert response.status_code == status, (path, kw, response.text)
        assert text in said(response), (path, response.text)
    no_login = requests.get(base + "/v2/access-tokens", timeout=5)
    assert no_login.status_code == 401 and "sign in" in no_login.json()["message"]
    assert [t["uuid"] for t in hub.access_tokens(access)] == [t["uuid"] for t in before]
    assert [t["is_active"] for t in hub.access_tokens(access)] == [t["is_active"] for t in before]
    assert hub.repositories(lab.username, access) == []
    # A personal access token may not manage tokens (Docker Hub's rule).
    with_token = hub.sign_in(lab.username, lab.token)
    with pytest.raises(HubRefused) as refused:
        hub.create_access_token(with_token, "made by a token", "repo:admin")
    assert refused.value.status == 401  # the description lists no 403 for these calls


def test_sign_in_attempts_are_rate_limited(lab):
    hub = lab.hub_api
    for _ in range(10):
        with pytest.raises(HubRefused) as wrong:
            hub.sign_in(lab.username, "not-the-password")
        assert wrong.value.status == 401 and "incorrect username or password" in str(wrong.value)
    with pytest.raises(HubRefused) as limited:
        hub.sign_in(lab.username, lab.password)  # even the right one, for a minute
    assert limited.value.status == 429 and "too many failed sign-in attempts" in str(limited.value)
    page = requests.post(
        hub.base_url + "/login",
        data={"username": lab.username, "password": lab.password},
        timeout=5,
    )
    assert page.status_code == 429 and "Too many failed sign-in attempts" in page.text
    assert int(page.headers["Retry-After"]) > 0
    refused = login_with(lab, lab.token, check=False)  # the token service shares the limit
    assert refused.returncode != 0 and "too many failed sign-in attempts" in refused.stderr


def test_the_tags_api_has_docker_hubs_shape(lab, tiny):
    login_with(lab, lab.token)
    output = push(lab, tiny, "v1.0.0").stdout
    digest = re.search(r"digest: (sha256:[0-9a-f]{64})", output).group(1)
    (tag,) = lab.hub_api.tags(lab.username, "my-flask-app")
    assert tag["name"] == "v1.0.0" and tag["digest"] == digest
    assert tag["full_size"] > 0 and tag["last_updater_username"] == lab.username
    assert tag["tag_last_pushed"] and tag["images"][0]["size"] == tag["full_size"]
    platform = lab.engine.platform.split("/")
    assert [tag["images"][0]["os"], tag["images"][0]["architecture"]] == platform[:2]
    # The same client reads it from another "hub" (the real Docker Hub's paths and shapes).
    elsewhere = HubAPI(lab.hub_url.replace("localhost", "127.0.0.1"))
    assert elsewhere.tags(lab.username, "my-flask-app")[0]["digest"] == digest


def test_the_token_form_offers_docker_hubs_expirations_and_permissions(lab):
    """The classroom's choices: None (the default, as Docker Hub's API: no expiration date means
    none), 30 days, 90 days, or Custom (a date and hour up to a year ahead); the permissions by
    their current names."""
    browser = requests.Session()
    base = lab.hub_url
    browser.post(
        base + "/login", data={"username": lab.username, "password": lab.password}, timeout=5
    )
    form = browser.get(base + "/settings/personal-access-tokens/new", timeout=5).text
    expirations = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', form)
    assert [(v, label) for v, _, label in expirations][:4] == [
        ("none", "None"), ("30", "30 days"), ("90", "90 days"), ("custom", "Custom"),
    ]  # fmt: skip
    assert expirations[0][1] == " selected"  # None is the default
    for label in ("Repo Public Read-only", "Repo Read-only", "Repo Read &amp; Write",
                  "Repo Read, Write, Delete"):  # fmt: skip
        assert f">{label}</option>" in form, label
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)

    def generate(**fields):
        data = {"csrf": csrf, "description": "expiry", "permission": "repo:read", **fields}
        return browser.post(base + "/settings/personal-access-tokens", data=data, timeout=5)

    assert generate(expiration="60").status_code == 400  # not one of Docker Hub's
    soon = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 3 * 86400))
    made = generate(expiration="custom", custom_expiration=soon)
    assert made.status_code == 201 and f"Expires: {soon}:00Z" in made.text
    later = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 400 * 86400))
    for wrong in (later, "2001-01-01T00:00", "tomorrow", ""):
        refused = generate(expiration="custom", custom_expiration=wrong)
        assert refused.status_code == 400 and "custom expiration" in refused.text, wrong


def test_the_pages_sign_in_generate_a_token_once_and_guard_their_forms(lab):
    browser = requests.Session()
    base = lab.hub_url
    assert "/login" in browser.get(base + "/settings/personal-access-tokens", timeout=5).url
    wrong = browser.post(
        base + "/login", data={"username": lab.username, "password": "x"}, timeout=5
    )
    assert wrong.status_code == 401 and "Incorrect username or password" in wrong.text
    browser.post(
        base + "/login", data={"username": lab.username, "password": lab.password}, timeout=5
    )
    form = browser.get(base + "/settings/personal-access-tokens/new", timeout=5).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    count = len(lab.hub_api.access_tokens(signed_in(lab)))
    forged = browser.post(base + "/settings/personal-access-tokens",
                          data={"description": "x", "permission": "repo:write"}, timeout=5)  # fmt: skip
    assert forged.status_code == 403 and "expired" in forged.text
    empty = browser.post(base + "/settings/personal-access-tokens",
                         data={"csrf": csrf, "description": " ", "permission": "repo:write"}, timeout=5)  # fmt: skip
    assert empty.status_code == 400 and "needs a description" in empty.text
    made = browser.post(base + "/settings/personal-access-tokens", timeout=5, data={
        "csrf": csrf, "description": "my laptop", "permission": "repo:write", "expiration": "30"})  # fmt: skip
    assert made.status_code == 201 and "only be displayed once" in made.text
    secret = re.search(r"data-token>(dckr_pat_[^<]+)<", made.text).group(1)
    assert len(lab.hub_api.access_tokens(signed_in(lab))) == count + 1
    listing = browser.get(base + "/settings/personal-access-tokens", timeout=5).text
    assert "my laptop" in listing and secret not in listing and "Repo Read &amp; Write" in listing
    assert "docker login" in made.text and "password prompt" in made.text  # Docker Hub's steps
    lab.save_token(secret)
    assert lab.token_file.read_text() == secret
    with pytest.raises(InvalidInput):
        lab.save_token("dckr_pat_" + "x" * 27)
    with pytest.raises(InvalidInput):
        lab.save_token(lab.password)
    assert lab.token_file.read_text() == secret  # a bad one changes nothing
    escaped = browser.get(base + "/r/<script>/x", timeout=5)
    assert escaped.status_code == 404 and "<script>" not in escaped.text


def _push_unseen(lab, path: str, tag: str) -> None:
    """An image no engine here has held (so pulling it downloads its manifest): one tar layer
    made here, pushed over the registry's HTTP API with a token from the hub, as a client
    does."""
    sha = lambda data: "sha256:" + hashlib.sha256(data).hexdigest()  # noqa: E731
    buffer, text = io.BytesIO(), f"image {tag} {secrets.token_hex(8)}\n".encode()  # new each run
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        entry = tarfile.TarInfo("which.txt")
        entry.size = len(text)
        tar.addfile(entry, io.BytesIO(text))
    layer = buffer.getvalue()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    config = json.dumps({"architecture": arch, "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()  # fmt: skip
    token, _ = lab.hub_api.registry_token(
        [f"repository:{path}:pull,push"], (lab.username, lab.token)
    )
    auth, base = {"Authorization": f"Bearer {token}"}, f"http://{lab.registry}/v2/{path}"
    for blob in (layer, config):
        started = requests.post(f"{base}/blobs/uploads/", headers=auth, timeout=10)
        location = requests.compat.urljoin(base, started.headers["Location"])
        done = requests.put(location, params={"digest": sha(blob)}, data=blob, timeout=10,
                            headers={**auth, "Content-Type": "application/octet-stream"})  # fmt: skip
        assert done.status_code == 201, done.text
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}],
    }).encode()  # fmt: skip
    put = requests.put(f"{base}/manifests/{tag}", data=manifest, timeout=10,
                       headers={**auth, "Content-Type": OCI_MANIFEST})  # fmt: skip
    assert put.status_code == 201, put.text


def test_pulls_past_the_limit_get_docker_hubs_toomanyrequests_and_logging_in_raises_it(lab):
    """Three images, each pulled once, none ever held by this engine: what a pull downloads is
    what counts (an engine with the containerd image store pulls an image it still holds with a
    HEAD only, which Docker Hub does not count either)."""
    path = f"{lab.username}/my-flask-app"
    for tag in ("a", "b", "c"):  # on the registry's own address, which has no limit
        _push_unseen(lab, path, tag)
    lab.set_pull_limits(anonymous=2, account=4, window=21600)
    limited = lab.limited_registry
    docker("logout", limited, check=False)
    for name in ("a", "b"):  # logged out there: counted for this machine's address
        assert pull(lab, name, path, limited).returncode == 0
    refused = pull(lab, "c", path, limited)
    assert refused.returncode != 0
    assert "toomanyrequests" in refused.stderr, refused.stderr
    assert "unauthenticated pull rate limit" in refused.stderr
    # The headers, as `curl -I` with an anonymous token shows them.
    answer = requests.get(f"http://{limited}/v2/", timeout=10)
    challenge = Challenge.parse(answer.headers["WWW-Authenticate"])
    token = requests.get(challenge.realm, params={"service": challenge.service,
                         "scope": f"repository:{path}:pull"}, timeout=10).json()["token"]  # fmt: skip
    head = requests.head(f"http://{limited}/v2/{path}/manifests/c", timeout=10, headers={
        "Authorization": f"Bearer {token}", "Accept": MANIFEST_ACCEPT})  # fmt: skip
    assert head.headers["ratelimit-limit"] == "2;w=21600"
    assert head.headers["ratelimit-remaining"] == "0;w=21600"
    # Logged in, the pull counts for the account, whose limit is higher.
    docker("login", limited, "-u", lab.username, "--password-stdin", input=lab.token)
    try:
        assert pull(lab, "c", path, limited).returncode == 0
    finally:
        docker("logout", limited, check=False)


def test_deleting_a_tag_as_hub_tool_does_leaves_the_images_other_tags_pullable(lab):
    """Docker Hub's ``DELETE /v2/repositories/NS/REPO/tags/TAG/`` (docker/hub-tool's RemoveTag),
    with a Read, Write, Delete token: the tag is gone from the registry the engine pulls from,
    the same image's other tag still pulls, and the hub lists it with its own history."""
    pushed(lab)
    tag_and_push(lab, "v1.0.0")  # the same image: one digest, two tags
    admin = lab.hub_api.create_access_token(signed_in(lab), "cleanup", "repo:admin")["token"]
    access = lab.hub_api.sign_in(lab.username, admin)
    answer = requests.delete(
        f"{lab.hub_url}/v2/repositories/{lab.username}/my-flask-app/tags/v1/",
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    )
    assert answer.status_code == 204, answer.text
    gone = pull(lab, "v1")
    # The classic image store says "manifest unknown"; the containerd image store "not found".
    assert gone.returncode != 0 and re.search("manifest unknown|not found", gone.stderr), (
        gone.stderr
    )
    assert pull(lab, "v1.0.0").returncode == 0
    listed = lab.hub_api.tags(lab.username, "my-flask-app", lab.hub_access())
    assert [t["name"] for t in listed] == ["v1.0.0"]
    assert listed[0]["last_updater_username"] == lab.username
