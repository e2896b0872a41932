"""Deleting a tag or a repository, as Docker Hub's API does at its legacy paths (not in its API
description; docker/hub-tool's RemoveTag and RemoveRepository call them): only the owner, with a
password or a Read, Write, Delete token; the tag goes and the image's other tags stay; the
repository goes with every image in it; a push makes it anew. Judged against the real registry
(Distribution), in-process like the contract tests."""

from __future__ import annotations

import requests

from tests.hub.contract import Judged
from tests.hub.inprocess import REGISTRY_AUTH, pushed

OWNER = ("alice1234", "alices-password")


def bearer(running, identifier: str, secret: str) -> dict:
    return {"Authorization": "Bearer " + running.sign_in(identifier, secret)}


def tags(running) -> list[str]:
    """The tags the registry itself lists (not the hub's records)."""
    token = running.registry_token("repository:alice1234/app:pull", auth=OWNER).json()["token"]
    answer = requests.get(
        f"{running.registry.url}/v2/alice1234/app/tags/list",
        headers={"Authorization": "Bearer " + token},
        timeout=10,
    )
    return sorted(answer.json().get("tags") or []) if answer.status_code == 200 else []


def push(running, tag: str) -> str:
    token = running.registry_token("repository:alice1234/app:pull,push", auth=OWNER)
    digest = running.registry.push(token.json()["token"], "alice1234/app", tag)
    running.post("/_registry/events", json=pushed("alice1234/app", tag, digest=digest),
                 headers=REGISTRY_AUTH)  # fmt: skip
    return digest


def test_a_tag_goes_and_the_images_other_tags_stay_with_their_history(with_registry):
    running = with_registry
    push(running, "v1.0.0")  # the same image as v1: one digest, two tags
    push(running, "old")
    before = {t["name"]: t for t in running.get("/v2/namespaces/alice1234/repositories/app/tags",
                                                 headers=bearer(running, *OWNER)).json()["results"]}  # fmt: skip
    answer = running.request("DELETE", "/v2/repositories/alice1234/app/tags/v1/",
                             headers=bearer(running, *OWNER))  # fmt: skip
    assert answer.status_code == 204, answer.text
    assert tags(running) == ["old", "v1.0.0"]
    after = running.get("/v2/namespaces/alice1234/repositories/app/tags",
                        headers=bearer(running, *OWNER)).json()["results"]  # fmt: skip
    kept = {t["name"]: t for t in after}
    assert set(kept) == {"old", "v1.0.0"}
    assert kept["v1.0.0"]["digest"] == running.digest  # the image is still there, by its tag
    # Put back by the hub, not pushed by anyone: the tag's history is as it was.
    assert kept["v1.0.0"]["tag_last_pushed"] == before["v1.0.0"]["tag_last_pushed"]
    assert kept["v1.0.0"]["last_updater_username"] == "alice1234"
    gone = running.request("DELETE", "/v2/repositories/alice1234/app/tags/v1/",
                           headers=bearer(running, *OWNER))  # fmt: skip
    assert gone.status_code == 404


def test_only_the_owner_with_a_delete_permission_deletes(with_registry):
    running = with_registry
    write = running.new_token(*OWNER, "repo:write")["token"]
    admin = running.new_token(*OWNER, "repo:admin")["token"]
    running.account("bob12345", "bobs-password")
    path = "/v2/repositories/alice1234/app/tags/v1/"
    for who, status in (
        ({}, 401),  # not signed in
        (bearer(running, "bob12345", "bobs-password"), 403),  # another account
        (bearer(running, "alice1234", write), 403),  # Read & Write: no delete
    ):
        answer = running.request("DELETE", path, headers=who)
        assert answer.status_code == status, (who, answer.text)
        assert set(answer.json()) >= {"message"} or set(answer.json()) >= {"detail"}
    assert tags(running) == ["v1"]  # nothing changed
    answer = running.request("DELETE", path, headers=bearer(running, "alice1234", admin))
    assert answer.status_code == 204, answer.text
    assert tags(running) == []


def test_a_repository_goes_with_its_images_and_a_push_makes_it_anew(with_registry):
    running = with_registry
    push(running, "v2")
    owner = bearer(running, *OWNER)
    judged = Judged(running.base)
    answer = running.request("DELETE", "/v2/repositories/alice1234/app/", headers=owner)
    assert answer.status_code == 202, answer.text
    assert tags(running) == []
    listed = judged.call("GET", "/v2/namespaces/alice1234/repositories", headers=owner).json()
    assert [r["name"] for r in listed["results"]] == []
    missing = judged.call("GET", "/v2/namespaces/alice1234/repositories/app", headers=owner)
    assert missing.status_code == 404
    assert (
        running.request("DELETE", "/v2/repositories/alice1234/app/", headers=owner).status_code
        == 404
    )
    # The same image pushed again: the registry takes it (its layers' links were kept).
    push(running, "v1")
    assert tags(running) == ["v1"]
    again = judged.call("GET", "/v2/namespaces/alice1234/repositories/app", headers=owner)
    assert again.status_code == 200 and again.json()["name"] == "app"
    assert judged.wrong() == ""


def test_the_hubs_own_push_events_are_nobodys_push(with_registry):
    """The registry notifies every push, the hub's own too (a tag put back after a deletion):
    those leave the tag's pusher and time as they were."""
    running = with_registry
    push(running, "v1.0.0")
    listing = "/v2/namespaces/alice1234/repositories/app/tags/v1.0.0"
    before = running.get(listing, headers=bearer(running, *OWNER)).json()
    event = pushed("alice1234/app", "v1.0.0", digest=running.digest, actor={"name": "hub"},
                   request={"useragent": "classroom-hub"}, timestamp="2030-01-01T00:00:00Z")  # fmt: skip
    assert running.post("/_registry/events", json=event, headers=REGISTRY_AUTH).status_code < 300
    after = running.get(listing, headers=bearer(running, *OWNER)).json()
    assert after["tag_last_pushed"] == before["tag_last_pushed"] != "2030-01-01T00:00:00Z"
    assert after["last_updater_username"] == "alice1234"
