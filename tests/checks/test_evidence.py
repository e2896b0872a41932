"""The evidence checks share that needs neither a lab nor an engine: the target's names, what the
hub's token log and the registry's request log show, the engine's events, sizes.

``target``, ``misnamings``, ``local_refs``, ``image_id_of`` and ``last_push_ns`` ask a running
lab (its engine's images, info and events): they are covered by the Docker tests."""

import pytest

from grader.checks.evidence import (
    Target,
    denied,
    human_size,
    last_push,
    removed_then_pulled,
    wrong_secret_attempts,
)
from grader.infra.engine import EngineEvent
from grader.infra.logs import RegistryRequest, TokenRequest, rfc3339_ns
from grader.names import parse_reference

PATH = "john123/my-flask-app"
DOCKER = "docker/27.3.1 go/go1.22.7"
WANT = Target("localhost:5000", "john123", "my-flask-app", "v1.1.0", "my-flask-app:v1.1.0")


def test_a_targets_path_and_reference():
    assert WANT.path == "john123/my-flask-app"
    assert WANT.ref == "localhost:5000/john123/my-flask-app:v1.1.0"
    ref = parse_reference(WANT.ref)
    assert (ref.registry, ref.path, ref.tag) == ("localhost:5000", WANT.path, "v1.1.0")


def test_a_target_is_frozen():
    with pytest.raises(AttributeError):
        WANT.tag = "latest"


# --- the hub's token log ------------------------------------------------------------------------


def token(
    second: int,
    *,
    status: int = 200,
    account: str = "john123",
    wants: str = "pull,push",
    got: tuple[str, ...] = ("pull", "push"),
    useragent: str = DOCKER,
    path: str = PATH,
) -> TokenRequest:
    return TokenRequest.from_log(
        {
            "time": f"2026-11-27T03:32:{second:02d}.000000001Z",
            "msg": "token issued" if status == 200 else "token refused",
            "account": account,
            "credential": "anonymous" if not account else "pat:3f1c2d4e",
            "scope": [f"repository:{path}:{wants}"],
            "access": [{"type": "repository", "name": path, "actions": list(got)}] if got else [],
            "status": status,
            "useragent": useragent,
        }
    )


def test_a_granted_request_is_not_denied():
    assert denied([token(10)], PATH) == []


def test_a_refused_token_is_denied():
    refused = token(10, status=401, got=())
    assert denied([token(9), refused, token(11)], PATH) == [refused]


def test_a_token_granting_less_than_asked_is_denied():
    # An anonymous push: the hub issues a token, with pull only.
    anonymous = token(10, account="", got=("pull",))
    assert denied([anonymous], PATH) == [anonymous]
    # A pull that got what it asked is not.
    assert denied([token(11, wants="pull", got=("pull",))], PATH) == []


def test_only_the_engines_requests_count():
    # The grader's own questions and a browser's are not the student's docker client.
    for useragent in ("python-requests/2.32.3", "Mozilla/5.0", ""):
        assert denied([token(10, status=401, got=(), useragent=useragent)], PATH) == []
    containerd = token(10, status=401, got=(), useragent="containerd/1.7.22")
    assert denied([containerd], PATH) == [containerd]


def test_only_requests_for_that_repository_count():
    other = token(10, status=401, got=(), path="john123/other")
    assert denied([other], PATH) == []
    assert denied([other], "john123/other") == [other]


def test_only_requests_after_the_moment_count():
    early, late = token(10, status=401, got=()), token(20, status=401, got=())
    after = rfc3339_ns("2026-11-27T03:32:15Z")
    assert denied([early, late], PATH, after_ns=after) == [late]
    # Strictly after: a request at the very nanosecond is not.
    assert denied([early], PATH, after_ns=early.time_ns) == []
    assert denied([early], PATH, after_ns=early.time_ns - 1) == [early]


def test_denied_keeps_the_logs_order():
    first, second = token(10, status=401, got=()), token(12, account="", got=("pull",))
    assert denied([first, token(11), second], PATH) == [first, second]


def test_wrong_secret_attempts_are_the_engines_refusals_for_that_account():
    mine = token(10, status=401, got=())
    theirs = token(11, status=401, got=(), account="mary456")
    granted = token(12)
    by_grader = token(13, status=401, got=(), useragent="python-requests/2.32.3")
    by_containerd = token(14, status=401, got=(), useragent="containerd/1.7.22")
    found = wrong_secret_attempts([mine, theirs, granted, by_grader, by_containerd], "john123")
    assert found == [mine, by_containerd]
    assert wrong_secret_attempts([mine], "mary456") == []


# --- the registry's request log -----------------------------------------------------------------


