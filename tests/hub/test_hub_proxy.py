"""The hub's pages through jupyter-server-proxy, as a learner whose JupyterLab runs on another
machine reaches them: a real Jupyter server, the real proxy extension, the real hub."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from grader.infra import net

# The hub's pages through a Jupyter server's proxy: HTTP only, nothing pushed or pulled.
pytestmark = [pytest.mark.docker, pytest.mark.one_engine]


@pytest.fixture
def jupyter(tmp_path):
    """``jupyter server`` on a free port, with jupyter-server-proxy (a course dependency)."""
    port, token = net.free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    binary = Path(sys.executable).with_name("jupyter-server")
    server = subprocess.Popen(
        [str(binary), "--no-browser", "--ip", "127.0.0.1", f"--port={port}",
         f"--ServerApp.token={token}", "--allow-root", f"--ServerApp.root_dir={tmp_path}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"  # as a browser's Jupyter login would
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if session.get(base + "/api/status", timeout=1).ok:
                break
        except requests.exceptions.RequestException:
            pass
        assert time.monotonic() < deadline, "jupyter server did not start"
        time.sleep(0.2)
    yield base, session
    server.terminate()
    server.wait(timeout=30)


def test_the_pages_work_through_jupyter_server_proxy(lab, jupyter, monkeypatch):
    base, browser = jupyter
    monkeypatch.setenv("COURSE_JUPYTER_BASE_URL", "/")
    page = lab.hub_page("/settings/personal-access-tokens")
    prefix = f"/proxy/absolute/{lab.hub_url.rsplit(':', 1)[1]}"
    assert page == prefix + "/settings/personal-access-tokens"

    signin = browser.get(base + page, timeout=10)  # not signed in: sent to sign in, via the proxy
    assert signin.ok and signin.url.startswith(base + prefix + "/login?next=")
    assert f'action="{prefix}/login"' in signin.text
    assert not re.search(r'(href|action)="/(?!proxy/absolute/)', signin.text)  # every link kept
    landed = browser.post(
        base + prefix + "/login",
        data={
            "username": lab.username,
            "password": lab.password,
            "next": "/settings/personal-access-tokens",
        },  # fmt: skip
        timeout=10,
    )
    assert landed.ok and landed.url == base + page, landed.url
    csrf = re.search(r'name="csrf" value="([^"]+)"', landed.text)
    made = browser.post(
        base + prefix + "/settings/personal-access-tokens",
        data={"csrf": csrf.group(1), "description": "via the proxy", "permission": "repo:read"},
        timeout=10,
    )
    assert made.status_code == 201 and "data-token>dckr_pat_" in made.text
    access = lab.hub_api.sign_in(lab.username, lab.password)
    assert "via the proxy" in [t["token_label"] for t in lab.hub_api.access_tokens(access)]
    # Without the proxy, the same hub answers its own paths.
    monkeypatch.delenv("COURSE_JUPYTER_BASE_URL")
    assert lab.hub_page("/r/x/y") == lab.hub_url + "/r/x/y"
