"""Docker client configurations read from real config.json files, and real credential helpers:
small programs named ``docker-credential-NAME`` put first on PATH, speaking the helper protocol
(``get`` with the registry on standard input, JSON on standard output).

``logout`` runs the docker CLI and is covered by the Docker tests."""

import base64
import json
import os
import stat
import time
from pathlib import Path

import pytest

from grader.infra.dockerconfig import (
    DOCKER_HUB_KEY,
    Credential,
    CredentialProblem,
    DockerConfig,
    auth_key,
)

REGISTRY = "localhost:5000"


def auth(username: str, secret: str) -> str:
    return base64.b64encode(f"{username}:{secret}".encode()).decode()


def config_with(tmp_path, content) -> DockerConfig:
    folder = tmp_path / "docker-config"
    folder.mkdir(exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content, indent="\t")
    (folder / "config.json").write_text(text)
    return DockerConfig(folder)


def install_helper(tmp_path, monkeypatch, name: str, script: str) -> None:
    """A program ``docker-credential-NAME`` first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    program = folder / f"docker-credential-{name}"
    program.write_text(script)
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


# A helper that answers for one registry, records what it was asked, and says "not found" (exit 1,
# as the real helpers do) for any other.
ANSWERING = """#!/bin/sh
read registry
echo "$1 $registry" >> "{log}"
if [ "$registry" = "{registry}" ]; then
  printf '{{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}}' "$registry"
  exit 0
fi
echo "credentials not found in native keychain" >&2
exit 1
"""


def install_answering_helper(tmp_path, monkeypatch, registry: str) -> Path:
    """``docker-credential-coursetest`` answering for ``registry``; returns the log of what it
    was asked (missing until it is asked)."""
    log = tmp_path / "asked.log"
    install_helper(
        tmp_path, monkeypatch, "coursetest", ANSWERING.format(log=log, registry=registry)
    )
    return log


# --- auth_key ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registry",
    ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"],
)
def test_every_spelling_of_docker_hub_has_the_clis_one_key(registry):
    assert auth_key(registry) == DOCKER_HUB_KEY == "https://index.docker.io/v1/"


@pytest.mark.parametrize(
    "registry", ["localhost:5000", "127.0.0.1:5000", "ghcr.io", "quay.io", "docker.example.com"]
)
def test_any_other_registry_is_its_own_key(registry):
    assert auth_key(registry) == registry


# --- reading auths ------------------------------------------------------------------------------


def test_a_credential_in_auths_is_decoded(tmp_path):
    config = config_with(tmp_path, {"auths": {REGISTRY: {"auth": auth("john123", "dckr_pat_x")}}})
    assert config.credential(REGISTRY) == Credential("john123", "dckr_pat_x", "config.json")


def test_a_secret_with_colons_is_kept_whole(tmp_path):
    # Only the first colon separates the username; a secret may hold more.
    config = config_with(tmp_path, {"auths": {REGISTRY: {"auth": auth("john123", "a:b:c")}}})
    assert config.credential(REGISTRY) == Credential("john123", "a:b:c", "config.json")


def test_docker_hub_is_found_under_its_old_index_address_whatever_the_spelling(tmp_path):
    config = config_with(tmp_path, {"auths": {DOCKER_HUB_KEY: {"auth": auth("student", "pw")}}})
    for spelling in ("docker.io", "index.docker.io", "registry-1.docker.io", DOCKER_HUB_KEY):
        assert config.credential(spelling) == Credential("student", "pw", "config.json")


def test_the_credential_is_the_one_for_that_registry(tmp_path):
    config = config_with(
        tmp_path,
        {
            "auths": {
                "localhost:5000": {"auth": auth("john123", "first")},
                "localhost:5001": {"auth": auth("mary456", "second")},
            }
        },
    )
    assert config.credential("localhost:5001") == Credential("mary456", "second", "config.json")
    assert config.credential("localhost:5002") is None
    assert config.credential("127.0.0.1:5000") is None  # another spelling is another registry


@pytest.mark.parametrize(
    "content",
    [
        {},
        {"auths": {}},
        {"auths": {REGISTRY: {}}},  # what `docker login` leaves when a helper holds the secret
        {"auths": {REGISTRY: {"auth": ""}}},
        {"psFormat": "table {{.ID}}"},
    ],
)
def test_no_stored_credential_is_none(tmp_path, content):
    assert config_with(tmp_path, content).credential(REGISTRY) is None


def test_a_missing_config_json_has_no_credentials(tmp_path):
    config = DockerConfig(tmp_path / "nowhere")
    assert config.read() == {}
    assert config.credential(REGISTRY) is None
    assert config.registries() == []


def test_an_empty_config_json_has_no_credentials(tmp_path):
    config = config_with(tmp_path, "")
    assert config.read() == {}
    assert config.credential(REGISTRY) is None


@pytest.mark.parametrize("text", ["{", "{'auths': {}}", "not json", '{"auths": {"a": 1,}}'])
def test_a_malformed_config_json_is_a_problem_not_a_crash(tmp_path, text):
    config = config_with(tmp_path, text)
    problem = config.credential(REGISTRY)
    assert isinstance(problem, CredentialProblem)
    assert str(config.path) in problem.reason
    assert "not valid JSON" in problem.reason


def test_an_auth_field_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path):
    garbled = base64.b64encode(b"\xff\xfe:\x80").decode()
    config = config_with(tmp_path, {"auths": {REGISTRY: {"auth": garbled}}})
    problem = config.credential(REGISTRY)
    assert isinstance(problem, CredentialProblem)
    assert REGISTRY in problem.reason


def test_an_auth_field_with_bad_padding_is_a_problem_not_a_crash(tmp_path):
    config = config_with(tmp_path, {"auths": {REGISTRY: {"auth": "am9objEyMzpw"[:-1]}}})
    assert isinstance(config.credential(REGISTRY), CredentialProblem)


@pytest.mark.parametrize(
    "content",
    ["[]", "null", {"auths": {REGISTRY: "x"}}, {"auths": {REGISTRY: {"auth": 12345}}}],
)
def test_a_config_json_of_the_wrong_shape_is_a_problem_not_a_crash(tmp_path, content):
    """In grading the file is the student's: any JSON may come, and none may crash the run."""
    config = config_with(tmp_path, content)
    problem = config.credential(REGISTRY, helpers=False)
    assert isinstance(problem, CredentialProblem)
    assert isinstance(config.registries(), list)


