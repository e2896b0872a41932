"""What the grader makes of a registry's manifests, on the JSON shapes real pushes leave: a Docker
v2 image manifest (the classic image store), an OCI image manifest, and an OCI index with an
attestation manifest, as BuildKit on the containerd image store pushes it.

``RegistryAPI``'s requests are covered by the Docker tests (a real registry)."""

import pytest

from grader.hub.registry import (
    ATTESTATION,
    IMAGE_MANIFEST_TYPES,
    INDEX_TYPES,
    MANIFEST_TYPES,
    Manifest,
    _image_manifest,
    _is_attestation,
    _platform,
    _scope_of,
)

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest(char: str) -> str:
    return "sha256:" + char * 64


DOCKER_V2_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": DOCKER_V2,
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
        "digest": digest("c"),
    },
    "layers": [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 29_126_484,
            "digest": digest("1"),
        },
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 3_511_242,
            "digest": digest("2"),
        },
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 93,
            "digest": digest("3"),
        },
    ],
}

OCI_IMAGE_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": OCI_MANIFEST,
    "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": digest("d"),
        "size": 1472,
    },
    "layers": [
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": digest("4"),
            "size": 3_623_844,
        }
    ],
    "annotations": {"org.opencontainers.image.created": "2026-11-27T03:32:19Z"},
}

# What `docker buildx build --push` (or a push from the containerd image store) leaves: the image
# for the platform, and an attestation manifest (provenance) for it.
BUILDKIT_INDEX = {
    "schemaVersion": 2,
    "mediaType": OCI_INDEX,
    "manifests": [
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("a"),
            "size": 1052,
            "platform": {"architecture": "amd64", "os": "linux"},
        },
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("b"),
            "size": 839,
            "annotations": {
                "vnd.docker.reference.digest": digest("a"),
                "vnd.docker.reference.type": "attestation-manifest",
            },
            "platform": {"architecture": "unknown", "os": "unknown"},
        },
    ],
}

MULTI_PLATFORM_INDEX = {
    "schemaVersion": 2,
    "mediaType": OCI_INDEX,
    "manifests": [
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("a"),
            "size": 1052,
            "platform": {"architecture": "amd64", "os": "linux"},
        },
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("e"),
            "size": 1052,
            "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
        },
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("f"),
            "size": 1052,
            "platform": {"architecture": "arm", "os": "linux", "variant": "v7"},
        },
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest("b"),
            "size": 839,
            "annotations": {
                "vnd.docker.reference.digest": digest("a"),
                "vnd.docker.reference.type": "attestation-manifest",
            },
            "platform": {"architecture": "unknown", "os": "unknown"},
        },
    ],
}


# --- media types --------------------------------------------------------------------------------


def test_the_accept_header_names_every_image_and_index_type():
    assert set(MANIFEST_TYPES.split(", ")) == {DOCKER_V2, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX}
    assert set(IMAGE_MANIFEST_TYPES).isdisjoint(INDEX_TYPES)
    assert ATTESTATION == "attestation-manifest"


# --- _image_manifest ----------------------------------------------------------------------------


def test_a_docker_v2_image_manifest_is_read():
    manifest = _image_manifest(
        "john123/my-flask-app", "v1", digest("9"), DOCKER_V2, DOCKER_V2_MANIFEST, digest("9")
    )
    assert manifest == Manifest(
        repository="john123/my-flask-app",
        reference="v1",
        digest=digest("9"),
        config_digest=digest("c"),
        layers=((digest("1"), 29_126_484), (digest("2"), 3_511_242), (digest("3"), 93)),
        media_type=DOCKER_V2,
        image_digest=digest("9"),
    )
    assert not manifest.is_index
    assert manifest.size == 29_126_484 + 3_511_242 + 93  # compressed: the config is not counted
    assert manifest.platform == "" and manifest.platforms == () and manifest.attestations == 0


