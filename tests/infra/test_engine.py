"""The engine as learners have it: the classic image store or the containerd one, the legacy
builder or BuildKit. Each difference between them is tested on the engine where it happens (CI
runs this file on Debian's 20.10 and on a 26.1 engine with the containerd image store)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from grader.course import hubview
from grader.infra.engine import BUILDKIT, LEGACY
from grader.infra.images import asset
from grader.result import runnable
from tests.conftest import docker, login, pull_fresh, pushed, tag_and_push

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def containerd_store(engine):
    if not engine.info.containerd_store:
        pytest.skip("happens on the containerd image store only")


def test_the_engine_says_its_image_store_builder_and_platform(engine):
    info = engine.info
    driver_status = docker("info", "--format", "{{json .DriverStatus}}").stdout
    assert info.containerd_store == ("io.containerd.snapshotter.v1" in driver_status)
    buildx = docker("buildx", "version", check=False).returncode == 0
    legacy_asked = os.environ.get("DOCKER_BUILDKIT") == "0"
    assert info.builder == (BUILDKIT if buildx and not legacy_asked else LEGACY)
    server = docker("version", "--format", "{{.Server.Os}}/{{.Server.Arch}}").stdout.strip()
    assert info.platform == server
    assert info.version in info.describe() and info.builder in info.describe()


def _builder_env(builder: str) -> dict:
    if builder == "BuildKit" and docker("buildx", "version", check=False).returncode != 0:
        pytest.skip("the docker CLI here has no buildx plugin")
    return {"DOCKER_BUILDKIT": "1" if builder == "BuildKit" else "0"}


def build_version(lab, tag: str, builder: str, tmp_path) -> str:
    """What a learner does for a new version: copy the app, build it with ``builder``."""
    context = tmp_path / f"app-{tag}"
    shutil.copytree(asset("my-flask-app"), context)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in _builder_env(builder).items():
            patch.setenv(key, value)
        done = docker(
            "build", "-t", lab.source(tag), "--build-arg", f"BASE_IMAGE={lab.images.base}",
            "--build-arg", f"APP_VERSION={tag}", str(context),
        )  # fmt: skip
    return done.stdout + done.stderr


@pytest.mark.parametrize("builder", ["BuildKit", "legacy builder"])
def test_a_version_built_with_either_builder_passes_push_verify_pull_and_run(
    lab, engine, builder, tmp_path
):
    build_version(lab, "v1.1.0", builder, tmp_path)
    login(lab)
    pushing = tag_and_push(lab, "v1.1.0", source=lab.source("v1.1.0"))
    manifest = lab.registry_api.manifest("john123/my-flask-app", "v1.1.0")
    # The digest a learner copies from the push's last line.
    printed = re.search(r"v1\.1\.0: digest: (sha256:[0-9a-f]{64})", pushing.stdout)[1]
    assert printed == manifest.digest
    if builder == "BuildKit" and engine.info.containerd_store:
        # An OCI image index: this platform's image plus an attestation manifest.
        assert manifest.is_index and manifest.attestations == 1
        assert manifest.platform == engine.info.platform
        assert manifest.platforms == (engine.info.platform,)
        assert manifest.image_digest != manifest.digest and manifest.size > 0
    else:
        assert not manifest.is_index and manifest.image_digest == manifest.digest
    assert manifest.config_digest and manifest.size > 10_000_000

    assert lab.check("push", tag="v1.1.0").passed
    page = hubview.repository(lab).tag("v1.1.0")
    assert page.digest == printed and page.size == manifest.size
    assert page.platform == engine.info.platform
    verdict = lab.check("verify", tag="v1.1.0", digest=printed, size=page.size_text)
    assert verdict.passed, verdict
    pull_fresh(lab, "v1.1.0")
    pulled = lab.check("pull", tag="v1.1.0")
    assert pulled.passed, pulled
    docker("run", "-d", "-p", "127.0.0.1::5000", lab.image("v1.1.0"))
    ran = lab.check("run", tag="v1.1.0")
    assert ran.passed, ran
    page_text = lab.fetch_published(ran.evidence["host_port"])[2]
    assert "v1.1.0" in page_text


def test_the_platform_digest_inside_an_index_is_recognised(lab, engine, containerd_store, tmp_path):
    build_version(lab, "v1.1.0", "BuildKit", tmp_path)
    login(lab)
    tag_and_push(lab, "v1.1.0", source=lab.source("v1.1.0"))
    manifest = lab.registry_api.manifest("john123/my-flask-app", "v1.1.0")
    result = lab.check("verify", tag="v1.1.0", digest=manifest.image_digest, size=manifest.size)
    assert not result.passed
    assert "inside the index" in result.message and "last line" in result.hint


def test_repodigests_is_filled_before_any_push_on_the_containerd_store(lab, engine):
    docker("tag", lab.source(), lab.image())
    digests = engine.image(lab.image()).repo_digests
    if engine.info.containerd_store:
        assert f"{lab.registry}/john123/my-flask-app@{engine.image(lab.image()).id}" in digests
    else:
        assert not any(d.startswith(lab.registry) for d in digests)
    # Either way, a digest the engine knows is no evidence of a push or a pull.
    assert not lab.check("push").passed
    assert "nothing to pull" in lab.check("pull").message


def test_a_second_push_of_an_unchanged_tag_is_seen_by_the_engine(lab, engine):
    pushed(lab)
    puts_before = _manifest_puts(lab)
    again = docker("push", lab.image())
    assert "Layer already exists" in again.stdout
    puts = _manifest_puts(lab)
    single = not lab.registry_api.manifest("john123/my-flask-app", "v1").is_index
    if engine.info.containerd_store and single:  # HEAD manifests/v1, no PUT: not in the log
        assert puts == puts_before
        heads = [
            r
            for r in lab.requests()
            if r.method == "HEAD" and r.uri.endswith("/manifests/v1") and r.by_docker
        ]
        assert heads
    else:
        assert puts > puts_before
    pushes = [e for e in engine.events(0) if e.action == "push" and e.actor == lab.image()]
    assert len(pushes) >= 2


def _manifest_puts(lab) -> int:
    return sum(
        1
        for r in lab.requests()
        if r.method == "PUT" and r.status == 201 and "/manifests/" in r.uri
    )


def pull_back_a_buildkit_build(lab, tmp_path) -> None:
    """A learner's BuildKit build of v1.1.0, pushed, every local name removed, pulled back."""
    build_version(lab, "v1.1.0", "BuildKit", tmp_path)
    login(lab)
    tag_and_push(lab, "v1.1.0", source=lab.source("v1.1.0"))
    docker("rmi", lab.image("v1.1.0"), lab.source("v1.1.0"))
    docker("pull", lab.image("v1.1.0"))