@pytest.mark.parametrize("content", [{"auths": []}, {"credHelpers": "x", "auths": {}}])
def test_lists_where_objects_belong_hold_no_credential(tmp_path, content):
    config = config_with(tmp_path, content)
    assert config.credential(REGISTRY, helpers=False) is None
    assert config.registries() == []


# --- registries ---------------------------------------------------------------------------------


def test_registries_are_those_of_auths_and_credhelpers_sorted_and_once(tmp_path):
    config = config_with(
        tmp_path,
        {
            "auths": {"localhost:5001": {"auth": auth("a", "b")}, DOCKER_HUB_KEY: {}},
            "credHelpers": {"ghcr.io": "coursetest", "localhost:5001": "coursetest"},
            "credsStore": "desktop",  # a store names no registry of its own
        },
    )
    assert config.registries() == ["ghcr.io", DOCKER_HUB_KEY, "localhost:5001"]


def test_a_fresh_configuration_is_private_and_empty(tmp_path):
    config = DockerConfig.create(tmp_path / "lab" / "docker")
    assert config.read() == {}
    assert config.registries() == []
    assert stat.S_IMODE(config.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(config.path.stat().st_mode) == 0o600
    config.remove()
    assert not config.directory.exists()


# --- credential helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [{"credsStore": "coursetest"}, {"credHelpers": {REGISTRY: "coursetest"}}],
    ids=["credsStore", "credHelpers"],
)
def test_a_configured_helper_is_run_and_wins_over_auths(tmp_path, monkeypatch, setting):
    log = install_answering_helper(tmp_path, monkeypatch, REGISTRY)
    config = config_with(tmp_path, {**setting, "auths": {REGISTRY: {"auth": auth("old", "pw")}}})
    found = config.credential(REGISTRY)
    assert found == Credential("helper-user", "helper-secret", "docker-credential-coursetest")
    assert log.read_text() == f"get {REGISTRY}\n"  # the protocol: `get`, registry on stdin


