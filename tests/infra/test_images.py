"""The offline image path: the registry built from Debian's Distribution binary is a working
registry. (The Python base's debootstrap build runs in every CI run's image step, on an engine
whose data root starts empty.)"""

import pytest
import requests

from grader.infra import images
from grader.infra.images import build_registry, offline_tools

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.skipif(offline_tools()["registry"] is not None, reason="docker-registry not installed")
def test_the_offline_registry_image_serves_the_registry_api(engine):
    ref = "course-test/registry-offline:1"
    build_registry(engine, ref, log=lambda _: None)
    container = engine.client.containers.run(
        ref, detach=True, ports={"5000/tcp": ("127.0.0.1", None)}
    )
    try:
        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
        from grader.infra.net import first_answering

        assert first_answering([f"http://127.0.0.1:{port}/v2/"], deadline=15)
        answer = requests.get(f"http://127.0.0.1:{port}/v2/", timeout=5)
        assert answer.status_code == 200
        assert answer.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    finally:
        container.remove(force=True)
        engine.remove_image(ref)


def test_status_and_ensure_agree_on_the_names(engine):
    names = images.ensure(engine, log=lambda _: None)
    found = {s.role: s for s in images.status(engine)}
    assert found["registry"].present == names.registry
    assert found["base"].present == names.base
    assert found["app"].present == "my-flask-app:v1"


def test_the_app_image_serves_its_page_on_port_5000(engine):
    container = engine.client.containers.run(
        "my-flask-app:v1", detach=True, ports={"5000/tcp": ("127.0.0.1", None)}
    )
    try:
        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
        from grader.infra.net import first_answering

        assert first_answering([f"http://127.0.0.1:{port}/"], deadline=15)
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=5).text
        assert "Hello from my-flask-app" in page
    finally:
        container.remove(force=True)
