import pytest

from grader.course import enginetexts
from grader.errors import InvalidInput
from grader.infra.engine import BUILDKIT, CLASSIC, CONTAINERD, LEGACY, EngineInfo


def info(store: str, builder: str) -> EngineInfo:
    return EngineInfo("29.0.0", store, "overlayfs", builder, "linux", "amd64")


def test_every_text_exists_for_both_image_stores():
    for key, variants in enginetexts.TEXTS.items():
        assert {CLASSIC, CONTAINERD} <= set(variants), key
        assert set(variants) <= {CLASSIC, CONTAINERD, "index"}, key
        for markdown, shows in variants.values():
            assert markdown.strip() and all(line.strip() for line in shows)


@pytest.mark.parametrize("key", sorted(enginetexts.TEXTS))
def test_each_engine_gets_its_own_paragraph(key):
    classic = enginetexts.text(info(CLASSIC, BUILDKIT), key)
    containerd = enginetexts.text(info(CONTAINERD, LEGACY), key)
    assert classic.markdown != containerd.markdown
    assert classic._repr_markdown_() == str(classic) == classic.markdown
    assert "containerd image store" in containerd.markdown


def test_buildkit_on_the_containerd_store_says_it_pushes_an_index():
    text = enginetexts.text(info(CONTAINERD, BUILDKIT), "build-index")
    assert "image index" in text.markdown and "attestation" in text.markdown
    for other in (info(CONTAINERD, LEGACY), info(CLASSIC, BUILDKIT), info(CLASSIC, LEGACY)):
        assert "image index" not in enginetexts.text(other, "build-index").markdown
    # Elsewhere the builder does not matter: the course's own images carry no attestation.
    push = enginetexts.text(info(CONTAINERD, BUILDKIT), "push-lines")
    assert push == enginetexts.text(info(CONTAINERD, LEGACY), "push-lines")


def test_an_unknown_text_is_named():
    with pytest.raises(InvalidInput, match="No lesson text"):
        enginetexts.text(info(CLASSIC, LEGACY), "no-such-text")
