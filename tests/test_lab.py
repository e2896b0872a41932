"""The lab's life: start, stop, and what happens when the input or the environment is bad."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import Lab
from grader.cli import main
from grader.errors import (
    EngineUnavailable,
    InvalidInput,
    InvalidUsername,
    PortInUse,
    RegistryUnavailable,
)
from grader.infra.owners import LAB
from tests.conftest import STUDENT_DOCKER_CONFIG, docker, login, pull_fresh, pushed

pytestmark = pytest.mark.docker


def lab_containers(engine, lab_id=None):
    return engine.containers(all=True, labels={LAB: lab_id})


def test_start_gives_registry_username_token_and_its_own_docker_config(student_home):
    with Lab.start(username="john123") as lab:
        assert lab.registry.startswith("localhost:") and lab.registry.split(":")[1].isdigit()
        assert lab.username == "john123"
        assert lab.token.startswith("dckr_pat_") and len(lab.token) == 36
        assert os.environ["DOCKER_CONFIG"] == str(lab.config.directory)
        assert not str(lab.config.directory).startswith(str(student_home / ".docker"))
        assert lab.image() == f"{lab.registry}/john123/my-flask-app:v1"
        assert lab.image("v1.1.0", repository="other") == f"{lab.registry}/john123/other:v1.1.0"
    assert "DOCKER_CONFIG" not in os.environ


def test_the_registry_requires_login(lab):
    import requests

    assert requests.get(f"http://{lab.registry}/v2/", timeout=5).status_code == 401
    assert lab.registry_api.authenticates("john123", lab.token)
    assert not lab.registry_api.authenticates("john123", "wrong")


def test_a_whole_lab_leaves_the_students_files_and_images_alone(engine, student_home):
    own_config = student_home / ".docker" / "config.json"
    docker("tag", "my-flask-app:v1", "student-own/app:1")
    docker("tag", "my-flask-app:v1", "john123/my-flask-app:v1")
    own_container = docker("create", "student-own/app:1").stdout.strip()
    try:
        with Lab.start(username="john123") as lab:
            pushed(lab)
            pull_fresh(lab)
            docker("run", "-d", "-p", "127.0.0.1::5000", lab.image())
            assert lab.check("run").passed
            lab_id = lab.lab_id
        assert own_config.read_bytes() == STUDENT_DOCKER_CONFIG
        assert engine.image("student-own/app:1") and engine.image("john123/my-flask-app:v1")
        assert engine.image("my-flask-app:v1")
        assert engine.container(own_container) is not None
        assert not lab_containers(engine, lab_id)
        assert not [c for c in engine.containers(all=True) if c.image_ref.startswith(lab.registry)]
        assert not [t for i in engine.images() for t in i.tags if t.startswith(lab.registry)]
        assert not lab.config.directory.exists()
    finally:
        docker("rm", "-f", own_container, check=False)
        docker("rmi", "student-own/app:1", "john123/my-flask-app:v1", check=False)


def test_stop_twice_and_check_after_stop(lab):
    lab.stop()
    lab.stop()
    with pytest.raises(InvalidInput.__base__) as stopped:  # CourseError
        lab.check("account")
    assert "stopped" in stopped.value.message


@pytest.mark.parametrize("name", ["", "abc", "John123", "john_123", "x" * 31])
def test_an_invalid_username_changes_nothing(engine, name):
    before = len(lab_containers(engine))
    with pytest.raises(InvalidUsername):
        Lab.start(username=name)
    assert len(lab_containers(engine)) == before
    assert "DOCKER_CONFIG" not in os.environ


def test_an_unknown_check_is_named(lab):
    with pytest.raises(InvalidInput) as unknown:
        lab.check("deploy")
    assert (
        "account, login, tag, push, verify, pull, run, pull-limit, versioning" in unknown.value.fix
    )


def test_malformed_image_names_are_refused(lab):
    with pytest.raises(InvalidInput):
        lab.image("v 1")
    with pytest.raises(InvalidInput):
        lab.check("push", repository="My App")


def test_no_engine_is_an_infrastructure_error_with_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(EngineUnavailable) as missing:
        Lab.start(username="john123")
    assert "No Docker engine answers" in missing.value.message
    assert "docker info" in missing.value.fix
    assert "DOCKER_CONFIG" not in os.environ


def test_a_taken_port_is_reported_and_nothing_is_left(engine):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        before = {c.id for c in lab_containers(engine)}
        with pytest.raises(PortInUse) as taken:
            Lab.start(username="john123", port=port)
    assert str(port) in taken.value.message
    assert {c.id for c in lab_containers(engine)} == before
    assert "DOCKER_CONFIG" not in os.environ


def test_a_port_out_of_range_is_refused():
    with pytest.raises(InvalidInput):
        Lab.start(username="john123", port=70000)


def test_a_registry_killed_mid_lab_is_an_infrastructure_error_not_a_failed_step(lab, engine):
    engine.client.containers.get(lab._registry.get_container_id()).kill()
    with pytest.raises(RegistryUnavailable) as gone:
        lab.check("push")
    assert "not your work" in gone.value.message
    lab.stop()
    assert not lab_containers(engine, lab.lab_id)


DEAD_LAB = textwrap.dedent(
    """
    import subprocess, time
    from grader import Lab
    lab = Lab.start(username="deadlab1")
    subprocess.run(["docker", "tag", "my-flask-app:v1", lab.image()], check=True)
    print(lab.lab_id, lab.registry, flush=True)
    time.sleep(600)
    """
)


def start_and_kill_a_lab(engine):
    """A kernel that started a lab and was killed: nothing ran its stop()."""
    process = subprocess.Popen([sys.executable, "-c", DEAD_LAB], stdout=subprocess.PIPE, text=True)
    lab_id, registry = process.stdout.readline().split()
    process.kill()
    process.wait()
    assert lab_containers(engine, lab_id)
    assert engine.image(f"{registry}/deadlab1/my-flask-app:v1")
    return lab_id, registry


def test_the_next_lab_cleans_up_after_a_killed_kernel(engine):
    lab_id, registry = start_and_kill_a_lab(engine)
    with Lab.start(username="john123"):
        assert not lab_containers(engine, lab_id)
        assert not engine.image(f"{registry}/deadlab1/my-flask-app:v1")
    assert engine.image("my-flask-app:v1")  # the course's own image is never the lab's to remove


def test_doctor_cleans_up_after_a_killed_kernel(engine):
    lab_id, _ = start_and_kill_a_lab(engine)
    out = io.StringIO()
    assert main(["doctor"], out=out) == 0
    assert "cleaned up after a dead lab: container classroom-registry-deadlab1" in out.getvalue()
    assert not lab_containers(engine, lab_id)


def test_a_live_lab_is_not_cleaned_up_by_another(engine, lab):
    with Lab.start(username="other1") as other:
        assert other.registry != lab.registry
        assert lab.check("account").passed


TWIN = textwrap.dedent(
    """
    import json, subprocess, sys
    from grader import Lab
    tag = sys.argv[1]
    with Lab.start(username="john123") as lab:
        run = lambda *a, **k: subprocess.run(["docker", *a], check=True, capture_output=True, text=True, **k)
        run("login", lab.registry, "-u", "john123", "--password-stdin", input=lab.token)
        run("tag", "my-flask-app:v1", lab.image(tag))
        run("push", lab.image(tag))
        print(json.dumps({"registry": lab.registry, "tags": lab.registry_api.tags("john123/my-flask-app"),
                          "login": lab.check("login").passed, "config": str(lab.config.directory)}))
    """
)


@pytest.mark.slow
def test_two_labs_at_the_same_time_do_not_collide(engine):
    twins = [
        subprocess.Popen([sys.executable, "-c", TWIN, tag], stdout=subprocess.PIPE, text=True)
        for tag in ("v1", "v1.0.0")
    ]
    import json

    results = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in twins]
    assert all(p.returncode == 0 for p in twins)
    assert results[0]["registry"] != results[1]["registry"]
    assert results[0]["config"] != results[1]["config"]
    assert [r["tags"] for r in results] == [["v1"], ["v1.0.0"]]
    assert all(r["login"] for r in results)


def test_a_port_taken_between_its_choice_and_the_hubs_start_is_chosen_again(engine, monkeypatch):
    """Two labs (two test streams, two learners) may pick the same free port at once: the one
    that loses the race starts on another port instead of failing."""
    from grader.infra import net

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        held = taken.getsockname()[1]
        picks = iter([held])  # the first pick is taken by the time the hub publishes it
        chosen = net.registry_port
        monkeypatch.setattr(
            net, "registry_port", lambda check=True: next(picks, 0) or chosen(check)
        )
        with Lab.start(username="john123") as lab:
            assert not lab.registry.endswith(f":{held}")
            assert lab.check("account").passed  # the hub on its new port answers
        with pytest.raises(PortInUse):  # a port the learner asked for is never changed
            Lab.start(username="john123", port=held)


@pytest.mark.parametrize("buildkit", ["1", "0"], ids=["BuildKit", "legacy builder"])
def test_start_rebuilds_the_app_image_when_it_is_missing(engine, monkeypatch, buildkit):
    if buildkit == "1" and docker("buildx", "version", check=False).returncode != 0:
        pytest.skip("the docker CLI here has no buildx plugin")
    monkeypatch.setenv("DOCKER_BUILDKIT", buildkit)
    holder = "course-test/app-backup:1"
    docker("tag", "my-flask-app:v1", holder)  # keep the layers so the rebuild is quick
    docker("rmi", "my-flask-app:v1")
    try:
        with Lab.start(username="john123") as lab:
            rebuilt = engine.image("my-flask-app:v1")
            assert rebuilt is not None
            assert "org.publishing-course.app-hash" in rebuilt.labels
            # Either builder makes one image manifest (no attestation), so a pulled copy can
            # be pushed again under another tag on the containerd image store too.
            login(lab)
            docker("tag", "my-flask-app:v1", lab.image())
            docker("push", lab.image())
            manifest = lab.registry_api.manifest("john123/my-flask-app", "v1")
            assert not manifest.is_index and manifest.attestations == 0
            assert manifest.identifies(rebuilt.id)
    finally:
        if engine.image("my-flask-app:v1") is None:
            docker("tag", holder, "my-flask-app:v1")
        docker("rmi", holder)


def test_lab_state_lives_in_the_course_cache_not_in_docker_folders(student_home):
    with Lab.start(username="john123") as lab:
        assert Path(lab.config.directory).is_relative_to(
            student_home / ".cache" / "publishing-course"
        )
        assert oct(lab.config.path.stat().st_mode)[-3:] == "600"
