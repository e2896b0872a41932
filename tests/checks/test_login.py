import json
import os
import stat

import pytest

from grader.result import runnable
from tests.conftest import docker, login

pytestmark = pytest.mark.docker


def test_login_with_the_access_token_passes(lab):
    assert "Login Succeeded" in login(lab).stdout
    result = lab.check("login")
    assert result.passed, result
    assert "config.json" in result.message


def test_not_logged_in_fails_with_the_login_command(lab):
    result = lab.check("login")
    assert not result.passed
    assert "not logged in" in result.message
    assert f"docker login {lab.registry} -u john123 --password-stdin" in result.hint
    assert lab.token not in result.hint  # the token is never shown


def test_a_wrong_credential_is_refused_and_recognised(lab):
    refused = login(lab, secret="my-hub-password", check=False)
    assert refused.returncode != 0 and "incorrect username or password" in refused.stderr
    result = lab.check("login")
    assert not result.passed
    assert "refused" in result.message and "incorrect username or password" in result.message


def test_a_login_with_the_password_instead_of_a_token_fails(lab):
    login(lab, secret=lab.password)  # the hub accepts it, as Docker Hub does
    result = lab.check("login")
    assert not result.passed and "with your password" in result.message


def test_logging_in_with_another_configuration_is_recognised(lab, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "HOME", str(tmp_path)
    )  # a terminal's own ~/.docker, not the student's real one
    docker("--config", str(tmp_path / ".docker"), "login", lab.registry, "-u", lab.username,
           "--password-stdin", input=lab.token)  # fmt: skip
    result = lab.check("login")
    assert not result.passed
    assert str(tmp_path / ".docker" / "config.json") in result.message
    assert "Log in from the notebook" in result.hint
    assert runnable(result.hint) == [
        f"docker login {lab.registry} -u {lab.username} --password-stdin < {{lab.token_file}}"
    ]


@pytest.mark.parametrize("key", ["credsStore", "credHelpers"])
@pytest.mark.parametrize("name", ["desktop", "osxkeychain", "wincred"])
def test_a_credential_helper_is_read(lab, tmp_path, monkeypatch, key, name):
    # Docker Desktop configures a credential helper for every registry (credsStore) or for some
    # (credHelpers): desktop, osxkeychain on macOS, wincred on Windows. There is no keychain
    # here, so the helper under that name keeps credentials in a file; it speaks the real
    # protocol, and the real docker CLI stores the login through it.
    store = tmp_path / "store.json"
    helper = tmp_path / f"docker-credential-{name}"
    helper.write_text(HELPER.replace("STORE", str(store)))
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    setting = name if key == "credsStore" else {lab.registry: name}
    lab.config.path.write_text(json.dumps({key: setting}))
    login(lab)
    stored = json.loads(lab.config.path.read_text())
    assert not stored.get("auths", {}).get(lab.registry, {}).get("auth")  # not in the file
    assert lab.registry in json.loads(store.read_text())
    result = lab.check("login")
    assert result.passed, result
    assert f"docker-credential-{name}" in result.message


def test_a_missing_credential_helper_is_named(lab):
    lab.config.path.write_text(json.dumps({"credsStore": "not-installed-anywhere"}))
    result = lab.check("login")
    assert not result.passed
    assert "docker-credential-not-installed-anywhere is not installed" in result.message


HELPER = """#!/usr/bin/env python3
import json, sys
from pathlib import Path
store = Path("STORE")
data = json.loads(store.read_text()) if store.exists() else {}
action = sys.argv[1]
if action == "store":
    entry = json.load(sys.stdin)
    data[entry["ServerURL"]] = entry
    store.write_text(json.dumps(data))
elif action == "get":
    url = sys.stdin.read().strip()
    if url not in data:
        print("credentials not found in native keychain"); sys.exit(1)
    print(json.dumps(data[url]))
elif action == "erase":
    data.pop(sys.stdin.read().strip(), None)
    store.write_text(json.dumps(data))
elif action == "list":
    print(json.dumps({k: v["Username"] for k, v in data.items()}))
"""


def test_stop_removes_a_terminal_login_to_the_lab_registry_and_nothing_else(tmp_path, monkeypatch):
    from grader import Lab

    monkeypatch.setenv("HOME", str(tmp_path))
    own = tmp_path / ".docker" / "config.json"
    own.parent.mkdir()
    own.write_text('{"auths": {"example.org": {"auth": "dTpw"}}}')
    with Lab.start(username="john123") as lab:
        docker("--config", str(own.parent), "login", lab.registry, "-u", lab.username,
               "--password-stdin", input=lab.token)  # fmt: skip
        assert lab.registry in json.loads(own.read_text())["auths"]
    assert json.loads(own.read_text())["auths"] == {"example.org": {"auth": "dTpw"}}