def test_an_oci_image_manifest_is_read():
    manifest = _image_manifest(
        "john123/app", "v2", digest("8"), OCI_MANIFEST, OCI_IMAGE_MANIFEST, digest("8")
    )
    assert manifest.config_digest == digest("d")
    assert manifest.layers == ((digest("4"), 3_623_844),)
    assert manifest.size == 3_623_844
    assert manifest.media_type == OCI_MANIFEST
    assert not manifest.is_index


def test_an_index_entrys_manifest_keeps_the_tags_digest_and_its_own():
    # Read for an index: the tag's digest is the index's, the image digest the platform entry's.
    manifest = _image_manifest(
        "john123/app", "v1", digest("0"), OCI_MANIFEST, OCI_IMAGE_MANIFEST, digest("a")
    )
    assert manifest.digest == digest("0")
    assert manifest.image_digest == digest("a")


def test_a_layer_size_given_as_text_is_a_number():
    body = {"config": {"digest": digest("c")}, "layers": [{"digest": digest("1"), "size": "42"}]}
    manifest = _image_manifest("r", "t", digest("9"), DOCKER_V2, body, digest("9"))
    assert manifest.layers == ((digest("1"), 42),)
    assert manifest.size == 42


def test_a_manifest_without_config_or_layers_is_empty_not_an_error():
    manifest = _image_manifest(
        "r", "t", digest("9"), OCI_MANIFEST, {"schemaVersion": 2}, digest("9")
    )
    assert manifest.config_digest == ""
    assert manifest.layers == ()
    assert manifest.size == 0
    assert _image_manifest("r", "t", "", OCI_MANIFEST, {"config": None}, "").config_digest == ""


# --- Manifest -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type, is_index",
    [
        (DOCKER_V2, False),
        (OCI_MANIFEST, False),
        (OCI_INDEX, True),
        (DOCKER_LIST, True),
        ("", False),
    ],
)
def test_is_index_follows_the_media_type(media_type, is_index):
    manifest = Manifest("r", "t", digest("9"), digest("c"), (), media_type=media_type)
    assert manifest.is_index is is_index


def test_a_manifest_is_a_docker_v2_image_manifest_by_default():
    assert Manifest("r", "t", digest("9"), digest("c"), ()).media_type == DOCKER_V2


def test_an_image_manifest_is_identified_by_its_config_digest_or_its_own_digest():
    manifest = _image_manifest("r", "v1", digest("9"), DOCKER_V2, DOCKER_V2_MANIFEST, digest("9"))
    assert manifest.identifies(digest("c"))  # the image ID on the classic image store
    assert manifest.identifies(digest("9"))  # the image ID on the containerd image store
    assert not manifest.identifies(digest("1"))  # a layer is not the image
    assert not manifest.identifies(digest("7"))
    assert not manifest.identifies("")


def test_an_index_is_identified_by_its_digest_its_platforms_manifest_or_the_config():
    manifest = Manifest(
        repository="john123/app",
        reference="v1",
        digest=digest("0"),
        config_digest=digest("d"),
        layers=((digest("4"), 3_623_844),),
        media_type=OCI_INDEX,
        image_digest=digest("a"),
        platform="linux/amd64",
        platforms=("linux/amd64",),
        attestations=1,
    )
    assert manifest.is_index
    assert manifest.size == 3_623_844
    for image_id in (digest("0"), digest("a"), digest("d")):
        assert manifest.identifies(image_id)
    assert not manifest.identifies(digest("b"))  # the attestation manifest is no image


def test_an_empty_image_id_never_identifies_a_manifest_without_digests():
    # A manifest read from an index whose platform entry could not be read has empty fields: an
    # empty ID must not match them.
    manifest = Manifest(
        "r", "t", digest=digest("0"), config_digest="", layers=(), media_type=OCI_INDEX
    )
    assert not manifest.identifies("")
    assert manifest.identifies(digest("0"))


# --- index entries ------------------------------------------------------------------------------


