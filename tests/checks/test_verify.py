import pytest

from tests.conftest import docker, pushed

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub():
    """One pushed lab for every statement below (verify only reads)."""
    from grader import Lab

    with Lab.start(username="verify1") as lab:
        pushed(lab)
        yield lab, lab.registry_api.manifest("verify1/my-flask-app", "v1")


def test_the_digest_and_size_the_hub_shows_pass(hub):
    lab, manifest = hub
    result = lab.check("verify", digest=manifest.digest, size=manifest.size)
    assert result.passed, result


@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_a_rounded_size_and_a_short_digest_pass(hub, decimals):
    lab, manifest = hub
    size = f"{manifest.size / 1e6:.{decimals}f} MB"
    assert lab.check("verify", digest=manifest.digest[7:19], size=size).passed
    binary = f"{manifest.size / 2**20:.{decimals}f}MiB"
    assert lab.check("verify", digest=manifest.digest, size=binary).passed


def test_no_statement_fails_with_how_to_state_it(hub):
    lab, _ = hub
    result = lab.check("verify")
    assert not result.passed and "lab.check('verify'" in result.hint


def test_a_wrong_digest_fails(hub):
    lab, manifest = hub
    wrong = "sha256:" + ("0" if manifest.digest[7] != "0" else "1") + manifest.digest[8:]
    result = lab.check("verify", digest=wrong, size=manifest.size)
    assert not result.passed and "is not the digest" in result.message


def test_a_too_short_digest_fails(hub):
    lab, manifest = hub
    assert not lab.check("verify", digest=manifest.digest[7:12], size=manifest.size).passed


def test_the_config_digest_is_not_the_pushed_digest(hub, engine):
    lab, manifest = hub
    result = lab.check("verify", digest=manifest.config_digest, size=manifest.size)
    assert not result.passed
    if engine.info.containerd_store:
        assert "digest of the image's config" in result.message
    else:  # there, the image ID `docker images` shows
        assert "image ID" in result.message
        assert engine.image(lab.image()).id == manifest.config_digest


def test_the_image_id_passes_where_it_is_the_pushed_digest(hub, engine):
    lab, manifest = hub
    image_id = engine.image(lab.image()).id
    result = lab.check("verify", digest=image_id[7:19], size=manifest.size)
    assert result.passed == engine.info.containerd_store, result


def test_the_size_docker_images_shows_is_recognised(hub, engine):
    lab, manifest = hub
    listed = engine.listed_size(lab.image())
    shown = docker("images", "--format", "{{.Size}}", lab.image()).stdout.strip()  # e.g. 364MB
    assert abs(float(shown.removesuffix("MB")) * 1e6 - listed) < 1e6
    result = lab.check("verify", digest=manifest.digest, size=shown)
    assert not result.passed
    if engine.info.containerd_store:  # unpacked plus the compressed content, both on disk
        assert "unpacked image plus its compressed content" in result.message
        assert listed > engine.image(lab.image()).size
    else:
        assert "uncompressed size" in result.message
        assert listed == engine.image(lab.image()).size


def test_a_wrong_size_fails(hub):
    lab, manifest = hub
    result = lab.check("verify", digest=manifest.digest, size=f"{manifest.size / 1e6 * 1.5:.1f} MB")
    assert not result.passed and "is not the size" in result.message


@pytest.mark.parametrize("size", ["big", "12 parsecs", True, ""])
def test_something_that_is_not_a_size_gets_a_clear_answer(hub, size):
    lab, manifest = hub
    result = lab.check("verify", digest=manifest.digest, size=size)
    assert not result.passed and "is not a size" in result.message


def test_nothing_to_verify_before_a_push(lab):
    result = lab.check("verify", digest="sha256:" + "a" * 64, size="1 MB")
    assert not result.passed and "Push it first" in result.hint
