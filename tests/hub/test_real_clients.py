"""Registry clients that no one here wrote, against the classroom hub and its registry, as a
learner who moves past the docker CLI meets them: skopeo (Debian's package: containers/image)
logs in with an access token, copies, inspects, and is refused a private repository when
anonymous; oras-py (a Python OCI client from PyPI) pushes and pulls an artifact with a token and
is refused a push with a read-only one. Each follows the registry's token flow its own way; the
hub serves them all."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import docker, login

pytestmark = pytest.mark.docker

SKOPEO = shutil.which("skopeo")


def skopeo(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    if SKOPEO is None:
        pytest.skip("no skopeo here: apt-get install skopeo")
    return subprocess.run([SKOPEO, *args], input=input, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
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
    copied = skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", *auth,
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


def test_oras_py_pushes_and_pulls_an_artifact_with_a_token_and_a_read_only_one_cannot_push(
    lab, tmp_path
):
    oras_client = pytest.importorskip("oras.client")
    notes = tmp_path / "notes.txt"
    notes.write_text("an artifact, not an image\n")
    target = f"{lab.registry}/{lab.username}/real-clients-notes:v1"
    writer = oras_client.OrasClient(hostname=lab.registry, insecure=True)
    writer.login(lab.username, lab.token, hostname=lab.registry, tls_verify=False)
    answer = writer.push(target=target, files=[str(notes)], disable_path_validation=True)
    assert answer.status_code == 201, answer.text
    pulled = writer.pull(target=target, outdir=str(tmp_path / "out"))
    assert [open(p).read() for p in pulled] == [notes.read_text()]
    assert lab.hub_api.repository(lab.username, "real-clients-notes") is not None

    reader_token = lab.hub_api.create_access_token(_access(lab), "oras read", "repo:read")["token"]
    reader = oras_client.OrasClient(hostname=lab.registry, insecure=True)
    reader.login(lab.username, reader_token, hostname=lab.registry, tls_verify=False)
    assert reader.pull(target=target, outdir=str(tmp_path / "again"))  # reading is allowed
    refused = None
    try:
        refused = reader.push(
            target=f"{lab.registry}/{lab.username}/real-clients-notes:v2",
            files=[str(notes)],
            disable_path_validation=True,
        )
    except Exception as error:  # oras-py raises on a refused upload
        refused = error
    said = refused.text if hasattr(refused, "text") else str(refused)
    assert getattr(refused, "status_code", 401) in (401, 403), said
    tags = [t["name"] for t in lab.hub_api.tags(lab.username, "real-clients-notes", _access(lab))]
    assert tags == ["v1"]  # nothing pushed with the read-only token
