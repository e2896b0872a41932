"""The hub page model: what Docker Hub shows for a repository, read from the lab's registry."""

from datetime import datetime, timedelta, timezone

import pytest

from grader.course import hubview
from grader.infra import commands
from tests.conftest import set_private
from tests.learners import learner_lab, pushed


def test_distribution_log_times_are_read_to_the_microsecond():
    moment = hubview._time("2026-11-26T18:31:35.080561992Z")
    assert moment == datetime(2026, 11, 26, 18, 31, 35, 80561, tzinfo=timezone.utc)
    assert hubview._time("2026-11-26T18:31:35Z").microsecond == 0
    assert hubview._time("") is None and hubview._time("yesterday") is None


@pytest.mark.parametrize(
    "ago, text",
    [
        (timedelta(seconds=20), "less than a minute ago"),
        (timedelta(minutes=1, seconds=5), "1 minute ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=2, hours=1), "2 days ago"),
    ],
)
def test_last_pushed_reads_like_the_hub(ago, text):
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    tag = hubview.HubTag("v1", "sha256:" + "a" * 64, 69_052_980, now - ago)
    assert tag.pushed_text(now) == text
    assert tag.size_text == "69.1 MB"
    assert hubview.HubTag("v1", "", 0, None).pushed_text(now) == "unknown"


@pytest.mark.docker
@pytest.mark.slow
def test_the_page_lists_each_tag_with_digest_size_platform_and_push_time_newest_first():
    with learner_lab("lessonsh") as lab:
        empty = hubview.repository(lab)
        assert empty.tags == () and not empty.private and "no tags yet" in str(empty)
        pushed(lab)
        commands.run(f"docker tag my-flask-app:v1 {lab.image('v1.0.0')}")
        commands.run(f"docker push {lab.image('v1.0.0')}")
        page = hubview.repository(lab)
        assert page.name == f"{lab.username}/my-flask-app" and page.registry == lab.registry
        assert [t.name for t in page.tags] == ["v1.0.0", "v1"]
        manifest = lab.registry_api.manifest(page.name, "v1")
        for tag in page.tags:
            assert tag.digest == manifest.digest and tag.size == manifest.size
            assert tag.pushed is not None
        assert page.tags[0].pushed >= page.tags[1].pushed
        assert not page.private  # a first push makes a public repository, as on Docker Hub
        assert page.url == lab.hub_page(f"/r/{page.name}")
        set_private(lab, True)
        page = hubview.repository(lab)  # the grader reads a private one too
        html = page._repr_html_()
        assert page.private and [t.name for t in page.tags] == ["v1.0.0", "v1"]
        assert manifest.digest in html and "Private" in html and 'data-tag="v1.0.0"' in html
        platform = lab.engine.info.platform  # OS/ARCH, as the hub's Tags tab shows it
        assert all(t.platform == platform and t.kind == "image" for t in page.tags)
        assert f"v1  {platform}  {page.tags[1].size_text}" in str(page)
        assert f'<td style="white-space:nowrap;text-align:left">{platform}</td>' in html