def test_a_pull_the_content_store_serves_counts_when_the_image_was_removed(
    lab, engine, containerd_store, tmp_path
):
    # After a BuildKit build the content store keeps the blobs: removing every name and pulling
    # downloads nothing, yet the learner did it right; the engine's events say so.
    pull_back_a_buildkit_build(lab, tmp_path)
    blob_gets = [
        r for r in lab.requests() if r.method == "GET" and "/blobs/" in r.uri and r.by_docker
    ]
    assert blob_gets == []
    result = lab.check("pull", tag="v1.1.0")
    assert result.passed, result
    assert result.evidence["blobs"] == 0 and result.evidence["removed_before_pull"]
    assert "content store" in result.message


def test_a_pull_a_remaining_name_serves_still_fails_on_the_content_store(
    lab, engine, containerd_store, tmp_path
):
    build_version(lab, "v1.1.0", "BuildKit", tmp_path)
    login(lab)
    tag_and_push(lab, "v1.1.0", source=lab.source("v1.1.0"))
    docker("rmi", lab.image("v1.1.0"))  # lab.source("v1.1.0") still holds the image
    docker("pull", lab.image("v1.1.0"))
    result = lab.check("pull", tag="v1.1.0")
    assert not result.passed and "local cache" in result.message


def test_the_sizes_differ_as_the_lessons_say(lab, engine):
    pushed(lab)
    manifest = lab.registry_api.manifest("john123/my-flask-app", "v1")
    inspected = engine.image(lab.image()).size
    listed = engine.listed_size(lab.image())
    if engine.info.containerd_store:  # unpacked plus compressed content; inspect ~ content
        assert listed > inspected > manifest.size * 0.9
    else:  # unpacked, both; the hub's compressed size is smaller
        assert listed == inspected > manifest.size


def test_a_pulled_index_pushed_under_a_new_tag_is_explained(
    lab, engine, containerd_store, tmp_path
):
    # A BuildKit build is an index with an attestation; a pull fetches only this platform's
    # image, and the engine refuses to push the pulled copy under another tag.
    pull_back_a_buildkit_build(lab, tmp_path)
    docker("tag", lab.image("v1.1.0"), lab.image("v1.1"))
    refused = docker("push", lab.image("v1.1"), check=False)
    assert refused.returncode != 0 and "missing content" in refused.stderr
    result = lab.check("push", tag="v1.1")
    assert not result.passed and "holds only part of it" in result.message
    command = runnable(result.hint)[0]  # the first command the hint gives, as it runs
    assert command.startswith("docker buildx imagetools create -t ")
    docker(*command.split()[1:])
    done = lab.check("push", tag="v1.1")
    assert done.passed, done
    index = lab.registry_api.manifest("john123/my-flask-app", "v1.1.0").digest
    assert lab.registry_api.manifest("john123/my-flask-app", "v1.1").digest == index
