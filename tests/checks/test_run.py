import re

import pytest

from tests.conftest import docker, pull_fresh, pushed

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def pulled(lab):
    pushed(lab)
    pull_fresh(lab)
    return lab


def test_running_the_pulled_image_with_the_port_published_passes(pulled):
    docker("run", "-d", "-p", "127.0.0.1::5000", pulled.image())
    result = pulled.check("run")
    assert result.passed, result
    assert result.evidence["host_port"] > 0


def test_not_started(pulled):
    result = pulled.check("run")
    # The lesson's -p 5000:5000, or another host port while 5000 is taken on this machine (by
    # a test running beside this one, say): which one is tests/course/test_lessons.py's.
    assert not result.passed and re.search(r"docker run -d -p \d+:5000 ", result.hint)


def test_port_not_published(pulled):
    docker("run", "-d", pulled.image())
    result = pulled.check("run")
    assert not result.passed and "not published" in result.message and "-p" in result.hint


def test_running_the_local_name_instead_of_the_pulled_one(pulled):
    container = docker("run", "-d", "-p", "127.0.0.1::5000", pulled.source()).stdout.strip()
    try:
        result = pulled.check("run")
        assert not result.passed
        assert pulled.source() in result.message and "registry name" in result.hint
    finally:
        docker("rm", "-f", container)


def test_a_container_that_exited_is_reported_with_its_output(pulled):
    docker("run", "-p", "127.0.0.1::5000", pulled.image(), "python3", "-c",
           "print('app crashed: no config'); raise SystemExit(3)", check=False)  # fmt: skip
    result = pulled.check("run")
    assert not result.passed
    assert "exited" in result.message and "app crashed: no config" in result.message


def test_a_container_that_serves_something_else_fails(pulled):
    docker(
        "run", "-d", "-p", "127.0.0.1::5000", pulled.image(), "python3", "-m", "http.server", "5000"
    )
    result = pulled.check("run")
    assert not result.passed and "instead of the app's page" in result.message


def test_nothing_to_run_before_a_pull(lab):
    result = lab.check("run")
    assert not result.passed and "Pull it first" in result.hint