def registry_request(index, method, uri, status, second=0) -> RegistryRequest:
    return RegistryRequest(
        index=index,
        time=f"2026-11-27T03:33:{second:02d}.5Z",
        method=method,
        uri=uri,
        status=status,
        user="john123",
        useragent=DOCKER,
        message="response completed",
    )


def test_the_last_push_is_the_last_created_put_of_that_tags_manifest():
    manifest = f"/v2/{PATH}/manifests/v1.1.0"
    log = [
        registry_request(0, "HEAD", manifest, 404, 1),
        registry_request(1, "PUT", manifest, 201, 2),
        registry_request(2, "GET", manifest, 200, 3),
        registry_request(3, "PUT", manifest, 201, 4),
        registry_request(4, "PUT", f"/v2/{PATH}/manifests/v1.0.0", 201, 5),  # another tag
        registry_request(5, "PUT", "/v2/john123/other/manifests/v1.1.0", 201, 6),
        registry_request(6, "PUT", manifest, 401, 7),  # refused: nothing stored
        registry_request(7, "PUT", f"/v2/{PATH}/blobs/uploads/abc?digest=sha256:1", 201, 8),
    ]
    found = last_push(log, WANT)
    assert found is log[3]
    assert found.time_ns == rfc3339_ns("2026-11-27T03:33:04.5Z")


def test_no_push_of_that_tag_is_none():
    log = [
        registry_request(0, "HEAD", f"/v2/{PATH}/manifests/v1.1.0", 200),
        registry_request(1, "PUT", f"/v2/{PATH}/manifests/v1", 201),
        registry_request(2, "PUT", f"/v2/{PATH}/manifests/v1.1.0", 400),
    ]
    assert last_push(log, WANT) is None
    assert last_push([], WANT) is None


# --- the engine's events ------------------------------------------------------------------------

IMAGE_ID = "sha256:" + "c" * 64
REF = "localhost:5000/john123/my-flask-app:v1.1.0"


def event(time_ns, action, actor, name="") -> EngineEvent:
    return EngineEvent(time_ns=time_ns, type="image", action=action, actor=actor, name=name)


def test_removed_then_pulled():
    events = [event(100, "delete", IMAGE_ID), event(200, "pull", REF)]
    assert removed_then_pulled(events, IMAGE_ID, REF, after_ns=50)


def test_a_pull_before_the_removal_is_not_removed_then_pulled():
    events = [event(100, "pull", REF), event(200, "delete", IMAGE_ID)]
    assert not removed_then_pulled(events, IMAGE_ID, REF, after_ns=50)


def test_a_removal_before_the_moment_does_not_count():
    events = [event(100, "delete", IMAGE_ID), event(200, "pull", REF)]
    assert not removed_then_pulled(events, IMAGE_ID, REF, after_ns=100)


def test_another_images_removal_or_another_names_pull_does_not_count():
    other_id = "sha256:" + "d" * 64
    assert not removed_then_pulled(
        [event(100, "delete", other_id), event(200, "pull", REF)], IMAGE_ID, REF, after_ns=0
    )
    assert not removed_then_pulled(
        [event(100, "delete", IMAGE_ID), event(200, "pull", REF.replace("v1.1.0", "v1"))],
        IMAGE_ID,
        REF,
        after_ns=0,
    )
    # An untag is not a removal: the image is still there.
    assert not removed_then_pulled(
        [event(100, "untag", IMAGE_ID), event(200, "pull", REF)], IMAGE_ID, REF, after_ns=0
    )


def test_a_pull_event_naming_docker_hub_in_either_form_is_the_same_image():
    # Engines report Docker Hub's names with or without docker.io.
    ref = "john123/my-flask-app:v1.1.0"
    events = [event(100, "delete", IMAGE_ID), event(200, "pull", "docker.io/" + ref)]
    assert removed_then_pulled(events, IMAGE_ID, ref, after_ns=0)


def test_a_pull_at_the_removals_nanosecond_counts():
    events = [event(100, "delete", IMAGE_ID), event(100, "pull", REF)]
    assert removed_then_pulled(events, IMAGE_ID, REF, after_ns=0)


def test_any_removal_followed_by_a_pull_counts():
    events = [
        event(100, "delete", IMAGE_ID),
        event(150, "pull", REF),
        event(300, "delete", IMAGE_ID),  # removed again, never pulled again
    ]
    assert removed_then_pulled(events, IMAGE_ID, REF, after_ns=0)


# --- sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 KB"),  # decimal units, as Docker Hub shows sizes
        (1499, "1.5 KB"),
        (32_637_819, "32.6 MB"),
        (999_949, "999.9 KB"),
        (10**9, "1.0 GB"),
        (3 * 10**12, "3000.0 GB"),  # no unit past GB
    ],
)
def test_human_size(size, text):
    assert human_size(size) == text
