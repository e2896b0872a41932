"""Docker Hub's pull rate limits at the registry's pull-limited address (grader/assets/hub/pulls.py):
in this process, in front of a real registry (Distribution, in a subprocess) with the hub's
tokens. A manifest GET is a pull, a HEAD is not; every manifest answer carries Docker Hub's
headers; past the limit Docker Hub's 429 ``TOOMANYREQUESTS``; an account has its own, higher,
count; writes are refused there; bad limits are a 400 that changes nothing."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.hub.inprocess import ADMIN, ADMIN_SECRET, OCI_MANIFEST, hub

ACCEPT = {"Accept": OCI_MANIFEST}


@pytest.fixture
def limited(with_registry):
    """``(running hub, the pull-limited address)``, limits 2 anonymous and 3 per account."""
    server = hub.pulls.PullServer(("127.0.0.1", 0), with_registry.settings.registry,
                                  with_registry.server.hub.pulls)  # fmt: skip
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    set_to = with_registry.post("/_admin/pull-limits", auth=(ADMIN, ADMIN_SECRET),
                                json={"anonymous": 2, "account": 3, "window": 21600})  # fmt: skip
    assert set_to.json() == {"anonymous": 2, "account": 3, "window": 21600}, set_to.text
    yield with_registry, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _token(running, auth=None) -> dict:
    answer = running.registry_token("repository:alice1234/app:pull", auth=auth)
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["token"], **ACCEPT}


def test_anonymous_pulls_are_counted_and_refused_past_the_limit_as_docker_hub_does(limited):
    running, base = limited
    manifest = f"{base}/v2/alice1234/app/manifests/v1"
    assert requests.get(manifest, headers=ACCEPT, timeout=10).status_code == 401  # not a pull
    anonymous = _token(running)
    first = requests.get(manifest, headers=anonymous, timeout=10)
    assert first.status_code == 200 and first.headers["Docker-Content-Digest"] == running.digest
    source = first.headers["docker-ratelimit-source"]
    assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == (
        "2;w=21600", "1;w=21600",
    )  # fmt: skip
    checked = requests.head(manifest, headers=anonymous, timeout=10)
    assert checked.headers["ratelimit-remaining"] == "1;w=21600"  # a HEAD is not a pull
    assert requests.get(manifest, headers=anonymous, timeout=10).headers["ratelimit-remaining"] == (
        "0;w=21600"
    )
    refused = requests.get(manifest, headers=anonymous, timeout=10)
    assert refused.status_code == 429
    assert refused.json() == {
        "errors": [{"code": "TOOMANYREQUESTS", "message": hub.pulls.ANONYMOUS_WORDS}]
    }
    assert refused.headers["ratelimit-remaining"] == "0;w=21600"
    assert refused.headers["docker-ratelimit-source"] == source
    blob = requests.get(
        f"{base}/v2/alice1234/app/blobs/{running.layer}", headers=anonymous, timeout=10
    )
    assert blob.status_code == 200  # layers are not pulls: only the manifest is refused

    # Signed in, the pull counts for the account, which has its own limit.
    alice = _token(running, ("alice1234", "alices-password"))
    signed = requests.get(manifest, headers=alice, timeout=10)
    assert signed.status_code == 200, signed.text
    assert signed.headers["docker-ratelimit-source"] == "alice1234"
    assert signed.headers["ratelimit-remaining"] == "2;w=21600"
    for _ in range(2):
        requests.get(manifest, headers=alice, timeout=10)
    past = requests.get(manifest, headers=alice, timeout=10)
    assert (
        past.status_code == 429 and past.json()["errors"][0]["message"] == hub.pulls.ACCOUNT_WORDS
    )


def test_the_pull_address_takes_no_writes_and_bad_limits_change_nothing(limited):
    running, base = limited
    pushed = requests.post(f"{base}/v2/alice1234/app/blobs/uploads/", timeout=10)
    assert pushed.status_code == 405 and pushed.json()["errors"][0]["code"] == "UNSUPPORTED"
    for body in ({"anonymous": 0}, {"account": "many"}, {"window": True}):
        answer = running.post("/_admin/pull-limits", auth=(ADMIN, ADMIN_SECRET), json=body)
        assert answer.status_code == 400, (body, answer.text)
    assert (running.server.hub.pulls.anonymous, running.server.hub.pulls.account) == (2, 3)
    stranger = running.post("/_admin/pull-limits", json={"anonymous": 100})
    assert stranger.status_code in (401, 403) and running.server.hub.pulls.anonymous == 2


def test_the_courses_rate_limit_reads_with_a_head_and_pulls_an_index_once_per_platform(limited):
    """``RegistryAPI.limit_answer`` (behind the lesson's ``rate_limit``): a HEAD counts nothing;
    a pull of an index GETs the index (no pull) and this machine's image (one pull), as docker
    does and Docker Hub counts; past the limit, docker's words."""
    import json

    from grader.hub.client import HubAPI
    from grader.hub.registry import RegistryAPI

    running, base = limited
    token = running.registry_token("repository:alice1234/app:pull,push",
                                   auth=("alice1234", "alices-password")).json()["token"]  # fmt: skip
    index = json.dumps({"schemaVersion": 2, "mediaType": hub.pulls.INDEX_TYPES[0], "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": running.digest, "size": 1,
         "platform": {"os": "linux", "architecture": "arm64"}}]}).encode()  # fmt: skip
    put = requests.put(f"{running.registry.url}/v2/alice1234/app/manifests/multi", data=index,
                       headers={"Authorization": "Bearer " + token,
                                "Content-Type": hub.pulls.INDEX_TYPES[0]}, timeout=10)  # fmt: skip
    assert put.status_code == 201, put.text
    client = HubAPI(running.base, running.url("/token"), running.settings.service)
    api = RegistryAPI(base, ("alice1234", "alices-password"), client, platform="linux/arm64")
    read = api.limit_answer("alice1234/app", "multi")
    assert (read.method, read.status, read.remaining) == ("HEAD", 200, "2;w=21600")
    pulled = api.limit_answer("alice1234/app", "multi", pull=True)
    assert pulled.status == 200 and pulled.url.endswith(running.digest)  # the image, by digest
    assert pulled.remaining == "1;w=21600"  # one pull: the index's GET did not count
    api.limit_answer("alice1234/app", "v1", pull=True)
    refused = api.limit_answer("alice1234/app", "v1", pull=True)
    assert refused.refused and refused.error.startswith("toomanyrequests: You have reached")
    assert "toomanyrequests" in str(refused) and "ratelimit-limit: 2;w=21600" in str(refused)
    mine = api.limit_answer("alice1234/app", "v1", pull=True, anonymous=False)
    assert (mine.status, mine.source, mine.limit) == (200, "alice1234", "3;w=21600")