def test_the_helper_is_asked_under_docker_hubs_key(tmp_path, monkeypatch):
    log = install_answering_helper(tmp_path, monkeypatch, DOCKER_HUB_KEY)
    config = config_with(tmp_path, {"credHelpers": {DOCKER_HUB_KEY: "coursetest"}})
    assert config.credential("docker.io").username == "helper-user"
    assert log.read_text() == f"get {DOCKER_HUB_KEY}\n"


def test_a_helper_for_another_registry_is_not_run(tmp_path, monkeypatch):
    log = install_answering_helper(tmp_path, monkeypatch, REGISTRY)
    config = config_with(
        tmp_path,
        {
            "credHelpers": {"ghcr.io": "coursetest"},
            "auths": {REGISTRY: {"auth": auth("john123", "pw")}},
        },
    )
    assert config.credential(REGISTRY) == Credential("john123", "pw", "config.json")
    assert not log.exists()


def test_a_helper_that_has_no_credential_falls_back_to_auths(tmp_path, monkeypatch):
    log = install_answering_helper(tmp_path, monkeypatch, "elsewhere:1")
    config = config_with(
        tmp_path, {"credsStore": "coursetest", "auths": {REGISTRY: {"auth": auth("j", "p")}}}
    )
    assert config.credential(REGISTRY) == Credential("j", "p", "config.json")
    assert log.read_text() == f"get {REGISTRY}\n"
    assert config_with(tmp_path, {"credsStore": "coursetest"}).credential(REGISTRY) is None


@pytest.mark.parametrize(
    "setting",
    [{"credsStore": "coursetest"}, {"credHelpers": {REGISTRY: "coursetest"}}],
    ids=["credsStore", "credHelpers"],
)
def test_grading_never_runs_a_helper(tmp_path, monkeypatch, setting):
    # The student's configuration names the helper and the student may control PATH: in grading
    # only auths counts, and the program is never started.
    log = install_answering_helper(tmp_path, monkeypatch, REGISTRY)
    with_auths = config_with(tmp_path, {**setting, "auths": {REGISTRY: {"auth": auth("j", "p")}}})
    assert with_auths.credential(REGISTRY, helpers=False) == Credential("j", "p", "config.json")
    assert config_with(tmp_path, setting).credential(REGISTRY, helpers=False) is None
    assert not log.exists()


def test_grading_ignores_a_helper_that_is_not_installed(tmp_path):
    config = config_with(tmp_path, {"credsStore": "coursetest-missing"})
    assert config.credential(REGISTRY, helpers=False) is None


@pytest.mark.parametrize(
    "setting",
    [{"credsStore": "coursetest-missing"}, {"credHelpers": {REGISTRY: "coursetest-missing"}}],
    ids=["credsStore", "credHelpers"],
)
def test_a_helper_that_is_not_installed_is_named(tmp_path, setting):
    problem = config_with(tmp_path, setting).credential(REGISTRY)
    assert problem == CredentialProblem(
        "the configured credential helper docker-credential-coursetest-missing is not installed"
    )


def test_a_helper_with_an_unreadable_answer_is_a_problem(tmp_path, monkeypatch):
    install_helper(tmp_path, monkeypatch, "coursetest", "#!/bin/sh\necho 'Username: john'\n")
    problem = config_with(tmp_path, {"credsStore": "coursetest"}).credential(REGISTRY)
    assert problem == CredentialProblem("docker-credential-coursetest gave an unreadable answer")


def test_a_helper_that_cannot_start_is_a_problem(tmp_path, monkeypatch):
    # Found on PATH and executable, but its interpreter does not exist.
    install_helper(tmp_path, monkeypatch, "coursetest", "#!/nonexistent/interpreter\n")
    problem = config_with(tmp_path, {"credsStore": "coursetest"}).credential(REGISTRY)
    assert isinstance(problem, CredentialProblem)
    assert problem.reason.startswith("docker-credential-coursetest did not answer")


@pytest.mark.skip(reason="the helper's timeout is 10 s: too slow for the fast tier")
def test_a_helper_that_never_answers_is_a_problem(tmp_path, monkeypatch):
    install_helper(tmp_path, monkeypatch, "coursetest", "#!/bin/sh\nexec sleep 60\n")
    started = time.monotonic()
    problem = config_with(tmp_path, {"credsStore": "coursetest"}).credential(REGISTRY)
    assert isinstance(problem, CredentialProblem)
    assert "did not answer" in problem.reason
    assert time.monotonic() - started < 15