def test_buildkits_attestation_manifest_is_recognised():
    image, attestation = BUILDKIT_INDEX["manifests"]
    assert not _is_attestation(image)
    assert _is_attestation(attestation)


def test_an_attestation_is_recognised_by_its_annotation_alone():
    entry = {
        "digest": digest("b"),
        "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
        "platform": {"architecture": "amd64", "os": "linux"},
    }
    assert _is_attestation(entry)


def test_an_unknown_platform_is_no_image_to_pull():
    assert _is_attestation(
        {"digest": digest("b"), "platform": {"os": "unknown", "architecture": "unknown"}}
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"digest": digest("a")},  # no platform, no annotations (a single-image index)
        {"digest": digest("a"), "platform": None, "annotations": None},
        {"digest": digest("a"), "annotations": {"vnd.docker.reference.type": "sbom"}},
        {
            "digest": digest("a"),
            "annotations": {"org.opencontainers.image.ref.name": "v1"},
            "platform": {"architecture": "arm64", "os": "linux"},
        },
    ],
)
def test_other_entries_are_images(entry):
    assert not _is_attestation(entry)


@pytest.mark.parametrize(
    "platform, text",
    [
        ({"architecture": "amd64", "os": "linux"}, "linux/amd64"),
        ({"architecture": "arm64", "os": "linux", "variant": "v8"}, "linux/arm64/v8"),
        ({"architecture": "arm", "os": "linux", "variant": "v7"}, "linux/arm/v7"),
        (
            {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2227"},
            "windows/amd64",
        ),
        ({"architecture": "amd64", "os": "linux", "variant": ""}, "linux/amd64"),
        ({"architecture": "unknown", "os": "unknown"}, "unknown/unknown"),
    ],
)
def test_an_entrys_platform_is_os_architecture_and_variant(platform, text):
    assert _platform({"digest": digest("a"), "platform": platform}) == text


def test_an_entry_without_a_platform_names_none():
    for entry in ({"digest": digest("a")}, {"digest": digest("a"), "platform": None}):
        assert _platform(entry).strip("/") == ""


def test_the_platforms_an_index_offers_leave_the_attestation_out():
    # As RegistryAPI.manifest lists them.
    entries = [e for e in MULTI_PLATFORM_INDEX["manifests"] if not _is_attestation(e)]
    assert tuple(_platform(e) for e in entries) == ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")
    assert len(MULTI_PLATFORM_INDEX["manifests"]) - len(entries) == 1


# --- scopes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, scope",
    [
        ("/v2/_catalog?n=1000", "registry:catalog:*"),
        ("/v2/_catalog", "registry:catalog:*"),
        ("/v2/john123/my-flask-app/manifests/v1", "repository:john123/my-flask-app:pull"),
        (
            "/v2/john123/my-flask-app/manifests/" + digest("a"),
            "repository:john123/my-flask-app:pull",
        ),
        ("/v2/john123/my-flask-app/blobs/" + digest("c"), "repository:john123/my-flask-app:pull"),
        ("/v2/john123/my-flask-app/tags/list", "repository:john123/my-flask-app:pull"),
        ("/v2/a/b/c/tags/list?n=10", "repository:a/b/c:pull"),
        ("/v2/", ""),
        ("/v2/?mark=0123456789abcdef", ""),
    ],
)
def test_each_request_has_the_scope_its_token_is_kept_under(path, scope):
    assert _scope_of(path) == scope


def test_two_repositories_never_share_a_token():
    assert _scope_of("/v2/john123/app/manifests/v1") != _scope_of("/v2/john123/app2/manifests/v1")
    assert _scope_of("/v2/john123/app/manifests/v1") != _scope_of("/v2/mary456/app/manifests/v1")


@pytest.mark.parametrize(
    "path", ["/v2/john123/tags/tags/list", "/v2/john123/manifests/blobs/" + digest("c")]
)
def test_a_repository_named_like_an_api_word_has_its_own_scope(path):
    assert _scope_of(path).split(":")[1] == path[4:].rsplit("/", 2)[0]
