"""grader.settings: every variable the course reads, in one place, read when asked."""

from __future__ import annotations

from pathlib import Path

from grader.infra import images, places
from grader.settings import DEFAULT_STATE_ROOT, Settings, settings


def test_an_empty_environment_gives_the_documented_defaults():
    got = Settings.from_environ({})
    assert got.state_root == Path(DEFAULT_STATE_ROOT) == Path("/var/lib/publishing-course")
    assert got.cache_home == Path.home() / ".cache"
    assert got.registry_image == "registry:2"
    assert got.base_image == "python:3.12-slim"
    assert got.registry_binary == "/usr/bin/docker-registry"
    assert got.debian_mirror == "http://deb.debian.org/debian"
    assert got.rootless_script.endswith("dockerd-rootless.sh")
    assert (got.username, got.jupyter_base, got.docker_host) == ("", "", "")
    assert got.legacy_builder is False
    assert got.app_port == 5000


def test_each_variable_sets_its_field():
    got = Settings.from_environ(
        {
            "COURSE_STATE_ROOT": "/srv/course",
            "XDG_CACHE_HOME": "/home/ann/.c",
            "COURSE_REGISTRY_IMAGE": "mirror/registry:2.8",
            "COURSE_BASE_IMAGE": "python:3.11",
            "COURSE_REGISTRY_BINARY": "/opt/registry",
            "COURSE_DEBIAN_MIRROR": "http://mirror.example/debian",
            "COURSE_DOCKERD_ROOTLESS": "/opt/rootless.sh",
            "COURSE_USERNAME": "ann",
            "COURSE_JUPYTER_BASE_URL": "/user/ann/",
            "DOCKER_HOST": "unix:///run/user/1000/docker.sock",
            "DOCKER_BUILDKIT": "0",
            "COURSE_APP_PORT": "5055",
        }
    )
    assert got.state_root == Path("/srv/course")
    assert got.cache_home == Path("/home/ann/.c")
    assert (got.registry_image, got.base_image) == ("mirror/registry:2.8", "python:3.11")
    assert (got.registry_binary, got.rootless_script) == ("/opt/registry", "/opt/rootless.sh")
    assert got.debian_mirror == "http://mirror.example/debian"
    assert (got.username, got.jupyter_base) == ("ann", "/user/ann/")
    assert got.docker_host == "unix:///run/user/1000/docker.sock"
    assert got.legacy_builder is True
    assert got.app_port == 5055


def test_jupyterhubs_prefix_wins_over_the_courses_own_base_url():
    both = {"JUPYTERHUB_SERVICE_PREFIX": "/user/bo/", "COURSE_JUPYTER_BASE_URL": "/other/"}
    assert Settings.from_environ(both).jupyter_base == "/user/bo/"


def test_only_zero_or_false_asks_for_the_legacy_builder():
    for value, legacy in (
        ("0", True),
        ("false", True),
        (" False ", True),
        ("1", False),
        ("", False),
    ):
        assert Settings.from_environ({"DOCKER_BUILDKIT": value}).legacy_builder is legacy, value


def test_an_empty_variable_means_its_default_not_an_empty_name():
    got = Settings.from_environ({"COURSE_REGISTRY_IMAGE": "", "COURSE_STATE_ROOT": ""})
    assert got.registry_image == "registry:2"
    assert got.state_root == Path(DEFAULT_STATE_ROOT)


def test_an_app_port_that_is_no_port_means_5000():
    for value in ("", "abc", "0", "70000", "-1", "5000.5"):
        assert Settings.from_environ({"COURSE_APP_PORT": value}).app_port == 5000, value


def test_a_change_to_the_environment_is_seen_at_the_next_call_not_frozen_at_import(monkeypatch):
    monkeypatch.setenv("COURSE_STATE_ROOT", "/srv/a")
    assert places.state_root() == Path("/srv/a") == settings().state_root
    monkeypatch.setenv("COURSE_STATE_ROOT", "/srv/b")
    assert places.state_root() == Path("/srv/b")
    monkeypatch.setenv("XDG_CACHE_HOME", "/srv/cache")
    assert places.cache_root() == Path("/srv/cache/publishing-course")


def test_the_image_step_reads_its_images_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_REGISTRY_BINARY", str(tmp_path / "no-registry-here"))
    missing = images.offline_tools()["registry"]
    assert missing and str(tmp_path / "no-registry-here") in missing
    monkeypatch.setenv("COURSE_REGISTRY_BINARY", __file__)  # any file that exists
    assert images.offline_tools()["registry"] is None
