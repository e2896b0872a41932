"""Registry clients that no one here wrote, against the classroom hub and its registry, as a
learner who moves past the docker CLI meets them: skopeo (Debian's package: containers/image)
logs in with an access token, copies, inspects, and is refused a private repository when
anonymous; oras-py (a Python OCI client from PyPI) pushes and pulls an artifact with the hub's
tokens and is refused a push with a read-only one. Each follows the registry's token flow its
own way; the hub serves them all."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests

from grader.hub.client import Challenge
from tests.conftest import docker, login

pytestmark = pytest.mark.docker

SKOPEO = shutil.which("skopeo")


def skopeo(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    if SKOPEO is None:
        pytest.skip("no skopeo here: apt-get install skopeo")
    return subprocess.run([SKOPEO, *args], input=input, capture_output=True, text=True, timeout=120)


@pytest.fixture
def pushed(lab, tmp_path_factory) -> str:
    """``USER/real-clients:v1`` pushed with the docker CLI (a one-layer image built here)."""
    folder = tmp_path_factory.mktemp("real-clients")
    (folder / "hello.txt").write_text("pushed for the real clients' tests\n")
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    target = f"{lab.registry}/{lab.username}/real-clients:v1"
    docker("build", "-q", "-t", target, str(folder))
    login(lab)
    docker("push", target, timeout=120)
    return target


def _access(lab) -> str:
    return lab.hub_api.sign_in(lab.username, lab.password)


def test_skopeo_logs_in_with_a_token_copies_inspects_and_is_refused_a_private_one(
    lab, pushed, tmp_path
):
    auth = ["--authfile", str(tmp_path / "auth.json")]
    plain = ["--tls-verify=false"]  # the classroom's registry speaks plain HTTP
    signed = skopeo("login", *plain, *auth, "-u", lab.username, "--password-stdin", lab.registry,
                    input=lab.token)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    copy = f"docker://{lab.registry}/{lab.username}/real-clients-copy:v1"
    # --all: the index and every image in it, as pushed (the containerd image store pushes an
    # index), so the copy's digest is the original's
    copied = skopeo("copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", *auth,
                    f"docker://{pushed}", copy)  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    source = skopeo("inspect", *plain, *auth, f"docker://{pushed}")
    inspected = skopeo("inspect", *plain, *auth, copy)
    assert inspected.returncode == 0, inspected.stderr
    digest = json.loads(inspected.stdout)["Digest"]
    assert digest == json.loads(source.stdout)["Digest"]  # the same manifest, byte for byte
    tags = lab.hub_api.tags(lab.username, "real-clients-copy", _access(lab))
    assert [(t["name"], t["digest"]) for t in tags] == [("v1", digest)]

    anonymous = skopeo("inspect", *plain, "--no-creds", copy)
    assert anonymous.returncode == 0, anonymous.stderr  # public: anyone reads it
    lab.hub_api.set_private(lab.username, "real-clients-copy", True, _access(lab))
    try:
        refused = skopeo("inspect", *plain, "--no-creds", copy)
        assert refused.returncode != 0
        assert "requested access to the resource is denied" in refused.stderr, refused.stderr
        assert skopeo("inspect", *plain, *auth, copy).returncode == 0  # its owner still reads it
    finally:
        lab.hub_api.set_private(lab.username, "real-clients-copy", False, _access(lab))


def _registry_token(lab, secret: str, repository: str, actions: str = "pull,push"):
    """The hub's token service's answer for ``repository:REPO:ACTIONS``, asked as ``curl -u
    USER:TOKEN`` would, at the realm the registry names."""
    answer = requests.get(f"http://{lab.registry}/v2/", timeout=10)
    challenge = Challenge.parse(answer.headers["WWW-Authenticate"])
    return requests.get(
        challenge.realm,
        params={"service": challenge.service, "scope": f"repository:{repository}:{actions}"},
        auth=(lab.username, secret),
        timeout=10,
    )


def test_oras_py_pushes_and_pulls_an_artifact_and_a_read_only_token_cannot_push(lab, tmp_path):
    """oras-py asks the realm for a token by itself when it pulls. To push it is handed a token:
    0.2.43 keeps the pull-only token its first request (does the blob exist?) got, and asks for
    no other when the registry answers 401 insufficient_scope (it asks again only on a 403), so
    by itself it cannot push to a Distribution registry with token auth, Docker Hub's included."""
    oras_client = pytest.importorskip("oras.client")
    notes = tmp_path / "notes.txt"
    notes.write_text("an artifact, not an image\n")
    repository = f"{lab.username}/real-clients-notes"
    target = f"{lab.registry}/{repository}:v1"
    writer = oras_client.OrasClient(hostname=lab.registry, insecure=True)
    granted = _registry_token(lab, lab.token, repository)
    assert granted.status_code == 200, granted.text
    writer.auth.set_token_auth(granted.json()["token"])
    answer = writer.push(target=target, files=[str(notes)], disable_path_validation=True)
    assert answer.status_code == 201, answer.text

    reader = oras_client.OrasClient(hostname=lab.registry, insecure=True)
    reader.login(lab.username, lab.token, hostname=lab.registry, tls_verify=False)
    pulled = reader.pull(target=target, outdir=str(tmp_path / "out"))  # its own token flow
    assert [open(p).read() for p in pulled] == [notes.read_text()]
    tags = lab.hub_api.tags(lab.username, "real-clients-notes", _access(lab))
    assert [t["name"] for t in tags] == ["v1"]

    read_only = lab.hub_api.create_access_token(_access(lab), "oras read", "repo:read")["token"]
    asked = _registry_token(lab, read_only, repository)  # as Docker Hub: refused at the realm
    assert asked.status_code == 401 and "insufficient scopes" in asked.text, asked.text
    pull_only = _registry_token(lab, read_only, repository, "pull")
    refused = oras_client.OrasClient(hostname=lab.registry, insecure=True)
    refused.auth.set_token_auth(pull_only.json()["token"])
    with pytest.raises(ValueError, match="Unauthorized"):  # the manifest (the blob is there)
        refused.push(target=f"{lab.registry}/{repository}:v2", files=[str(notes)],
                     disable_path_validation=True)  # fmt: skip
    tags = lab.hub_api.tags(lab.username, "real-clients-notes", _access(lab))
    assert [t["name"] for t in tags] == ["v1"]  # nothing pushed with the read-only token
